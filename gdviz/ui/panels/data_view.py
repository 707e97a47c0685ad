"""The data view: the training examples in data space, each method's current model on them,
and the examples each method's last step used, lit in its colour (the rest dimmed).

A thin view over gdviz.core.data_view: ``set_data(space)`` once per landscape (None: the real
network, whose data and batches the Network panel draws), ``show_snapshot(snap)`` per redraw.
"""
from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from gdviz.core import METHOD_KEYS, METHOD_LABELS
from gdviz.core.data_view import DataSpace, data_bounds, model_line
from gdviz.ui.dpr_pens import follow_pixel_ratio
from gdviz.ui.theme import LIGHT, Theme

# dimmed examples: the two classes keep the Network panel's class colours, faded
DIM = {"light": ("#4D4D4D", "#CC79A7"), "dark": ("#C8C8C8", "#E08CC0")}
DIM_ALPHA = "55"
# lit examples: rings around the points (the class underneath stays readable); the smaller the
# batch, the larger and bolder its ring, drawn on top
RING = {"full_batch": (7, 1.0), "mini_batch": (11, 2.0), "stochastic": (17, 3.0)}
RING_ALPHA = {"full_batch": "99", "mini_batch": "", "stochastic": ""}
NETWORK_TEXT = ("The real network's data are drawn on the Network panel's decision-boundary "
                "plots, with each method's last batch lit in its colour there.")


