"""The contour canvas: the landscape, three trails, start and current markers, step arrows.

Every item is built once; each frame only calls ``setData``.
"""
from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QGraphicsItem

from gdviz.core import METHOD_KEYS, METHOD_LABELS
from gdviz.core.snapshot import SimSnapshot
from gdviz.ui.contours import ColorScale, LandscapeView, color_scale
from gdviz.ui.legend_corners import (best_corner, best_two_corners, corner_anchor, last_finite,
                                     legend_obstacles)
from gdviz.ui.moving_parts import Marker, MovingParts, StepArrow
from gdviz.ui.trail_layer import CachedTrail, FrozenTrails
from gdviz.ui.theme import LIGHT, METHOD_SYMBOLS, Theme
from gdviz.ui.type_scale import MARK_REFERENCE_HEIGHT, font_scale_for

ARROW_FRACTION = 0.14   # the longest arrow's target length, as a share of the view
# What the solid arrow is, rule by rule: the displacement the optimizer really made.
STEP_RULES = {
    "sgd": "Δθ = −η·g (SGD)",
    "momentum": "Δθ = −η·m, momentum m = μ·m + g",
    "nesterov": "Δθ = −η·(g + μ·m), Nesterov, m = μ·m + g",
    "rmsprop": "Δθ = −η·g / (√v + ε), RMSProp",
    # (no m̂: Qt draws a combining hat on the wrong line of a multi-line label)
    "adam": "Δθ = −η·m / (√v + ε), Adam, m and v bias-corrected",
}
TRAIL_Z = 10            # the finished trails
ARROW_Z = 18            # live tails and arrows above them, below start markers ...
START_Z = 25
MARKER_Z = 30           # ... and current markers above the starts
MINIMUM_Z = 50          # the minimum's star last, above every trail, marker, overlay and arrow
MARGIN_PX = 10          # the legend's distance from the plot's edges
LEGEND_GAP_PX = 5       # between a legend's line sample and its label, at normal type
MINIMUM_SIZE = 22       # px: the minimum's star (times the mark scale)
START_SIZE = 16         # px: the start symbols
LEGEND_HZ = 4.0         # while playing, the legend's corner is chosen at most this often
FADED_ALPHA = "40"      # a diverged method's trail: faint, so it no longer covers the canvas


