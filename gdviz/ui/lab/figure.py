"""The lab's plots and summary as one widget, and its export to PNG or SVG.

The plots are a list laid out in a grid whose number of columns follows the width (one plot needs
``PLOT_MIN`` px); in the lab window the grid scrolls, so any number of plots fits any screen down
to 1024×768. Add a plot by appending it to ``LabFigure.plots`` (``make_plots``): nothing here
counts them."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QFrame, QGridLayout, QLabel, QScrollArea, QSizePolicy,
                               QVBoxLayout, QWidget)

from gdviz.core.lab import noise_disagreement
from gdviz.ui.lab._plot import apply_plot_theme, bare_plot, given_plot
from gdviz.ui.lab.examples_plot import ExamplesPlot
from gdviz.ui.lab.heatmap_plot import HeatmapPlot
from gdviz.ui.lab.noise_plot import NoisePlot
from gdviz.ui.lab.steps_plot import StepsPlot
from gdviz.ui.lab.time_plot import TimePlot
from gdviz.ui.lab.tradeoff_plot import TradeoffPlot

PLOT_MIN = (480, 340)          # px one plot needs to show its titles, ticks and legend
MAX_COLUMNS = 3
EXPORT_COLUMNS = 2
EXPORT_CELL = (640, 430)       # px per plot in the exported figure


def plot_makers() -> list:
    """What makes each of the lab's plots, in the order they are numbered."""
    return [StepsPlot, ExamplesPlot, TradeoffPlot, NoisePlot, HeatmapPlot, TimePlot]


def make_plots() -> list:
    """The lab's plots, in the order they are numbered."""
    return [make() for make in plot_makers()]


