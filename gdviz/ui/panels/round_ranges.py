"""Plot ranges that move in round steps (1, 2, 5 x 10^k) instead of with every redraw.

pyqtgraph re-typesets an axis, and the grid it draws across the plot, whenever its range
changes (a few ms a time): an auto-range that followed a growing loss curve did it at every
redraw. With round limits the axes change a few times per run, and are cached in between.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem


class RoundRanges:
    """Fits a plot's x range to 0 .. a round end at least the largest x, and its y range to
    round limits around the visible curves' values (whole decades in log scale)."""

    def __init__(self, plot_item: pg.PlotItem):
        self.plot_item = plot_item
        self.x_end = None
        self.y_range = None
        plot_item.getViewBox().disableAutoRange()
        for name in ("left", "bottom"):
            # an axis repaints with every redraw of the curves when it draws a grid across
            # the plot: from a pixmap of itself, made again only when its range changes
            plot_item.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def forget_y(self) -> None:
        """The y scale changed (log or linear): fit y again at the next ``fit``."""
        self.y_range = None

    def fit(self, x_max: float, curves, log_y: bool = False) -> None:
        """Set the ranges (now, never from inside a paint: a range changed while painting
        schedules a second paint of the whole plot)."""
        end = x_axis_end(x_max)
        if end != self.x_end:
            self.x_end = end
            self.plot_item.setXRange(0.0, end, padding=0.02)
        shown = [c.getData()[1] for c in curves if c.isVisible()]
        values = np.concatenate([y for y in shown if y is not None and len(y)] or [np.zeros(0)])
        values = values[np.isfinite(values)]
        if len(values):
            if log_y:      # pyqtgraph's data are log10 of the values here: whole decades
                low, high = math.floor(np.min(values)), math.ceil(np.max(values))
            else:
                low, high = round_down(float(np.min(values))), round_up(float(np.max(values)))
            if high <= low:
                high = low + 1.0
            if (low, high) != self.y_range:
                self.y_range = (low, high)
                self.plot_item.setYRange(low, high, padding=0.02)
        self.plot_item.getViewBox().prepareForPaint()     # the new ranges take effect now


def x_axis_end(x: float) -> float:
    """The end of a clock axis: *x* rounded up to a step of a fifth of its power of ten: at
    most ~20 % past the data (the 1-2-5 ends left a plot up to 60 % empty), and still a round
    number that changes a few dozen times per decade. Below 1 too: a run whose simulated
    clock ends at 0.08 s drew its curves on the first 8 % of a 0..1 axis."""
    if not math.isfinite(x) or x <= 0.0:
        return 1.0
    step = 10.0 ** math.floor(math.log10(x)) / 5.0
    return float(f"{math.ceil(x / step - 1e-9) * step:.12g}")


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
