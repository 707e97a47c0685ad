"""Plot 4: the noise scales B_simple and B_noise along the full-batch path, against the loss,
with the fitted B_crit beside them."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gdviz.palette import METHOD_COLORS
from gdviz.ui.lab._plot import (FIT, REFERENCE, LabelPlacer, add_legend, along_hline,
                                along_vline, make_plot, set_decade_ticks)


class NoisePlot:
    def __init__(self):
        self.widget = make_plot("4 · Noise scale along the full-batch path",
                                "J(θ) − J* (the path runs right to left)", "batch size")
        self.item = self.widget.getPlotItem()
        add_legend(self.item, columns=1)
        # measured along the full-batch path: drawn in the theme's full-batch colour
        self.simple = pg.PlotDataItem(pen=pg.mkPen(METHOD_COLORS["full_batch"], width=2.5),
                                      name="B_simple = tr Σ / |∇J|²")
        self.noise = pg.PlotDataItem(pen=pg.mkPen("#CC79A7", width=2.5),
                                     name="B_noise = tr(HΣ) / ∇Jᵀ H ∇J")
        self.crit = pg.InfiniteLine(angle=0, pen=pg.mkPen(FIT, width=2,
                                                          style=pg.QtCore.Qt.DashLine))
        self.target = pg.InfiniteLine(angle=90, pen=pg.mkPen(REFERENCE, width=1.5,
                                                             style=pg.QtCore.Qt.DotLine))
        for it in (self.simple, self.noise, self.crit, self.target):
            self.item.addItem(it)
        self.placer = LabelPlacer(self.item)
        self.placer.add_line(self.crit)
        self.placer.add_line(self.target)

    def apply_theme(self, theme) -> None:
        """B_simple in *theme*'s full-batch colour (called by ``apply_plot_theme``): the light
        theme's #0072B2 stood at 3.5:1 against the dark background, the dark theme's lighter
        blue stands at 7.9:1 (and #0072B2 at 5.2:1 on white)."""
        color = theme.color("full_batch") if theme is not None else METHOD_COLORS["full_batch"]
        if pg.mkColor(color) != self.simple.opts["pen"].color():   # (applied after each result)
            self.simple.setPen(pg.mkPen(color, width=2.5))

    def update(self, result) -> None:
        self.placer.clear()
        path = result.noise
        t0 = result.targets[0]
        if path is None or not len(path.losses):
            for it in (self.simple, self.noise):
                it.setData([], [])
            self.crit.hide()
            self.target.hide()
            return
        excess = path.losses - t0.j_star
        ok = excess > 0
        x = excess[ok]
        self.simple.setData(x, path.b_simple[ok])
        self.noise.setData(x, path.b_noise[ok])
        at = np.log10(max(t0.loss - t0.j_star, 1e-300))
        self.target.setPos(at)
        self.target.show()
        self.placer.add(pg.TextItem("target", color="#333333"), along_vline(at))
        b_crit = result.fit.b_crit if result.fit is not None else None
        if b_crit is not None:
            self.crit.setPos(np.log10(b_crit))
            self.crit.show()
            self.placer.add(pg.TextItem("B_crit (fit)", color=FIT),
                            along_hline(np.log10(b_crit)))
        else:
            self.crit.hide()
        ys = [path.b_simple[ok], path.b_noise[ok]] + ([[b_crit]] if b_crit else [])
        set_decade_ticks(self.item.getAxis("bottom"), x, [t0.loss - t0.j_star])
        set_decade_ticks(self.item.getAxis("left"), *ys)
        self.placer.place()