def columns_for(width: int, count: int) -> int:
    """How many plots side by side fit *width* px (at least one, at most ``MAX_COLUMNS``)."""
    return max(1, min(MAX_COLUMNS, count, width // PLOT_MIN[0]))


def figure_size(count: int) -> tuple[int, int]:
    """The exported figure's size for *count* plots (two columns, the summary under them)."""
    rows = -(-count // EXPORT_COLUMNS)
    return EXPORT_COLUMNS * EXPORT_CELL[0], rows * EXPORT_CELL[1] + 120


FIGURE_SIZE = figure_size(6)


def summary_text(result) -> str:
    """The lines under the plots: target, fit, noise scales (and where they disagree)."""
    t0 = result.targets[0]
    fit, noise = result.fit, result.noise
    f = lambda v: "—" if v is None else f"{v:.3g}"   # noqa: E731
    if result.measure == "validation loss":     # the real network: J*_val, a reference run's
        from gdviz.mlp.lab import REFERENCE
        head = (f"Target: validation loss ≤ {t0.loss:.5g} = J*_val + {result.fraction:g}·"
                f"(J_val(θ₀) − J*_val); {REFERENCE.describe()} · ")
    else:
        head = f"Target J ≤ {t0.loss:.5g} = J* + {result.fraction:g}·(J(θ₀) − J*) · "
    criterion = getattr(result, "criterion", "single_run")
    if criterion == "mean_of_copies":
        counted = f"steps on the mean loss of {result.copies} shuffle-copies"
    elif criterion == "expected":
        counted = "steps on the exact expected loss (moment recursion)"
    elif getattr(result, "shuffle_seeds", ()):
        counted = f"single runs of {result.copies} shuffle-copies (first passage)"
    else:
        counted = f"{len(result.seeds)} seeds, single runs (first passage)"
    lines = [head + f"{counted} · budget {result.max_epochs:g} epochs · "
             f"{result.optimizer}",
             f"Fit: S_min = {f(fit.s_min)}, E_min = {f(fit.e_min)}, "
             f"B_crit = E_min/S_min = {f(fit.b_crit)} · full-batch path: "
             f"B_simple = {f(noise.b_simple_start)} at the start, "
             f"{f(getattr(noise, 'b_simple_path_mean', None))} on average; "
             f"B_noise = {f(getattr(noise, 'b_noise_path_mean', None))} on average, "
             f"{f(noise.b_noise_target)} at the target"]
    others = getattr(result, "others", ())
    if others:
        lines.append("B_crit per optimizer: " + ", ".join(
            f"{r.optimizer} {f(r.fit.b_crit)}" for r in (result, *others)))
    factor = noise_disagreement(result)
    if factor is not None:
        lines.append(f"The fitted B_crit and B_noise averaged along the path differ by a "
                     f"factor {factor:.3g} on this landscape.")
    return "\n".join(lines)


HEATMAP = 4     # the plot whose cells load a run (``set_pick_handler``)
STAGE_MS = 15   # between two staged steps: the event loop handles input in between
PAINT_MS = 50   # after a step that lets a plot paint


def placeholder() -> QLabel:
    """What holds a plot's cell until the plot is built (a staged figure)."""
    label = QLabel("Drawing…")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setFrameShape(QFrame.Shape.StyledPanel)
    label.setStyleSheet("color: #888;")
    return label


def seen(widget) -> bool:
    """Whether any of *widget* is on screen now: shown, its window not minimized, and some of
    it inside every parent up to its window (not scrolled out of view). (``visibleRegion`` is
    empty for a plot: its viewport, an opaque child, covers it.)"""
    if not widget.isVisible() or widget.window().isMinimized():
        return False
    rect, child = widget.rect(), widget
    while not child.isWindow() and child.parentWidget() is not None:
        rect = rect.translated(child.pos()).intersected(child.parentWidget().rect())
        if rect.isEmpty():
            return False
        child = child.parentWidget()
    return not rect.isEmpty()


def _ready_to_paint(widget) -> None:
    """What a plot does on its way to a paint, done now while its painting is held back: the
    layouts its change asked for, then pyqtgraph's preparing (the view box's auto range, the
    labels placed for it). Done by the paint, each changed the scene again and the plot
    painted two or three times in a row."""
    from PySide6.QtCore import QCoreApplication

    from gdviz.ui.staged import settle_layouts
    scene = widget.scene() if hasattr(widget, "scene") else None
    for _ in range(3):
        settle_layouts()
        if scene is not None and hasattr(scene, "prepareForPaint"):
            QCoreApplication.sendPostedEvents(scene, 0)    # its items' polish and changes
            scene.prepareForPaint()


class _Grid(QWidget):
    """The plots' grid; re-flows its columns when its width crosses a multiple of PLOT_MIN.
    ``cells`` holds each plot's widget, or its placeholder until ``put`` swaps the plot in.
    *on_move*: called after each resize (what is seen of the cells may have changed)."""

    def __init__(self, cells, columns: int | None, on_move=None):
        super().__init__()
        self.cells = list(cells)
        self.fixed_columns = columns
        self.columns = 0
        self.on_move = on_move
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(6)
        for widget in self.cells:
            self._size(widget)
        self.reflow(columns or EXPORT_COLUMNS)

    @property
    def plots(self) -> list:       # (how many cells: the reflow counts these)
        return self.cells

    @staticmethod
    def _size(widget) -> None:
        widget.setMinimumSize(*PLOT_MIN)
        widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def put(self, index: int, widget) -> None:
        """Cell *index* shows *widget* (a built plot) instead of what it held."""
        old = self.cells[index]
        self._size(widget)
        self.cells[index] = widget
        if self.columns:
            self.grid.replaceWidget(old, widget)
        old.hide()
        old.deleteLater()

    def reflow(self, columns: int) -> None:
        if columns == self.columns:
            return
        self.columns = columns
        for widget in self.cells:
            self.grid.removeWidget(widget)
        for i in range(self.grid.columnCount()):
            self.grid.setColumnStretch(i, 0)
        for i in range(self.grid.rowCount()):
            self.grid.setRowStretch(i, 0)
        for i, widget in enumerate(self.cells):
            self.grid.addWidget(widget, i // columns, i % columns)
        for c in range(columns):
            self.grid.setColumnStretch(c, 1)
        for r in range(-(-len(self.cells) // columns)):
            self.grid.setRowStretch(r, 1)

    def resizeEvent(self, event) -> None:
        if self.fixed_columns is None:
            self.reflow(columns_for(event.size().width(), len(self.cells)))
        super().resizeEvent(event)
        if self.on_move is not None:
            self.on_move()


class _Scroll(QScrollArea):
    """Scrolls the grid vertically; the grid always takes the viewport's width."""

    def resizeEvent(self, event) -> None:
        grid = self.widget()
        if grid is not None and grid.fixed_columns is None:
            grid.reflow(columns_for(self.viewport().width(), len(grid.plots)))
        super().resizeEvent(event)


class LabFigure(QWidget):
    """The lab's plots in a grid with the summary lines under them.

    *scroll*: the grid scrolls (the lab window); otherwise it has *columns* columns (exports).
    *staged*: the figure's work is done a step per turn of the event loop (``STAGE_MS`` apart),
    so no step holds the GUI thread long (building the six plots at once held it 0.4–1 s when
    B was pressed; showing a result on the six at once, up to 2 s each time a batch size
    finished; issue 25 F):

    * each plot is built in two turns (three for a maker with ``make_parts``: what it makes
      beforehand, passed to it as keywords), its empty pyqtgraph widget in the first, its
      items in the last, into the cell a placeholder kept, its painting held back; its first paint
      comes in a third turn (building and painting one plot in one turn held the thread
      ~100 ms, several times that on a loaded machine);
    * a new result is shown a plot per turn, its paint again in the turn after; only plots on
      screen are brought up to date: one scrolled out of view (or in a hidden window) waits
      until it is seen again; when results come faster than the plots follow, the plots that
      waited longest go first, and each shows the latest result only (results in between are
      skipped, never drawn for nothing).

    ``flush()`` builds every plot and brings it up to date now (``plots`` does, for exports and
    tests): the end state is the one the unstaged figure has. *extra*: what makes plots of the
    scenario itself, after the six (they get ``set_scenario``)."""

    def __init__(self, parent=None, scroll: bool = False, columns: int | None = None,
                 staged: bool = False, extra=()):
        super().__init__(parent)
        self._makers = plot_makers() + list(extra)
        self._built: list = [None] * len(self._makers)
        self._staged = staged
        self._pending: list[int] = []    # built plots still to show the latest result
        self._held = None                # a plot widget whose paint waits for the next turn
        self._bare = None                # the next plot's empty widget, made a turn before it
        self._parts = None               # and the parts its maker makes beforehand, if any
        self._scheduled = False
        self._next_delay = STAGE_MS
        self._when_built: list = []      # called once every plot is built
        self._pick = None
        self.scenario = None
        self.result = None
        self.theme = None
        self.shown_count = 0             # plots brought up to date with a result, in all
        if staged:
            cells = [placeholder() for _ in self._makers]
        else:
            cells = [self._build(i).widget for i in range(len(self._makers))]
        self.grid = _Grid(cells, None if scroll else (columns or EXPORT_COLUMNS),
                          on_move=self._schedule if staged else None)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if scroll:
            self.scroll = _Scroll()
            self.scroll.setWidgetResizable(True)
            self.scroll.setFrameShape(QFrame.Shape.NoFrame)
            self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.scroll.setWidget(self.grid)
            # the viewport shrinking or growing at its bottom (the summary under it gaining a
            # line) repaints only what it uncovers: it repainted every plot on screen in one
            # turn, with each new result's summary
            for widget in (self.scroll, self.scroll.viewport()):
                widget.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
            if staged:     # plots scrolled into view catch up with the latest result
                self.scroll.verticalScrollBar().valueChanged.connect(self._schedule)
            layout.addWidget(self.scroll, 1)
        else:
            self.scroll = None
            layout.addWidget(self.grid, 1)
        layout.addWidget(self.summary)

    # building ------------------------------------------------------------------------------
    @property
    def plots(self) -> list:
        """All the plots, built and showing the latest result now (``flush``)."""
        self.flush()
        return list(self._built)

    def built_plots(self) -> list:
        """The plots built so far (builds nothing)."""
        return [plot for plot in self._built if plot is not None]

    @property
    def complete(self) -> bool:
        """Every plot built and showing the latest result."""
        return None not in self._built and not self._pending and self._held is None

    @property
    def idle(self) -> bool:
        """Nothing left for the staged steps to do now: every plot built, and every plot on
        screen showing the latest result (those out of view wait to be seen)."""
        return not self._scheduled and not self._work()

    def waiting(self) -> list:
        """The plots out of view that wait to show the latest result."""
        return [self._built[i] for i in self._pending]

    def _build(self, index: int):
        bare, self._bare = self._bare, None
        parts, self._parts = self._parts, None
        with given_plot(bare) as used:
            plot = self._makers[index](**(parts or {}))
        if bare is not None and not used():
            bare.deleteLater()
        self._built[index] = plot
        if index == HEATMAP and self._pick is not None:
            plot.on_pick = self._pick
        if self.scenario is not None and hasattr(plot, "set_scenario"):
            plot.set_scenario(self.scenario)
        apply_plot_theme(plot, self.theme)
        if self.result is not None:
            self._pending.append(index)
        return plot

    def _build_into_cell(self, index: int, hold: bool = False) -> None:
        widget = self._build(index).widget
        if hold:       # painted in the next turn, not in this one
            widget.setUpdatesEnabled(False)
            self._held = widget
        self.grid.put(index, widget)
        if None not in self._built:
            calls, self._when_built = self._when_built, []
            for call in calls:
                call()

    def when_built(self, call) -> None:
        """Call *call* once every plot is built: now if they are, else after the last staged
        build (or a ``flush``)."""
        if None not in self._built:
            call()
            return
        self._when_built.append(call)
        self._schedule()

    def _next_seen(self) -> int | None:
        """The position in ``_pending`` of the first plot on screen (None: none is)."""
        for k, index in enumerate(self._pending):
            if seen(self._built[index].widget):
                return k
        return None

    def _work(self) -> bool:
        return (self._held is not None or None in self._built
                or self._next_seen() is not None)

    def _schedule(self, *_) -> None:
        if self._staged and not self._scheduled and self._work():
            self._scheduled = True
            QTimer.singleShot(self._next_delay, self._step)

    def _release(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            try:
                _ready_to_paint(held)
                held.setUpdatesEnabled(True)      # (schedules its paint)
            except RuntimeError:                  # deleted meanwhile
                pass

    def _step(self) -> None:
        """One staged step: let the plot changed in the last step paint; else build the next
        plot; else show the latest result on the next plot on screen."""
        self._scheduled = False
        self._next_delay = STAGE_MS
        if self._held is not None:
            self._release()
            # its paint comes on the window's next update (a timer of its own): the next step
            # waits past it, or the two ran back to back, as one long turn
            self._next_delay = PAINT_MS
        elif None in self._built:
            make_parts = getattr(self._makers[self._built.index(None)], "make_parts", None)
            if self._bare is None:
                self._bare = bare_plot()
            elif make_parts is not None and self._parts is None:
                self._parts = make_parts()
            else:
                self._build_into_cell(self._built.index(None), hold=True)
        else:
            k = self._next_seen()
            if k is not None:
                plot = self._built[self._pending.pop(k)]
                plot.widget.setUpdatesEnabled(False)
                self._held = plot.widget
                self._show(plot)
        self._schedule()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._schedule()        # placeholders first; the plots follow a turn each

    def flush(self) -> None:
        """Every plot built and showing the latest result, now."""
        self._release()
        missing = [index for index, plot in enumerate(self._built) if plot is None]
        for index in missing:
            self._build_into_cell(index)
        if missing:
            self.grid.grid.activate()      # the new plots take their cells' geometry now
        while self._pending:
            self._show(self._built[self._pending.pop(0)])

    # what the plots show ---------------------------------------------------------------------
    def apply_theme(self, theme) -> None:
        """Follow the main window's theme (``gdviz.ui.theme.Theme``; None: light)."""
        self.theme = theme
        for plot in self.built_plots():
            apply_plot_theme(plot, theme)

    def set_pick_handler(self, handler) -> None:
        """What a click on a heat-map cell does (load that run)."""
        self._pick = handler
        if self._built[HEATMAP] is not None:
            self._built[HEATMAP].on_pick = handler

    def set_scenario(self, scenario) -> None:
        """The scenario itself, for the plots of it (memory, generalization), now or when built."""
        self.scenario = scenario
        for plot in self.built_plots():
            if hasattr(plot, "set_scenario"):
                plot.set_scenario(scenario)

    def update_result(self, result) -> None:
        self.result = result
        self.summary.setText(summary_text(result))
        # the plots that waited first (they show this result, not the one they waited for)
        waited = [i for i in self._pending]
        self._pending = waited + [i for i, plot in enumerate(self._built)
                                  if plot is not None and i not in waited]
        if not self._staged:
            self.flush()
            return
        self._schedule()

    def _show(self, plot) -> None:
        self.shown_count += 1
        plot.update(self.result)
        apply_plot_theme(plot, self.theme)     # labels made by update take the theme
