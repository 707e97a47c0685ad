"""Where the canvas's legend and arrow note sit: the plot corner that covers the least.

Pure geometry on NumPy arrays, no Qt (tested without a widget): the data points that must stay
visible (starts, current markers, minima, divergence badges: "key" points, weighing 100) and the
trail points (weighing 1) are converted once to plot pixels, and each corner's box is scored by
how many it covers. ``ContourCanvas._place_legend`` measures the boxes and applies the choice.
"""
from __future__ import annotations

import math

import numpy as np


def legend_obstacles(methods, hidden, minima, badge_px, view, box_px, clip):
    """(key_xy, trail_xy): the data points a legend must not cover, and the trail points it
    had better not. *methods*: a snapshot's methods (those in *hidden* are left out); *minima*:
    the landscape's minima; *badge_px*: {key: (width, height)} in pixels of the badge of each
    diverged method, whose text runs right of and above its last finite point; *view*: (x0, x1,
    y0, y1) of the plot in data units, *box_px* its size in pixels; *clip*: a point clipped to
    the landscape's bounds."""
    x0, x1, y0, y1 = view
    width, height = box_px
    key_points, trail_points = [], []
    for m in methods:
        if m.key in hidden:
            continue
        here = last_finite(m.trail, m.start)
        key_points += [m.start, here]
        if m.key in badge_px:
            text_w, text_h = badge_px[m.key]
            dx = text_w * (x1 - x0) / width
            dy = text_h * 1.2 * (y1 - y0) / height
            bx, by = clip(here)
            key_points += [(bx + f * dx, by + dy * g)
                           for f in np.linspace(0, 1, 6) for g in (0.3, 0.8)]
        trail = np.asarray(m.trail, float)
        trail_points.append(trail[:: max(1, len(trail) // 400)])
    if len(minima):
        key_points += list(minima)
    key_xy = np.asarray(key_points, float).reshape(-1, 2)
    trail_xy = np.vstack(trail_points) if trail_points else np.zeros((0, 2))
    return key_xy, trail_xy


def corner_anchor(corner, margin_px) -> tuple[tuple[int, int], tuple[int, int]]:
    """(anchor, offset) of pyqtgraph's ``anchor(itemPos=anchor, parentPos=anchor, offset)``
    that puts an item in *corner* (right, bottom), *margin_px* from the plot's edges."""
    right, bottom = corner
    anchor = (1 if right else 0, 1 if bottom else 0)
    offset = (-margin_px if right else margin_px, -margin_px if bottom else margin_px)
    return anchor, offset


def last_finite(trail, start) -> np.ndarray:
    """The last finite point of a trail (its start when none is)."""
    trail = np.asarray(trail, float).reshape(-1, 2)
    if len(trail) and math.isfinite(trail[-1, 0]) and math.isfinite(trail[-1, 1]):
        return trail[-1]          # the usual case, without scanning the whole trail
    ok = np.flatnonzero(np.all(np.isfinite(trail), axis=1))
    return trail[ok[-1]] if len(ok) else np.asarray(start, float)


CORNERS = ((False, True), (True, True), (False, False), (True, False))


def best_two_corners(key_xy, trail_xy, view, box_px, legend_px, note_px, margin_px,
                     legend_now, note_now):
    """(note corner, legend corner): two corners where the arrow note and the legend do not
    overlap each other and together cover the least (as best_corner counts); the corners in
    use win ties. Where no two such corners exist, opposite corners."""
    key_xy, trail_xy = _pixels(key_xy, view, box_px), _pixels(trail_xy, view, box_px)
    best, best_score = (note_now, legend_now), None
    for note in [note_now] + [c for c in CORNERS if c != note_now]:
        note_rect = corner_rect(note, note_px, box_px, margin_px)
        taken = [c for c in CORNERS
                 if _rects_overlap(note_rect, corner_rect(c, legend_px, box_px, margin_px))]
        if len(taken) == len(CORNERS):
            continue
        free = [c for c in CORNERS if c not in taken]
        legend = best_corner(key_xy, trail_xy, view, box_px, legend_px, margin_px,
                             legend_now if legend_now in free else free[0], taken=taken)
        score = (corner_score(key_xy, trail_xy, view, box_px, note_px, margin_px, note)
                 + corner_score(key_xy, trail_xy, view, box_px, legend_px, margin_px, legend))
        if best_score is None or score < best_score:
            best, best_score = (note, legend), score
    if best_score is None:   # a plot too small for both side by side: opposite corners
        return note_now, (not note_now[0], not note_now[1])
    return best


def corner_rect(corner, item_px, box_px, margin_px) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) in pixels of an item of *item_px* in *corner* of the plot."""
    (right, bottom), (w, h), (width, height) = corner, item_px, box_px
    left = width - margin_px - w if right else margin_px
    top = height - margin_px - h if bottom else margin_px
    return left, top, left + w, top + h


def _rects_overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


class _Pixels:
    """Finite data points converted once to plot pixels (x right, y down), for many corners."""

    def __init__(self, xy, view, box_px):
        x0, x1, y0, y1 = view
        width, height = box_px
        xy = np.asarray(xy, float).reshape(-1, 2)
        xy = xy[np.all(np.isfinite(xy), axis=1)]
        self.px = (xy[:, 0] - x0) / (x1 - x0) * width
        self.py = (y1 - xy[:, 1]) / (y1 - y0) * height


def _pixels(xy, view, box_px) -> _Pixels:
    return xy if isinstance(xy, _Pixels) else _Pixels(xy, view, box_px)


def corner_score(key_xy, trail_xy, view, box_px, item_px, margin_px, corner) -> int:
    """How much an item of *item_px* in *corner* covers: key points ×100, trail points ×1."""
    width, height = box_px
    lw, lh = item_px
    right, bottom = corner
    left = width - margin_px - lw if right else margin_px
    top = height - margin_px - lh if bottom else margin_px

    def covered(xy, pad):
        points = _pixels(xy, view, box_px)
        px, py = points.px, points.py
        inside = ((px >= left - pad) & (px <= left + lw + pad)
                  & (py >= top - pad) & (py <= top + lh + pad))
        return int(np.count_nonzero(inside))

    return 100 * covered(key_xy, 14) + covered(trail_xy, 0)


def best_corner(key_xy, trail_xy, view, box_px, legend_px, margin_px, current, taken=()):
    """(right, bottom) of the plot corner where a legend of *legend_px* covers the least:
    every key point (start, minimum, marker, badge) weighs 100, every trail point 1; *current*
    wins ties so the legend does not jump about; corners in *taken* are not used."""
    corners = [current] + [c for c in CORNERS if c != current]
    corners = [c for c in corners if c not in taken]
    key_xy, trail_xy = _pixels(key_xy, view, box_px), _pixels(trail_xy, view, box_px)
    scores = [corner_score(key_xy, trail_xy, view, box_px, legend_px, margin_px, c)
              for c in corners]
    return corners[int(np.argmin(scores))]
