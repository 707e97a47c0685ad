"""Long trails drawn as one raster of their finished parts plus live tails.

Stroking thousands of wide antialiased points every frame is what costs a canvas its frame
rate. A trail only grows at its end, so its finished part is painted once into an image at
screen resolution (new chunks are added to that image as they finish) and each frame only
blits the image; the short live tails are stroked by the canvas's moving-parts item. All three
trails share one image: one blit per frame, not three. The image is painted again from scratch
only when the view is zoomed, panned or resized, a pen or a visibility changes, or a trail
restarts.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPainterPath, QPixmap

CHUNK = 16
PAD_PX = 12.0     # wider than half the widest trail pen with its halo, in pixels


class _Chunk:
    __slots__ = ("key", "path", "painted")

    def __init__(self, key: str, path: QPainterPath, painted: bool = False):
        self.key, self.path, self.painted = key, path, painted


class FrozenTrails(pg.GraphicsObject):
    """The finished chunks of every trail, in data coordinates, rendered through one
    device-resolution image cache. Chunks are painted in the order they were frozen."""

    def __init__(self):
        super().__init__()
        self.chunks: list[_Chunk] = []
        self._pens: dict[str, tuple] = {}      # key -> (pen, shadow pen or None)
        self._hidden: set[str] = set()
        self._image: QImage | None = None
        self._key = None
        self._bounds = QRectF()

    # what is drawn ----------------------------------------------------------------------------
    def paths_of(self, key: str) -> list[QPainterPath]:
        return [c.path for c in self.chunks if c.key == key]

    def painted_count(self, key: str) -> int:
        return sum(1 for c in self.chunks if c.key == key and c.painted)

    def set_pens(self, key: str, pen, shadow) -> None:
        self._pens[key] = (pen, shadow)
        self._invalidate()

    def set_visible_key(self, key: str, visible: bool) -> None:
        if visible == (key not in self._hidden):
            return
        (self._hidden.discard if visible else self._hidden.add)(key)
        self._invalidate()

    def add(self, key: str, path: QPainterPath) -> None:
        self.prepareGeometryChange()
        self.chunks.append(_Chunk(key, path))
        rect = path.boundingRect()
        self._grow(rect)
        # only the new chunk's area, padded by the widest pen: the rest of the image is as
        # it was (a whole-view repaint here was the canvas's slowest frame)
        view_box = self.getViewBox()
        if view_box is None or self._image is None:
            self.update()
            return
        pw, ph = view_box.viewPixelSize()
        pad_x, pad_y = PAD_PX * abs(pw), PAD_PX * abs(ph)
        self.update(rect.adjusted(-pad_x, -pad_y, pad_x, pad_y))

    def clear_key(self, key: str) -> None:
        if not any(c.key == key for c in self.chunks):
            return
        self.prepareGeometryChange()
        self.chunks = [c for c in self.chunks if c.key != key]
        self._rebound()
        self._invalidate()

    def replace(self, key: str, paths: list, painted: int) -> None:
        """New chunks for *key* of which the image already shows the first ``painted`` (the
        same curve, drawn from more points): the image is kept and only the rest are stroked."""
        self.prepareGeometryChange()
        first = next((i for i, c in enumerate(self.chunks) if c.key == key), len(self.chunks))
        others = [c for c in self.chunks if c.key != key]
        fresh = [_Chunk(key, p, self._image is not None and i < painted)
                 for i, p in enumerate(paths)]
        # the new chunks take the place of the old ones, so the painting order is kept
        before = sum(1 for c in self.chunks[:first] if c.key != key)
        self.chunks = others[:before] + fresh + others[before:]
        self._rebound()
        self.update()

    def _grow(self, rect: QRectF) -> None:
        self._bounds = rect if self._bounds.isNull() else self._bounds.united(rect)

    def _rebound(self) -> None:
        self._bounds = QRectF()
        for c in self.chunks:
            self._grow(c.path.boundingRect())

    def _invalidate(self) -> None:
        self._key = None
        self.update()

    # QGraphicsItem ----------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        # the whole visible range: pens are wider than the paths' own bounds, in pixels
        view_box = self.getViewBox()
        if view_box is None or not self.chunks:
            return self._bounds
        return view_box.viewRect().united(self._bounds)

    def viewRangeChanged(self):
        self.prepareGeometryChange()

    def shape(self) -> QPainterPath:
        return QPainterPath()  # never under the mouse: clicks go to the canvas and its markers

    def paint(self, painter: QPainter, *_args) -> None:
        if not self.chunks:
            return
        # The world transform, not the device one: when a widget is grabbed or rendered into a
        # bigger image, Qt adds a redirection offset that must be applied once, by drawImage.
        transform = painter.worldTransform()
        device = painter.device()
        width, height = device.width(), device.height()
        # at a device pixel ratio of 2 the cache has twice the pixels a side: crisp, not blown up
        ratio = device.devicePixelRatioF() if hasattr(device, "devicePixelRatioF") else 1.0
        if isinstance(device, (QImage, QPixmap)):   # (their sizes are in pixels, a widget's not)
            width, height = round(width / ratio), round(height / ratio)
        key = (transform.m11(), transform.m12(), transform.m21(), transform.m22(),
               transform.dx(), transform.dy(), width, height, ratio)
        if key != self._key or self._image is None:
            self._key = key
            pixels = (max(round(width * ratio), 1), max(round(height * ratio), 1))
            if self._image is None or (self._image.width(), self._image.height()) != pixels \
                    or self._image.devicePixelRatio() != ratio:
                self._image = QImage(*pixels, QImage.Format.Format_ARGB32_Premultiplied)
                self._image.setDevicePixelRatio(ratio)
            # (same size: the buffer is cleared and kept; a new 2 MB image at every restart
            # of a run left the process a little larger each time)
            self._image.fill(Qt.GlobalColor.transparent)
            for chunk in self.chunks:
                chunk.painted = False
        fresh = [c for c in self.chunks if not c.painted]
        if fresh:
            image_painter = QPainter(self._image)
            image_painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            image_painter.setTransform(transform)
            for chunk in fresh:
                chunk.painted = True
                pen, shadow = self._pens.get(chunk.key, (None, None))
                if pen is None or chunk.key in self._hidden:
                    continue
                if shadow is not None:
                    image_painter.setPen(shadow)
                    image_painter.drawPath(chunk.path)
                image_painter.setPen(pen)
                image_painter.drawPath(chunk.path)
            image_painter.end()
        painter.save()
        painter.resetTransform()
        painter.drawImage(QPointF(0, 0), self._image)
        painter.restore()


class CachedTrail:
    """One method's trail: its finished chunks go to the shared frozen layer, its live tail
    to ``show_tail`` (the points past the last frozen chunk)."""

    def __init__(self, frozen: FrozenTrails, key: str,
                 show_tail: Callable[[np.ndarray], None] | None = None):
        self.frozen = frozen
        self.key = key
        self.show_tail = show_tail
        self.tail = np.zeros((0, 2))
        self._ends = np.zeros((0, 2, 2))   # first and last point of every frozen chunk
        self._frozen_points = np.zeros((0, 2))   # the points the frozen chunks were made from
        self._count = 0                    # frozen chunks of this trail

    @property
    def chunks(self) -> list:
        return self.frozen.paths_of(self.key)

    @property
    def painted(self) -> int:
        """How many of this trail's chunks the cached image already shows."""
        return self.frozen.painted_count(self.key)

    def set_pens(self, pen, shadow_pen=None) -> None:
        self.frozen.set_pens(self.key, pg.mkPen(pen),
                             pg.mkPen(shadow_pen) if shadow_pen is not None else None)

    def set_visible(self, visible: bool) -> None:
        self.frozen.set_visible_key(self.key, visible)

    def clear(self) -> None:
        self.frozen.clear_key(self.key)
        self._ends = np.zeros((0, 2, 2))
        self._frozen_points = np.zeros((0, 2))
        self._count = 0

    def set_points(self, points: np.ndarray) -> None:
        """Show the whole trail; only points past the last frozen chunk are re-stroked."""
        points = np.asarray(points, float).reshape(-1, 2)
        k = len(points)
        frozen = self._count
        if frozen:
            starts = np.arange(frozen) * CHUNK
            if k <= frozen * CHUNK or not np.array_equal(
                    self._ends, np.stack([points[starts], points[starts + CHUNK]], axis=1)):
                if self._thinned_out(points):
                    frozen = self._rechunk_thinned(points)
                else:
                    self.clear()  # the trail restarted: its old chunks are stale
                    frozen = 0
        grown = False
        while (frozen + 1) * CHUNK < k - 1:
            segment = points[frozen * CHUNK:(frozen + 1) * CHUNK + 1]
            self.frozen.add(self.key, pg.arrayToQPath(segment[:, 0], segment[:, 1],
                                                      connect="finite"))
            self._ends = np.concatenate([self._ends, segment[[0, -1]][None]], axis=0)
            frozen += 1
            grown = True
        self._count = frozen
        if grown:
            self._frozen_points = points[:frozen * CHUNK + 1].copy()
        self.tail = points[frozen * CHUNK:]
        if self.show_tail is not None:
            self.show_tail(self.tail)

    def _thinned_out(self, points: np.ndarray) -> bool:
        """Whether ``points`` is the frozen points with every other one dropped (core.Trail
        halves itself when full), as far as both go."""
        kept = self._frozen_points[0::2]
        m = min(len(kept), len(points) - 1)
        return m > 1 and np.array_equal(points[:m], kept[:m])

    def _rechunk_thinned(self, points: np.ndarray) -> int:
        """Chunks of the thinned points, keeping the cached image: it already shows the same
        curve through twice the points (restroking ~100 chunks took ~100 ms in one frame).
        Chunk j spans the old points 2jC..2(j+1)C, so the image holds it if those were frozen."""
        old_frozen = self._count
        frozen = 0
        paths, ends = [], []
        while (frozen + 1) * CHUNK < len(points) - 1 and (frozen + 1) * 2 <= old_frozen:
            segment = points[frozen * CHUNK:(frozen + 1) * CHUNK + 1]
            paths.append(pg.arrayToQPath(segment[:, 0], segment[:, 1], connect="finite"))
            ends.append(segment[[0, -1]])
            frozen += 1
        self.frozen.replace(self.key, paths, painted=frozen)
        self._ends = np.array(ends).reshape(frozen, 2, 2)
        self._frozen_points = points[:frozen * CHUNK + 1].copy()
        return frozen
