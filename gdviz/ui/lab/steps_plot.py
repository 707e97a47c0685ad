"""Plot 1: steps to target against B, with the perfect-scaling line and the regimes."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gdviz.ui.lab._plot import (BAND, MEDIAN, REFERENCE, REGIME_COLORS, REGIME_LABELS,
                                best_points, make_plot, regime_spans, set_decade_ticks)


class StepsPlot:
    def __init__(self):
        self.widget = make_plot("1 · Steps to target vs B (best η per B)", "batch size B",
                                "steps to target")
        self.item = self.widget.getPlotItem()
        legend = self.item.addLegend(offset=(10, -10))
        legend.setBrush((255, 255, 255, 220))
        # the band's edges are drawn in log10 units: PlotCurveItem takes no part in log mode
        self.q1 = pg.PlotCurveItem(pen=pg.mkPen(BAND[:3], width=1))
        self.q3 = pg.PlotCurveItem(pen=pg.mkPen(BAND[:3], width=1))
        self.band = pg.FillBetweenItem(self.q1, self.q3, brush=BAND)
        self.median = pg.PlotDataItem(pen=pg.mkPen(MEDIAN, width=3), symbol="o", symbolSize=8,
                                      symbolBrush=MEDIAN, name="median over seeds (IQR band)")
        self.ideal = pg.PlotDataItem(pen=pg.mkPen(REFERENCE, width=2, style=pg.QtCore.Qt.DashLine),
                                     name="perfect scaling S(B₀)·B₀/B")
        for it in (self.q1, self.q3, self.band, self.median, self.ideal):
            self.item.addItem(it)
        self.regions: list = []

    def update(self, result) -> None:
        for r in self.regions:
            self.item.removeItem(r)
        self.regions = []
        pts = best_points(result)
        if pts is None:
            for it in (self.q1, self.q3, self.median, self.ideal):
                it.setData([], [])
            return
        b, med, q1, q3 = pts[:4]
        q3 = np.where(np.isfinite(q3), q3, med)
        self.q1.setData(np.log10(b), np.log10(q1))
        self.q3.setData(np.log10(b), np.log10(q3))
        self.median.setData(b, med)
        self.ideal.setData(b, med[0] * b[0] / b)
        set_decade_ticks(self.item.getAxis("bottom"), result.batch_sizes)
        set_decade_ticks(self.item.getAxis("left"), q1, q3, med[0] * b[0] / b)
        # regimes over the batch sizes that reached the target only
        for name, lo, hi in regime_spans(b, result.fit and result.fit.b_crit):
            region = pg.LinearRegionItem((np.log10(lo), np.log10(hi)), movable=False,
                                         brush=REGIME_COLORS[name], pen=pg.mkPen(None))
            region.setZValue(-10)
            label = pg.TextItem(REGIME_LABELS[name], color="#333", anchor=(0, 0))
            label.setPos(np.log10(lo), np.log10(np.nanmax(q3)))
            self.item.addItem(region)
            self.item.addItem(label)
            self.regions += [region, label]
