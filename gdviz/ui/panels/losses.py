"""Loss curves: the three full-data losses against the clock in force."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

from gdviz.core import METHOD_KEYS, METHOD_LABELS
from gdviz.core.clock import CLOCK_UNITS
from gdviz.core.snapshot import SimSnapshot
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
        plot.showGrid(x=True, y=True, alpha=0.25)
        for name in ("left", "bottom"):
            # each axis draws its grid across the plot, so every redraw of the curves repaints
            # it: from a pixmap of itself, made again only when its range changes
            plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        # no antialiasing: a long, noisy curve costs 3x as much to stroke antialiased
        self.curves = {key: plot.plot(name=METHOD_LABELS[key], antialias=False) for key in METHOD_KEYS}
        for curve in self.curves.values():
            # the clock only grows, so peak-preserving downsampling to the pixel width is exact
            # enough and keeps a long noisy curve cheap to stroke
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
        self._log = False
        self._min_loss = None
        self._x_end = None
        self._y_range = None
        self._x_label = None
        # Both axes move in round steps (1, 2, 5 x 10^k; whole decades in log scale), not with
        # every update: pyqtgraph re-typesets an axis and its grid (~5 ms) whenever its range
        # changes, and an auto-range changed both at every redraw.
        plot.getViewBox().disableAutoRange()
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
        self._y_range = None
        self.getPlotItem().setLogMode(y=on)
        self.getPlotItem().setLabel("left", "J(θ) − J* (log)" if on else "loss J(θ)")

    def set_method_visible(self, key: str, visible: bool) -> None:
        self.curves[key].setVisible(visible)
        self._fit_y()

    def set_minimum_loss(self, value: float | None) -> None:
        self._min_loss = value

    def show_snapshot(self, snap: SimSnapshot) -> None:
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
        end = x_axis_end(max((float(m.clock) for m in snap.methods), default=0.0))
        if end != self._x_end:
            self._x_end = end
            self.getPlotItem().setXRange(0.0, end, padding=0.02)
        self._fit_y()
        # the new ranges take effect now, not when the view box prepares to paint: a range
        # applied from inside a paint schedules a second paint of the whole plot
        self.getPlotItem().getViewBox().prepareForPaint()

    def _fit_y(self) -> None:
        """The loss axis: round limits around the visible curves (set here, never from inside
        a paint: a range changed while painting schedules a second paint)."""
        shown = [c.getData()[1] for c in self.curves.values() if c.isVisible()]
        values = np.concatenate([y for y in shown if y is not None and len(y)] or [np.zeros(0)])
        values = values[np.isfinite(values)]
        if not len(values):
            return
        if self._log:      # pyqtgraph's data are log10 of the values here: whole decades
            low, high = math.floor(np.min(values)), math.ceil(np.max(values))
        else:
            low, high = round_down(float(np.min(values))), round_up(float(np.max(values)))
        if high <= low:
            high = low + 1.0
        if (low, high) != self._y_range:
            self._y_range = (low, high)
            self.getPlotItem().setYRange(low, high, padding=0.02)


def x_axis_end(clock: float) -> float:
    """The end of the clock axis: the smallest of 1, 2 and 5 times a power of ten that is at
    least *clock* (at least 1)."""
    if not math.isfinite(clock) or clock <= 1.0:
        return 1.0
    return round_up(clock)


def round_up(value: float) -> float:
    """The nearest of 0 and ±1, 2, 5 x 10^k at or above *value* (0 for values in [-1e-12, 0])."""
    if value <= 0:
        return 0.0 if value >= -1e-12 else -round_down(-value)
    power = 10.0 ** math.floor(math.log10(value))
    if power * 10.0 <= value:          # (log10 rounded down just below a power of ten)
        power *= 10.0
    return next(f * power for f in (1.0, 2.0, 5.0, 10.0) if f * power >= value)


def round_down(value: float) -> float:
    """The nearest of 0 and ±1, 2, 5 x 10^k at or below *value* (0 for values in [0, 1e-12])."""
    if value <= 1e-12:
        return 0.0 if value >= 0 else -round_up(-value)
    power = 10.0 ** math.floor(math.log10(value))
    if power > value:                  # (log10 rounded up just below a power of ten)
        power /= 10.0
    return next(f * power for f in (5.0, 2.0, 1.0) if f * power <= value)
