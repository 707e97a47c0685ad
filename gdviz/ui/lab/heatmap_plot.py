"""Plot 5: the η × B map of steps to target, with the best η, the scaling rules and the
stability limit."""
from __future__ import annotations

import copy

import numpy as np
import pyqtgraph as pg

from gdviz.core.lab import DIVERGED, REACHED
from gdviz.ui.lab._plot import FIT, REFERENCE, add_legend, make_plot

UNREACHED_RGBA = (235, 235, 235, 255)
# the dark theme: the cells no run reached a dark grey (a light one made the map a glaring block
# in a dark window), and the neutral marks light enough to read on it and on the background
DARK_UNREACHED_RGBA = (43, 48, 56, 255)
# the colour bar's title, longest first: the first that fits the bar's height is shown (at a
# laptop's 1024x768 the whole one ran off the top of the bar)
BAR_TITLES = ("steps to target (median of seeds)", "median steps to target", "steps to target",
              "steps")
STYLE = {"light": dict(best="#000000", best_edge=None, best_dot="#FFFFFF", diverged="#BB0000",
                       unreached="#777777", sqrt="#0072B2"),
         "dark": dict(best="#F2F2F2", best_edge="#000000", best_dot="#000000",
                      diverged="#FF5A5A", unreached="#9A9A9A", sqrt="#56B4E9")}


def lr_to_row(lrs: np.ndarray, values) -> np.ndarray:
    """Row coordinate of learning rates on the map: linear in log η between grid rows, and
    extended past the grid with the mean spacing."""
    logs = np.log(lrs)
    v = np.log(np.asarray(values, float))
    if len(lrs) < 2:
        return np.zeros_like(v)
    step = (logs[-1] - logs[0]) / (len(lrs) - 1)
    inside = np.interp(v, logs, np.arange(len(lrs)))
    below = (v - logs[0]) / step
    above = len(lrs) - 1 + (v - logs[-1]) / step
    return np.where(v < logs[0], below, np.where(v > logs[-1], above, inside))


def cell_summary(result):
    """(median steps with NaN where the median run did not reach, diverged mask, unreached mask)
    over seeds, shape (K, L)."""
    steps = np.where(result.status == REACHED, result.steps, np.inf).astype(float)
    med = np.median(steps, axis=2)
    diverged_share = (result.status == DIVERGED).mean(axis=2)
    done = result.done[:, None]
    no = ~np.isfinite(med) & done
    return (np.where(np.isfinite(med), med, np.nan), no & (diverged_share >= 0.5),
            no & (diverged_share < 0.5))


