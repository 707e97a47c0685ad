"""The real-network mode's side view: each method's decision boundary (or fitted curve), the
training and validation loss on the clock in force, each method's distance from the drawn
plane, and the device. A thin view over MlpSimulation snapshots (numpy only)."""
from __future__ import annotations

import html

import contourpy
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (QCheckBox, QGraphicsItem, QGridLayout, QLabel, QScrollArea, QVBoxLayout,
                               QWidget)

from gdviz.core import CLOCK_LABELS, METHOD_KEYS, METHOD_LABELS
from gdviz.core.clock import CLOCK_UNITS
from gdviz.ui.axis_titles import forget_text_space
from gdviz.ui.panels._common import scale_indicators
from gdviz.ui.panels.round_ranges import RoundRanges
from gdviz.ui.theme import LIGHT, Theme

# The two classes use colours that cannot be mistaken for any method: grey and reddish purple;
# the shading runs from class 0's grey through the background (undecided) to class 1's purple.
CLASS_COLORS = {"light": ("#4D4D4D", "#CC79A7"), "dark": ("#C8C8C8", "#E08CC0")}
PROBABILITY_STOPS = {"light": ("#BDBDBD", "#FFFFFF", "#EDB5D5"),
                     "dark": ("#6A6A6A", "#14161A", "#8E4A73")}
MAX_POINTS = 600   # points drawn per plot: enough to see the data, cheap to redraw
BIG_MIN, SMALL_MIN = 220, 110   # px: the selected method's plot, the others'


LOSS_MIN_HEIGHT, DISTANCE_MIN_HEIGHT = 140, 100    # px at normal type


def probability_map(theme: Theme) -> pg.ColorMap:
    """P(class 1) from 0 to 1 as a pyqtgraph ColorMap for *theme*."""
    return pg.ColorMap([0.0, 0.5, 1.0], list(PROBABILITY_STOPS.get(theme.name,
                                                                   PROBABILITY_STOPS["light"])))


class _BoundaryPlotWidget(pg.PlotWidget):
    """A decision-boundary plot that asks for no more than its minimum size.

    Its box's grid takes each method's height for width (the title's wrapped lines plus the
    plot's preferred height) as its row's minimum; with pyqtgraph's preferred 480 px those
    minima outgrew the boundary box's maximum height and the grid squeezed both rows alike,
    the large plot below its own minimum: at 1024x768 in presentation its x tick labels were
    cut. Asking for the minimum, the rows get their minima and share the rest 2:1."""

    def sizeHint(self) -> QSize:
        return self.minimumSize().expandedTo(QSize(1, 1))


class _CurvePlotWidget(_BoundaryPlotWidget):
    """The loss and distance plots, asking for no more than their minimum size too: with
    pyqtgraph's preferred 480 px each, the panel's height for its width came to ~1,500 px, so
    at 1920x1080 the scroll area made it that tall, the loss plot filled the dock and the
    distance chart lay below it, out of sight. Asking for their minima, the panel fits the
    dock where it can and the room left is shared by the layout's stretch."""


class _FittingAxis(pg.AxisItem):
    """A vertical axis whose labelled ticks never overlap: pyqtgraph asks for at least 2.25
    intervals whatever the axis's length and type, and a small decision-boundary plot (73 px
    at presentation type) could draw 1, 0 and -1 on top of each other. The step widens (1, 2,
    5 x 10^k) until two labels a step apart do not touch; the old step's ticks stay. A label
    the widget's edge would cut is left out (a "2" on the view's top edge was drawn half above
    the widget, 1024x768 in presentation)."""

    def generateDrawSpecs(self, p):
        specs = super().generateDrawSpecs(p)
        view = self.getViewWidget()
        if specs is None or view is None:
            return specs
        # what the widget shows, in scene coordinates (its scene rect can lag a resize)
        shown = view.mapToScene(view.viewport().rect()).boundingRect().adjusted(-1, -1, 1, 1)
        axis_spec, tick_specs, text_specs = specs
        whole = [spec for spec in text_specs
                 if shown.contains(self.mapRectToScene(spec[0]))]
        return axis_spec, tick_specs, whole

    def tickSpacing(self, minVal, maxVal, size):
        levels = super().tickSpacing(minVal, maxVal, size)
        if not levels or self.orientation not in ("left", "right"):
            return levels
        line = QFontMetrics(self.style["tickFont"] or QFont()).height() + 1
        span = abs(maxVal - minVal)
        major = levels[0][0]
        step = major
        while step > 0 and size * step / span < line and step < span:   # labels would touch
            digits = step / 10 ** np.floor(np.log10(step))
            step *= 2.5 if round(digits) == 2 else 2     # 1 -> 2 -> 5 -> 10
        if step == major:
            return levels

        def labels(offset: float) -> int:
            first = np.ceil((minVal - offset) / step) * step + offset
            return int(np.floor((maxVal - first) / step + 1e-9)) + 1
        # ticks on the odd multiples where they label more (1 and -1 rather than only 0); only
        # for a step of 2 x 10^k, whose half pyqtgraph's labels (a precision per step) can show
        two = round(step / 10 ** np.floor(np.log10(step))) == 2
        offset = step / 2 if two and labels(step / 2) > labels(0.0) else 0.0
        return [(step, offset), (major, 0)]


