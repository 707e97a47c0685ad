"""The lab's six plots and summary as one widget, and its export to PNG or SVG."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

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


class LabFigure(QWidget):
    """Plots 1–6 in a 3 × 2 grid with the summary lines under them."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plots = [StepsPlot(), ExamplesPlot(), TradeoffPlot(), NoisePlot(), HeatmapPlot(),
                      TimePlot()]
        grid = QGridLayout()
        for i, plot in enumerate(self.plots):
            grid.addWidget(plot.widget, i // 2, i % 2)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid, 1)
        layout.addWidget(self.summary)

    def update_result(self, result) -> None:
        for plot in self.plots:
            plot.update(result)
        self.summary.setText(summary_text(result))
