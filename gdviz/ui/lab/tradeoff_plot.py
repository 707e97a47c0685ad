"""Plot 3: steps against examples, with the fitted (S/S_min − 1)(E/E_min − 1) = 1."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gdviz.ui.lab._plot import FIT, MEDIAN, REFERENCE, best_points, make_plot, set_decade_ticks


class TradeoffPlot:
    def __init__(self):
        self.widget = make_plot("3 · Steps vs examples: the trade-off", "examples to target",
                                "steps to target")
        self.item = self.widget.getPlotItem()
        legend = self.item.addLegend(offset=(-10, 10))
        legend.setBrush((255, 255, 255, 220))
        self.points = pg.PlotDataItem(pen=None, symbol="o", symbolSize=9, symbolBrush=MEDIAN,
                                      name="best η per B (median)")
        self.curve = pg.PlotDataItem(pen=pg.mkPen(FIT, width=2),
                                     name="fit (S/S_min − 1)(E/E_min − 1) = 1")
        dash = pg.mkPen(REFERENCE, width=1.5, style=pg.QtCore.Qt.DashLine)
        self.s_min = pg.InfiniteLine(angle=0, pen=dash, label="S_min",
                                     labelOpts={"color": "#333", "position": 0.9})
        self.e_min = pg.InfiniteLine(angle=90, pen=dash, label="E_min",
                                     labelOpts={"color": "#333", "position": 0.9})
        self.crit = pg.PlotDataItem(pen=None, symbol="star", symbolSize=16, symbolBrush=FIT,
                                    name="B = B_crit: (2 S_min, 2 E_min)")
        self.text = pg.TextItem("", color="#222", anchor=(0, 0))
        for it in (self.points, self.curve, self.s_min, self.e_min, self.crit, self.text):
            self.item.addItem(it)
        self.labels: list = []

    def update(self, result) -> None:
        for it in self.labels:
            self.item.removeItem(it)
        self.labels = []
        pts = best_points(result)
        if pts is None:
            self.points.setData([], [])
            return
        b, med, _, _, ex, _ = pts
        self.points.setData(ex, med)
        set_decade_ticks(self.item.getAxis("bottom"), ex)
        set_decade_ticks(self.item.getAxis("left"), med)
        for bi, s, e in zip(b, med, ex):
            label = pg.TextItem(f"B={int(bi)}", color="#555", anchor=(0, 1))
            label.setPos(np.log10(e), np.log10(s))
            self.item.addItem(label)
            self.labels.append(label)
        fit = result.fit
        shown = fit is not None and fit.b_crit is not None
        for it in (self.curve, self.s_min, self.e_min, self.crit):
            it.setVisible(shown)
        if not shown:
            self.text.setText("no hyperbola fits these points")
            return
        e = np.geomspace(fit.e_min * 1.02, max(ex.max(), fit.e_min * 50) * 1.5, 200)
        s = fit.s_min / (1.0 - fit.e_min / e)        # 1/S = 1/S_min − B_crit/E
        self.curve.setData(e, s)
        self.s_min.setPos(np.log10(fit.s_min))
        self.e_min.setPos(np.log10(fit.e_min))
        self.crit.setData([2 * fit.e_min], [2 * fit.s_min])
        self.text.setText(f"S_min = {fit.s_min:.3g}, E_min = {fit.e_min:.3g}\n"
                          f"B_crit = E_min/S_min = {fit.b_crit:.3g}")
        self.text.setPos(np.log10(ex.min()), np.log10(fit.s_min))   # under S_min, at the left