# plot widgets made ahead, in idle turns of an analytic window (``make_plots_ahead``): a switch
# to a real network then makes its dock without making them (half of the dock's 0.1-0.13 s)
_AHEAD: dict[str, list] = {"boundary": [], "curve": []}
AHEAD_COUNTS = {"boundary": len(METHOD_KEYS), "curve": 2}
AHEAD_STEP_MS = 50       # between two: the event loop runs in between


def _new_plot(kind: str) -> pg.PlotWidget:
    if kind == "boundary":
        return _BoundaryPlotWidget(enableMenu=False, axisItems={"left": _FittingAxis("left")})
    return _CurvePlotWidget(enableMenu=False)   # (no view-box menu made only to be switched off)


def _alive(widgets: list) -> list:
    import shiboken6
    return [w for w in widgets if shiboken6.isValid(w)]


def make_plots_ahead(owner: QWidget) -> None:
    """Make the Network dock's plot widgets ahead, one per turn of the event loop, hidden
    children of *owner* (they go with it)."""
    from PySide6.QtCore import QTimer

    def one() -> None:
        for kind, count in AHEAD_COUNTS.items():
            _AHEAD[kind] = _alive(_AHEAD[kind])
            if len(_AHEAD[kind]) < count:
                widget = _new_plot(kind)
                # (unseen: a new parent hides it, but not for good, as hide() would: a layout
                # that takes it shows it with its new parent)
                widget.setParent(owner)
                _AHEAD[kind].append(widget)
                QTimer.singleShot(AHEAD_STEP_MS, owner, one)
                return
    QTimer.singleShot(AHEAD_STEP_MS, owner, one)


def _plot(kind: str) -> pg.PlotWidget:
    ahead = _AHEAD[kind] = _alive(_AHEAD[kind])
    w = ahead.pop(0) if ahead else _new_plot(kind)
    from gdviz.ui.dpr_pens import follow_pixel_ratio
    follow_pixel_ratio(w)                   # lines and rings keep their width at 200 %
    w.setMenuEnabled(False)
    w.setMouseEnabled(False, False)
    w.hideButtons()
    from gdviz.ui.axis_titles import keep_titles_whole
    keep_titles_whole(w.getPlotItem())      # (a title longer than its axis drops its "(…)")
    return w


def _style_plot(widget: pg.PlotWidget, theme: Theme, scale: float) -> None:
    widget.setBackground(theme.background)
    item = widget.getPlotItem()
    tick_font = QFont("DejaVu Sans", max(8, round(9 * scale)))
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen(theme.foreground + "99")
        axis.setTextPen(theme.foreground)
        if axis.style["tickFont"] != tick_font:
            forget_text_space(axis)     # a new type: the old labels' width is no guide
        axis.setStyle(tickFont=tick_font)
        axis.label.setFont(QFont("DejaVu Sans", max(8, round(9 * scale))))
    fit_bottom_axis(item.getAxis("bottom"))


def fit_bottom_axis(axis) -> None:
    """A bottom axis as tall as its tick labels' line and its title's, at any type.

    pyqtgraph counts 80 % of the title's height and the tick labels' ink (not their line): at
    presentation type on a 4K screen the loss plot's title overlapped its tick numbers."""
    tick = QFontMetrics(axis.style["tickFont"] or QFont()).height()
    offset = axis.style["tickTextOffset"][1] + max(0, axis.style["tickLength"])
    label = axis.label.boundingRect().height() if axis.label.isVisible() else 0.0
    axis.setHeight(int(np.ceil(tick + offset + label)) + 2)


