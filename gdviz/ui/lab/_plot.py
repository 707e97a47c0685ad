"""What the lab's plots share: a titled log-log plot, the colours of the lab and its themes, the
legend under the data, and labels placed where they collide with nothing."""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from gdviz.palette import METHOD_COLORS
from gdviz.ui.dpr_pens import follow_pixel_ratio, scale_pens  # noqa: F401 (shared with the panels)

MEDIAN = METHOD_COLORS["mini_batch"]   # the mini-batch green: these are mini-batch runs
BAND = (*pg.mkColor(MEDIAN).getRgb()[:3], 60)
REFERENCE = "#555555"
FIT = "#D55E00"
REGIME_LABELS = {"perfect scaling": "perfect\nscaling", "diminishing returns": "diminishing\nreturns",
                 "no further benefit": "no further\nbenefit"}
REGIME_COLORS = {"perfect scaling": (0, 114, 178, 28), "diminishing returns": (230, 159, 0, 28),
                 "no further benefit": (120, 120, 120, 28)}
INK = "#222222"          # titles, axis text, labels (light theme; the dark theme maps these)
MUTED = "#555555"
# the neutral colours of the light theme and what they become on a dark background
DARK_INKS = {"#222222": "#E8E8E8", "#333333": "#DDDDDD", "#444444": "#B8B8B8",
             "#555555": "#B0B0B0", "#777777": "#9A9A9A"}
LEGEND_BRUSH = {"light": (255, 255, 255, 0), "dark": (0, 0, 0, 0)}
PAD = 3                  # px kept free around every placed label


_given: list = []     # a bare plot widget made beforehand, for the next make_plot


def bare_plot() -> pg.PlotWidget:
    """An empty plot widget, as ``make_plot`` starts from (no context menus: the view box's,
    made for nothing, was a fifth of a plot's making)."""
    return pg.PlotWidget(background="w", enableMenu=False)


@contextmanager
def given_plot(widget: pg.PlotWidget | None):
    """Within the block, the next ``make_plot`` starts from *widget* (a ``bare_plot`` made in an
    earlier turn of the event loop: a staged figure splits a plot's making in two) instead of
    making one. Yields whether *widget* was used."""
    if widget is None:
        yield lambda: False
        return
    _given.append(widget)
    try:
        yield lambda: widget not in _given
    finally:
        if widget in _given:
            _given.remove(widget)


def make_plot(title: str, x_label: str, y_label: str, log_x=True, log_y=True) -> pg.PlotWidget:
    plot = _given.pop() if _given else bare_plot()
    plot.setMinimumSize(360, 260)
    item = plot.getPlotItem()
    item.setTitle(title, color=INK, size="11pt")
    item.setLabel("bottom", x_label, color=INK)
    item.setLabel("left", y_label, color=INK)
    item.setLogMode(x=log_x, y=log_y)
    item.showGrid(x=True, y=True, alpha=0.15)
    item.setMenuEnabled(False)
    item.setContentsMargins(2, 2, 14, 2)     # room for the last tick label at the right
    for axis in ("bottom", "left"):
        item.getAxis(axis).setPen("#444444")
        item.getAxis(axis).setTextPen(INK)
        item.getAxis(axis).enableAutoSIPrefix(False)   # seconds stay seconds
    plot.lab_title = (title, "11pt")
    follow_pixel_ratio(plot)
    return plot


def add_legend(item: pg.PlotItem, columns: int = 1) -> pg.LegendItem:
    """A legend under the plot, in the plot's own layout: it never covers a curve. Items added
    later with a ``name`` join it (pyqtgraph's ``PlotItem.legend``)."""
    legend = pg.LegendItem(offset=None, verSpacing=-6, colCount=columns, labelTextColor=INK)
    item.layout.addItem(legend, 4, 1)
    item.legend = legend
    return legend


# themes ------------------------------------------------------------------------------------
def _ink(color: str, dark: bool) -> str:
    return DARK_INKS.get(color.upper() if color.startswith("#") else color, color) if dark \
        else color


def _hex(color) -> str:
    return pg.mkColor(color).name().upper().replace("#", "#")


