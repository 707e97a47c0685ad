"""Compare update rhythm: one tick per update on a shared examples-seen axis."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from gdviz.core import METHOD_KEYS, METHOD_LABELS
from gdviz.core.batching import batch_starts
from gdviz.core.snapshot import SimSnapshot
from gdviz.ui.theme import LIGHT, Theme

MAX_TICKS = 1500   # more ticks than this in a row are drawn decimated (and the caption says so)
ROWS = {"full_batch": 2, "mini_batch": 1, "stochastic": 0}


class RhythmStrip(pg.PlotWidget):
    """Three rows over one epoch of examples: where each method updates, and where it is now."""

    def __init__(self, captions: dict[str, str], parent=None, theme: Theme = LIGHT):
        super().__init__(parent)
        self.captions = captions
        self.theme = theme
        plot = self.getPlotItem()
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(False, False)
        plot.hideButtons()
        plot.hideAxis("left")
        plot.setLabel("bottom", "examples seen in the current epoch")
        plot.setYRange(-0.45, 3.05, padding=0)
        self.ticks: dict[str, pg.PlotDataItem] = {}
        self.cursors: dict[str, pg.ScatterPlotItem] = {}
        self.labels: dict[str, pg.TextItem] = {}
        for key in METHOD_KEYS:
            ticks = pg.PlotDataItem()
            plot.addItem(ticks)
            self.ticks[key] = ticks
            cursor = pg.ScatterPlotItem(symbol="t1", size=13)
            cursor.setZValue(10)
            plot.addItem(cursor)
            self.cursors[key] = cursor
            label = pg.TextItem(anchor=(0, 0))
            label.setFont(QFont("DejaVu Sans", 10))
            plot.addItem(label)
            self.labels[key] = label
        self._layout_key = None
        self.apply_theme(theme)

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.setBackground(theme.background)
        axis = self.getPlotItem().getAxis("bottom")
        axis.setPen(theme.foreground)
        axis.setTextPen(theme.foreground)
        for key in METHOD_KEYS:
            self.ticks[key].setPen(pg.mkPen(theme.color(key), width=1.5))
            self.cursors[key].setBrush(pg.mkBrush(theme.color(key)))
            self.cursors[key].setPen(pg.mkPen(theme.foreground, width=1))
            self.labels[key].setColor(theme.foreground)
        self._layout_key = None

    def set_font_scale(self, scale: float) -> None:
        for label in self.labels.values():
            label.setFont(QFont("DejaVu Sans", max(9, round(10 * scale))))
        axis = self.getPlotItem().getAxis("bottom")
        axis.setStyle(tickFont=QFont("DejaVu Sans", max(8, round(9 * scale))))

    def show_snapshot(self, snap: SimSnapshot, drop_last: bool = False) -> None:
        n = snap.n_examples
        layout_key = (n, tuple(m.batch_size for m in snap.methods), drop_last)
        if layout_key != self._layout_key:
            self._layout_key = layout_key
            self._draw_ticks(snap, n, drop_last)
        for m in snap.methods:
            within = m.examples_seen - int(np.floor(m.epoch)) * n if m.examples_seen else 0
            within = min(max(within, 0), n)
            self.cursors[m.key].setData([within], [ROWS[m.key] - 0.32])

    def _draw_ticks(self, snap: SimSnapshot, n: int, drop_last: bool) -> None:
        plot = self.getPlotItem()
        plot.setXRange(0, n, padding=0.01)
        for m in snap.methods:
            row = ROWS[m.key]
            ends = batch_starts(n, m.batch_size, drop_last)
            stride = max(1, int(np.ceil(len(ends) / MAX_TICKS)))
            shown = ends[::stride]
            x = np.repeat(shown, 2).astype(float)
            y = np.tile([row - 0.2, row + 0.2], len(shown))
            self.ticks[m.key].setData(x, y, connect="pairs")
            count = len(ends)
            every = f", every {stride}th drawn" if stride > 1 else ""
            update_word = "update" if count == 1 else "updates"
            self.labels[m.key].setText(
                f"{METHOD_LABELS[m.key]} (B = {m.batch_size}): {self.captions.get(m.key, '')}"
                f" — {count} {update_word} per epoch{every}")
            self.labels[m.key].setPos(0, row + 0.66)
