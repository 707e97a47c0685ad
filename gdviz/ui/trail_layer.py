"""Long trails drawn as one raster of their finished parts plus live tails.

Stroking thousands of wide antialiased points every frame is what costs a canvas its frame
rate. A trail only grows at its end, so its finished part is painted once into an image at
screen resolution (new chunks are added to that image as they finish) and each frame only
blits the image; the short live tails are stroked by the canvas's moving-parts item. All three
trails share one image: one blit per frame, not three.

The image is opaque: it starts from a copy of the backdrop under the trails (the landscape
picture and its contours, rendered once per view), so a frame copies one opaque rectangle
where it used to blend three layers. The backdrop is rendered again when the view is zoomed,
panned or resized or a base item changes; the trails are painted again from the backdrop when
a pen or a visibility changes or a trail restarts. A vector device (an SVG export) gets the
trails as paths instead (the exporter paints the base items itself).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPixmap
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

CHUNK = 16
PAD_PX = 12.0     # wider than half the widest trail pen with its halo, in pixels


class _Chunk:
    __slots__ = ("key", "path", "painted")

    def __init__(self, key: str, path: QPainterPath, painted: bool = False):
        self.key, self.path, self.painted = key, path, painted


class FrozenTrails(pg.GraphicsObject):
    """The finished chunks of every trail, in data coordinates, over the base items (the
    landscape), all rendered through one opaque device-resolution image cache. Chunks are
    painted in the order they were frozen."""

    def __init__(self):
        super().__init__()
        self.chunks: list[_Chunk] = []
        self._pens: dict[str, tuple] = {}      # key -> (pen, shadow pen or None)
        self._hidden: set[str] = set()
        self._image: QImage | None = None      # backdrop and trails: what a frame copies
        self._base: QImage | None = None       # the backdrop alone, to restart trails from
        self._key = None
        self._base_items: list[QGraphicsItem] = []
        self._background = QColor(0, 0, 0, 0)
        self._bounds = QRectF()
        self._restart = True                   # the image is to start again from the backdrop
        self.rebuilds = 0                      # backdrop renders, for tests and profiles

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
        """The trails are painted again, over the backdrop as it is."""
        for chunk in self.chunks:
            chunk.painted = False
        self._restart = True
        self.update()

    # the backdrop -----------------------------------------------------------------------------
    def set_base(self, items, background) -> None:
        """Paint ``items`` (below this one, in its view box) into the cache under the trails,
        over ``background``, instead of letting them paint themselves every frame."""
        for item in self._base_items:
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, False)
        self._base_items = list(items)
        for item in self._base_items:
            # Qt no longer paints (or caches) them; their changes reach the cache through
            # base_changed, which their owner and their own change signals call
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
            item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        self.set_background(background)

    def set_background(self, color) -> None:
        self._background = QColor(pg.mkColor(color))
        self._background.setAlpha(255)
        self.base_changed()

    @property
    def _opaque(self) -> bool:
        return bool(self._base_items)

    def base_changed(self, *_args) -> None:
        """A base item changed: the backdrop is rendered again at the next paint."""
        self._key = None
        self.update()

    def _render_base(self, painter: QPainter, transform) -> None:
        option = QStyleOptionGraphicsItem()
        for item in self._base_items:
            if not item.isVisible():
                continue
            to_self, invertible = item.itemTransform(self)
            if not invertible:
                continue
            painter.save()
            painter.setTransform(to_self * transform)
            painter.setOpacity(item.effectiveOpacity())
            item.paint(painter, option, None)
            painter.restore()

    def _stroke(self, painter: QPainter, chunks, mark: bool = True) -> None:
        for chunk in chunks:
            chunk.painted = chunk.painted or mark
            pen, shadow = self._pens.get(chunk.key, (None, None))
            if pen is None or chunk.key in self._hidden:
                continue
            if shadow is not None:
                painter.setPen(shadow)
                painter.drawPath(chunk.path)
            painter.setPen(pen)
            painter.drawPath(chunk.path)

    # QGraphicsItem ----------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        # the whole visible range: pens are wider than the paths' own bounds, in pixels
        view_box = self.getViewBox()
        if view_box is None or not (self.chunks or self._base_items):
            return self._bounds
        return view_box.viewRect().united(self._bounds)

    def viewRangeChanged(self):
        self.prepareGeometryChange()

    def shape(self) -> QPainterPath:
        return QPainterPath()  # never under the mouse: clicks go to the canvas and its markers

    def paint(self, painter: QPainter, _option=None, widget=None) -> None:
        if not self.chunks and not self._base_items:
            return
        device = painter.device()
        if not isinstance(device, (QImage, QPixmap, QWidget)):
            self._paint_vectors(painter)   # an SVG or a printer: paths, not a raster
            return
        # The world transform, not the device one: when a widget is grabbed or rendered into a
        # bigger image, Qt adds a redirection offset that must be applied once, by drawImage.
        transform = painter.worldTransform()
        # at a device pixel ratio of 2 the cache has twice the pixels a side: crisp, not blown up
        ratio = device.devicePixelRatioF() if hasattr(device, "devicePixelRatioF") else 1.0
        if widget is not None:
            # the view's own size, also when the window is grabbed or rendered into an image
            # (an export's frames): the same cache as on screen, not one per device
            width, height = widget.width(), widget.height()
        else:
            width, height = device.width(), device.height()
            if isinstance(device, (QImage, QPixmap)):   # (in pixels, a widget's are not)
                width, height = round(width / ratio), round(height / ratio)
        self._bring_up_to_date(transform, width, height, ratio, painter.renderHints())
        painter.save()
        painter.resetTransform()
        # only the part being repainted: a frame's dirty rectangles are a small part of the view
        if painter.hasClipping():
            area = painter.clipBoundingRect().toAlignedRect().intersected(
                QRectF(0, 0, width, height).toAlignedRect())
        else:
            area = QRectF(0, 0, width, height).toAlignedRect()
        if not area.isEmpty():
            source = QRectF(area.x() * ratio, area.y() * ratio,
                            area.width() * ratio, area.height() * ratio)
            if self._opaque:
                painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
            painter.drawImage(QRectF(area), self._image, source)
        painter.restore()

    def prepare(self, strokes: bool = True) -> None:
        """Render now what the next paint on screen will need (a new backdrop; with
        ``strokes``, the trails too), so that work and the paint fall in different events of
        the GUI thread: a real network's new plane made one frame do all of it at once."""
        view, view_box = self.getViewWidget(), self.getViewBox()
        if view is None or view_box is None or not self.isVisible():
            return
        view_box.prepareForPaint()     # the view range just set, as the paint will see it
        transform = self.deviceTransform(view.viewportTransform())
        if transform is None:          # (a view of no size yet)
            return
        viewport = view.viewport()
        self._bring_up_to_date(transform,
                               viewport.width(), viewport.height(),
                               viewport.devicePixelRatioF(), view.renderHints(), strokes)

    def _bring_up_to_date(self, transform, width: int, height: int, ratio: float, hints,
                          strokes: bool = True) -> None:
        key = (transform.m11(), transform.m12(), transform.m21(), transform.m22(),
               transform.dx(), transform.dy(), width, height, ratio)
        if key != self._key or self._image is None:
            self._key = key
            self._render_backdrop(transform, width, height, ratio, hints)
        if not strokes:
            return
        fresh = [c for c in self.chunks if not c.painted]
        if fresh or self._restart:
            image_painter = QPainter(self._image)
            if self._restart:
                fresh = self.chunks
                # every trail anew (a restart, a pen): from the backdrop, into the same buffer
                self._restart = False
                image_painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
                image_painter.drawImage(0, 0, self._base)
                image_painter.setCompositionMode(
                    QPainter.CompositionMode.CompositionMode_SourceOver)
            image_painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            image_painter.setTransform(transform)
            self._stroke(image_painter, fresh)
            image_painter.end()

    def _render_backdrop(self, transform, width: int, height: int, ratio: float,
                         hints) -> None:
        self.rebuilds += 1
        pixels = (max(round(width * ratio), 1), max(round(height * ratio), 1))
        # with a backdrop the image is opaque (a plain copy per frame); trails alone are not
        image_format = QImage.Format.Format_RGB32 if self._opaque \
            else QImage.Format.Format_ARGB32_Premultiplied
        for name in ("_image", "_base"):
            image = getattr(self, name)
            if image is None or (image.width(), image.height()) != pixels \
                    or image.devicePixelRatio() != ratio or image.format() != image_format:
                # (a same-size buffer is kept: a new 2 MB image at every restart of a run
                # left the process a little larger each time)
                image = QImage(*pixels, image_format)
                image.setDevicePixelRatio(ratio)
                setattr(self, name, image)
        self._base.fill(self._background if self._opaque else QColor(0, 0, 0, 0))
        base_painter = QPainter(self._base)
        base_painter.setRenderHints(hints)    # as the view would paint them (each item sets more)
        self._render_base(base_painter, transform)
        base_painter.end()
        for chunk in self.chunks:
            chunk.painted = False
        self._restart = True

    def _paint_vectors(self, painter: QPainter) -> None:
        # (the base items are not painted here: pyqtgraph's SVG exporter paints every visible
        # item itself, whatever its flags)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._stroke(painter, self.chunks, mark=False)   # (the screen's cache has not)
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
