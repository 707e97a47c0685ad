"""The lab's six plots and summary as one widget, and its export to PNG or SVG."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from gdviz.core.lab import noise_disagreement
from gdviz.ui.lab.examples_plot import ExamplesPlot
from gdviz.ui.lab.heatmap_plot import HeatmapPlot
from gdviz.ui.lab.noise_plot import NoisePlot
from gdviz.ui.lab.steps_plot import StepsPlot
from gdviz.ui.lab.time_plot import TimePlot
from gdviz.ui.lab.tradeoff_plot import TradeoffPlot

FIGURE_SIZE = (1280, 1000)


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


PLOT_KINDS = (StepsPlot, ExamplesPlot, TradeoffPlot, NoisePlot, HeatmapPlot, TimePlot)
HEATMAP = 4     # the plot whose cells load a run (``pick_handler``)
STAGE_MS = 15   # between two staged steps: the event loop paints what the last one changed


class LabFigure(QWidget):
    """Plots 1–6 in a 3 × 2 grid with the summary lines under them.

    ``staged``: the window's figure builds one plot per turn of the event loop, each in the cell
    a placeholder kept (so the others are not laid out and painted again): built at once, the six
    plots held the GUI thread 0.8–2.7 s when the lab opened (key B). ``plots`` fills up in order;
    ``ensure_built()`` builds what is left at once (exports need every plot)."""

    def __init__(self, parent=None, staged: bool = False):
        super().__init__(parent)
        self.plots: list = []
        self._staged = staged
        self._pending: list[int] = []    # plots still to show the latest result
        self.pick_handler = None
        self._result = None
        self._holders: list[QLabel] = []
        self.grid = QGridLayout()
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.grid, 1)
        layout.addWidget(self.summary)
        if not staged:
            self.ensure_built()
            return
        for i in range(len(PLOT_KINDS)):
            holder = QLabel(f"Drawing plot {i + 1} of {len(PLOT_KINDS)}…")
            holder.setAlignment(Qt.AlignmentFlag.AlignCenter)
            holder.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            self.grid.addWidget(holder, i // 2, i % 2)
            self._holders.append(holder)
        QTimer.singleShot(STAGE_MS, self._build_next)

    @property
    def built(self) -> bool:
        return len(self.plots) == len(PLOT_KINDS)

    def _build_one(self) -> None:
        i = len(self.plots)
        plot = PLOT_KINDS[i]()
        self.plots.append(plot)
        if i < len(self._holders):
            holder = self._holders[i]
            self.grid.replaceWidget(holder, plot.widget)
            holder.deleteLater()
        else:
            self.grid.addWidget(plot.widget, i // 2, i % 2)
        if i == HEATMAP and self.pick_handler is not None:
            plot.on_pick = self.pick_handler
        if self._result is not None:
            plot.update(self._result)

    def _build_next(self) -> None:
        if not self.built:
            self._build_one()
        if not self.built:
            QTimer.singleShot(STAGE_MS, self._build_next)

    def ensure_built(self) -> None:
        while not self.built:
            self._build_one()

    def set_pick_handler(self, handler) -> None:
        self.pick_handler = handler
        if len(self.plots) > HEATMAP:
            self.plots[HEATMAP].on_pick = handler

    def update_result(self, result) -> None:
        """Show *result*: at once when not staged; in the window a plot per event-loop turn
        (each update repaints its plot: six at once held the GUI thread up to 2 s, every time a
        batch size finished)."""
        self._result = result
        self.summary.setText(summary_text(result))
        if not self._staged:
            for plot in self.plots:
                plot.update(result)
            return
        first = not self._pending
        self._pending = list(range(len(self.plots)))
        if first:
            QTimer.singleShot(STAGE_MS, self._update_next)

    def _update_next(self) -> None:
        if self._pending:
            self.plots[self._pending.pop(0)].update(self._result)
        if self._pending:
            QTimer.singleShot(STAGE_MS, self._update_next)

    def flush(self) -> None:
        """Every plot built and showing the latest result, now (exports, tests)."""
        self.ensure_built()
        while self._pending:
            self.plots[self._pending.pop(0)].update(self._result)
