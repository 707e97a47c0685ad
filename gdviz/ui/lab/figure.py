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
from gdviz.ui.lab._plot import apply_plot_theme
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


def make_plots() -> list:
    """The lab's plots, in the order they are numbered."""
    return [StepsPlot(), ExamplesPlot(), TradeoffPlot(), NoisePlot(), HeatmapPlot(), TimePlot()]


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
STAGE_MS = 15   # between two staged updates: the event loop paints what the last one changed


class _Grid(QWidget):
    """The plots' grid; re-flows its columns when its width crosses a multiple of PLOT_MIN."""

    def __init__(self, plots, columns: int | None):
        super().__init__()
        self.plots = plots
        self.fixed_columns = columns
        self.columns = 0
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(6)
        for plot in plots:
            plot.widget.setMinimumSize(*PLOT_MIN)
            plot.widget.setSizePolicy(QSizePolicy.Policy.Expanding,
                                      QSizePolicy.Policy.Expanding)
        self.reflow(columns or EXPORT_COLUMNS)

    def reflow(self, columns: int) -> None:
        if columns == self.columns:
            return
        self.columns = columns
        for plot in self.plots:
            self.grid.removeWidget(plot.widget)
        for i in range(self.grid.columnCount()):
            self.grid.setColumnStretch(i, 0)
        for i in range(self.grid.rowCount()):
            self.grid.setRowStretch(i, 0)
        for i, plot in enumerate(self.plots):
            self.grid.addWidget(plot.widget, i // columns, i % columns)
        for c in range(columns):
            self.grid.setColumnStretch(c, 1)
        for r in range(-(-len(self.plots) // columns)):
            self.grid.setRowStretch(r, 1)

    def resizeEvent(self, event) -> None:
        if self.fixed_columns is None:
            self.reflow(columns_for(event.size().width(), len(self.plots)))
        super().resizeEvent(event)


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
    *staged*: each new result is shown a plot per turn of the event loop (the window: the six
    plots at once held the GUI thread up to 2 s every time a batch size finished); ``flush()``
    brings them all up to date now (exports, tests)."""

    def __init__(self, parent=None, scroll: bool = False, columns: int | None = None,
                 staged: bool = False, extra=()):
        super().__init__(parent)
        self.plots = make_plots() + list(extra)   # extra: plots of the scenario, after the six
        self._staged = staged
        self._pending: list[int] = []    # plots still to show the latest result
        self.result = None
        self.theme = None
        self.grid = _Grid(self.plots, None if scroll else (columns or EXPORT_COLUMNS))
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
            layout.addWidget(self.scroll, 1)
        else:
            self.scroll = None
            layout.addWidget(self.grid, 1)
        layout.addWidget(self.summary)

    def apply_theme(self, theme) -> None:
        """Follow the main window's theme (``gdviz.ui.theme.Theme``; None: light)."""
        self.theme = theme
        for plot in self.plots:
            apply_plot_theme(plot, theme)

    def set_pick_handler(self, handler) -> None:
        """What a click on a heat-map cell does (load that run)."""
        self.plots[HEATMAP].on_pick = handler

    def update_result(self, result) -> None:
        self.result = result
        self.summary.setText(summary_text(result))
        if not self._staged:
            for plot in self.plots:
                self._show(plot)
            return
        first = not self._pending
        self._pending = list(range(len(self.plots)))
        if first:
            QTimer.singleShot(STAGE_MS, self._update_next)

    def _show(self, plot) -> None:
        plot.update(self.result)
        apply_plot_theme(plot, self.theme)     # labels made by update take the theme

    def _update_next(self) -> None:
        if self._pending:
            self._show(self.plots[self._pending.pop(0)])
        if self._pending:
            QTimer.singleShot(STAGE_MS, self._update_next)

    def flush(self) -> None:
        """Every plot showing the latest result, now."""
        while self._pending:
            self._show(self.plots[self._pending.pop(0)])