class DataView(QWidget):
    def __init__(self, parent=None, theme: Theme = LIGHT):
        super().__init__(parent)
        self.theme = theme
        self.scale = 1.0
        self.space: DataSpace | None = None
        self.snapshot = None
        self.caption = QLabel()
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.caption.setWordWrap(True)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.text = QLabel()          # landscapes without a data space: what their examples are
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.text.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.plot = pg.PlotWidget()
        follow_pixel_ratio(self.plot)          # lines and rings keep their width at 200 %
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMinimumSize(160, 140)
        item = self.plot.getPlotItem()
        for name in ("left", "bottom"):
            item.getAxis(name).enableAutoSIPrefix(False)
        self.dim = [pg.ScatterPlotItem(size=5, pen=pg.mkPen(None)) for _ in range(2)]
        for d in self.dim:
            self.plot.addItem(d)
        self.lines = {k: pg.PlotCurveItem() for k in METHOD_KEYS}
        self.lit = {k: pg.ScatterPlotItem(symbol="o", brush=pg.mkBrush(None)) for k in METHOD_KEYS}
        for k in METHOD_KEYS:
            self.plot.addItem(self.lines[k])
        for k in METHOD_KEYS:                      # rings above every line
            self.plot.addItem(self.lit[k])
        self._lit_batch = {k: None for k in METHOD_KEYS}   # the batch array each ring shows
        self._line_key = {k: None for k in METHOD_KEYS}
        self._visible = {k: True for k in METHOD_KEYS}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.setSpacing(2)
        lay.addWidget(self.caption)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.note)
        lay.addWidget(self.text, 1)
        self.apply_theme(theme)
        self.set_data(None)

    # settings ---------------------------------------------------------------------------------
    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.plot.setBackground(theme.background)
        item = self.plot.getPlotItem()
        font = QFont("DejaVu Sans", max(8, round(9 * self.scale)))
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(theme.foreground + "99")
            axis.setTextPen(theme.foreground)
            axis.setStyle(tickFont=font)
            axis.label.setFont(font)
        dims = DIM.get(theme.name, DIM["light"])
        for d, c in zip(self.dim, dims):
            d.setBrush(pg.mkBrush(c + DIM_ALPHA))
            d.setSize(5 * max(1.0, self.scale ** 0.5))
        for k in METHOD_KEYS:
            size, width = RING[k]
            grow = max(1.0, self.scale ** 0.5)
            self.lit[k].setSize(size * grow)
            self.lit[k].setPen(pg.mkPen(theme.color(k) + RING_ALPHA[k], width=width * grow))
            self.lines[k].setPen(pg.mkPen(theme.color(k), width=2.5 * grow))
        if self.space is not None:
            self._label_axes()
        if self.snapshot is not None:
            self._draw_caption(self.snapshot)

    def set_font_scale(self, f: float) -> None:
        """Presentation mode: larger type, rings and lines."""
        self.scale = f
        font = self.font()
        font.setPointSizeF(10 * f)
        for label in (self.caption, self.note, self.text):
            label.setFont(font)
        self.plot.setMinimumHeight(round(140 * f))
        self.apply_theme(self.theme)

    def set_method_visible(self, key: str, visible: bool) -> None:
        self._visible[key] = visible
        self.lit[key].setVisible(visible)
        self.lines[key].setVisible(visible)

    # data ---------------------------------------------------------------------------------------
    def set_data(self, space: DataSpace | None) -> None:
        """A new landscape's examples (None: the real network, drawn on the Network panel)."""
        self.space = space
        self.snapshot = None
        for k in METHOD_KEYS:
            self._lit_batch[k] = None
            self._line_key[k] = None
            self.lit[k].setData([], [])
            self.lines[k].setData([], [])
        has_plot = space is not None and space.kind != "terms"
        self.plot.setVisible(has_plot)
        self.caption.setVisible(has_plot)
        self.text.setVisible(not has_plot)
        self.note.setVisible(has_plot and bool(space.note))
        if not has_plot:
            self.text.setText(space.note if space is not None else NETWORK_TEXT)
            for d in self.dim:
                d.setData([], [])
            return
        self.note.setText(space.note)
        pts = space.points[space.shown]
        if space.kind == "logistic":
            labels = space.labels[space.shown]
            for d, cls in zip(self.dim, (-1.0, 1.0)):
                sel = labels == cls
                d.setData(pts[sel, 0], pts[sel, 1])
        else:
            self.dim[0].setData(pts[:, 0], pts[:, 1])
            self.dim[1].setData([], [])
        (x0, x1), (y0, y1) = data_bounds(space)
        self._bounds = ((x0, x1), (y0, y1))
        item = self.plot.getPlotItem()
        item.setAspectLocked(space.kind == "logistic", ratio=1.0)
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        self._label_axes()

    def _label_axes(self) -> None:
        item = self.plot.getPlotItem()
        fg = self.theme.foreground
        item.setLabel("bottom", self.space.axes[0], color=fg)
        item.setLabel("left", self.space.axes[1], color=fg)

    # a snapshot ---------------------------------------------------------------------------------
    def lit_indices(self, key: str) -> np.ndarray:
        """The example indices lit now for method *key* (what the rings show)."""
        m = self.snapshot.method(key) if self.snapshot is not None else None
        if self.space is None or m is None:
            return np.zeros(0, dtype=np.int64)
        return self.space.lit(m.batch)

    def show_snapshot(self, snap) -> None:
        space = self.space
        if space is None or space.kind == "terms" or snap.is_mlp:
            self.snapshot = snap
            return
        self.snapshot = snap
        (x0, x1), (y0, y1) = self._bounds
        for m in snap.methods:
            k = m.key
            if m.batch is not self._lit_batch[k]:     # a new step: its examples
                self._lit_batch[k] = m.batch
                idx = space.lit(m.batch)
                self.lit[k].setData(space.points[idx, 0], space.points[idx, 1])
            line_key = (float(m.theta[0]), float(m.theta[1]))
            if line_key != self._line_key[k]:
                self._line_key[k] = line_key
                xs, ys = model_line(space, m.theta, (x0, x1), (y0, y1))
                self.lines[k].setData(xs, ys)
        self._draw_caption(snap)

    def _draw_caption(self, snap) -> None:
        if self.space is None or self.space.kind == "terms" or snap.is_mlp:
            return
        parts = []
        for m in snap.methods:
            if not self._visible[m.key]:
                continue
            c = self.theme.color(m.key)
            jb = "–" if not np.isfinite(m.batch_loss) else f"{m.batch_loss:.3g}"
            j = "–" if not np.isfinite(m.loss) else f"{m.loss:.3g}"
            parts.append(f'<span style="color:{c};font-weight:600">'
                         f'{html.escape(METHOD_LABELS[m.key]).replace("-", "‑")}</span>'
                         f'&nbsp; J<sub>B</sub>&nbsp;=&nbsp;{jb}&nbsp;·&nbsp;'
                         f'J&nbsp;=&nbsp;{j}')
        text = "<br>".join(parts)
        if text != self.caption.text():
            self.caption.setText(text)
