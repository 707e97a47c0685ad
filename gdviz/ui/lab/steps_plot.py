"""Plot 1: steps to target against B, with the perfect-scaling line and the regimes."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gdviz.core.lab_copies import copies_band, theory_points
from gdviz.ui.lab._plot import (BAND, FIT, MEDIAN, REFERENCE, REGIME_COLORS, REGIME_LABELS,
                                LabelPlacer, add_legend, best_points, make_plot, regime_spans,
                                set_decade_ticks)

HEADROOM = 0.6      # decades above the data, for the regime names
IDEAL_FLOOR = 0.5   # the perfect-scaling line stops at this fraction of the lowest data


def perfect_scaling(b, med, floor):
    """The perfect-scaling line S(B₀)·B₀/B over the batch sizes, stopped where it falls below
    *floor* (ended exactly on it), so it does not stretch the axis decades below the data."""
    b = np.asarray(b, float)
    ideal = med[0] * b[0] / b
    keep = ideal >= floor
    if keep.all() or keep.sum() < 1:
        return b[keep], ideal[keep]
    i = int(np.argmin(keep))                 # first batch size under the floor
    b_end = med[0] * b[0] / floor            # where the line meets the floor
    return np.append(b[:i], b_end), np.append(ideal[:i], floor)

OTHER_COLORS = ("#CC79A7", "#0072B2", "#E69F00", "#56B4E9")   # Okabe–Ito, not the green


def _crit(result) -> str:
    b_crit = result.fit.b_crit if result.fit is not None else None
    return "—" if b_crit is None else f"{b_crit:.3g}"


class StepsPlot:
    def __init__(self):
        self.widget = make_plot("1 · Steps to target vs B (best η per B)", "batch size B",
                                "steps to target")
        self.item = self.widget.getPlotItem()
        add_legend(self.item)
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
        self.placer = LabelPlacer(self.item)
        self.regions: list = []          # the regimes' spans shown now (of ``_spans``)
        self._spans: dict = {}
        self.others: list = []           # the same lab with other optimizers, overlaid

    def _region(self, name: str) -> pg.LinearRegionItem:
        """The shaded span of regime *name*, made once and kept (made anew with each result, the
        three spans were a third of the plot's update)."""
        region = self._spans.get(name)
        if region is None:
            region = pg.LinearRegionItem((0, 1), movable=False, brush=REGIME_COLORS[name],
                                         pen=pg.mkPen(None))
            region.setZValue(-10)
            self.item.addItem(region)
            self._spans[name] = region
        return region

    def update(self, result) -> None:
        for r in self.others:
            self.item.removeItem(r)
            if isinstance(r, pg.PlotDataItem) and self.item.legend is not None:
                self.item.legend.removeItem(r)
        for region in self._spans.values():
            region.hide()
        self.regions, self.others = [], []
        self.placer.clear()
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
        q1 = np.where(np.isfinite(q1), q1, med)
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
        low, high = float(np.nanmin(q1)), float(np.nanmax(q3))
        if theory is not None and len(theory[1]):
            low, high = min(low, float(np.min(theory[1]))), max(high, float(np.max(theory[1])))
        self.ideal.setData(*perfect_scaling(b, med, IDEAL_FLOOR * low))
        set_decade_ticks(self.item.getAxis("bottom"), result.batch_sizes)
        set_decade_ticks(self.item.getAxis("left"), IDEAL_FLOOR * low, high * 10**HEADROOM)
        self.item.setYRange(np.log10(IDEAL_FLOOR * low), np.log10(high) + HEADROOM,
                            padding=0.02)
        # regimes over the batch sizes that reached the target only
        for name, lo, hi in regime_spans(b, result.fit and result.fit.b_crit):
            region = self._region(name)
            region.setRegion((np.log10(lo), np.log10(hi)))
            region.show()
            self.regions.append(region)
            a, z = np.log10(lo), np.log10(hi)
            self.placer.add(pg.TextItem(name, color="#333333"),
                            self._regime_spots(a, z, name, REGIME_LABELS[name]))
        self.placer.place()

    @staticmethod
    def _regime_spots(a, z, one_line, two_lines):
        """In the headroom at the top of the regime's span, on one line then on two; then at
        its bottom."""
        def spots(view):
            top = view.bottom() - 0.01 * view.height()
            bottom = view.top() + 0.01 * view.height()
            mid = (a + z) / 2
            out = []
            for y, ay in ((top, 0), (bottom, 1)):
                for text in (one_line, two_lines):
                    out += [(a, y, (0, ay), text), (mid, y, (0.5, ay), text),
                            (z, y, (1, ay), text)]
            return out
        return spots