class MethodNetworkPlot(QWidget):
    """One method: the data and its network's boundary (or curve), drawn with equal aspect."""

    def __init__(self, key: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.key = key
        self.theme = LIGHT
        self.plot = _plot("boundary")
        # a label, not a plot title: it wraps instead of being clipped in a narrow dock
        self.title = QLabel()
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)
        self.plot.setMinimumSize(SMALL_MIN, SMALL_MIN)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.points = pg.ScatterPlotItem(size=5)
        self.plot.addItem(self.points)
        # validation points: hollow, so they never pass for training points
        self.val_points = pg.ScatterPlotItem(size=7, brush=pg.mkBrush(None))
        self.val_points.setVisible(False)
        self.plot.addItem(self.val_points)
        for item in (self.points, self.val_points):
            # the data do not move during a run, the boundary under them does: blit them
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.line = pg.PlotDataItem()
        self.plot.addItem(self.line)
        # the examples this method's last step used, ringed in its colour (as in the data view)
        self.lit = pg.ScatterPlotItem(symbol="o", brush=pg.mkBrush(None))
        self.plot.addItem(self.lit)
        self._space = None
        self._lit_batch = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.title)
        lay.addWidget(self.plot, 1)
        self._rect = QRectF()
        self._extra = None
        self._big = False
        self._boundary = None      # the array drawn now: the run hands the same one until it steps

    def apply_theme(self, theme: Theme, scale: float = 1.0, big: bool | None = None) -> None:
        self.theme = theme
        if big is not None:
            self._big = big
        _style_plot(self.plot, theme, scale)
        color = theme.color(self.key)
        size = "large" if self._big else "medium"
        self.title.setText(f'<span style="color:{color};font-weight:600;font-size:{size}">'
                           f'{METHOD_LABELS[self.key]}</span>')
        self.image.setColorMap(probability_map(theme))
        self.line.setPen(pg.mkPen(color, width=4 if self._big else 2.5))
        self.points.setPen(pg.mkPen(theme.background, width=0.6))
        dot = (6 if self._big else 4) * max(1.0, scale ** 0.5)
        self.points.setSize(dot)
        self.val_points.setSize(dot + 2)
        self.lit.setSize(dot + 6)
        if self.key == "full_batch":   # every point is in its batch: faint rings, data readable
            self.lit.setPen(pg.mkPen(color + "59", width=1.0))
        else:
            self.lit.setPen(pg.mkPen(color, width=2.0 if self._big else 1.5))
        if self._extra is not None:
            self.set_data(self._extra)

    def set_data(self, extra) -> None:
        """The data set's points (once per simulation)."""
        self._extra = extra
        self._boundary = None
        self._space = _network_space(extra, MAX_POINTS)
        self._lit_batch = None
        self.lit.setData([], [])
        classes = CLASS_COLORS.get(self.theme.name, CLASS_COLORS["light"])
        x, y = extra.x_train[:MAX_POINTS], extra.y_train[:MAX_POINTS, 0]
        xv, yv = extra.x_val[:MAX_POINTS], extra.y_val[:MAX_POINTS, 0]
        item = self.plot.getPlotItem()
        if extra.task == "classification":
            # one brush (pen) object per class: pyqtgraph renders a symbol per distinct object
            brushes = [pg.mkBrush(c) for c in classes]
            pens = [pg.mkPen(c, width=1.5) for c in classes]
            self.points.setData(x[:, 0], x[:, 1], brush=[brushes[int(v > 0.5)] for v in y])
            self.val_points.setData(xv[:, 0], xv[:, 1], pen=[pens[int(v > 0.5)] for v in yv])
            x0, x1 = extra.grid_xs[0], extra.grid_xs[-1]
            y0, y1 = extra.grid_ys[0], extra.grid_ys[-1]
            self._rect = QRectF(x0, y0, x1 - x0, y1 - y0)
            self.image.setVisible(True)
            # equal aspect: a spiral looks like a spiral, whatever the shape of the dock
            item.setAspectLocked(True, ratio=1.0)
            self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        else:
            self.points.setData(x[:, 0], y, brush=pg.mkBrush("#8C8C8C"), pen=pg.mkPen(None))
            self.val_points.setData(xv[:, 0], yv, pen=pg.mkPen("#8C8C8C", width=1.5))
            self.image.setVisible(False)
            item.setAspectLocked(False)
            self.plot.setRange(xRange=(extra.grid_xs[0], extra.grid_xs[-1]), padding=0.02)

    def show_validation(self, on: bool) -> None:
        self.val_points.setVisible(on)

    def update_method(self, extra, method) -> bool:
        """Draw this method's boundary; False (nothing touched) when it is the one drawn."""
        if method.batch is not self._lit_batch and self._space is not None:
            self._lit_batch = method.batch
            pts = self._space.points[self._space.lit(method.batch)]
            self.lit.setData(pts[:, 0], pts[:, 1])
        b = method.extra.boundary
        if b is self._boundary:
            return False
        self._boundary = b
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
        return True


