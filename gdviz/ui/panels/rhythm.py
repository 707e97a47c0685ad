"""Compare update rhythm: one tick per update on a shared examples-seen axis."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from gdviz.core import METHOD_KEYS, METHOD_LABELS
from gdviz.core.batching import batch_starts
from gdviz.core.snapshot import SimSnapshot
from gdviz.ui.dpr_pens import follow_pixel_ratio
from gdviz.ui.theme import LIGHT, Theme
from gdviz.ui.type_scale import mark_scale_for

MAX_TICKS = 1500   # more ticks than this in a row are drawn decimated (and the caption says so)
ROWS = {"full_batch": 2, "mini_batch": 1, "stochastic": 0}
AXIS_HEIGHT = 34   # room the plot's bottom axis takes, mirrored under the captions
CAPTION_WIDTH = 330
CURSOR_SIZE = 13   # px of the "now" triangles at a 1080p presentation's type and below


class RhythmStrip(QWidget):
    """Three rows over one epoch of examples: where each method updates, and where it is now."""

    def __init__(self, captions: dict[str, str], parent=None, theme: Theme = LIGHT):
        super().__init__(parent)
        self.captions = captions
        self.theme = theme
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        labels_col = QVBoxLayout()
        labels_col.setContentsMargins(4, 4, 0, AXIS_HEIGHT)
        labels_col.setSpacing(0)
        self.labels: dict[str, QLabel] = {}
        for key in METHOD_KEYS:  # top to bottom: full batch, mini-batch, stochastic
            label = QLabel()
            label.setWordWrap(True)
            label.setStyleSheet('font-size: 9pt;')
            label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
            labels_col.addWidget(label, 1)
            self.labels[key] = label
        holder = QWidget()
        holder.setLayout(labels_col)
        holder.setFixedWidth(CAPTION_WIDTH)
        self.caption_column = holder
        holder.installEventFilter(self)   # its height decides whether captions get a 2nd line
        row.addWidget(holder)
        self.plot_widget = pg.PlotWidget()
        follow_pixel_ratio(self.plot_widget)   # ticks and markers keep their width at 200 %
        row.addWidget(self.plot_widget, 1)
        plot = self.plot_widget.getPlotItem()
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(False, False)
        plot.hideButtons()
        plot.hideAxis("left")
        plot.setLabel("bottom", "examples seen this epoch")
        plot.getAxis("bottom").setHeight(AXIS_HEIGHT)
        plot.setYRange(-0.5, 2.5, padding=0)
        self.ticks: dict[str, pg.PlotDataItem] = {}
        self.cursors: dict[str, pg.ScatterPlotItem] = {}
        for key in METHOD_KEYS:
            ticks = pg.PlotDataItem(antialias=False)  # crisp vertical ticks, and cheap
            plot.addItem(ticks)
            self.ticks[key] = ticks
            cursor = pg.ScatterPlotItem(symbol="t1", size=CURSOR_SIZE)
            cursor.setZValue(10)
            plot.addItem(cursor)
            self.cursors[key] = cursor
        self._layout_key = None
        self._texts: dict[str, tuple[str, str]] = {}
        self._every: dict[str, str] = {}   # " (every 11th drawn)": only where it fits
        self._with_every = True
        self.mark_scale = 1.0      # the ticks and triangles grow with the type (set_font_scale)
        self.apply_theme(theme)

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.plot_widget.setBackground(theme.background)
        axis = self.plot_widget.getPlotItem().getAxis("bottom")
        axis.setPen(theme.foreground)
        axis.setTextPen(theme.foreground)
        grow = self.mark_scale
        for key in METHOD_KEYS:
            self.ticks[key].setPen(pg.mkPen(theme.color(key), width=1.5 * grow))
            self.cursors[key].setSize(round(CURSOR_SIZE * grow))
            self.cursors[key].setBrush(pg.mkBrush(theme.color(key)))
            self.cursors[key].setPen(pg.mkPen(theme.foreground, width=grow))
        self._render_labels()

    def set_font_scale(self, scale: float) -> None:
        """Every text *scale* times its size; the ticks and the triangles grow with the type
        beyond a 1080p presentation's, as the canvas's marks do (``set_mark_scale``): at
        3840×2160 they stayed their 1080p size beside 48-px type."""
        mark_scale = mark_scale_for(scale)
        if mark_scale != self.mark_scale:
            self.mark_scale = mark_scale
            self.apply_theme(self.theme)
        for label in self.labels.values():
            font = label.font()
            font.setPointSizeF(9 * scale)
            label.setFont(font)
            label.setStyleSheet(f"font-size: {9 * scale:.3g}pt;")  # the sheet would win otherwise
        self._caption_width = round(CAPTION_WIDTH * max(1.0, scale))
        self._size_caption_column()
        axis = self.plot_widget.getPlotItem().getAxis("bottom")
        axis.setStyle(tickFont=QFont("DejaVu Sans", max(8, round(9 * scale))))
        axis.label.setFont(QFont("DejaVu Sans", max(8, round(9 * scale))))
        axis_height = round(AXIS_HEIGHT * max(1.0, scale))   # tick numbers and title both grow
        axis.setHeight(axis_height)
        self.caption_column.layout().setContentsMargins(4, 4, 0, axis_height)
        self._render_labels()

    def set_method_visible(self, key: str, visible: bool) -> None:
        label = self.labels[key]
        policy = label.sizePolicy()
        policy.setRetainSizeWhenHidden(True)   # the other rows stay level with their ticks
        label.setSizePolicy(policy)
        for item in (self.ticks[key], self.cursors[key], label):
            item.setVisible(visible)

    def show_snapshot(self, snap: SimSnapshot, drop_last: bool = False) -> None:
        n = snap.n_examples
        layout_key = (n, tuple(m.batch_size for m in snap.methods), drop_last)
        if layout_key != self._layout_key:
            self._layout_key = layout_key
            self._draw_ticks(snap, n, drop_last)
        for m in snap.methods:
            within = m.examples_seen - int(np.floor(m.epoch)) * n if m.examples_seen else 0
            within = min(max(within, 0), n)
            self.cursors[m.key].setData([within], [ROWS[m.key] - 0.3])

    def _draw_ticks(self, snap: SimSnapshot, n: int, drop_last: bool) -> None:
        self.plot_widget.getPlotItem().setXRange(0, n, padding=0.01)
        for m in snap.methods:
            row = ROWS[m.key]
            ends = batch_starts(n, m.batch_size, drop_last)
            stride = max(1, int(np.ceil(len(ends) / MAX_TICKS)))
            shown = ends[::stride]
            x = np.repeat(shown, 2).astype(float)
            y = np.tile([row - 0.18, row + 0.18], len(shown))
            self.ticks[m.key].setData(x, y, connect="pairs")
            count = len(ends)
            every = f" (every {stride}th drawn)" if stride > 1 else ""
            per_epoch = f"{count} update{'s' if count != 1 else ''}/epoch"
            self._texts[m.key] = (f"{METHOD_LABELS[m.key]} (B = {m.batch_size}): {per_epoch}",
                                  self.captions.get(m.key, ""))
            self._every[m.key] = every
        self._size_caption_column()
        self._render_labels()

    def _render_labels(self) -> None:
        # the caption's second line only where a row has room for two lines (never cut in half)
        label = self.labels["full_batch"]
        margins = self.caption_column.layout().contentsMargins()
        row_height = (self.caption_column.height() - margins.top() - margins.bottom()) / 3
        two_lines = row_height >= 2 * label.fontMetrics().lineSpacing() + 2
        for key, (head, caption) in self._texts.items():
            color = self.theme.color(key)
            every = self._every.get(key, "")
            if every and self._with_every:
                head += every
            self.labels[key].setToolTip(f"Ticks: {every.strip(' ()')} of this epoch's updates"
                                        if every else "")
            second = f"<br>{caption}" if two_lines and caption else ""
            self.labels[key].setText(f"<span style='color:{color}; font-weight:bold'>{head}</span>"
                                     f"{second}")

    def _size_caption_column(self) -> None:
        # at most half the strip: the ticks and the axis title keep room on a narrow screen
        width = getattr(self, "_caption_width", CAPTION_WIDTH)
        if self.width() > 0:
            # ... but never narrower than the widest head: a row has room for one line, and
            # "Stochastic (B = 1): 16384 updates/epoch (every 11th drawn)" wrapped was cut;
            # where that is more than half, "(every 11th drawn)" goes to the tool tip
            half = self.width() // 2
            with_every = self._widest_head(True) <= max(width, half)
            if with_every != self._with_every:
                self._with_every = with_every
                self._render_labels()
            width = max(min(width, half), self._widest_head(with_every))
        self.caption_column.setFixedWidth(width)

    def _widest_head(self, with_every: bool = True) -> int:
        font = QFont(self.labels["full_batch"].font())
        font.setBold(True)
        metrics = QFontMetrics(font)
        heads = [head + (self._every.get(key, "") if with_every else "")
                 for key, (head, _caption) in self._texts.items()]
        return max((metrics.horizontalAdvance(h) for h in heads), default=0) + 12

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._size_caption_column()

    def eventFilter(self, obj, event) -> bool:
        if obj is self.caption_column and event.type() == event.Type.Resize:
            self._render_labels()
        return False
