"""Contour lines and colour levels for a gridded landscape (NumPy + contourpy, no Qt)."""
from __future__ import annotations

from dataclasses import dataclass

import contourpy
import numpy as np


@dataclass(frozen=True)
class LandscapeView:
    """Everything the canvas needs to draw a landscape, computed off the GUI thread."""

    title: str
    param_names: tuple[str, str]
    xs: np.ndarray
    ys: np.ndarray
    Z: np.ndarray            # J on the grid, row-major [y, x]
    image: np.ndarray        # what the colour map shows (log-scaled where the range is wide)
    log_scaled: bool
    levels: np.ndarray
    line_x: np.ndarray       # all contour lines as one curve, split by ``connect``
    line_y: np.ndarray
    connect: np.ndarray
    minima: np.ndarray       # (k, 2)
    version: int = 0


def display_levels(Z: np.ndarray) -> tuple[np.ndarray, bool]:
    """The image to colour: log10 of J above its minimum when J spans many orders of magnitude."""
    finite = np.isfinite(Z)
    low, high = np.min(Z[finite]), np.max(Z[finite])
    span = high - low
    if span <= 0:
        return np.zeros_like(Z), False
    shifted = np.where(finite, Z - low, span)
    median = np.median(shifted)
    if median > 0 and span / median > 30:
        return np.log10(shifted + 1e-3 * median), True
    return shifted, False


def contour_levels(Z: np.ndarray, count: int = 18) -> np.ndarray:
    """Levels spaced evenly in the displayed scale, so lines are dense near the minimum."""
    finite = Z[np.isfinite(Z)]
    low, high = finite.min(), np.quantile(finite, 0.98)
    if high <= low:
        return np.array([low])
    offset = np.geomspace(1e-3 * (high - low), high - low, count)
    return low + offset


def contour_lines(xs, ys, Z, levels) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All contour lines of ``levels`` as x, y arrays with a pyqtgraph connect array."""
    gen = contourpy.contour_generator(xs, ys, np.where(np.isfinite(Z), Z, np.nanmax(Z)),
                                      line_type=contourpy.LineType.ChunkCombinedOffset)
    xs_out, ys_out, connect = [], [], []
    for level in levels:
        points, offsets = gen.lines(level)
        for pts, off in zip(points, offsets):
            if pts is None:
                continue
            xs_out.append(pts[:, 0])
            ys_out.append(pts[:, 1])
            c = np.ones(len(pts), bool)
            c[off[1:] - 1] = False  # break the curve at the end of every line
            connect.append(c)
    if not xs_out:
        return np.zeros(0), np.zeros(0), np.zeros(0, bool)
    return np.concatenate(xs_out), np.concatenate(ys_out), np.concatenate(connect)


def landscape_view(landscape, resolution: int = 220, version: int = 0,
                   bounds=None) -> LandscapeView:
    """*bounds* ((x0, x1), (y0, y1)): only that part of the landscape (default: all of it)."""
    (x0, x1), (y0, y1) = landscape.bounds if bounds is None else bounds
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    with np.errstate(all="ignore"):
        Z = np.asarray(landscape.loss_grid(xs, ys), float)
    image, log_scaled = display_levels(Z)
    levels = contour_levels(Z)
    lx, ly, connect = contour_lines(xs, ys, Z, levels)
    return LandscapeView(landscape.title, tuple(landscape.param_names), xs, ys, Z, image,
                         log_scaled, levels, lx, ly, connect, np.asarray(landscape.minima, float),
                         version)
