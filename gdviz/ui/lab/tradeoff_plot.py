"""Plot 3: steps against examples, with the fitted (S/S_min − 1)(E/E_min − 1) = 1."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gdviz.ui.lab._plot import (FIT, MEDIAN, REFERENCE, LabelPlacer, add_legend, along_hline,
                                along_vline, best_points, corners, make_plot, near_point,
                                set_decade_ticks)

POINT_GAP = 6        # px between a point's centre and its label


class TradeoffPlot:
    def __init__(self):
        self.widget = make_plot("3 · Steps vs examples: the trade-off", "examples to target",
                                "steps to target")
        self.item = self.widget.getPlotItem()
        add_legend(self.item)
        self.points = pg.PlotDataItem(pen=None, symbol="o", symbolSize=9, symbolBrush=MEDIAN,
                                      name="best η per B (median)")
        self.curve = pg.PlotDataItem(pen=pg.mkPen(FIT, width=2),
                                     name="fit (S/S_min − 1)(E/E_min − 1) = 1")
        dash = pg.mkPen(REFERENCE, width=1.5, style=pg.QtCore.Qt.DashLine)
        self.s_min = pg.InfiniteLine(angle=0, pen=dash)
        self.e_min = pg.InfiniteLine(angle=90, pen=dash)
        self.crit = pg.PlotDataItem(pen=None, symbol="star", symbolSize=16, symbolBrush=FIT,
                                    name="B = B_crit: (2 S_min, 2 E_min)")
        for it in (self.points, self.curve, self.s_min, self.e_min, self.crit):
            self.item.addItem(it)
        self.placer = LabelPlacer(self.item)
        self.placer.add_line(self.s_min)
        self.placer.add_line(self.e_min)
        self.text = pg.TextItem("", color="#222222")

    @property
    def labels(self) -> list:
        return [label for label, _ in self.placer.labels]

    def update(self, result) -> None:
        self.placer.clear()
        pts = best_points(result)
        if pts is None:
            self.points.setData([], [])
            return
        b, med, _, _, ex, _ = pts
        self.points.setData(ex, med)
        set_decade_ticks(self.item.getAxis("bottom"), ex)
        set_decade_ticks(self.item.getAxis("left"), med)
        fit = result.fit
        shown = fit is not None and fit.b_crit is not None
        for it in (self.curve, self.s_min, self.e_min, self.crit):
            it.setVisible(shown)
        self.text = pg.TextItem("", color="#222222")
        if shown:
            e = np.geomspace(fit.e_min * 1.02, max(ex.max(), fit.e_min * 50) * 1.5, 200)
            s = fit.s_min / (1.0 - fit.e_min / e)        # 1/S = 1/S_min − B_crit/E
            self.curve.setData(e, s)
            self.s_min.setPos(np.log10(fit.s_min))
            self.e_min.setPos(np.log10(fit.e_min))
            self.crit.setData([2 * fit.e_min], [2 * fit.s_min])
            self.text.setText(f"S_min = {fit.s_min:.3g}, E_min = {fit.e_min:.3g}\n"
                              f"B_crit = E_min/S_min = {fit.b_crit:.3g}")
            self.placer.add(self.text, corners(((0.98, 0.98), (0.02, 0.02), (0.98, 0.3),
                                                (0.02, 0.98))))
            self.placer.add(pg.TextItem("S_min", color="#333333"),
                            along_hline(np.log10(fit.s_min)))
            self.placer.add(pg.TextItem("E_min", color="#333333"),
                            along_vline(np.log10(fit.e_min)))
        else:
            self.text.setText("no hyperbola fits these points")
            self.placer.add(self.text, corners())
        order = [0, len(b) - 1, *range(1, len(b) - 1)] if len(b) > 1 else [0]
        for i in order:           # the ends first: a crowded middle gives way
            bi, s, e = b[i], med[i], ex[i]
            self.placer.add(pg.TextItem(f"B={int(bi)}", color="#555555"),
                            near_point(np.log10(e), np.log10(s)), gap=POINT_GAP)
        self.placer.place()