class _SelectingSample(pg.ItemSample):
    """A legend sample that selects its method when clicked instead of hiding it, drawn
    :meth:`set_scale` times pyqtgraph's 20-px sample (at presentation type on a 4K screen the
    20-px line sat tiny beside its 40-pt label)."""

    _scale = 1.0
    _line_divisor = 1.0

    def set_scale(self, scale: float, line_divisor: float = 1.0) -> None:
        """*line_divisor*: how much the trail's own pen is already widened (the canvas's mark
        scale), so the sample's line is its theme width times *scale*, not times both."""
        scale = max(1.0, float(scale))
        if line_divisor != self._line_divisor:
            self._line_divisor = max(1.0, float(line_divisor))
            self.update()
        if scale == self._scale:
            return
        self.prepareGeometryChange()
        self._scale = scale
        self.setFixedWidth(round(20 * scale))
        self.setFixedHeight(round(20 * scale))
        self.update()

    def boundingRect(self):
        return QRectF(0, 0, 20 * self._scale, 20 * self._scale)

    def paint(self, p, *args):
        s = self._scale
        opts = self.item.opts
        if s == 1.0 or not self.item.isVisible() or opts.get("symbol") is not None:
            p.save()
            p.scale(s, s)
            super().paint(p, *args)
            p.restore()
            return
        if opts.get("antialias"):
            p.setRenderHint(p.RenderHint.Antialiasing)
        pen = pg.mkPen(opts["pen"])
        pen.setWidthF(max(1.0, pen.widthF() / self._line_divisor) * s)   # as thick as its type
        # flat ends, inside the sample's box: round caps half the pen wide ran past it, onto
        # the label at 4K presentation type
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        p.setPen(pen)
        p.drawLine(QPointF(0, 11 * s), QPointF(20 * s, 11 * s))

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
    view_aspect_changed = Signal(float)   # the view's width / height (the worker widens the
    #                                       network's plane to it: equal scale, no empty band)

    def __init__(self, parent=None, theme: Theme = LIGHT):
        super().__init__(parent)
        self.theme = theme
        self.selected = "mini_batch"
        self.show_arrows = True
        self._view: LandscapeView | None = None
        self._snapshot: SimSnapshot | None = None
        self._hidden: set[str] = set()
        self._faded: set[str] = set()
        self._legend_corner = (False, True)      # (right, bottom): bottom left to begin with
        self._note_corner = (True, True)         # the arrow note's: bottom right
        plot = self.getPlotItem()
        from gdviz.ui.axis_titles import keep_titles_whole
        keep_titles_whole(plot)      # "along u_d (flattest)" on a short canvas: "along u_d"
        plot.setMenuEnabled(False)
        plot.showGrid(False, False)
        plot.setAspectLocked(False)
        for name in ("left", "bottom"):
            # an axis with a grid (showGrid(False) leaves grid = 0, not False) or ticks inside
            # the plot spans the plot, and repaints whenever a moving part does
            plot.getAxis(name).setGrid(False)
            plot.getAxis(name).setStyle(tickLength=5)
            # plain units on both axes: an SI prefix "(x0.001)" on one made a plane look
            # stretched 1000x against the other
            plot.getAxis(name).enableAutoSIPrefix(False)
        # The left axis widens for longer tick labels and never narrows again: a real
        # network's new plane relabels it, and a width that followed the labels moved the
        # whole view (every cached picture of it drawn again) between two frames.
        plot.getAxis("left").setStyle(autoReduceTextSpace=False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-20)
        plot.addItem(self.image)
        self.contours = pg.PlotDataItem(antialias=True)
        self.contours.setZValue(-10)
        plot.addItem(self.contours)
        # the minimum: an outline star in the foreground colour over a halo of the background's,
        # drawn last (the paths arrive there) and neutral, so no colour-vision deficiency turns
        # it into a method's colour (the red one read as stochastic's yellow in deuteranopia)
        self.minima_halo = pg.ScatterPlotItem(symbol="star", size=MINIMUM_SIZE)
        self.minima_halo.setZValue(MINIMUM_Z - 0.5)
        plot.addItem(self.minima_halo)
        self.minima = pg.ScatterPlotItem(symbol="star", size=MINIMUM_SIZE)
        self.minima.setZValue(MINIMUM_Z)
        plot.addItem(self.minima)
        self.legend = pg.LegendItem(offset=(10, -10), sampleType=_SelectingSample,
                                    labelTextSize="10pt")
        self.legend.setParentItem(plot.getViewBox())
        self.legend.sigSampleClicked.connect(self._on_legend_clicked)
        # the legend's samples: each holds its method's pen and visibility, drawn by the legend
        # only (the trails themselves are the frozen layer and the moving parts)
        self.trails: dict[str, pg.PlotDataItem] = {}
        self.frozen = FrozenTrails()
        self.frozen.setZValue(TRAIL_Z)
        plot.addItem(self.frozen, ignoreBounds=True)
        # The landscape only changes on reset: the frozen layer renders it once per view, under
        # the trails, and a frame copies one opaque rectangle instead of blending three layers.
        self.frozen.set_base((self.image, self.contours.curve), theme.background)
        for item in (self.image, self.contours.curve):
            item.visibleChanged.connect(self.frozen.base_changed)
        self.image.sigImageChanged.connect(self.frozen.base_changed)
        self.contours.sigPlotChanged.connect(self.frozen.base_changed)
        # tails and arrows under the start markers (25), current markers above them
        self.moving = MovingParts(plot, ARROW_Z, MARKER_Z)
        self.trail_layers: dict[str, CachedTrail] = {}
        self.badges: dict[str, pg.TextItem] = {}
        for key in METHOD_KEYS:
            self.trails[key] = pg.PlotDataItem(antialias=True)
            self.trail_layers[key] = CachedTrail(
                self.frozen, key, show_tail=lambda points, k=key: self.moving.lines.set_tail(k, points))
            self.legend.addItem(self.trails[key], METHOD_LABELS[key])
            badge = pg.TextItem("", anchor=(0, 1.2))
            badge.setFont(QFont("DejaVu Sans", 11, QFont.Weight.Bold))
            badge.setZValue(40)
            plot.addItem(badge)
            self.badges[key] = badge
        self.starts = _StartMarkers()
        self.starts.setZValue(START_Z)
        self.starts.dragged.connect(self._on_start_dragged)
        # a click on a start selects its method (the current marker on it does not take clicks)
        self.starts.sigClicked.connect(
            lambda _item, points, _ev: len(points) and self.method_clicked.emit(points[0].data()))
        plot.addItem(self.starts)
        self.arrow_note = pg.TextItem("", anchor=(1, 1))
        self.arrow_note.setVisible(False)          # until there are arrows to explain
        self.arrow_note.setParentItem(plot.getViewBox())
        self.colorbar = pg.ColorBarItem(colorMap=theme.color_map(), interactive=False, width=14,
                                        colorMapMenu=False)
        self.colorbar.setImageItem(self.image, insert_in=plot)
        self.colorbar.axis.enableAutoSIPrefix(False)   # tick labels are J itself, unscaled
        self.colorbar.axis.setWidth(None)              # room for the labels at any font size
        self.colorbar.axis.setStyle(autoReduceTextSpace=False)   # (as the left axis: stable)
        # Items that change seldom are painted from a pixmap of themselves: a frame's repaint
        # that touches them (a trail near an axis, a start or the minimum) blits them.
        for item in (plot.getAxis("left"), plot.getAxis("bottom"), self.colorbar.axis,
                     self.starts, self.minima, self.minima_halo, self.arrow_note):
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._legend_texts: dict[str, str] = {}
        self._plane_note = ""
        self._arrow_scale: float | None = None
        self._legend_time = 0.0
        self._legend_key = None
        self._legend_timer = QTimer(self)
        self._legend_timer.setSingleShot(True)
        self._legend_timer.timeout.connect(self._place_legend_later)
        self.scene().sigMouseClicked.connect(self._on_scene_clicked)
        plot.getViewBox().sigResized.connect(self._on_view_resized)
        self._drawn: dict = {}      # what each item shows now, so unchanged data is not re-set
        self.apply_theme(theme)
        self._normal_type = None    # the type before the first presentation: what leaving restores

    # appearance -----------------------------------------------------------------------------
    def px(self, width: float) -> float:
        """A pen width in device pixels for *width* logical pixels. pyqtgraph's pens are
        cosmetic (device pixels): at a device pixel ratio of 2 (4K at 200 %) a 4 px trail came
        out 2 logical px thin. Lines keep their logical width at every ratio (times the mark
        scale, ``set_mark_scale``)."""
        return width * self._pen_ratio * self._mark_scale

    _mark_scale = 1.0

    def set_mark_scale(self, scale: float) -> None:
        """Draw the trails, halos, markers, arrows, starts and the minimum *scale* times their
        theme size (at least 1): a 4K presentation at a ratio of 1 is the 1080p one, twice as
        big (its type is twice as big; 3.5-px trails and 16-px markers were half as bold)."""
        scale = max(1.0, float(scale))
        if scale != self._mark_scale:
            self._mark_scale = scale
            self.apply_theme(self.theme)

    @property
    def mark_scale(self) -> float:
        return self._mark_scale

    @property
    def _pen_ratio(self) -> float:
        return max(1.0, float(self.devicePixelRatioF()))

    def event(self, ev) -> bool:
        if ev.type() == QEvent.Type.DevicePixelRatioChange and \
                getattr(self, "_styled_ratio", None) not in (None, self._pen_ratio):
            self.apply_theme(self.theme)       # the window moved to a screen of another ratio
        return super().event(ev)

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self._styled_ratio = self._pen_ratio
        px = self.px
        self.setBackground(theme.background)
        plot = self.getPlotItem()
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.setPen(theme.foreground)
            axis.setTextPen(theme.foreground)
        self.image.setColorMap(theme.color_map())
        self.contours.setPen(pg.mkPen(theme.contour_pen, width=px(1)))
        self.frozen.set_background(theme.background)      # (and the contours' new pen)
        star = round(MINIMUM_SIZE * self._mark_scale)
        self.minima.setSize(star)
        self.minima_halo.setSize(star)
        self.minima.setPen(pg.mkPen(theme.minimum_color, width=px(2.5)))
        self.minima.setBrush(pg.mkBrush(None))
        self.minima_halo.setPen(pg.mkPen(theme.background, width=px(6.5)))
        self.minima_halo.setBrush(pg.mkBrush(None))
        self.legend.setBrush(pg.mkBrush(theme.background + "D8"))
        self.legend.setPen(pg.mkPen(theme.foreground + "55"))
        self.legend.setLabelTextColor(theme.foreground)
        for key in METHOD_KEYS:
            faded = key in self._faded
            self._faded.discard(key)
            self._set_trail_pens(key, faded)
            self.badges[key].setColor(theme.color(key))
        self.moving.lines.set_arrow_style(
            {k: theme.color(k) for k in METHOD_KEYS}, theme.foreground,
            outline_pen=pg.mkPen(theme.foreground, width=px(6.5)),
            true_pen=pg.mkPen(theme.foreground, width=px(2.5), style=Qt.PenStyle.DashLine),
            base_pen=pg.mkPen(theme.foreground, width=px(2)), base_brush=pg.mkBrush(theme.background),
            shaft_width=px(3.5), mark_scale=self._mark_scale)
        self.arrow_note.setColor(theme.foreground)
        self.arrow_note.fill = pg.mkBrush(theme.background + "CC")
        self.colorbar.setColorMap(theme.color_map())
        self.colorbar.axis.setPen(theme.foreground)
        self.colorbar.axis.setTextPen(theme.foreground)
        self.colorbar.axis.label.setDefaultTextColor(pg.mkColor(theme.foreground))
        self._legend_texts.clear()
        self._plane_note = None
        self._restyle_markers()
        if self._snapshot is not None:
            self.show_snapshot(self._snapshot)

    def _restyle_markers(self) -> None:
        """The current markers' style: the selected method's is bigger, with a wider outline."""
        self._marker_style = {}
        for key in METHOD_KEYS:
            base = getattr(self.theme, "marker_size", 14) * self._mark_scale  # for projection
            size = round(base * 1.3) if key == self.selected else base
            pen = pg.mkPen(self.theme.marker_outline,
                           width=self.px(3 if key == self.selected else 2))
            self._marker_style[key] = (METHOD_SYMBOLS[key], size, pen,
                                       pg.mkBrush(self.theme.color(key)))

    def set_font_scale(self, scale: float) -> None:
        """Every text *scale* times its size; the marks grow with the type beyond a 1080p
        presentation's (``set_mark_scale``)."""
        self.set_mark_scale(scale / font_scale_for(MARK_REFERENCE_HEIGHT))
        plot = self.getPlotItem()
        axes = (plot.getAxis("left"), plot.getAxis("bottom"), self.colorbar.axis)
        if self._normal_type is None:
            # (a fresh window draws its axes, legend and note in the application's type; the
            # same window back from a presentation drew them in the formulas' 10/11 pt below)
            self._normal_type = ([(a.style["tickFont"], QFont(a.label.font())) for a in axes],
                                 self.legend.opts["labelTextSize"],
                                 QFont(self.arrow_note.textItem.font()))
        font = QFont("DejaVu Sans", max(8, round(10 * scale)))
        type_at = [(font, QFont("DejaVu Sans", max(9, round(size * scale))))
                   for size in (11, 11, 10)]
        legend_size = f"{max(9, round(10 * scale))}pt"
        note_font = QFont("DejaVu Sans", max(8, round(9 * scale)))
        if scale <= 1.0:
            type_at, legend_size, note_font = self._normal_type
        from gdviz.ui.axis_titles import forget_text_space
        for axis, (tick_font, label_font) in zip(axes, type_at):
            axis.setStyle(tickFont=tick_font)
            axis.label.setFont(label_font)
            forget_text_space(axis)         # (the presentation's wide labels are gone)
        self.legend.setLabelTextSize(legend_size)
        for sample, _label in self.legend.items:
            if isinstance(sample, _SelectingSample):
                sample.set_scale(scale, self._mark_scale)
        # the gap between each line sample and its label grows with the type (pyqtgraph's 5 px
        # left them touching at 4K presentation type)
        self.legend.layout.setHorizontalSpacing(round(LEGEND_GAP_PX * max(1.0, scale)))
        self.arrow_note.setFont(note_font)
        self._title_size = f"{max(9, round(10 * scale))}pt"
        self._plane_note = None
        self._legend_texts.clear()
        if self._snapshot is not None:
            self._show_plane_note(self._snapshot)
        for badge in self.badges.values():
            badge.setFont(QFont("DejaVu Sans", max(11, round(11 * scale)), QFont.Weight.Bold))
        self._place_arrow_note()
        self._relabel_legend()

    # landscape ------------------------------------------------------------------------------
    def set_landscape(self, view: LandscapeView) -> None:
        self._view = view
        self._arrow_scale = None        # a new landscape or run: the arrows' scale anew
        xs, ys = view.xs, view.ys
        self.image.setImage(view.image, autoLevels=True)
        self.image.setRect(QRectF(xs[0], ys[0], xs[-1] - xs[0], ys[-1] - ys[0]))
        self._set_color_scale(color_scale(view))
        self.contours.setData(view.line_x, view.line_y, connect=view.connect)
        if len(view.minima):
            self.minima.setData(view.minima[:, 0], view.minima[:, 1])
            self.minima_halo.setData(view.minima[:, 0], view.minima[:, 1])
        else:
            self.minima.setData([], [])
            self.minima_halo.setData([], [])
        plot = self.getPlotItem()
        # the plane's two axes are lengths in one weight space: equal scale, or a step along
        # axis 2 looked 1000x longer than the same step along axis 1
        plot.setAspectLocked(view.equal_scale, ratio=1.0)
        plot.setLabel("bottom", view.param_names[0])
        plot.setLabel("left", view.param_names[1])
        # (the title, the plane note, is left to the snapshot that follows: set here and
        # again there, the view's height changed twice)
        self.frozen.base_changed()      # (the image's new rectangle sends no signal)
        self.fit()
        # the new backdrop rendered in this event (the worker sends a landscape just before
        # its snapshot), the trails on it in the snapshot's, and the paint only copies
        self.frozen.prepare(strokes=False)

    def _set_color_scale(self, scale: ColorScale) -> None:
        self.color_scale = scale
        self.colorbar.setLevels(scale.levels)
        self.colorbar.axis.setTicks([list(scale.ticks), []])
        self.colorbar.axis.setLabel(scale.title)

    def _show_plane_note(self, snap: SimSnapshot) -> None:
        """MLP mode: above the plane, that markers are projections, and each network's own
        training loss beside the loss the plane shows under its marker. (Above the plot, not
        in the legend or beside the markers, so it never hides a marker.)"""
        rows = [m for m in snap.methods if hasattr(m.extra, "plane_loss")]
        note = ""
        if rows:
            parts = [f'<b style="color:{self.theme.color(m.key)}">{METHOD_LABELS[m.key]}</b> '
                     f"{_loss_text(m.extra.true_loss)} | {_loss_text(m.extra.plane_loss)}"
                     for m in rows if m.key not in self._hidden]
            losses = "&nbsp;&nbsp;&nbsp;&nbsp;".join(parts)
            if self._note_too_wide(losses, len(parts)):
                # one method a line: the title's width is the plot's minimum, and a line wider
                # than the canvas pushed its right side (legend, colour bar) out of sight
                losses = "<br>".join(parts)
            head = getattr(rows[0].extra, "note_head", None) or (
                "Weights off the plane are drawn at their projection onto it.<br>"
                "Training loss of each network | of the plane under its marker:<br>")
            note = self._fit_head(head) + losses
        if note == self._plane_note:
            return
        plot = self.getPlotItem()
        label = plot.titleLabel
        if note and self._plane_note and label.isVisible() and \
                note.count("<br>") == self._plane_note.count("<br>"):
            # Only the numbers changed (every frame while playing): the same lines, so the
            # text is set without laying out the plot again (setTitle did, ~0.7 ms a frame).
            self._plane_note = note
            label.text = note
            label.item.setHtml(f"<span style='{self._title_style}'>{note}</span>")
            label.resizeEvent(None)          # centred again
            return
        self._plane_note = note
        size = getattr(self, "_title_size", "10pt")
        plot.setTitle(note or None, size=size, color=self.theme.foreground)
        self._title_style = (f"color: {pg.mkColor(self.theme.foreground).name(QColor.NameFormat.HexArgb)}; "
                             f"font-size: {size}")
        if note:   # pyqtgraph sizes the title row for one line of about 10 pt
            height = label.item.boundingRect().height() + 4
            label.setMaximumHeight(height)
            plot.layout.setRowFixedHeight(0, height)
        # the title's width is the plot's minimum: a note that grew it past the view (one line
        # of losses, before it was broken to fit) left the plot that wide once it shrank, the
        # colour bar and its title drawn off the canvas's right edge (1024x768, real network)
        plot.setGeometry(self.range)

    def _note_room(self) -> float:
        """Px of width the plane note may take: the title sits above the view only (the left
        axis and the colour bar take the rest), and its width is the plot's minimum."""
        plot = self.getPlotItem()
        return self.width() - plot.getAxis("left").width() \
            - self.colorbar.sceneBoundingRect().width() - 24

    def _fit_head(self, head: str) -> str:
        """The note's head (plain lines joined by <br>) with each line wider than the canvas
        can show broken at words (at 1024x768 in presentation "Training loss of each network |
        of the plane under its marker:" was wider than the real network's canvas, and pushed
        its colour bar out of sight)."""
        if not self.isVisible():
            return head
        size = getattr(self, "_title_size", "10pt")
        room = self._note_room()
        key = (int(room), size, head)
        cached = getattr(self, "_head_fit", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        from PySide6.QtGui import QTextDocument
        doc = QTextDocument()
        doc.setDefaultFont(self.getPlotItem().titleLabel.item.font())   # (the title's own)
        doc.setDocumentMargin(0)

        def width(text: str) -> float:
            doc.setHtml(f"<span style='font-size: {size}'>{text}</span>")
            return doc.idealWidth() + 8       # (the label's own margins)
        lines = []
        for line in head.split("<br>"):
            words, current = line.split(" "), ""
            for word in words:
                trial = f"{current} {word}" if current else word
                if current and width(trial) > room:
                    lines.append(current)
                    current = word
                else:
                    current = trial
            lines.append(current)
        fitted = "<br>".join(lines)
        self._head_fit = (key, fitted)
        return fitted

    def _note_too_wide(self, line: str, count: int) -> bool:
        """Whether the losses' line (at the title's type) is wider than the canvas can show;
        measured again only when the width, the type or the number of methods changes."""
        if not self.isVisible():          # (no layout to measure against yet)
            return False
        size = getattr(self, "_title_size", "10pt")
        key = (self.width(), size, count)
        if key != getattr(self, "_note_key", None):
            from PySide6.QtGui import QTextDocument
            doc = QTextDocument()
            doc.setDefaultFont(self.getPlotItem().titleLabel.item.font())   # (the title's own)
            doc.setDocumentMargin(0)
            doc.setHtml(f"<span style='font-size: {size}'>{line}</span>")
            # (a margin for the numbers' own changes of width)
            # the title sits above the view only: the axis and the colour bar take the rest
            self._note_wide = count > 1 and doc.idealWidth() * 1.1 > self._note_room()
            self._note_key = key
        return self._note_wide

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
        self.trails[key].setVisible(visible)           # the legend shows it as hidden
        self.moving.set_visible_key(key, visible)
        self.badges[key].setVisible(visible)
        if self._snapshot is not None:
            self.show_snapshot(self._snapshot)

    def set_arrows_visible(self, visible: bool) -> None:
        self.show_arrows = visible
        if self._snapshot is not None:
            self.show_snapshot(self._snapshot)

    def show_snapshot(self, snap: SimSnapshot) -> None:
        """Draw one frame. Cheap: setData on items built once, and only on those whose data
        changed (every setData repaints)."""
        self._snapshot = snap
        starts_x, starts_y, starts_data = [], [], []
        for m in snap.methods:
            trail = m.trail
            shown = self._drawn.get(("trail", m.key))
            if shown is None or not np.array_equal(shown, trail):
                self._drawn[("trail", m.key)] = trail
                self.trail_layers[m.key].set_points(trail)
            self._fade(m.key, m.status == "diverged")
            here = m.theta if np.all(np.isfinite(m.theta)) else last_finite(trail, m.start)
            symbol, size, pen, brush = self._marker_style[m.key]
            self.moving.markers.set_marker(
                m.key, Marker(float(here[0]), float(here[1]), symbol, size, pen, brush))
            if m.key not in self._hidden:
                starts_x.append(m.start[0])
                starts_y.append(m.start[1])
                starts_data.append(m.key)
            badge = self.badges[m.key]
            if m.status == "diverged":
                self._set_text(badge, f"⚠ {METHOD_LABELS[m.key]} diverged")
                pos = _clip_to_view(last_finite(trail, m.start), self._view)
                if self._drawn.get(("badge", m.key)) != pos:
                    self._drawn[("badge", m.key)] = pos
                    badge.setPos(*pos)
            else:
                self._set_text(badge, "")
        starts = (starts_x, starts_y, starts_data, self.theme, self._mark_scale)
        if self._drawn.get(self.starts) != starts:
            self._drawn[self.starts] = starts
            brushes = [pg.mkBrush(self.theme.color(k) + "66") for k in starts_data]
            pens = [pg.mkPen(self.theme.color(k), width=self.px(2.5)) for k in starts_data]
            self.starts.setData(x=starts_x, y=starts_y, data=starts_data, brush=brushes,
                                pen=pens, symbol=[METHOD_SYMBOLS[k] for k in starts_data],
                                size=round(START_SIZE * self._mark_scale))
        self._draw_arrows(snap)
        self._show_plane_note(snap)
        self._place_legend_soon(snap)
        self._relabel_legend()
        self.frozen.prepare()      # new trail chunks stroked here, not in the paint event

    def _fade(self, key: str, faded: bool) -> None:
        if faded != (key in self._faded):
            self._set_trail_pens(key, faded)

    def _set_trail_pens(self, key: str, faded: bool) -> None:
        """Projection: thick lines, with a thin halo that keeps them apart from the landscape;
        a diverged method's trail is faint and has none."""
        (self._faded.add if faded else self._faded.discard)(key)
        width = self.px(self.theme.trail_width * (0.75 if key == "stochastic" else 1.0))
        pen = pg.mkPen(self.theme.color(key) + (FADED_ALPHA if faded else ""), width=width)
        halo = None if faded or not self.theme.halo else \
            pg.mkPen(self.theme.halo, width=width + self.px(self.theme.halo_extra))
        if halo is not None:
            # flat ends: a trail is stroked in pieces (the cached chunks, the live tail), and a
            # piece's halo capped square reached back over the end of the piece before it,
            # notching a dark bar across the trail every 16 points
            halo.setCapStyle(Qt.PenCapStyle.FlatCap)
        self.trail_layers[key].set_pens(pen, halo)
        self.moving.lines.set_pens(key, pen, halo)
        self.trails[key].setPen(pen)
        self.trails[key].setShadowPen(halo)

    def _place_legend_soon(self, snap: SimSnapshot) -> None:
        """Choose the legend's corner now, or, while snapshots of one run keep coming, at most
        LEGEND_HZ times a second (the corner scores cost half a millisecond a frame; the trails
        move little in a quarter of a second). The last snapshot is always placed for."""
        now = time.perf_counter()
        key = (snap.generation, tuple(m.status for m in snap.methods), frozenset(self._hidden))
        wait = 1.0 / LEGEND_HZ - (now - self._legend_time)
        if key == self._legend_key and wait > 0:
            if not self._legend_timer.isActive():
                self._legend_timer.start(max(1, round(1000 * wait)))
            return
        self._legend_timer.stop()
        self._legend_time, self._legend_key = now, key
        self._place_legend(snap)

    def place_legend_now(self) -> None:
        """Place the legend for the last snapshot at once, with no wall-clock throttle: an export
        calls this for every frame, so where the legend sits does not depend on how fast the
        machine renders."""
        self._legend_timer.stop()
        if self._snapshot is not None and self.getPlotItem() is not None:
            self._legend_key = None
            self._place_legend(self._snapshot)

    def _place_legend_later(self) -> None:
        if self._snapshot is not None and self.getPlotItem() is not None:   # (None: closed)
            self._legend_time = time.perf_counter()
            self._place_legend(self._snapshot)

    def _place_legend(self, snap: SimSnapshot) -> None:
        """The legend in the corner of the plot that covers the fewest trail points and none of
        the starts, minima, current markers or badges (they count a hundred times more)."""
        view_box = self.getPlotItem().getViewBox()
        (x0, x1), (y0, y1) = view_box.viewRange()
        box = view_box.boundingRect()
        size = self.legend.boundingRect()
        if box.width() <= 0 or size.width() <= 0 or x1 <= x0 or y1 <= y0:
            return
        view, box_px = (x0, x1, y0, y1), (box.width(), box.height())
        badge_px = {}
        for m in snap.methods:
            if m.status == "diverged":   # the badge's text runs right of, and above, the point
                text = self.badges[m.key].boundingRect()
                badge_px[m.key] = (text.width(), text.height())
        minima = self._view.minima if self._view is not None else ()
        key_xy, trail_xy = legend_obstacles(snap.methods, self._hidden, minima, badge_px, view,
                                            box_px, lambda p: _clip_to_view(p, self._view))
        legend_px = (size.width(), size.height())
        if self.arrow_note.textItem.toPlainText():
            # the arrow note and the legend take two different corners, covering the least
            note = self.arrow_note.boundingRect()
            note_corner, choice = best_two_corners(
                key_xy, trail_xy, view, box_px, legend_px, (note.width(), note.height()),
                MARGIN_PX, self._legend_corner, self._note_corner)
            if note_corner != self._note_corner:
                self._note_corner = note_corner
                self._place_arrow_note()
        else:
            choice = best_corner(key_xy, trail_xy, view, box_px, legend_px, MARGIN_PX,
                                 self._legend_corner)
        if choice != self._legend_corner:
            self._legend_corner = choice
            anchor, offset = corner_anchor(choice, MARGIN_PX)
            self.legend.anchor(itemPos=anchor, parentPos=anchor, offset=offset)

    def _set_text(self, item, text: str) -> None:
        if self._drawn.get(item) != text:
            self._drawn[item] = text
            item.setText(text)

    def _relabel_legend(self) -> None:
        if self._snapshot is None:
            return
        changed = False
        for m in self._snapshot.methods:
            label = self.legend.getLabel(self.trails[m.key])
            text = f"{METHOD_LABELS[m.key]}  (B = {m.batch_size})"
            if m.updates == 0 and any(o.updates > 0 for o in self._snapshot.methods):
                # a still of this moment must not read as a method that stays at its start
                text += ": no step yet"
            if label is not None and self._legend_texts.get(m.key) != text:
                self._legend_texts[m.key] = text
                label.setText(text, size=self.legend.opts["labelTextSize"],
                              color=self.theme.foreground)
                changed = True
        if changed:
            # the legend as large as its rows now: pyqtgraph sizes it from its rows' current
            # heights, which its own size holds, so it never shrank (after a 1920x1080
            # presentation it kept its 40-pt rows at normal type, 511 px wide, off the plot)
            self.legend.layout.invalidate()
            self.legend.resize(self.legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize))

    def _draw_arrows(self, snap: SimSnapshot) -> None:
        """Both arrows start where each method's last step began: solid, the step it took
        (theta - theta_before, whatever the rule); dashed, the step the same rule, from the
        same state, would have taken with the full gradient in place of the estimate."""
        drawn: list[StepArrow] = []
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
            # screen, so their lengths and directions stay comparable. The scale is a round
            # number (1, 2 or 5 times a power of ten) and is kept from frame to frame while
            # the longest arrow stays between 1/16 and twice its target length: step lengths
            # can then be compared over time (a stochastic step's varies tenfold from one
            # update to the next), and the note is not re-typeset every frame.
            target = ARROW_FRACTION * span
            scale = self._arrow_scale
            if scale is None or not target / 16 <= scale * longest <= 2 * target:
                scale = round_scale(target / longest)
            self._arrow_scale = scale
            for m in shown:
                base = np.asarray(m.theta_before, float)
                taken, instead = arrows[m.key]
                drawn.append(StepArrow(
                    m.key, (float(base[0]), float(base[1])),
                    _tip(base, scale, taken), _tip(base, scale, instead)))
            rule = getattr(shown[0].rule, "name", "sgd")
            note = arrow_note(rule, scale)
        self.moving.lines.set_arrows(drawn)
        if note != self._drawn.get(self.arrow_note):
            self._set_text(self.arrow_note, note)
            # an empty note still paints its filled padding: a small bar in the corner
            self.arrow_note.setVisible(bool(note))
            self._place_arrow_note()

    @property
    def arrows(self) -> dict[str, StepArrow]:
        """The step arrows drawn now, by method (data coordinates)."""
        return {a.key: a for a in self.moving.lines.arrows}

    def _on_view_resized(self, *_args) -> None:
        """A new plot size (presentation mode, a resized window) can make the legend and the
        note overlap in the corners chosen for the old one: choose again."""
        aspect = self.view_aspect()
        if aspect > 0 and aspect != getattr(self, "_told_aspect", 0.0):
            self._told_aspect = aspect
            self.view_aspect_changed.emit(aspect)
        self._place_arrow_note()
        if self._snapshot is not None:
            self._show_plane_note(self._snapshot)   # (its losses may need one line each now)
            self._place_legend(self._snapshot)

    def view_aspect(self) -> float:
        """Width / height of the plot's view in pixels (0 before it has a size)."""
        rect = self.getPlotItem().getViewBox().sceneBoundingRect()
        return rect.width() / rect.height() if rect.height() > 0 and rect.width() > 0 else 0.0

    def _place_arrow_note(self, *_args) -> None:
        box = self.getPlotItem().getViewBox().boundingRect()
        right, bottom = getattr(self, "_note_corner", (True, True))
        self.arrow_note.setAnchor((1 if right else 0, 1 if bottom else 0))
        # 8 px clear of the edges: a note that touches the plot's edge repaints the axis there
        # whenever its scale changes
        self.arrow_note.setPos(box.width() - 8 if right else 8, box.height() - 8 if bottom else 8)

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
        key = self.moving.method_at(ev.scenePos())
        if key is not None:          # on a method's marker or live tail: select it
            self.method_clicked.emit(key)
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