def median_run(result, i: int, j: int):
    """The seed whose run is the (lower) median of cell (B index i, η index j), its steps and
    status: the one run that stands for the cell."""
    from gdviz.core.lab import STATUS_NAMES
    steps = np.where(result.status[i, j] == REACHED, result.steps[i, j], np.inf)
    k = int(np.argsort(steps, kind="stable")[(len(steps) - 1) // 2])
    return result.seeds[k], int(result.steps[i, j, k]), STATUS_NAMES[result.status[i, j, k]]


def describe_cell(result, i: int, j: int) -> str:
    b, lr = int(result.batch_sizes[i]), float(result.lrs[j])
    seed, steps, status = median_run(result, i, j)
    what = f"{steps} steps to target" if status == "reached" else (
        f"diverged at update {steps}" if status == "diverged" else
        f"not reached in {steps} updates")
    if getattr(result, "criterion", "single_run") in ("mean_of_copies", "expected"):
        counted = ("the mean of " + f"{result.copies} shuffle-copies"
                   if result.criterion == "mean_of_copies" else "the expected loss")
        return (f"B = {b}, η = {lr:g}: {counted}, {what}. Click to load copy 0 (seed {seed}) "
                "in the main window; its seed ensemble shows the copies.")
    return (f"B = {b}, η = {lr:g}: the median of {len(result.seeds)} seeds is seed {seed}, "
            f"{what}. Click to load it in the main window.")


def _inside(x, rows, l):
    """The part of a rising line that lies on the map (rows up to l − ½), ended on its edge,
    so no export draws it outside the plot."""
    top = l - 0.5
    keep = rows <= top
    if keep.all() or not keep.any():
        return x[keep], rows[keep]
    i = int(np.argmin(keep))                      # first point above the map
    t = (top - rows[i - 1]) / (rows[i] - rows[i - 1])
    return (np.append(x[:i], x[i - 1] + t * (x[i] - x[i - 1])), np.append(rows[:i], top))


def colour_bar():
    """The map's colours and its colour bar: steps to target, numbered on a log scale (bright:
    fewer steps). (copies: pg.colormap.get hands out one shared object, and reversing it in
    place flipped the map of every heat map made before, against its own colour bar)"""
    colormap = copy.deepcopy(pg.colormap.get("viridis"))
    bright_is_few = copy.deepcopy(colormap)
    bright_is_few.reverse()
    bar = pg.ColorBarItem(values=(0, 1), colorMap=bright_is_few, interactive=False, width=14,
                          label=BAR_TITLES[0])
    bar.axis.enableAutoSIPrefix(False)
    return colormap, bar


class HeatmapPlot:
    @staticmethod
    def make_parts() -> dict:
        """What a staged figure makes a turn before the plot: the colour bar (a plot of its
        own, a third of the heat map's making)."""
        return {"parts": colour_bar()}

    def __init__(self, parts=None):
        self.widget = make_plot("5 · Steps to target over η × B",
                                "batch size B", "learning rate η", log_x=False, log_y=False)
        self.item = self.widget.getPlotItem()
        self.item.showGrid(x=False, y=False)
        # room for "0.00137" and the axis title beside it, even before a first layout
        self.item.getAxis("left").setWidth(78)
        # every cell is data: the legend goes under the map, in the plot's own layout
        legend = add_legend(self.item, columns=2)
        self.colormap, self.bar = parts if parts is not None else colour_bar()
        self.item.layout.addItem(self.bar, 2, 3)
        self.item.layout.setColumnFixedWidth(3, 66)
        self.image = pg.ImageItem(axisOrder="col-major")   # image[B index, η index]
        self.item.addItem(self.image)
        self.diverged = pg.ScatterPlotItem(symbol="x", size=9, pen=pg.mkPen("#B00", width=1.5),
                                           brush=None, name="diverged")
        self.unreached = pg.ScatterPlotItem(symbol="o", size=6, pen=pg.mkPen("#777"),
                                            brush=None, name="not reached (budget)")
        self.best = pg.PlotDataItem(pen=pg.mkPen("#000", width=2.5), symbol="o", symbolSize=7,
                                    symbolBrush="#fff", name="best η per B")
        self.linear = pg.PlotDataItem(pen=pg.mkPen(FIT, width=2, style=pg.QtCore.Qt.DashLine),
                                      name="linear rule η ∝ B")
        self.sqrt = pg.PlotDataItem(pen=pg.mkPen("#0072B2", width=2,
                                                 style=pg.QtCore.Qt.DotLine),
                                    name="√B rule")
        self.edge = pg.PlotDataItem(pen=pg.mkPen(REFERENCE, width=2), name="stability limit")
        for it in (self.diverged, self.unreached, self.best, self.linear, self.sqrt, self.edge):
            self.item.addItem(it)        # named: it joins the legend
        self.legend = legend
        self.result = None
        self.unreached_rgba = UNREACHED_RGBA
        self.on_pick = None          # called with (batch_size, lr, seed) when a cell is clicked
        self.item.vb.sigResized.connect(self._thin_b_ticks)
        self.item.vb.sigResized.connect(self._fit_bar_title)
        # the last size ("16384") centred on the last column runs a little past the axis's
        # end: drawn into the corner under the colour bar, not hidden
        self.item.getAxis("bottom").setStyle(hideOverlappingLabels=24)
        scene = self.widget.scene()
        scene.sigMouseMoved.connect(self._hover)
        scene.sigMouseClicked.connect(self._click)

    def cell_at(self, scene_pos):
        if self.result is None or not self.item.sceneBoundingRect().contains(scene_pos):
            return None
        p = self.item.vb.mapSceneToView(scene_pos)
        i, j = int(round(p.x())), int(round(p.y()))
        k, l = self.result.status.shape[:2]
        if 0 <= i < k and 0 <= j < l and self.result.done[i]:
            return i, j
        return None

    def _hover(self, scene_pos) -> None:
        cell = self.cell_at(scene_pos)
        self.widget.setToolTip(describe_cell(self.result, *cell) if cell else "")

    def _click(self, event) -> None:
        cell = self.cell_at(event.scenePos())
        if cell is not None:
            self.pick(*cell)

    def pick(self, i: int, j: int) -> None:
        """Load the median run of cell (i, j) (see ``median_run``) through ``on_pick``."""
        if self.on_pick is not None:
            seed, _, _ = median_run(self.result, i, j)
            self.on_pick(int(self.result.batch_sizes[i]), float(self.result.lrs[j]), seed)

    def set_bar(self, lo: float, hi: float) -> None:
        """Number the colour bar from 10**lo to 10**hi steps (log scale, 1-2-5 ticks)."""
        if hi <= lo:
            hi = lo + 1e-9
        self.bar.setLevels((lo, hi))
        ticks = []
        for k in range(int(np.floor(lo)), int(np.ceil(hi)) + 1):
            for m in (1, 2, 5):
                v = np.log10(m) + k
                if lo - 1e-9 <= v <= hi + 1e-9:
                    ticks.append((v, f"{m * 10.0**k:g}"))
        ends = [(lo, f"{10**lo:.3g}"), (hi, f"{10**hi:.3g}")]
        if len(ticks) < 2:
            ticks = ends
        self.bar.axis.setTicks([ticks])

    def _thin_b_ticks(self, *_args) -> None:
        """Name every batch size whose label fits beside its neighbours': every k-th column,
        the last always (with 15 sizes at a laptop's width "64128256512" ran together)."""
        if self.result is None:
            return
        from PySide6.QtGui import QFont, QFontMetricsF
        sizes = [str(int(b)) for b in self.result.batch_sizes]
        axis = self.item.getAxis("bottom")
        metrics = QFontMetricsF(axis.style.get("tickFont") or QFont())
        cell = self.item.vb.width() / max(len(sizes), 1)
        need = max(metrics.horizontalAdvance(t) for t in sizes) + 6
        every = max(1, int(np.ceil(need / cell))) if cell > 0 else 1
        last = len(sizes) - 1
        shown = [i for i in range(0, len(sizes), every) if last - i >= every or i == last]
        if last not in shown:
            shown.append(last)
        axis.setTicks([[(i, sizes[i]) for i in shown]])

    def _fit_bar_title(self, *_args) -> None:
        """The colour bar's longest title that fits its height (the whole one as tool tip)."""
        from PySide6.QtGui import QFontMetricsF
        axis = self.bar.getAxis("left")       # (ColorBarItem titles its left side)
        room = self.item.vb.height() - 4
        metrics = QFontMetricsF(axis.label.font())
        text = next((t for t in BAR_TITLES if metrics.horizontalAdvance(t) <= room),
                    BAR_TITLES[-1])
        if text != axis.labelText:
            axis.setLabel(text)
        self.bar.setToolTip(BAR_TITLES[0])

    def apply_theme(self, theme) -> None:
        """The map's neutral colours for *theme* (called by ``apply_plot_theme``): in the dark
        theme the best-η line was black, so its legend sample vanished on the dark background,
        and the unreached cells were a near-white block."""
        dark = theme is not None and getattr(theme, "name", "light") == "dark"
        style = STYLE["dark" if dark else "light"]
        unreached = DARK_UNREACHED_RGBA if dark else UNREACHED_RGBA
        # (the map drawn again only when its unreached colour changed: the lab applies the
        # theme after each result, and that drew every result twice)
        redraw = unreached != getattr(self, "unreached_rgba", None)
        self.unreached_rgba = unreached
        edge = style["best_edge"]
        self.best.setPen(pg.mkPen(style["best"], width=2.5))
        self.best.setShadowPen(pg.mkPen(edge, width=5) if edge else None)
        self.best.setSymbolBrush(style["best_dot"])
        self.best.setSymbolPen(pg.mkPen(style["best"], width=1.5))
        self.diverged.setPen(pg.mkPen(style["diverged"], width=1.5))
        self.unreached.setPen(pg.mkPen(style["unreached"]))
        self.sqrt.setPen(pg.mkPen(style["sqrt"], width=2, style=pg.QtCore.Qt.DotLine))
        if redraw and self.result is not None:
            self.update(self.result)

    def update(self, result) -> None:
        self.result = result
        sizes, lrs = result.batch_sizes, result.lrs
        k, l = len(sizes), len(lrs)
        med, div, unr = cell_summary(result)
        rgba = np.empty((k, l, 4), np.ubyte)
        rgba[:] = self.unreached_rgba
        finite = np.isfinite(med)
        if finite.any():
            logs = np.log10(med[finite])
            lo, hi = logs.min(), logs.max()
            scaled = (logs - lo) / (hi - lo) if hi > lo else np.zeros_like(logs)
            rgba[finite] = self.colormap.map(1.0 - scaled, mode="byte")   # few steps: bright
            self.set_bar(lo, hi)
        self.image.setImage(rgba, autoLevels=False)
        self.image.setRect(-0.5, -0.5, k, l)
        ii, jj = np.nonzero(div)
        self.diverged.setData(ii, jj)
        ii, jj = np.nonzero(unr)
        self.unreached.setData(ii, jj)
        best = [(i, p.lr) for i, p in enumerate(result.best) if p.lr is not None]
        if best:
            xs = np.array([i for i, _ in best], float)
            self.best.setData(xs, lr_to_row(lrs, [lr for _, lr in best]))
            i0, lr0 = best[0]
            b0 = float(sizes[i0])
            x = np.arange(k, dtype=float)
            self.linear.setData(*_inside(x, lr_to_row(lrs, lr0 * sizes / b0), l))
            self.sqrt.setData(*_inside(x, lr_to_row(lrs, lr0 * np.sqrt(sizes / b0)), l))
        else:
            for it in (self.best, self.linear, self.sqrt):
                it.setData([], [])
        if result.stability_limit:
            row = float(lr_to_row(lrs, [result.stability_limit])[0])
            self.edge.setData([-0.5, k - 0.5], [row, row])
        else:
            self.edge.setData([], [])
        left = self.item.getAxis("left")
        self._thin_b_ticks()
        left.setTicks([[(j, f"{v:.3g}") for j, v in enumerate(lrs) if j % 2 == 0 or l <= 10]])
        self.item.setXRange(-0.5, k - 0.5, padding=0.02)
        self.item.setYRange(-0.5, l - 0.5, padding=0.02)
