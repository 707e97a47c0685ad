"""The contour canvas: the landscape, three trails, start and current markers, step arrows.

Every item is built once; each frame only calls ``setData``.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGraphicsItem

from gdviz.core import METHOD_KEYS, METHOD_LABELS
from gdviz.core.snapshot import SimSnapshot
from gdviz.ui.contours import LandscapeView
from gdviz.ui.trail_layer import CachedTrail
from gdviz.ui.theme import LIGHT, METHOD_SYMBOLS, Theme

ARROW_FRACTION = 0.14   # the longer arrow of a method spans this share of the view
# What the solid arrow is, rule by rule: the displacement the optimizer really made.
STEP_RULES = {
    "sgd": "Δθ = −η·g (SGD)",
    "momentum": "Δθ = −η·m, momentum m = μ·m + g",
    "nesterov": "Δθ = −η·(g + μ·m), Nesterov, m = μ·m + g",
    "rmsprop": "Δθ = −η·g / (√v + ε), RMSProp",
    # (no m̂: Qt draws a combining hat on the wrong line of a multi-line label)
    "adam": "Δθ = −η·m / (√v + ε), Adam, m and v bias-corrected",
}
ARROW_Z = 18            # arrows above the trails (10), below start (25) and current markers (30)


class _SelectingSample(pg.ItemSample):
    """A legend sample that selects its method when clicked instead of hiding it."""

    def mouseClickEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton:
            event.accept()
            self.sigClicked.emit(self.item)


class _StartMarkers(pg.ScatterPlotItem):
    """The three start points; drag one to move that method's start."""

    dragged = Signal(str, float, float, bool)

    def __init__(self):
        super().__init__(pxMode=True)
        self._drag_key = None

    def mouseDragEvent(self, ev):
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        if ev.isStart():
            points = self.pointsAt(ev.buttonDownPos())
            if len(points) == 0:
                ev.ignore()
                return
            self._drag_key = points[0].data()
        elif self._drag_key is None:
            ev.ignore()
            return
        ev.accept()
        pos = ev.pos()
        self.dragged.emit(self._drag_key, pos.x(), pos.y(), ev.isFinish())
        if ev.isFinish():
            self._drag_key = None