def apply_plot_theme(plot, theme) -> None:
    """Colour one lab plot for *theme* (None or light: white; dark: the theme's background and
    light text). Neutral inks of labels, axes and reference lines follow; data colours stay."""
    dark = theme is not None and getattr(theme, "name", "light") == "dark"
    widget = plot.widget
    item = widget.getPlotItem()
    widget.setBackground(theme.background if dark else "w")
    title, size = getattr(widget, "lab_title", (item.titleLabel.text, "11pt"))
    item.setTitle(title, color=_ink(INK, dark), size=size)
    for name in ("bottom", "left", "right", "top"):
        axis = item.getAxis(name)
        axis.setPen(_ink("#444444", dark))
        axis.setTextPen(_ink(INK, dark))
        if axis.labelText:
            axis.labelStyle["color"] = _ink(INK, dark)
            axis._updateLabel()
    legend = getattr(item, "legend", None)
    if legend is not None:
        legend.setLabelTextColor(_ink(INK, dark))
        for _, label in legend.items:
            label.setText(label.text, color=_ink(INK, dark))
    for it in item.scene().items() if item.scene() is not None else item.items:
        if isinstance(it, pg.TextItem):
            base = getattr(it, "_lab_ink", None)
            if base is None:
                base = it._lab_ink = _hex(it.color)
            it.setColor(_ink(base, dark))
        elif isinstance(it, (pg.PlotDataItem, pg.InfiniteLine)):
            pen = it.opts.get("pen") if isinstance(it, pg.PlotDataItem) else it.pen
            if pen is None or isinstance(pen, (str, tuple)):
                continue
            pen = pg.mkPen(pen)
            base = getattr(it, "_lab_pen", None)
            if base is None:
                base = it._lab_pen = _hex(pen.color())
            if base in DARK_INKS:
                pen.setColor(pg.mkColor(_ink(base, dark)))
                it.setPen(pen)
    sub = getattr(plot, "apply_theme", None)
    if callable(sub):
        sub(theme)


# label placement ------------------------------------------------------------------------------
class LabelPlacer:
    """Places a plot's labels where they collide with nothing: each label has candidate spots
    (view coordinates and a text anchor) tried in order; the first that keeps the label inside
    the plot and off every data point, curve, line and label already placed wins. A label with
    no free spot is hidden. Re-run whenever the view's range or size changes."""

    def __init__(self, item: pg.PlotItem):
        self.item = item
        self.labels: list = []      # (TextItem, candidates(view_rect) -> [(x, y, (ax, ay))])
        self.lines: list = []       # (InfiniteLine)
        item.vb.sigRangeChanged.connect(self.place)
        item.vb.sigResized.connect(self.place)

    def clear(self) -> None:
        for label, _ in self.labels:
            self.item.removeItem(label)
        self.labels = []

    def add(self, label: pg.TextItem, candidates, gap: float = 3.0) -> pg.TextItem:
        """Add *label* (a TextItem not yet in the plot) with its *candidates*; *gap*: px between
        the spot and the label's anchored side."""
        label.setZValue(50)
        label.lab_gap = gap
        self.item.addItem(label, ignoreBounds=True)
        self.labels.append((label, candidates))
        return label

    def add_line(self, line: pg.InfiniteLine) -> None:
        """An InfiniteLine whose run the labels keep off."""
        self.lines.append(line)

    def obstacles(self) -> np.ndarray:
        """What labels keep off, in scene px: one row (left, top, right, bottom) per marker, per
        4-px stretch of a line and per InfiniteLine. In NumPy: as a QRectF each, mapped a point
        at a time, it held the GUI thread up to 0.3 s per result in the lab (issue 25 F)."""
        vb = self.item.vb
        rows: list[np.ndarray] = []
        for data in self.item.listDataItems():
            if not data.isVisible():
                continue
            x, y = data.getData()
            if x is None or not len(x):
                continue
            x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
            keep = np.isfinite(x) & np.isfinite(y)
            if not keep.any():
                continue
            px, py = _view_to_scene(vb, x[keep], y[keep])
            opts = getattr(data, "opts", {})
            if opts.get("symbol") is not None:
                half = opts.get("symbolSize", 8) / 2 + 1
                left, top = px - half, py - half
                rows.append(np.column_stack([left, top, left + 2 * half, top + 2 * half]))
            if opts.get("pen", 1) is not None and len(px) > 1:
                rows.append(_stretches(px, py))
        box = vb.sceneBoundingRect()
        for line in self.lines:
            if not line.isVisible():
                continue
            p = vb.mapViewToScene(pg.Point(line.value(), line.value()))
            if line.angle % 180 == 0:
                r = QRectF(box.left(), p.y() - 2, box.width(), 4)
            else:
                r = QRectF(p.x() - 2, box.top(), 4, box.height())
            rows.append(np.array([[r.left(), r.top(), r.right(), r.bottom()]]))
        return np.concatenate(rows) if rows else np.zeros((0, 4))

    def place(self, *_) -> None:
        vb = self.item.vb
        box = vb.sceneBoundingRect()
        if box.width() < 10 or box.height() < 10:
            return
        taken = self.obstacles()
        placed: list[QRectF] = []
        view = vb.viewRect()
        for label, candidates in self.labels:
            if not label.textItem.toPlainText():
                label.hide()
                continue
            size = label.textItem.boundingRect()
            w, h = size.width(), size.height()
            best = None
            for spot in candidates(view):
                x, y, anchor = spot[:3]
                if len(spot) > 3 and spot[3] != label.textItem.toPlainText():
                    label.setText(spot[3])
                    size = label.textItem.boundingRect()
                    w, h = size.width(), size.height()
                gap = label.lab_gap
                p = vb.mapViewToScene(pg.Point(x, y))
                p = pg.Point(p.x() + (0.5 - anchor[0]) * 2 * gap,
                             p.y() + (0.5 - anchor[1]) * 2 * gap)
                r = QRectF(p.x() - anchor[0] * w, p.y() - anchor[1] * h, w, h)
                if not box.contains(r):
                    continue
                grown = r.adjusted(-PAD, -PAD, PAD, PAD)
                if any(grown.intersects(o) for o in placed) or _hits(r, taken):
                    continue
                best = (p, anchor, r)
                break
            if best is None:
                label.hide()
                continue
            p, anchor, r = best
            label.setAnchor(anchor)
            label.setPos(vb.mapSceneToView(p))
            label.show()
            placed.append(r)
        self.placed = placed


