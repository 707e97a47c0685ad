"""Plot 1: steps to target against B, with the perfect-scaling line and the regimes."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gdviz.core.lab_copies import copies_band, theory_points
from gdviz.ui.lab._plot import (BAND, FIT, MEDIAN, REFERENCE, REGIME_COLORS, REGIME_LABELS,
                                best_points, make_plot, regime_spans, set_decade_ticks)

OTHER_COLORS = ("#CC79A7", "#0072B2", "#E69F00", "#56B4E9")   # Okabe–Ito, not the green


def _crit(result) -> str:
    b_crit = result.fit.b_crit if result.fit is not None else None
    return "—" if b_crit is None else f"{b_crit:.3g}"


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
        # the moment recursion's expected steps (least squares, plain SGD), beside the measure
        self.theory = pg.PlotDataItem(pen=pg.mkPen(FIT, width=2, style=pg.QtCore.Qt.DotLine),
                                      symbol="x", symbolSize=9, symbolPen=pg.mkPen(FIT, width=2),
                                      name="theory: expected loss (moment recursion)")
        for it in (self.q1, self.q3, self.band, self.median, self.ideal, self.theory):
            self.item.addItem(it)
        self.regions: list = []
        self.others: list = []           # the same lab with other optimizers, overlaid

    def update(self, result) -> None:
        for r in self.regions + self.others:
            self.item.removeItem(r)
            if isinstance(r, pg.PlotDataItem) and self.item.legend is not None:
                self.item.legend.removeItem(r)
        self.regions, self.others = [], []
        pts = best_points(result)
        if pts is None:
            for it in (self.q1, self.q3, self.median, self.ideal, self.theory):
                it.setData([], [])
            return
        b, med, q1, q3 = pts[:4]
        band = copies_band(result)
        if band is not None:        # counted on the copies' mean: the band is their spread
            bb, lo, hi = band
            keep = np.isin(b, bb)
            q1 = np.where(keep, np.interp(b, bb, lo), q1)
            q3 = np.where(keep, np.interp(b, bb, np.where(np.isfinite(hi), hi, lo)), q3)
            q1 = np.maximum(q1, 1.0)
        q3 = np.where(np.isfinite(q3), q3, med)
        self.q1.setData(np.log10(b), np.log10(q1))
        self.q3.setData(np.log10(b), np.log10(q3))
        self.median.setData(b, med)
        label = self.item.legend.getLabel(self.median) if self.item.legend else None
        if label is not None:
            label.setText("mean of copies (band: 10–90 % of copies)" if band is not None
                          else "median over seeds (IQR band)")
        theory = theory_points(result)
        self.theory.setData(*(theory if theory is not None else ([], [])))
        for k, other in enumerate(getattr(result, "others", ())):
            opts = best_points(other)
            if opts is None:
                continue
            colour = OTHER_COLORS[k % len(OTHER_COLORS)]
            curve = pg.PlotDataItem(opts[0], opts[1], pen=pg.mkPen(colour, width=2),
                                    symbol="s", symbolSize=6, symbolBrush=colour,
                                    name=f"{other.optimizer} (B_crit "
                                         f"{_crit(other)})")
            self.item.addItem(curve)
            self.others.append(curve)
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