class ContourCanvas(pg.PlotWidget):
    """The landscape and the three methods on it."""

    method_clicked = Signal(str)
    start_requested = Signal(str, float, float)   # a method's start moved by click or drag

    def __init__(self, parent=None, theme: Theme = LIGHT):
        super().__init__(parent)
        self.theme = theme
        self.selected = "mini_batch"
        self.show_arrows = True
        self._view: LandscapeView | None = None
        self._snapshot: SimSnapshot | None = None
        self._hidden: set[str] = set()
        plot = self.getPlotItem()
        plot.setMenuEnabled(False)
        plot.showGrid(False, False)
        plot.setAspectLocked(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-20)
        # the landscape only changes on reset: render it once, then blit it every frame
        self.image.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        plot.addItem(self.image)
        self.contours = pg.PlotDataItem(antialias=True)
        self.contours.setZValue(-10)
        self.contours.curve.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        plot.addItem(self.contours)
        self.minima = pg.ScatterPlotItem(symbol="star", size=20)
        self.minima.setZValue(5)
        plot.addItem(self.minima)
        self.legend = pg.LegendItem(offset=(10, -10), sampleType=_SelectingSample,
                                    labelTextSize="10pt")
        self.legend.setParentItem(plot.getViewBox())
        self.legend.sigSampleClicked.connect(self._on_legend_clicked)
        self.trails: dict[str, pg.PlotDataItem] = {}      # the live tail of each trail
        self.trail_layers: dict[str, CachedTrail] = {}
        self.current: dict[str, pg.ScatterPlotItem] = {}
        self.badges: dict[str, pg.TextItem] = {}
        for key in METHOD_KEYS:
            trail = pg.PlotDataItem(antialias=True, clickable=True)
            trail.curve.setClickable(True, width=8)
            trail.sigClicked.connect(lambda _item, _ev, k=key: self.method_clicked.emit(k))
            trail.setZValue(10)
            plot.addItem(trail)
            self.trails[key] = trail
            self.trail_layers[key] = CachedTrail(plot, trail,
                                                 on_click=lambda k=key: self.method_clicked.emit(k))
            self.legend.addItem(trail, METHOD_LABELS[key])
            marker = pg.ScatterPlotItem(pxMode=True)
            marker.setZValue(30)
            marker.sigClicked.connect(lambda *_a, k=key: self.method_clicked.emit(k))
            plot.addItem(marker)
            self.current[key] = marker
            badge = pg.TextItem("", anchor=(0, 1.2))
            badge.setFont(QFont("DejaVu Sans", 11, QFont.Weight.Bold))
            badge.setZValue(40)
            plot.addItem(badge)
            self.badges[key] = badge
        self.starts = _StartMarkers()
        self.starts.setZValue(25)
        self.starts.dragged.connect(self._on_start_dragged)
        plot.addItem(self.starts)
        # the solid arrow lies on its own trail's last segment: a dark outline sets it apart
        self.step_outline = pg.PlotDataItem(antialias=True)
        self.step_outline.setZValue(ARROW_Z)
        plot.addItem(self.step_outline)
        self.step_shafts: dict[str, pg.PlotDataItem] = {}
        for key in METHOD_KEYS:
            shaft = pg.PlotDataItem(antialias=True)
            shaft.setZValue(ARROW_Z + 1)
            plot.addItem(shaft)
            self.step_shafts[key] = shaft
        self.true_shafts = pg.PlotDataItem(antialias=True)
        self.true_shafts.setZValue(ARROW_Z + 2)
        plot.addItem(self.true_shafts)
        self.arrow_bases = pg.ScatterPlotItem(pxMode=True, symbol="o", size=9)
        self.arrow_bases.setZValue(ARROW_Z + 4)
        plot.addItem(self.arrow_bases)
        self.heads = [pg.ArrowItem(headLen=14, tipAngle=32, baseAngle=20, pxMode=True)
                      for _ in range(2 * len(METHOD_KEYS))]
        for head in self.heads:
            head.setZValue(ARROW_Z + 3)
            plot.addItem(head)
            head.hide()
        self.arrow_note = pg.TextItem("", anchor=(1, 1))
        self.arrow_note.setParentItem(plot.getViewBox())
        self.scene().sigMouseClicked.connect(self._on_scene_clicked)
        plot.getViewBox().sigResized.connect(self._place_arrow_note)
        plot.getViewBox().sigTransformChanged.connect(self._orient_heads)
        self._drawn: dict = {}      # what each item shows now, so unchanged data is not re-set
        self.apply_theme(theme)

    # appearance -----------------------------------------------------------------------------
    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.setBackground(theme.background)
        plot = self.getPlotItem()
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.setPen(theme.foreground)
            axis.setTextPen(theme.foreground)
        self.image.setColorMap(theme.color_map())
        self.contours.setPen(pg.mkPen(theme.contour_pen, width=1))
        self.minima.setPen(pg.mkPen("#000000", width=1.5))
        self.minima.setBrush(pg.mkBrush(theme.minimum_color))
        self.legend.setBrush(pg.mkBrush(theme.background + "D8"))
        self.legend.setPen(pg.mkPen(theme.foreground + "55"))
        self.legend.setLabelTextColor(theme.foreground)
        for key in METHOD_KEYS:
            color = theme.color(key)
            # projection: thick lines, a thin halo keeps them apart from the landscape
            width = theme.trail_width * (0.75 if key == "stochastic" else 1.0)
            self.trail_layers[key].set_pens(
                pg.mkPen(color, width=width),
                pg.mkPen(theme.halo, width=width + theme.halo_extra) if theme.halo else None)
            self.badges[key].setColor(color)
        self.true_shafts.setPen(pg.mkPen(theme.foreground, width=2.5, style=Qt.PenStyle.DashLine))
        self.step_outline.setPen(pg.mkPen(theme.foreground, width=6.5))
        self.arrow_bases.setPen(pg.mkPen(theme.foreground, width=2))
        self.arrow_bases.setBrush(pg.mkBrush(theme.background))
        for key, shaft in self.step_shafts.items():
            shaft.setPen(pg.mkPen(theme.color(key), width=3.5))
        self.arrow_note.setColor(theme.foreground)
        self.arrow_note.fill = pg.mkBrush(theme.background + "CC")
        self._restyle_markers()
        if self._snapshot is not None:
            self.show_snapshot(self._snapshot)

    def _restyle_markers(self) -> None:
        for key in METHOD_KEYS:
            color = self.theme.color(key)
            base = getattr(self.theme, "marker_size", 14)     # projection-sized in both themes
            size = round(base * 1.3) if key == self.selected else base
            pen = pg.mkPen(self.theme.marker_outline, width=3 if key == self.selected else 2)
            self.current[key].setData([], [], symbol=METHOD_SYMBOLS[key], size=size, pen=pen,
                                      brush=pg.mkBrush(color))
            self._drawn.pop(self.current[key], None)   # emptied: the next frame sets it again

    def set_font_scale(self, scale: float) -> None:
        font = QFont("DejaVu Sans", max(8, round(10 * scale)))
        plot = self.getPlotItem()
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.setStyle(tickFont=font)
            axis.label.setFont(QFont("DejaVu Sans", max(9, round(11 * scale))))
        self.legend.setLabelTextSize(f"{max(9, round(10 * scale))}pt")
        self.arrow_note.setFont(QFont("DejaVu Sans", max(8, round(9 * scale))))
        for badge in self.badges.values():
            badge.setFont(QFont("DejaVu Sans", max(11, round(11 * scale)), QFont.Weight.Bold))
        self._place_arrow_note()
        self._relabel_legend()

    # landscape ------------------------------------------------------------------------------
    def set_landscape(self, view: LandscapeView) -> None:
        self._view = view
        xs, ys = view.xs, view.ys
        self.image.setImage(view.image, autoLevels=True)
        self.image.setRect(QRectF(xs[0], ys[0], xs[-1] - xs[0], ys[-1] - ys[0]))
        self.contours.setData(view.line_x, view.line_y, connect=view.connect)
        if len(view.minima):
            self.minima.setData(view.minima[:, 0], view.minima[:, 1])
        else:
            self.minima.setData([], [])
        plot = self.getPlotItem()
        plot.setLabel("bottom", view.param_names[0])
        plot.setLabel("left", view.param_names[1])
        plot.setTitle(None)
        self.fit()

    def fit(self) -> None:
        if self._view is None:
            return
        xs, ys = self._view.xs, self._view.ys
        self.getPlotItem().getViewBox().setRange(xRange=(xs[0], xs[-1]), yRange=(ys[0], ys[-1]),
                                                 padding=0)

    # methods --------------------------------------------------------------------------------
    def set_selected(self, key: str) -> None:
        self.selected = key
        self._restyle_markers()
        if self._snapshot is not None:
            self.show_snapshot(self._snapshot)

    def set_method_visible(self, key: str, visible: bool) -> None:
        (self._hidden.discard if visible else self._hidden.add)(key)
        self.trail_layers[key].set_visible(visible)
        for item in (self.current[key], self.badges[key]):
            item.setVisible(visible)
        if self._snapshot is not None:
            self.show_snapshot(self._snapshot)

    def set_arrows_visible(self, visible: bool) -> None:
        self.show_arrows = visible
        if self._snapshot is not None:
            self.show_snapshot(self._snapshot)

    def show_snapshot(self, snap: SimSnapshot) -> None:
        """Draw one frame. Cheap: setData on items built once, and only on those whose data
        changed (every setData repaints)."""
        previous = self._snapshot
        self._snapshot = snap
        starts_x, starts_y, starts_data = [], [], []
        for m in snap.methods:
            trail = m.trail
            shown = self._drawn.get(("trail", m.key))
            if shown is None or not np.array_equal(shown, trail):
                self._drawn[("trail", m.key)] = trail
                self.trail_layers[m.key].set_points(trail)
            self._set_data(self.current[m.key], [m.theta[0]], [m.theta[1]])
            if m.key not in self._hidden:
                starts_x.append(m.start[0])
                starts_y.append(m.start[1])
                starts_data.append(m.key)
            badge = self.badges[m.key]
            if m.status == "diverged":
                self._set_text(badge, f"⚠ {METHOD_LABELS[m.key]} diverged")
                pos = _clip_to_view(trail[-1], self._view)
                if self._drawn.get(("badge", m.key)) != pos:
                    self._drawn[("badge", m.key)] = pos
                    badge.setPos(*pos)
            else:
                self._set_text(badge, "")
        starts = (starts_x, starts_y, starts_data, self.theme)
        if self._drawn.get(self.starts) != starts:
            self._drawn[self.starts] = starts
            brushes = [pg.mkBrush(self.theme.color(k) + "66") for k in starts_data]
            pens = [pg.mkPen(self.theme.color(k), width=2.5) for k in starts_data]
            self.starts.setData(x=starts_x, y=starts_y, data=starts_data, brush=brushes,
                                pen=pens, symbol=[METHOD_SYMBOLS[k] for k in starts_data],
                                size=16)
        self._draw_arrows(snap)
        if previous is None or [m.batch_size for m in previous.methods] != \
                [m.batch_size for m in snap.methods]:
            self._relabel_legend()

    def _set_data(self, item, x, y, **kwargs) -> None:
        """item.setData(x, y, **kwargs) unless it already shows exactly that."""
        data = (x, y, kwargs)
        if self._drawn.get(item) != data:
            self._drawn[item] = data
            item.setData(x, y, **kwargs)

    def _set_text(self, item, text: str) -> None:
        if self._drawn.get(item) != text:
            self._drawn[item] = text
            item.setText(text)

    def _relabel_legend(self) -> None:
        if self._snapshot is None:
            return
        for m in self._snapshot.methods:
            label = self.legend.getLabel(self.trails[m.key])
            if label is not None:
                label.setText(f"{METHOD_LABELS[m.key]}  (B = {m.batch_size})",
                              size=self.legend.opts["labelTextSize"],
                              color=self.theme.foreground)

    def _draw_arrows(self, snap: SimSnapshot) -> None:
        """Both arrows start where each method's last step began: solid, the step it took
        (theta - theta_before, whatever the rule); dashed, the step the same rule, from the
        same state, would have taken with the full gradient in place of the estimate."""
        shafts = {key: ([], []) for key in self.step_shafts}
        true_x, true_y, base_x, base_y, out_x, out_y = [], [], [], [], [], []
        heads = []           # (head, base, tip, colour) of every head shown this frame
        note = ""
        shown = []
        if self.show_arrows and self._view is not None:
            shown = [m for m in snap.methods if m.key not in self._hidden
                     and m.status != "diverged" and m.updates > 0 and m.theta_before is not None]
        arrows = {m.key: arrow_vectors(m) for m in shown}
        lengths = [np.linalg.norm(v) for pair in arrows.values() for v in pair
                   if np.all(np.isfinite(v))]
        longest = max(lengths, default=0.0)
        if longest > 0 and np.isfinite(longest):
            span = min(self._view.xs[-1] - self._view.xs[0],
                       self._view.ys[-1] - self._view.ys[0])
            # True steps can be far too short to see: all arrows share one scale, written on
            # screen, so their lengths and directions stay comparable.
            scale = ARROW_FRACTION * span / longest
            for i, m in enumerate(shown):
                base = m.theta_before
                taken, instead = arrows[m.key]
                base_x.append(base[0])
                base_y.append(base[1])
                if np.all(np.isfinite(taken)):
                    tip = base + scale * taken
                    shafts[m.key] = ([base[0], tip[0]], [base[1], tip[1]])
                    out_x += [base[0], tip[0]]
                    out_y += [base[1], tip[1]]
                    heads.append((self.heads[2 * i], base, tip, self.theme.color(m.key)))
                if np.all(np.isfinite(instead)):
                    tip = base + scale * instead
                    true_x += [base[0], tip[0]]
                    true_y += [base[1], tip[1]]
                    heads.append((self.heads[2 * i + 1], base, tip, self.theme.foreground))
            rule = getattr(shown[0].rule, "name", "sgd")
            note = arrow_note(rule, scale)
        # only what changed is touched: every setData, setStyle or hide repaints
        for key, (x, y) in shafts.items():
            self._set_data(self.step_shafts[key], x, y)
        self._set_data(self.true_shafts, true_x, true_y, connect="pairs")
        self._set_data(self.step_outline, out_x, out_y, connect="pairs")
        self._set_data(self.arrow_bases, base_x, base_y)
        placed = {id(head) for head, base, tip, color in heads
                  if self._place_head(head, base, tip, color)}
        for head in self.heads:
            if id(head) not in placed and head.isVisible():
                head.hide()
        if note != self._drawn.get(self.arrow_note):
            self._set_text(self.arrow_note, note)
            self._place_arrow_note()
        self._orient_heads()

    def _place_head(self, head: pg.ArrowItem, base, tip, color: str) -> bool:
        d = np.asarray(tip) - np.asarray(base)
        if not np.all(np.isfinite(d)) or np.hypot(*d) == 0:
            return False
        pos = (float(tip[0]), float(tip[1]))
        if self._drawn.get(("head", id(head))) != pos:
            self._drawn[("head", id(head))] = pos
            head.setPos(QPointF(*pos))
        if getattr(head, "_color", None) != color:
            head._color = color
            head.setStyle(brush=pg.mkBrush(color), pen=pg.mkPen(color))
        if not head.isVisible():
            head.show()
        head._direction = d  # the screen angle depends on the axis scales: see _orient_heads
        return True

    def _place_arrow_note(self, *_args) -> None:
        box = self.getPlotItem().getViewBox().boundingRect()
        self.arrow_note.setPos(box.width() - 6, box.height() - 4)

    def _orient_heads(self, *_args) -> None:
        """Turn each head along its arrow on screen. Run after each frame's data and whenever
        the view's transform changes, never from paintEvent: setStyle schedules a repaint, and
        from inside a paint that painted every frame twice."""
        view_box = self.getPlotItem().getViewBox()
        origin = view_box.mapViewToDevice(QPointF(0.0, 0.0))
        if origin is None:
            return
        for head in self.heads:
            d = getattr(head, "_direction", None)
            if d is None or not head.isVisible():
                continue
            end = view_box.mapViewToDevice(QPointF(float(d[0]), float(d[1])))
            if end is None:
                continue
            angle = 180.0 + float(np.degrees(np.arctan2(end.y() - origin.y(),
                                                        end.x() - origin.x())))
            if abs(angle - head.opts.get("angle", 0.0)) > 1e-6:
                head.setStyle(angle=angle)

    # interaction ----------------------------------------------------------------------------
    def _on_legend_clicked(self, item) -> None:
        for key, trail in self.trails.items():
            if trail is item:
                self.method_clicked.emit(key)

    def _on_start_dragged(self, key: str, x: float, y: float, finished: bool) -> None:
        self.start_requested.emit(key, x, y)

    def _on_scene_clicked(self, ev) -> None:
        if ev.isAccepted() or ev.button() != Qt.MouseButton.LeftButton or ev.double():
            return
        view_box = self.getPlotItem().getViewBox()
        if not view_box.sceneBoundingRect().contains(ev.scenePos()):
            return
        point = view_box.mapSceneToView(ev.scenePos())
        self.place_start(point.x(), point.y())

    def place_start(self, x: float, y: float) -> None:
        """A click on empty canvas moves the selected method's start point there."""
        self.start_requested.emit(self.selected, float(x), float(y))

    def pixel_of(self, x: float, y: float):
        """Widget pixel of a point in data coordinates (for tests and tooltips)."""
        scene = self.getPlotItem().getViewBox().mapViewToScene(QPointF(x, y))
        return self.mapFromScene(scene)


def arrow_vectors(m) -> tuple[np.ndarray, np.ndarray]:
    """(step taken, step with the full gradient) of a method's last step, unscaled."""
    taken = np.asarray(m.theta, float) - np.asarray(m.theta_before, float)
    instead = np.full(2, np.nan) if m.true_step is None else np.asarray(m.true_step, float)
    return taken, instead


def arrow_note(rule: str, scale: float) -> str:
    return (f"from ○, where the last step began (arrows ×{scale:.3g})\n"
            f"solid: step taken {STEP_RULES.get(rule, STEP_RULES['sgd'])}\n"
            f"dashed: the same step with ∇J in place of g")


def _clip_to_view(point, view: LandscapeView | None):
    p = np.nan_to_num(np.asarray(point, float))
    if view is None:
        return float(p[0]), float(p[1])
    return (float(np.clip(p[0], view.xs[0], view.xs[-1])),
            float(np.clip(p[1], view.ys[0], view.ys[-1])))
