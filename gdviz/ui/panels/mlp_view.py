"""The real-network mode's side view: each method's decision boundary (or fitted curve), the
training and validation loss on the clock in force, each method's distance from the drawn
plane, and the device. A thin view over MlpSimulation snapshots (numpy only)."""
from __future__ import annotations

import html

import contourpy
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gdviz.core import CLOCK_LABELS, METHOD_KEYS, METHOD_LABELS
from gdviz.core.clock import CLOCK_UNITS
from gdviz.ui.theme import METHOD_COLORS

# The two classes use colours that cannot be mistaken for any method (gdviz.ui.theme's
# Okabe-Ito identity): dark grey and reddish purple.
CLASS_COLORS = ("#4D4D4D", "#CC79A7")
# P(class 1) from class-0 grey through white (undecided) to class-1 pink.
PROBABILITY_MAP = pg.ColorMap([0.0, 0.5, 1.0], ["#D0D0D0", "#FFFFFF", "#F2CFE3"])
MAX_POINTS = 600   # points drawn per plot: enough to see the data, cheap to redraw


def _plot(title: str = "") -> pg.PlotWidget:
    w = pg.PlotWidget(background="w")
    w.setMenuEnabled(False)
    w.setMouseEnabled(False, False)
    w.hideButtons()
    item = w.getPlotItem()
    for axis in ("left", "bottom"):
        item.getAxis(axis).setPen("#606060")
        item.getAxis(axis).setTextPen("#303030")
    if title:
        item.setTitle(title, color="#202020", size="10pt")
    return w


class MethodNetworkPlot(QWidget):
    """One method: the data and its network's boundary (or curve)."""

    def __init__(self, key: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.key = key
        self.color = METHOD_COLORS[key]
        self.plot = _plot()
        # a label, not a plot title: it wraps instead of being clipped in a narrow dock
        self.title = QLabel(f'<span style="color:{self.color};font-weight:600">'
                            f'{METHOD_LABELS[key]}</span>')
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)
        self.plot.setMinimumSize(90, 120)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(PROBABILITY_MAP)
        self.plot.addItem(self.image)
        self.points = pg.ScatterPlotItem(size=5, pen=pg.mkPen("#FFFFFF", width=0.6))
        self.plot.addItem(self.points)
        self.line = pg.PlotDataItem(pen=pg.mkPen(self.color, width=3))
        self.plot.addItem(self.line)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.title)
        lay.addWidget(self.plot, 1)
        self._rect = QRectF()

    def set_data(self, extra) -> None:
        """The data set's points (once per simulation)."""
        x, y = extra.x_train[:MAX_POINTS], extra.y_train[:MAX_POINTS, 0]
        if extra.task == "classification":
            brushes = [pg.mkBrush(CLASS_COLORS[int(v > 0.5)]) for v in y]
            self.points.setData(x[:, 0], x[:, 1], brush=brushes)
            x0, x1 = extra.grid_xs[0], extra.grid_xs[-1]
            y0, y1 = extra.grid_ys[0], extra.grid_ys[-1]
            self._rect = QRectF(x0, y0, x1 - x0, y1 - y0)
            self.image.setVisible(True)
            # no aspect lock: in a narrow dock it would stretch the y range far past the data
            self.plot.getPlotItem().setAspectLocked(False)
            self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        else:
            self.points.setData(x[:, 0], y, brush=pg.mkBrush("#8C8C8C"),
                                pen=pg.mkPen(None), size=4)
            self.image.setVisible(False)
            self.plot.getPlotItem().setAspectLocked(False)
            self.plot.setRange(xRange=(extra.grid_xs[0], extra.grid_xs[-1]), padding=0.02)

    def update_method(self, extra, method) -> None:
        b = method.extra.boundary
        if extra.task == "classification":
            self.image.setImage(b, levels=(0.0, 1.0), autoLevels=False)
            self.image.setRect(self._rect)   # after setImage: the rect scales the image's pixels
            lines = contourpy.contour_generator(extra.grid_xs, extra.grid_ys, b).lines(0.5)
            if lines:
                # one curve with gaps: connect every point to the next except at line ends
                xy = np.concatenate(lines)
                connect = np.ones(len(xy), bool)
                connect[np.cumsum([len(seg) for seg in lines]) - 1] = False
                self.line.setData(xy[:, 0], xy[:, 1], connect=connect)
            else:
                self.line.setData([], [])
        else:
            self.line.setData(extra.grid_xs, b)


class MlpPanel(QWidget):
    """``update_snapshot(snap)`` with an MlpSimulation snapshot redraws everything."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.header = QLabel()
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.methods = {k: MethodNetworkPlot(k) for k in METHOD_KEYS}
        row = QHBoxLayout()
        for k in METHOD_KEYS:
            row.addWidget(self.methods[k])

        self.loss = _plot("Loss: training (solid), validation (dashed)")
        self.loss.setMinimumHeight(150)
        self.loss_lines, self.val_lines = {}, {}
        for k in METHOD_KEYS:
            c = METHOD_COLORS[k]
            self.loss_lines[k] = self.loss.plot(pen=pg.mkPen(c, width=2.5))
            self.val_lines[k] = self.loss.plot(pen=pg.mkPen(c, width=2, style=Qt.PenStyle.DashLine))

        self.distance = _plot("Distance of the weights from the plane")
        self.distance.setMinimumHeight(120)
        self.bars = pg.BarGraphItem(x=[0, 1, 2], height=[0, 0, 0], width=0.6,
                                    brushes=[METHOD_COLORS[k] for k in METHOD_KEYS])
        self.distance.addItem(self.bars)
        self.distance.getPlotItem().getAxis("bottom").setTicks(
            [[(i, METHOD_LABELS[k]) for i, k in enumerate(METHOD_KEYS)]])
        self.distance.setXRange(-0.6, 2.6, padding=0)

        grid = QGridLayout()
        grid.addWidget(self.loss, 0, 0)
        grid.addWidget(self.distance, 1, 0)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)

        lay = QVBoxLayout(self)
        lay.addWidget(self.header)
        lay.addLayout(row, 2)
        lay.addLayout(grid, 3)
        self._generation = None

    def update_snapshot(self, snap) -> None:
        extra = snap.extra
        if extra is None:
            return
        if self._generation != (snap.generation, id(extra.x_train)):
            self._generation = (snap.generation, id(extra.x_train))
            for w in self.methods.values():
                w.set_data(extra)
        notice = (f'<br><span style="color:#B00020">{html.escape(extra.notice)}</span>'
                  if extra.notice else "")
        self.header.setText(
            f"<b>{html.escape(extra.architecture)}</b> on {html.escape(extra.dataset)} "
            f"({snap.n_examples} training points, {extra.n_params} weights) · "
            f"device: <b>{html.escape(extra.device)}</b>{notice}")
        heights = []
        for m in snap.methods:
            self.methods[m.key].update_method(extra, m)
            self._curve(self.loss_lines[m.key], m.loss_curve)
            self._curve(self.val_lines[m.key], m.extra.val_loss_curve)
            heights.append(m.extra.plane_distance)
        self.bars.setOpts(height=heights)
        self.distance.setYRange(0, max(max(heights), 1e-3) * 1.15, padding=0)
        unit = CLOCK_UNITS[snap.clock_kind]
        self.loss.getPlotItem().setLabel("bottom", f"clock: {CLOCK_LABELS[snap.clock_kind]} ({unit})")

    @staticmethod
    def _curve(item, xy: np.ndarray) -> None:
        ok = np.all(np.isfinite(xy), axis=1)
        item.setData(xy[ok, 0], xy[ok, 1])