class MlpPanel(QWidget):
    """``update_snapshot(snap)`` with an MlpSimulation snapshot redraws everything.

    The selected method's boundary is drawn large, the other two small beside it, with one
    colour scale for the predicted probability; ``apply_theme`` and ``set_font_scale`` follow
    the window's theme and presentation mode."""

    def __init__(self, parent: QWidget | None = None, theme: Theme = LIGHT):
        super().__init__(parent)
        self.theme = theme
        self.scale = 1.0
        self.selected = "mini_batch"
        self.header = QLabel("Starting the network…")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.methods = {k: MethodNetworkPlot(k) for k in METHOD_KEYS}
        self.colorbar_view = pg.GraphicsLayoutWidget()
        self.colorbar = pg.ColorBarItem(values=(0.0, 1.0), interactive=False, width=14)
        self.colorbar.setImageItem([m.image for m in self.methods.values()])
        self.colorbar_view.addItem(self.colorbar)
        self.colorbar_title = QLabel("P(class 1)")
        self.colorbar_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.colorbar_box = QWidget()
        bar_col = QVBoxLayout(self.colorbar_box)
        bar_col.setContentsMargins(0, 0, 0, 0)
        bar_col.setSpacing(0)
        bar_col.addWidget(self.colorbar_title)
        bar_col.addWidget(self.colorbar_view, 1)
        self.validation_check = QCheckBox("validation points (hollow)")
        self.validation_check.toggled.connect(self.show_validation)
        scale_indicators(self.validation_check)    # its indicator grows with its text
        self.boundaries = QGridLayout()
        self.boundaries.setSpacing(6)

        self.loss = _plot("curve")
        self.loss.setMinimumHeight(LOSS_MIN_HEIGHT)
        self.loss_lines, self.val_lines = {}, {}
        for k in METHOD_KEYS:
            # no antialiasing (as in the main loss panel): a long, noisy curve stroked 2 px wide
            # and antialiased costs ~30 ms a paint, without it a few
            self.loss_lines[k] = self.loss.plot(antialias=False)
            self.val_lines[k] = self.loss.plot(antialias=False)
        self.loss_ranges = RoundRanges(self.loss.getPlotItem())   # axes in round steps
        self.loss_title = QLabel("Loss: training (solid), validation (dashed)")
        self.distance = _plot("curve")
        self.distance.setMinimumHeight(DISTANCE_MIN_HEIGHT)
        self.distance_title = QLabel("Distance of the weights from the plane "
                                     "(dashed: laid anew beyond it)")
        self.distance_title.setWordWrap(True)
        self.bars = pg.BarGraphItem(x=[0, 1, 2], height=[0, 0, 0], width=0.6)
        self.distance.addItem(self.bars)
        # the distance at which the plane is laid anew (plane_policy's rule), dashed: right after
        # a relay every bar is 0 and the chart read as empty on an axis of 0 to 0.002
        self.relay_line = pg.InfiniteLine(angle=0, movable=False)
        self.relay_line.setVisible(False)
        self.distance.addItem(self.relay_line)
        # each bar's value above it ("0" says the weights are on the plane, not "nothing drawn")
        self.bar_values = [pg.TextItem("", anchor=(0.5, 1.0)) for _ in METHOD_KEYS]
        for i, item in enumerate(self.bar_values):
            item.setPos(i, 0.0)
            self.distance.addItem(item)
        self.distance.getPlotItem().getAxis("bottom").setTicks(
            [[(i, METHOD_LABELS[k]) for i, k in enumerate(METHOD_KEYS)]])
        self.distance.setXRange(-0.6, 2.6, padding=0)

        lay = QVBoxLayout(self)
        lay.addWidget(self.header)
        self.boundary_box = QWidget()
        self.boundary_box.setLayout(self.boundaries)
        self.boundaries.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.boundary_box, 5)
        lay.addWidget(self.validation_check)
        lay.addWidget(self.loss_title)
        lay.addWidget(self.loss, 2)
        lay.addWidget(self.distance_title)
        lay.addWidget(self.distance, 1)
        self._generation = None
        self._shown = {}        # what each label, curve and bar shows now: unchanged, untouched
        self.redraws = 0        # parts redrawn so far (tests, profiling)
        self._arrange()
        self.apply_theme(theme)

    # appearance -----------------------------------------------------------------------------
    def _arrange(self) -> None:
        """The selected method large with the colour scale beside it, the other two small below
        (a side dock is taller than wide)."""
        grid = self.boundaries
        for widget in [*self.methods.values(), self.colorbar_box]:
            grid.removeWidget(widget)
        big = self.methods[self.selected]
        big.plot.setMinimumSize(BIG_MIN, BIG_MIN * 2 // 3)
        # the small ones taller at presentation type: at the dock's least height (1920x1080)
        # 73 px left their view ~47 px for 28-px tick labels
        tall = min(max(1.0, self.scale), 1.5)
        grid.addWidget(big, 0, 0, 1, 2)
        grid.addWidget(self.colorbar_box, 0, 2)
        others = [k for k in METHOD_KEYS if k != self.selected]
        for col, key in enumerate(others):
            self.methods[key].plot.setMinimumSize(SMALL_MIN, round(SMALL_MIN * 2 // 3 * tall))
            grid.addWidget(self.methods[key], 1, col)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 0)
        grid.setRowStretch(0, 2)
        grid.setRowStretch(1, 1)

    def set_selected(self, key: str) -> None:
        if key == self.selected or key not in self.methods:
            return
        self.selected = key
        self._arrange()
        self.apply_theme(self.theme)
        self._fit_big_height()

    def show_validation(self, on: bool) -> None:
        for plot in self.methods.values():
            plot.show_validation(on)

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        f = self.scale
        for key, plot in self.methods.items():
            plot.apply_theme(theme, f, big=key == self.selected)
        self.colorbar_view.setBackground(theme.background)
        self.colorbar.setColorMap(probability_map(theme))
        axis = self.colorbar.getAxis("right")
        axis.setPen(theme.foreground + "99")
        axis.setTextPen(theme.foreground)
        tick_font = QFont("DejaVu Sans", max(8, round(9 * f)))
        axis.setStyle(tickFont=tick_font)
        # the axis as wide as its widest label at this type (its default width cut "0.75" at
        # presentation type, the labels drawn past the view's right edge)
        axis.setWidth(QFontMetrics(tick_font).horizontalAdvance("0.75") + 12)
        self.colorbar_box.setFixedWidth(self._bar_width())
        for widget in (self.loss, self.distance):
            _style_plot(widget, theme, f)
        # the bars' axis ends on a tick (a round ceiling): room above the plot for half of
        # that tick's label, which the widget's top edge cut off
        tick_height = QFontMetrics(QFont("DejaVu Sans", max(8, round(9 * f)))).height()
        self.distance.getPlotItem().layout.setContentsMargins(1, tick_height // 2 + 2, 1, 1)
        # (so do the loss curves' round ranges: their top tick, "1.0", was cut in half in a
        # 1920x1080 presentation)
        self.loss.getPlotItem().layout.setContentsMargins(1, tick_height // 2 + 2, 1, 1)
        self._fit_distance_axis()
        for k in METHOD_KEYS:
            c = theme.color(k)
            self.loss_lines[k].setPen(pg.mkPen(c, width=2.5))
            self.val_lines[k].setPen(pg.mkPen(c, width=2, style=Qt.PenStyle.DashLine))
        self.bars.setOpts(brushes=[pg.mkBrush(theme.color(k)) for k in METHOD_KEYS])
        self.relay_line.setPen(pg.mkPen(theme.foreground + "99", width=1.5,
                                        style=Qt.PenStyle.DashLine))
        value_font = QFont("DejaVu Sans", max(8, round(9 * f)))
        for item in self.bar_values:
            item.setColor(theme.foreground)
            item.setFont(value_font)

    def set_font_scale(self, f: float) -> None:
        """Presentation mode: type, titles and points *f* times larger."""
        if getattr(self, "_base_font", None) is None:
            self._base_font = QFont(self.font())
        self.scale = f
        font = QFont(self._base_font)
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * f)
        self.setFont(font)
        # the plots grow with their type, or their tick labels pile up (presentation mode)
        # (factors 1.4 and 1.3, were 1.6 and 1.4: at 1920x1080 the panel's least height then
        # fits the dock with the small boundary plots tall enough for their tick labels)
        self.loss.setMinimumHeight(round(LOSS_MIN_HEIGHT * min(max(1.0, f), 1.4)))
        self.distance.setMinimumHeight(round(DISTANCE_MIN_HEIGHT * min(max(1.0, f), 1.3)))
        self._arrange()
        self.apply_theme(self.theme)

    def update_snapshot(self, snap) -> None:
        """Show *snap*; only the parts whose values changed are touched (a label, a curve or a
        plot set again relayouts or repaints it)."""
        extra = snap.extra
        if extra is None:
            return
        if self._generation != (snap.generation, id(extra.x_train)):
            self._generation = (snap.generation, id(extra.x_train))
            self._shown.clear()
            for w in self.methods.values():
                w.set_data(extra)
            self._fit_big_height()
        notice = (f'<br><span style="color:#E0454F">{html.escape(extra.notice)}</span>'
                  if extra.notice else "")
        self._set_text(self.header,
                       f"<b>{html.escape(extra.architecture)}</b> on {html.escape(extra.dataset)} "
                       f"({snap.n_examples} training points, {extra.n_params} weights) · "
                       f"device: <b>{html.escape(extra.device)}</b>{notice}")
        heights = []
        width = max(1, int(self.loss.getPlotItem().getViewBox().width()))
        curves = False
        for m in snap.methods:
            self.redraws += self.methods[m.key].update_method(extra, m)
            curves |= self._curve(self.loss_lines[m.key], m.loss_curve, width)
            curves |= self._curve(self.val_lines[m.key], m.extra.val_loss_curve, width)
            heights.append(m.extra.plane_distance)
        if curves:
            self.loss_ranges.fit(max((float(m.clock) for m in snap.methods), default=0.0),
                                 list(self.loss_lines.values()) + list(self.val_lines.values()))
        from gdviz.mlp.plane_policy import relay_distance     # numpy only: the window's rule
        self._set_bars(heights, relay_distance(snap))
        unit = CLOCK_UNITS[snap.clock_kind]
        label = f"clock: {CLOCK_LABELS[snap.clock_kind]} ({unit})"
        if self._changed("clock", (label, self.theme.foreground)):
            self.loss.getPlotItem().setLabel("bottom", label, color=self.theme.foreground)
            fit_bottom_axis(self.loss.getPlotItem().getAxis("bottom"))
        classification = extra.task == "classification"
        if self._changed("colorbar", classification):
            self.colorbar_box.setVisible(classification)

    def _changed(self, part, value) -> bool:
        """True (and remembered) when *part* is to show something else than it shows now."""
        if part in self._shown and _same(self._shown[part], value):
            return False
        self._shown[part] = value
        self.redraws += 1
        return True

    def _set_text(self, label: QLabel, text: str) -> None:
        if self._changed(id(label), text):
            label.setText(text)

    def _set_bars(self, heights: list[float], relay: float | None = None) -> None:
        """The distance bars, each with its value, and the dashed distance *relay* at which
        the plane is laid anew (None before any method has stepped); the axis reaches the
        higher of the bars and that line, and keeps its range until one leaves it or all
        shrink below a third of it (a range that changed every snapshot would repaint the
        plot twice: once for the bars, once for the new tick labels)."""
        if not self._changed("bars", (tuple(heights), relay)):
            return
        self.bars.setOpts(height=heights)
        for item, h in zip(self.bar_values, heights):
            item.setText(_distance_text(h))
            item.setPos(item.pos().x(), h if np.isfinite(h) else 0.0)
        finite = [h for h in heights if np.isfinite(h)]
        if relay is not None and np.isfinite(relay):
            self.relay_line.setPos(relay)
            self.relay_line.setVisible(True)
            finite.append(relay)
        else:
            self.relay_line.setVisible(False)
        top = max(max(finite, default=0.0), 1e-3)
        shown = self._shown.get("bars top")
        if shown is None or top > shown or top < shown / 3:
            shown = self._shown["bars top"] = _nice_ceiling(1.15 * top)
            self.distance.setYRange(0, shown, padding=0)
            # three labelled ticks: readable however short the plot (presentation type), in
            # an axis wide enough for them from the first paint (pyqtgraph widens an axis only
            # after a paint found its labels too wide: a one-frame export showed none)
            ticks = [(v, f"{v:g}") for v in (0.0, shown / 2, shown)]
            axis = self.distance.getPlotItem().getAxis("left")
            axis.setTicks([ticks])
            self._fit_distance_axis()

    def _fit_distance_axis(self) -> None:
        axis = self.distance.getPlotItem().getAxis("left")
        top = self._shown.get("bars top")
        if top is None:
            return
        metrics = QFontMetrics(QFont("DejaVu Sans", max(8, round(9 * self.scale))))
        widest = max(metrics.horizontalAdvance(f"{v:g}") for v in (0.0, top / 2, top))
        axis.setWidth(widest + 14)

    def _curve(self, item, xy: np.ndarray, width: int) -> bool:
        """One loss curve, at most ~two points per pixel column; False when it already shows
        these points."""
        if not self._changed(id(item), xy):
            return False
        ok = np.all(np.isfinite(xy), axis=1)
        item.setData(*peak_points(xy[ok, 0], xy[ok, 1], width))
        return True

    def _bar_width(self) -> int:
        metrics = self.colorbar_title.fontMetrics()
        bar_axis = self.colorbar.getAxis("right")
        # the width set for this type (its geometry follows a layout pass later: read at once
        # after a presentation, the box kept the large type's width, the dock 20 px wider)
        axis = bar_axis.fixedWidth if bar_axis.fixedWidth is not None else bar_axis.width()
        return max(metrics.horizontalAdvance("P(class 1)") + 6, round(60 * max(1.0, self.scale)),
                   round(axis) + 14 + 30)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit_big_height()

    def _steady_width(self) -> int:
        """The panel's width for sizing its plots, the same whether or not the scroll area
        around it shows its scroll bar (sized from its own width, the panel grew past the
        viewport without the bar, fitted with it, lost it, grew again: a 4K presentation's
        event loop never came to rest)."""
        area = self.parentWidget()
        while area is not None and not isinstance(area, QScrollArea):
            area = area.parentWidget()
        if area is None:
            return self.width()
        return min(self.width(), area.width() - area.verticalScrollBar().sizeHint().width())

    def _fit_big_height(self) -> None:
        """The large plot no taller than its data at equal aspect (no empty bands above and
        below a wide data set); the room left goes to the loss curves."""
        big = self.methods[self.selected]
        extra = big._extra
        box = self.boundary_box
        if extra is None or extra.task != "classification":
            _set_maximum_height(box, 16_777_215)
            return
        aspect = (extra.grid_ys[-1] - extra.grid_ys[0]) / max(extra.grid_xs[-1] - extra.grid_xs[0],
                                                               1e-9)
        axes = 50 * max(1.0, self.scale)      # the tick labels of both axes, roughly
        width = max(self._steady_width() - self._bar_width() - 30, BIG_MIN)
        title = big.title.sizeHint().height()
        big_height = int((width - axes) * aspect + axes) + title
        small_height = int((width / 2 - axes) * aspect + axes) + title
        # (not reset to "none" first: a maximum that changes relays the panel out, and a panel
        # that relaid itself out on every resize kept a 4K presentation's event loop busy)
        _set_maximum_height(box, max(BIG_MIN, big_height + small_height + 6))


def _set_maximum_height(widget: QWidget, height: int) -> None:
    widget.setMaximumHeight(height)


class NetworkScroll(QScrollArea):
    """The Network dock's panel, scrolling up and down only where it must: at presentation
    type its plots' minimum heights need more than a 768-pixel screen holds (the window grew
    past the screen), while its width stays the panel's (its minimum follows the type).

    The panel is as tall as the dock wherever its minimum for the dock's width fits; only
    where it does not, as tall as it prefers, and the dock scrolls. (Qt's resizable scroll area
    made it as tall as its preferred height whenever that was more than the dock: at
    1920x1080 in presentation 1,107 px in a 1,011-px dock, the distance chart cut at the
    bottom, though its least height for that width, about 1,000 px, fitted.)"""

    def __init__(self, panel: QWidget):
        super().__init__()
        self.setWidget(panel)
        self.setWidgetResizable(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        panel.installEventFilter(self)
        self._fit_panel()

    def needed_height(self, width: int) -> int:
        """The panel's least height at *width*: its wrapped lines whole, its plots at their
        minimum."""
        panel = self.widget()
        layout = panel.layout()
        if layout is not None and layout.hasHeightForWidth():
            return max(layout.minimumHeightForWidth(width), panel.minimumHeight())
        return panel.minimumSizeHint().height()

    def _fit_panel(self) -> None:
        panel = self.widget()
        if panel is None:
            return
        width = max(1, self.viewport().width())
        height = self.viewport().height()
        need = self.needed_height(width)
        if need > height:
            # scrolling anyway: at its preferred height, its plots as large as they ask
            layout = panel.layout()
            preferred = layout.heightForWidth(width) if layout is not None else -1
            height = max(need, preferred)
        if panel.size() != QSize(width, height):
            panel.resize(width, height)

    def minimumSizeHint(self) -> QSize:
        inner = self.widget().minimumSizeHint()
        bar = self.verticalScrollBar().sizeHint().width()
        return QSize(inner.width() + bar, min(inner.height(), 120))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_panel()

    def viewportEvent(self, event) -> bool:
        if event.type() == event.Type.Resize:     # the scroll bar came or went
            self._fit_panel()
        return super().viewportEvent(event)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.widget() and event.type() == event.Type.LayoutRequest:
            self._fit_panel()          # its type or a wrapped line changed its least height
        return super().eventFilter(watched, event)

    def event(self, ev) -> bool:
        if ev.type() == ev.Type.LayoutRequest:
            hint = self.minimumSizeHint()
            if hint != getattr(self, "_hint", None):
                self._hint = hint
                self.updateGeometry()       # the panel's minimum changed (its type grew)
        return super().event(ev)


def _network_space(extra, drawn: int):
    """The training points as a DataSpace whose shown examples are the first ``drawn`` (the
    ones the plot draws): its ``lit`` picks a batch's points as the data view does."""
    from gdviz.core.data_view import DataSpace
    x = np.asarray(extra.x_train, float)
    n = len(x)
    pts = x if x.shape[1] == 2 else np.column_stack([x[:, 0], extra.y_train[:, 0]])
    shown = np.arange(min(n, drawn))
    in_shown = np.zeros(n, bool)
    in_shown[shown] = True
    return DataSpace("network", n, pts, None, shown, in_shown, ("", ""), "")


def peak_points(x: np.ndarray, y: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """The points of a curve a plot *columns* pixels wide can show: of each run of n / columns
    consecutive points (about a pixel column's worth), its lowest and highest in their order,
    and always the first and the last point. Every point kept is a point of the curve, and
    every spike stays."""
    n = len(x)
    per = n // max(1, columns)
    if per < 3:
        return x, y
    runs = n // per
    block = y[:runs * per].reshape(runs, per)
    lo, hi = np.argmin(block, axis=1), np.argmax(block, axis=1)
    start = np.arange(runs) * per
    keep = np.concatenate([[0], start + np.minimum(lo, hi), start + np.maximum(lo, hi),
                           np.arange(runs * per, n), [n - 1]])
    keep = np.unique(keep)
    return x[keep], y[keep]


def _distance_text(h: float) -> str:
    """A bar's value: two significant digits, "0" for a distance that is 0 to rounding."""
    if not np.isfinite(h):
        return "–"
    return "0" if abs(h) < 5e-5 else f"{h:.2g}"


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and np.array_equal(a, b, equal_nan=True))
    return a == b


def _nice_ceiling(x: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is >= x (x > 0)."""
    power = 10.0 ** np.floor(np.log10(x))
    return float(next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= x))
