"""A long trail drawn as cached, finished chunks plus a live tail.

Stroking thousands of wide antialiased points every frame is what costs a canvas its frame
rate. A trail only grows at its end, so the finished part is split into chunks that Qt renders
once into a cached pixmap; each frame re-strokes only the short live tail.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

CHUNK = 256


class CachedTrail:
    def __init__(self, plot_item: pg.PlotItem, tail: pg.PlotDataItem, on_click=None):
        self.plot_item = plot_item
        self.tail = tail
        self.on_click = on_click
        self.chunks: list[pg.PlotCurveItem] = []     # frozen chunks in use
        self._spare: list[pg.PlotCurveItem] = []     # hidden chunk items kept for reuse
        self._ends = np.zeros((0, 2, 2))   # first and last point of every frozen chunk
        self._pen = None
        self._shadow = None
        self._visible = True

    def set_pens(self, pen, shadow_pen=None) -> None:
        self._pen, self._shadow = pen, shadow_pen
        self.tail.setPen(pen)
        self.tail.setShadowPen(shadow_pen)
        for chunk in self.chunks:
            chunk.setPen(pen)
            chunk.setShadowPen(shadow_pen)

    def set_visible(self, visible: bool) -> None:
        self._visible = visible
        self.tail.setVisible(visible)
        for chunk in self.chunks:
            chunk.setVisible(visible)

    def clear(self) -> None:
        # hiding and reusing items is far cheaper than removing them from the scene
        for chunk in self.chunks:
            chunk.hide()
        self._spare = self.chunks[::-1] + self._spare
        self.chunks = []
        self._ends = np.zeros((0, 2, 2))

    def set_points(self, points: np.ndarray) -> None:
        """Show the whole trail; only points past the last frozen chunk are re-stroked."""
        k = len(points)
        frozen = len(self.chunks)
        if frozen:
            starts = np.arange(frozen) * CHUNK
            if k <= frozen * CHUNK or not np.array_equal(
                    self._ends, np.stack([points[starts], points[starts + CHUNK]], axis=1)):
                self.clear()  # the trail was thinned out or restarted: its old chunks are stale
                frozen = 0
        while (frozen + 1) * CHUNK < k - 1:
            self._freeze(points[frozen * CHUNK:(frozen + 1) * CHUNK + 1])
            frozen += 1
        tail = points[frozen * CHUNK:]
        self.tail.setData(tail[:, 0], tail[:, 1])

    def _freeze(self, segment: np.ndarray) -> None:
        if self._spare:
            chunk = self._spare.pop(0)
            chunk.setData(segment[:, 0], segment[:, 1], pen=self._pen, shadowPen=self._shadow)
        else:
            chunk = pg.PlotCurveItem(segment[:, 0], segment[:, 1], pen=self._pen,
                                     shadowPen=self._shadow, antialias=True)
            chunk.setZValue(self.tail.zValue())
            chunk.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            if self.on_click is not None:
                chunk.setClickable(True, width=8)
                chunk.sigClicked.connect(lambda *_: self.on_click())
            self.plot_item.addItem(chunk)
        chunk.setVisible(self._visible)
        self.chunks.append(chunk)
        self._ends = np.concatenate([self._ends, segment[[0, -1]][None]], axis=0)
