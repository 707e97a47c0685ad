"""A long trail drawn as a raster of its finished part plus a live tail.

Stroking thousands of wide antialiased points every frame is what costs a canvas its frame
rate. A trail only grows at its end, so its finished part is painted once into an image at
screen resolution (new chunks are added to that image as they finish) and each frame only
blits the image and strokes the short live tail. The image is painted again from scratch only
when the view is zoomed, panned or resized, or the trail is thinned out.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPainterPath, QPixmap

CHUNK = 32


class _FrozenPaths(pg.GraphicsObject):
    """Paths in data coordinates, rendered through a device-resolution image cache."""

    def __init__(self):
        super().__init__()
        self.paths: list = []          # QPainterPaths, oldest first
        self.pen = None
        self.shadow = None
        self._image: QImage | None = None
        self._key = None
        self._painted = 0              # how many paths the image already holds
        self._bounds = QRectF()

    def set_pens(self, pen, shadow) -> None:
        self.pen, self.shadow = pen, shadow
        self._invalidate()

    def add(self, path) -> None:
        self.prepareGeometryChange()
        self.paths.append(path)
        rect = path.boundingRect()
        self._bounds = rect if self._bounds.isNull() else self._bounds.united(rect)
        self.update()

    def clear(self) -> None:
        self.prepareGeometryChange()
        self.paths = []
        self._bounds = QRectF()
        self._invalidate()

    def replace(self, paths: list, painted: int) -> None:
        """New paths of which the image already shows the first ``painted`` (the same curve,
        drawn from more points): the image is kept and only the rest are stroked into it."""
        self.prepareGeometryChange()
        self.paths = []
        self._bounds = QRectF()
        for path in paths:
            self.paths.append(path)
            rect = path.boundingRect()
            self._bounds = rect if self._bounds.isNull() else self._bounds.united(rect)
        if self._image is None:
            painted = 0
        self._painted = min(painted, len(self.paths))
        self.update()

    def _invalidate(self) -> None:
        self._key = None
        self.update()

    def boundingRect(self) -> QRectF:
        # the whole visible range: pens are wider than the paths' own bounds, in pixels
        view_box = self.getViewBox()
        if view_box is None or not self.paths:
            return self._bounds
        return view_box.viewRect().united(self._bounds)

    def viewRangeChanged(self):
        self.prepareGeometryChange()

    def shape(self) -> QPainterPath:
        return QPainterPath()  # never under the mouse: clicks go to the canvas and its markers

    def paint(self, painter: QPainter, *_args) -> None:
        if not self.paths or self.pen is None:
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
            self._image = QImage(max(round(width * ratio), 1), max(round(height * ratio), 1),
                                 QImage.Format.Format_ARGB32_Premultiplied)
            self._image.setDevicePixelRatio(ratio)
            self._image.fill(Qt.GlobalColor.transparent)
            self._painted = 0
        if self._painted < len(self.paths):
            image_painter = QPainter(self._image)
            image_painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            image_painter.setTransform(transform)
            for path in self.paths[self._painted:]:
                if self.shadow is not None:
                    image_painter.setPen(self.shadow)
                    image_painter.drawPath(path)
                image_painter.setPen(self.pen)
                image_painter.drawPath(path)
            image_painter.end()
            self._painted = len(self.paths)
        painter.save()
        painter.resetTransform()
        painter.drawImage(QPointF(0, 0), self._image)
        painter.restore()


class CachedTrail:
    def __init__(self, plot_item: pg.PlotItem, tail: pg.PlotDataItem, on_click=None):
        self.plot_item = plot_item
        self.tail = tail
        self.on_click = on_click
        self.frozen = _FrozenPaths()
        self.frozen.setZValue(tail.zValue() - 0.5)
        plot_item.addItem(self.frozen, ignoreBounds=True)
        self._ends = np.zeros((0, 2, 2))   # first and last point of every frozen chunk
        self._frozen_points = np.zeros((0, 2))   # the points the frozen chunks were made from

    @property
    def chunks(self) -> list:
        return self.frozen.paths

    def set_pens(self, pen, shadow_pen=None) -> None:
        self.tail.setPen(pen)
        self.tail.setShadowPen(shadow_pen)
        self.frozen.set_pens(pg.mkPen(pen), pg.mkPen(shadow_pen) if shadow_pen is not None else None)

    def set_visible(self, visible: bool) -> None:
        self.tail.setVisible(visible)
        self.frozen.setVisible(visible)

    def clear(self) -> None:
        self.frozen.clear()
        self._ends = np.zeros((0, 2, 2))
        self._frozen_points = np.zeros((0, 2))

    def set_points(self, points: np.ndarray) -> None:
        """Show the whole trail; only points past the last frozen chunk are re-stroked."""
        k = len(points)
        frozen = len(self.chunks)
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
            self.frozen.add(pg.arrayToQPath(segment[:, 0], segment[:, 1]))
            self._ends = np.concatenate([self._ends, segment[[0, -1]][None]], axis=0)
            frozen += 1
            grown = True
        if grown:
            self._frozen_points = points[:frozen * CHUNK + 1].copy()
        tail = points[frozen * CHUNK:]
        self.tail.setData(tail[:, 0], tail[:, 1])

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
        old_frozen = len(self.chunks)
        frozen = 0
        paths, ends = [], []
        while (frozen + 1) * CHUNK < len(points) - 1 and (frozen + 1) * 2 <= old_frozen:
            segment = points[frozen * CHUNK:(frozen + 1) * CHUNK + 1]
            paths.append(pg.arrayToQPath(segment[:, 0], segment[:, 1]))
            ends.append(segment[[0, -1]])
            frozen += 1
        self.frozen.replace(paths, painted=frozen)
        self._ends = np.array(ends).reshape(frozen, 2, 2)
        self._frozen_points = points[:frozen * CHUNK + 1].copy()
        return frozen