def _tip(base: np.ndarray, scale: float, step: np.ndarray):
    """The tip of an arrow from *base* showing *step* at *scale*; None where it is not finite."""
    if not np.all(np.isfinite(step)):
        return None
    tip = base + scale * step
    return float(tip[0]), float(tip[1])


def round_scale(scale: float) -> float:
    """The largest of 1, 2 and 5 times a power of ten that is at most *scale* (> 0)."""
    power = 10.0 ** math.floor(math.log10(scale))
    if power > scale:                  # (log10 rounded up just below a power of ten)
        power /= 10.0
    return next(f * power for f in (5.0, 2.0, 1.0) if f * power <= scale)


def arrow_note(rule: str, scale: float) -> str:
    return (f"from ○, where the last step began (arrows ×{scale:.3g})\n"
            f"solid: step taken {STEP_RULES.get(rule, STEP_RULES['sgd'])}\n"
            f"dashed: the same step with ∇J in place of g")


def _loss_text(x: float) -> str:
    return f"{x:.3g}" if np.isfinite(x) else "–"


def _clip_to_view(point, view: LandscapeView | None):
    p = np.nan_to_num(np.asarray(point, float))
    if view is None:
        return float(p[0]), float(p[1])
    return (float(np.clip(p[0], view.xs[0], view.xs[-1])),
            float(np.clip(p[1], view.ys[0], view.ys[-1])))