def _stretches(px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """A 4-px square every 4 px or less along the polyline (*px*, *py*): segment k cut into
    n = ⌊max(|Δx|, |Δy|)/4⌋ + 1 equal parts, its n + 1 points as ``np.linspace(0, 1, n + 1)``
    places them, all segments at once (a loop over segments was most of a result's time on
    the fitted curve's 200 points)."""
    x0, y0, dx, dy = px[:-1], py[:-1], np.diff(px), np.diff(py)
    n = (np.maximum(np.abs(dx), np.abs(dy)) // 4).astype(np.int64) + 1
    seg = np.repeat(np.arange(len(n)), n + 1)
    i = np.arange(len(seg)) - np.repeat(np.cumsum(n + 1) - (n + 1), n + 1)
    t = i * (1.0 / n[seg])
    t[np.cumsum(n + 1) - 1] = 1.0          # linspace's last point is its end, exactly
    left, top = x0[seg] + t * dx[seg] - 2, y0[seg] + t * dy[seg] - 2
    return np.column_stack([left, top, left + 4, top + 4])


def _view_to_scene(vb, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``vb.mapViewToScene`` of every point at once (the view's transform, then the box's to
    the scene, each as QTransform.map computes it)."""
    vb.updateMatrix()
    for tr in (vb.childTransform(), vb.sceneTransform()):
        kind = tr.type()
        if kind == tr.TransformationType.TxProject:        # (never in a plot): point by point
            pts = [tr.map(pg.Point(float(a), float(b))) for a, b in zip(x, y)]
            x, y = np.array([p.x() for p in pts]), np.array([p.y() for p in pts])
        elif kind == tr.TransformationType.TxTranslate:
            x, y = x + tr.dx(), y + tr.dy()
        elif kind == tr.TransformationType.TxScale:
            x, y = tr.m11() * x + tr.dx(), tr.m22() * y + tr.dy()
        elif kind != tr.TransformationType.TxNone:
            x, y = (tr.m11() * x + tr.m21() * y + tr.dx(),
                    tr.m12() * x + tr.m22() * y + tr.dy())
    return x, y


def _hits(r: QRectF, rows: np.ndarray) -> bool:
    """``r.intersects(o)`` for any row (left, top, right, bottom) of *rows* (sizes > 0)."""
    if not len(rows):
        return False
    return bool(np.any((r.left() < rows[:, 2]) & (rows[:, 0] < r.right())
                       & (r.top() < rows[:, 3]) & (rows[:, 1] < r.bottom())))


def near_point(x: float, y: float):
    """Candidates around a data point: above right, below right, above left, below left,
    above, below, right, left (place it with a gap of the marker's half size)."""
    return lambda view: [(x, y, (0, 1)), (x, y, (0, 0)), (x, y, (1, 1)), (x, y, (1, 0)),
                         (x, y, (0.5, 1)), (x, y, (0.5, 0)), (x, y, (0, 0.5)), (x, y, (1, 0.5))]


def along_hline(y: float, fractions=(0.97, 0.8, 0.6, 0.4, 0.2, 0.03)):
    """Candidates just above, then just below, a horizontal line at view height *y*."""
    def spots(view):
        xs = [view.left() + f * view.width() for f in fractions]
        return [(x, y, (f, 1)) for x, f in zip(xs, fractions)] + \
               [(x, y, (f, 0)) for x, f in zip(xs, fractions)]
    return spots


def along_vline(x: float, fractions=(0.97, 0.85, 0.6, 0.3, 0.05)):
    """Candidates right, then left, of a vertical line at view position *x* (top first)."""
    def spots(view):
        ys = [view.top() + f * view.height() for f in fractions]   # view.top() is the low end
        return [(x, y, (0, 1 - f)) for y, f in zip(ys, fractions)] + \
               [(x, y, (1, 1 - f)) for y, f in zip(ys, fractions)]
    return spots


def corners(view_fractions=((0.02, 0.98), (0.98, 0.98), (0.02, 0.02), (0.98, 0.02))):
    """Candidates at the corners of the view (fractions of its width and height)."""
    def spots(view):
        out = []
        for fx, fy in view_fractions:
            x = view.left() + fx * view.width()
            y = view.top() + fy * view.height()
            out.append((x, y, (fx > 0.5, fy < 0.5)))
        return out
    return spots


def best_points(result):
    """(B, median, q1, q3, examples median, lr) arrays over the batch sizes that reached."""
    rows = [(p.batch_size, p.steps_median, p.steps_q1, p.steps_q3, p.examples_median, p.lr)
            for p in result.best if p.steps_median is not None]
    if not rows:
        return None
    return tuple(np.array([r[i] if r[i] is not None else np.nan for r in rows], float)
                 for i in range(6))


def regime_spans(batch_sizes, b_crit):
    """(regime, low B, high B) spans in the swept range, split at B_crit/4 and 4·B_crit."""
    lo, hi = float(np.min(batch_sizes)), float(np.max(batch_sizes))
    if b_crit is None:
        return []
    cuts = [lo, min(max(b_crit / 4, lo), hi), min(max(4 * b_crit, lo), hi), hi]
    names = ("perfect scaling", "diminishing returns", "no further benefit")
    return [(name, a, b) for name, a, b in zip(names, cuts, cuts[1:]) if b > a]


def set_decade_ticks(axis, *arrays) -> None:
    """Label a log axis at 1, 2, 5 × each decade covered by the data (no crowded minor labels)."""
    values = np.concatenate([np.ravel(np.asarray(a, float)) for a in arrays])
    values = values[np.isfinite(values) & (values > 0)]
    if not len(values):
        axis.setTicks(None)
        return
    k0, k1 = int(np.floor(np.log10(values.min()))), int(np.ceil(np.log10(values.max())))
    labelled = (1, 2, 5) if k1 - k0 <= 2 else (1,)
    major, minor = [], []
    for k in range(k0, k1 + 1):
        for m in range(1, 10):
            v = m * 10.0**k
            (major if m in labelled else minor).append(
                (np.log10(v), f"{v:g}" if m in labelled else ""))
    axis.setTicks([major, minor])
