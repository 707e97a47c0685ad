"""Loss curves: the three full-data losses against the clock in force."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gdviz.core import METHOD_KEYS, METHOD_LABELS
from gdviz.core.clock import CLOCK_UNITS
from gdviz.core.snapshot import SimSnapshot
from gdviz.ui.dpr_pens import follow_pixel_ratio
from gdviz.ui.panels.round_ranges import RoundRanges
from gdviz.ui.theme import LIGHT, Theme


MAX_POINTS = 800


class LossCurves(pg.PlotWidget):
    def __init__(self, parent=None, theme: Theme = LIGHT):
        super().__init__(parent)
        plot = self.getPlotItem()
        plot.setMenuEnabled(False)
        plot.setLabel("left", "loss J(θ)")
        plot.getAxis("left").enableAutoSIPrefix(False)
        plot.getAxis("bottom").enableAutoSIPrefix(False)
        from gdviz.ui.axis_titles import keep_titles_whole
        keep_titles_whole(plot)
        plot.showGrid(x=True, y=True, alpha=0.25)
        # no antialiasing: a long, noisy curve costs 3x as much to stroke antialiased
        self.curves = {key: plot.plot(name=METHOD_LABELS[key], antialias=False) for key in METHOD_KEYS}
        for curve in self.curves.values():
            # the clock only grows, so peak-preserving downsampling to the pixel width is exact
            # enough and keeps a long noisy curve cheap to stroke
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
        self._log = False
        self._min_loss = None
        self._x_label = None
        self._snapshot = None
        self.ranges = RoundRanges(plot)      # both axes move in round steps
        follow_pixel_ratio(self)             # 2-px curves stay 2 logical px at 200 %
        self.apply_theme(theme)

    def apply_theme(self, theme: Theme) -> None:
        self.setBackground(theme.background)
        plot = self.getPlotItem()
        for name in ("left", "bottom"):
            plot.getAxis(name).setPen(theme.foreground)
            plot.getAxis(name).setTextPen(theme.foreground)
        for key, curve in self.curves.items():
            curve.setPen(pg.mkPen(theme.color(key), width=2))

    def set_log_y(self, on: bool) -> None:
        """Log scale of J minus the landscape's minimum (so a zero minimum stays drawable)."""
        self._log = on
        self.ranges.forget_y()
        self.getPlotItem().setLogMode(y=on)
        self.getPlotItem().setLabel("left", "J(θ) − J* (log)" if on else "loss J(θ)")
        if self._snapshot is not None:       # (paused: the curves in the new scale at once)
            self.show_snapshot(self._snapshot)

    def spans_decades(self, snap=None) -> bool:
        """Whether the shown losses span more than a decade above the landscape's minimum (the
        first drop then flattens the rest against the axis on a linear scale)."""
        snap = snap or self._snapshot
        if snap is None:
            return False
        floor = self._min_loss if self._min_loss is not None else 0.0
        ys = [m.loss_curve[:, 1] for m in snap.methods if len(m.loss_curve) > 1
              and self.curves[m.key].isVisible()]
        if not ys:
            return False
        excess = np.concatenate(ys) - floor
        excess = excess[np.isfinite(excess) & (excess > 0)]
        return len(excess) > 1 and float(excess.max()) > 10.0 * float(np.median(excess))

    def set_method_visible(self, key: str, visible: bool) -> None:
        self.curves[key].setVisible(visible)
        self.ranges.fit(self.ranges.x_end or 0.0, self.curves.values(), self._log)

    def set_minimum_loss(self, value: float | None) -> None:
        self._min_loss = value

    def show_snapshot(self, snap: SimSnapshot) -> None:
        self._snapshot = snap
        label = f"clock ({CLOCK_UNITS[snap.clock_kind]})"
        if label != self._x_label:         # (a new label re-typesets the axis)
            self._x_label = label
            self.getPlotItem().setLabel("bottom", label)
        for m in snap.methods:
            curve = m.loss_curve
            if len(curve) > MAX_POINTS:  # a curve needs no more points than the plot has pixels
                keep = np.unique(np.linspace(0, len(curve) - 1, MAX_POINTS).astype(int))
                curve = curve[keep]
            y = curve[:, 1]
            if self._log:
                floor = self._min_loss if self._min_loss is not None else np.min(y)
                y = np.maximum(y - floor, 1e-12)
            self.curves[m.key].setData(curve[:, 0], y)
        self.ranges.fit(max((float(m.clock) for m in snap.methods), default=0.0),
                        self.curves.values(), self._log)
