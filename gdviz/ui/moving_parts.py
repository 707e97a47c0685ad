"""The parts of the canvas that change every frame, each layer painted by one item.

Fifteen pyqtgraph items (three tails, shafts, outlines, heads, bases, markers) each cost a
``setData`` and a paint per frame; one item that keeps plain arrays and paints them with a
handful of QPainter calls costs a fraction of that (issue 16). Two layers keep the stacking the
canvas had: tails and step arrows under the start markers, current markers above them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.ScatterPlotItem import Symbols
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainter, QPainterPath, QTransform

from gdviz.core import METHOD_KEYS

HEAD = dict(headLen=14, tipAngle=32, baseAngle=20)   # the arrowheads' shape, in pixels
BASE_SIZE = 9                                         # px: the ○ where a step began
HIT_PX = 8                                            # px: how near a click selects a method


@dataclass(frozen=True)
class StepArrow:
    """One method's two arrows in data coordinates: where the step began, the tip of the step
    taken and the tip of the same step with the full gradient (None: not drawn)."""
    key: str
    base: tuple[float, float]
    taken: tuple[float, float] | None
    instead: tuple[float, float] | None


class _Layer(pg.GraphicsObject):
    """An item spanning the visible range that paints in device pixels; never under the mouse
    (the canvas hit-tests clicks itself, see :meth:`MovingParts.method_at`).

    A frame repaints only the area its content covered before and covers now (the content's
    data bounds, padded by the widest pen or symbol in pixels), not the whole plot."""

    PAD_PX = 16.0

    def __init__(self):
        super().__init__()
        self._shown: dict[str, QRectF] = {}     # method -> the area its parts cover now

    def _content_points(self) -> dict[str, list[np.ndarray]]:
        """By method, arrays of (x, y) data points that bound what the layer paints now."""
        raise NotImplementedError

    def _changed(self, *keys: str) -> None:
        """Repaint, for each of these methods, where its parts were and where they are now
        (small areas: one box around all three methods would often span the plot)."""
        view_box = self.getViewBox()
        if view_box is None:
            self.update()
            return
        content = self._content_points()
        for key in keys:
            rect = self._content_rect(view_box, content.get(key, []))
            old = self._shown.pop(key, QRectF())
            if not rect.isNull():
                self._shown[key] = rect
            dirty = rect if old.isNull() else (old if rect.isNull() else old.united(rect))
            if not dirty.isNull():
                self.update(dirty)

    def _content_rect(self, view_box, parts: list[np.ndarray]) -> QRectF:
        parts = [p for p in parts if len(p)]
        if not parts:
            return QRectF()
        xy = parts[0] if len(parts) == 1 else np.concatenate(parts)
        low, high = xy.min(axis=0), xy.max(axis=0)
        if not (np.isfinite(low).all() and np.isfinite(high).all()):   # (seldom: diverging)
            xy = xy[np.all(np.isfinite(xy), axis=1)]
            if not len(xy):
                return QRectF()
            low, high = xy.min(axis=0), xy.max(axis=0)
        # clipped to the view: the view box clips its items there, and far-off points (a
        # diverging run) would make a rect Qt cannot handle
        view = view_box.viewRect()
        (x0, y0), (x1, y1) = low, high
        pw, ph = view_box.viewPixelSize()
        dx, dy = self.PAD_PX * abs(pw), self.PAD_PX * abs(ph)
        left = max(float(x0) - dx, view.left())
        right = min(float(x1) + dx, view.right())
        top = max(float(y0) - dy, view.top())
        bottom = min(float(y1) + dy, view.bottom())
        if right < left or bottom < top:
            return QRectF()
        return QRectF(left, top, right - left, bottom - top)

    def boundingRect(self) -> QRectF:
        view_box = self.getViewBox()
        return QRectF() if view_box is None else view_box.viewRect()

    def viewRangeChanged(self):
        self.prepareGeometryChange()
        self._shown = {}            # the whole view repaints; pixel pads are in new units

    def shape(self) -> QPainterPath:
        return QPainterPath()


class TailsAndArrows(_Layer):
    """The live tail of every trail, and the step arrows."""

    def __init__(self):
        super().__init__()
        self.tails: dict[str, np.ndarray] = {k: np.zeros((0, 2)) for k in METHOD_KEYS}
        self._paths: dict[str, QPainterPath] = {}
        self.pens: dict[str, tuple] = {}          # key -> (pen, halo pen or None)
        self.hidden: set[str] = set()
        self.arrows: list[StepArrow] = []
        self.colors: dict[str, str] = {}
        self.outline_pen = self.true_pen = self.base_pen = self.base_brush = None
        self.foreground = "#000000"
        self.mark_scale = 1.0
        self._head = pg.functions.makeArrowPath(**HEAD)
        self._shaft_pens: dict[str, object] = {}

    def _content_points(self) -> dict[str, list[np.ndarray]]:
        points = {k: [t] for k, t in self.tails.items() if k not in self.hidden}
        for a in self.arrows:
            points.setdefault(a.key, []).append(
                np.array([a.base] + [t for t in (a.taken, a.instead) if t is not None], float))
        return points

    def set_tail(self, key: str, points: np.ndarray) -> None:
        points = np.asarray(points, float).reshape(-1, 2)
        if np.array_equal(points, self.tails.get(key)):
            return
        self.tails[key] = points
        self._paths[key] = pg.arrayToQPath(points[:, 0], points[:, 1], connect="finite")
        self._changed(key)

    def set_pens(self, key: str, pen, halo) -> None:
        self.pens[key] = (pen, halo)
        self._changed(key)

    def set_visible_key(self, key: str, visible: bool) -> None:
        (self.hidden.discard if visible else self.hidden.add)(key)
        self.update()        # (all of it: what was shown may be anywhere)

    def set_arrow_style(self, colors: dict, foreground: str, outline_pen, true_pen, base_pen,
                        base_brush, shaft_width: float = 3.5, mark_scale: float = 1.0) -> None:
        """*mark_scale*: the heads and the ○ times their size (the canvas's marks grow with a
        4K presentation's type)."""
        self.colors, self.foreground = dict(colors), foreground
        if mark_scale != self.mark_scale:
            self._head = pg.functions.makeArrowPath(
                **{**HEAD, "headLen": HEAD["headLen"] * mark_scale})
        self.mark_scale = mark_scale
        self.shaft_width = shaft_width
        self._shaft_pens = {k: pg.mkPen(c, width=shaft_width) for k, c in colors.items()}
        self.outline_pen, self.true_pen = outline_pen, true_pen
        self.base_pen, self.base_brush = base_pen, base_brush
        self.update()

    def set_arrows(self, arrows: list[StepArrow]) -> None:
        if arrows != self.arrows:
            old = {a.key: a for a in self.arrows}
            new = {a.key: a for a in arrows}
            self.arrows = list(arrows)
            self._changed(*[k for k in METHOD_KEYS if old.get(k) != new.get(k)])

    def paint(self, painter: QPainter, *_args) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for key in METHOD_KEYS:
            path = self._paths.get(key)
            pen, halo = self.pens.get(key, (None, None))
            if path is None or pen is None or key in self.hidden or path.isEmpty():
                continue
            if halo is not None:
                painter.setPen(halo)
                painter.drawPath(path)
            painter.setPen(pen)
            painter.drawPath(path)
        if self.arrows and self.outline_pen is not None:
            self._paint_arrows(painter)

    def _paint_arrows(self, painter: QPainter) -> None:
        world = painter.worldTransform()
        px = [(a, world.map(QPointF(*a.base)),
               None if a.taken is None else world.map(QPointF(*a.taken)),
               None if a.instead is None else world.map(QPointF(*a.instead)))
              for a in self.arrows]
        painter.save()
        painter.resetTransform()     # from here on, device pixels
        painter.setBrush(pg.mkBrush(None))
        painter.setPen(self.outline_pen)
        for _a, base, taken, _i in px:
            if taken is not None:
                painter.drawLine(base, taken)
        for a, base, taken, _i in px:
            if taken is not None:
                painter.setPen(self._shaft_pens.get(a.key)
                               or pg.mkPen(self.foreground, width=getattr(self, "shaft_width", 3.5)))
                painter.drawLine(base, taken)
        painter.setPen(self.true_pen)
        for _a, base, _t, instead in px:
            if instead is not None:
                painter.drawLine(base, instead)
        for a, base, taken, instead in px:
            for tip, color in ((taken, self.colors.get(a.key, self.foreground)),
                               (instead, self.foreground)):
                if tip is not None and (tip.x() != base.x() or tip.y() != base.y()):
                    self._paint_head(painter, base, tip, color)
        painter.setPen(self.base_pen)
        painter.setBrush(self.base_brush)
        r = BASE_SIZE * self.mark_scale / 2
        for _a, base, _t, _i in px:
            painter.drawEllipse(base, r, r)
        painter.restore()

    def _paint_head(self, painter: QPainter, base: QPointF, tip: QPointF, color: str) -> None:
        # the path points left (-x) from its tip at the origin: turn it along base -> tip
        angle = 180.0 + math.degrees(math.atan2(tip.y() - base.y(), tip.x() - base.x()))
        painter.save()
        painter.translate(tip)
        painter.rotate(angle)
        painter.setPen(pg.mkPen(color))
        painter.setBrush(pg.mkBrush(color))
        painter.drawPath(self._head)
        painter.restore()


@dataclass(frozen=True)
class Marker:
    """A method's current position: symbol, size in px, outline pen and fill brush."""
    x: float
    y: float
    symbol: str
    size: float
    pen: object
    brush: object


class CurrentMarkers(_Layer):
    """The current position of every method, on top of the start markers."""

    PAD_PX = 20.0     # half the largest marker (16 x 1.3) plus its outline

    def __init__(self):
        super().__init__()
        self.markers: dict[str, Marker] = {}
        self.hidden: set[str] = set()

    def _content_points(self) -> dict[str, list[np.ndarray]]:
        return {k: [np.array([[m.x, m.y]])] for k, m in self.markers.items()
                if k not in self.hidden}

    def set_marker(self, key: str, marker: Marker | None) -> None:
        if marker is None:
            if self.markers.pop(key, None) is not None:
                self._changed(key)
        elif self.markers.get(key) != marker:
            self.markers[key] = marker
            self._changed(key)

    def set_visible_key(self, key: str, visible: bool) -> None:
        (self.hidden.discard if visible else self.hidden.add)(key)
        self._changed(key)

    def paint(self, painter: QPainter, *_args) -> None:
        world = painter.worldTransform()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.resetTransform()
        for key in METHOD_KEYS:
            m = self.markers.get(key)
            if m is None or key in self.hidden or not (math.isfinite(m.x) and math.isfinite(m.y)):
                continue
            p = world.map(QPointF(m.x, m.y))
            painter.setTransform(QTransform.fromTranslate(p.x(), p.y()))
            painter.scale(m.size, m.size)
            painter.setPen(m.pen)
            painter.setBrush(m.brush)
            painter.drawPath(Symbols[m.symbol])
        painter.restore()


class MovingParts:
    """Both layers, added to a plot; and the hit test for clicks on a tail or a marker."""

    def __init__(self, plot_item: pg.PlotItem, lines_z: float, markers_z: float):
        self.lines = TailsAndArrows()
        self.lines.setZValue(lines_z)
        self.markers = CurrentMarkers()
        self.markers.setZValue(markers_z)
        self._view_box = plot_item.getViewBox()
        plot_item.addItem(self.lines, ignoreBounds=True)
        plot_item.addItem(self.markers, ignoreBounds=True)

    def set_visible_key(self, key: str, visible: bool) -> None:
        self.lines.set_visible_key(key, visible)
        self.markers.set_visible_key(key, visible)

    def method_at(self, scene_pos: QPointF, radius_px: float = HIT_PX) -> str | None:
        """The method whose current marker, or else whose live tail, passes within
        *radius_px* of a scene point; None when none does."""
        to_scene = self._view_box.mapViewToScene
        best, best_d = None, radius_px
        for key, m in self.markers.markers.items():
            if key in self.markers.hidden or not (math.isfinite(m.x) and math.isfinite(m.y)):
                continue
            p = to_scene(QPointF(m.x, m.y))
            d = math.hypot(p.x() - scene_pos.x(), p.y() - scene_pos.y()) - m.size / 2
            if d <= best_d:
                best, best_d = key, d
        if best is not None:
            return best
        for key in METHOD_KEYS:
            tail = self.lines.tails.get(key)
            if key in self.lines.hidden or tail is None or len(tail) == 0:
                continue
            d = _distance_to_polyline(self._to_pixels(tail), (scene_pos.x(), scene_pos.y()))
            if d <= best_d:
                best, best_d = key, d
        return best

    def _to_pixels(self, points: np.ndarray) -> np.ndarray:
        t = self._view_box.childGroup.sceneTransform()
        x, y = points[:, 0], points[:, 1]
        return np.column_stack([t.m11() * x + t.m21() * y + t.dx(),
                                t.m12() * x + t.m22() * y + t.dy()])


def _distance_to_polyline(points: np.ndarray, p) -> float:
    """Smallest distance from point *p* to the segments of a polyline (finite points only)."""
    points = points[np.all(np.isfinite(points), axis=1)]
    if len(points) == 0:
        return math.inf
    q = np.asarray(p, float)
    if len(points) == 1:
        return float(np.hypot(*(points[0] - q)))
    a, b = points[:-1], points[1:]
    ab = b - a
    length2 = np.einsum("ij,ij->i", ab, ab)
    t = np.clip(np.einsum("ij,ij->i", q - a, ab) / np.where(length2 > 0, length2, 1), 0, 1)
    nearest = a + t[:, None] * ab
    return float(np.min(np.hypot(*(nearest - q).T)))
