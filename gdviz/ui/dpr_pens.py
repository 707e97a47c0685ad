"""Pens that keep their logical width at any device pixel ratio.

pyqtgraph's pens are cosmetic: their width counts device pixels. At a device pixel ratio of 2
(4K at 200 %) every 2-px curve, ring and marker outline of a plot came out 1 logical px thin.
``follow_pixel_ratio(widget)`` widens, before each paint, every pen set at its logical width
by the ratio: lines and shadows of PlotDataItem / PlotCurveItem, symbol outlines (PlotDataItem's
symbol pen, ScatterPlotItem's pen and its per-point pens) and InfiniteLines. A pen set anew
(a theme change, an update) is logical again and is widened again. Nothing happens at a ratio of
1 until a ratio above it was seen. The canvas does the same with its own ``px`` (its pens are
styled once per theme); the lab's plots, the side panels and the Network dock use this."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt


def follow_pixel_ratio(widget) -> None:
    """Widen the pens of every data item in *widget* (a pyqtgraph GraphicsView: PlotWidget,
    GraphicsLayoutWidget) by its device pixel ratio before each paint."""
    scene = widget.scene()
    if scene is None or getattr(widget, "_follows_pixel_ratio", False):
        return
    widget._follows_pixel_ratio = True
    scene.sigPrepareForPaint.connect(lambda: scale_pens(widget))


def pixel_ratio(widget) -> float:
    return max(1.0, float(widget.devicePixelRatioF()))


def scale_pens(widget) -> None:
    """Widen every pen in *widget*'s scene to the widget's ratio times its logical width."""
    ratio = pixel_ratio(widget)
    if ratio == 1.0 and not getattr(widget, "_pens_ratio", None):
        return
    widget._pens_ratio = ratio
    scene = widget.scene()
    if scene is None:
        return
    for it in scene.items():
        if isinstance(it.parentItem(), pg.PlotDataItem):
            continue                          # its curve and scatter follow the PlotDataItem
        if isinstance(it, pg.PlotDataItem):
            _widen(it, "_ratio_pen", it.opts.get("pen"), ratio, it.setPen)
            _widen(it, "_ratio_shadow", it.opts.get("shadowPen"), ratio, it.setShadowPen)
            if it.opts.get("symbol") is not None:
                _widen(it, "_ratio_symbol", it.opts.get("symbolPen"), ratio, it.setSymbolPen)
        elif isinstance(it, pg.PlotCurveItem):
            _widen(it, "_ratio_pen", it.opts.get("pen"), ratio, it.setPen)
            _widen(it, "_ratio_shadow", it.opts.get("shadowPen"), ratio, it.setShadowPen)
        elif isinstance(it, pg.ScatterPlotItem):
            _widen(it, "_ratio_pen", it.opts.get("pen"), ratio, it.setPen)
            _widen_points(it, ratio)
        elif isinstance(it, pg.InfiniteLine):
            _widen(it, "_ratio_pen", it.pen, ratio, it.setPen)


def _widen(item, slot: str, pen, ratio: float, setter) -> None:
    wider = _wider(item, slot, pen, ratio)
    if wider is not None:
        setter(wider)


def _wider(item, slot: str, pen, ratio: float):
    """*pen* widened to *ratio* times its logical width, or None when it already is."""
    if pen is None or isinstance(pen, (str, tuple)) and not pen or isinstance(pen, list):
        return None
    pen = pg.mkPen(pen)
    if pen.style() == Qt.PenStyle.NoPen:
        return None
    width = pen.widthF()
    base, drawn = getattr(item, slot, (None, None))
    if drawn is None or abs(width - drawn) > 1e-9:      # a pen set anew: its width is logical
        base = width if width > 0 else 1.0   # (0: a 1-px cosmetic pen)
    target = base * ratio
    setattr(item, slot, (base, target))
    if abs(width - target) <= 1e-9:
        return None
    pen.setWidthF(target)
    return pen


def _widen_points(item: pg.ScatterPlotItem, ratio: float) -> None:
    """A ScatterPlotItem's per-point pens (``setData(pen=[...])``), each widened once: the
    pens this made are remembered by identity with their logical width, so points added later
    (or pens set anew) are widened and those already widened are not widened twice. Pens are
    looked at when the item's data array is new (``setData``) or the ratio changes; a
    ``setPen(list)`` on the same data (nothing in gdviz does) waits for the next ``setData``."""
    data = item.data
    seen = getattr(item, "_ratio_points_seen", None)
    if seen is not None and seen[0] is data and seen[1] == ratio:
        return           # the same array at the same ratio: nothing new (a pass over 10k points
    item._ratio_points_seen = (data, ratio)     # cost ~3 ms, every paint)
    if not len(data):
        return
    pens = data["pen"]
    made = getattr(item, "_ratio_points", {})      # id(pen made) -> (pen made, logical width)
    kept, fresh, changed = {}, {}, False
    for i, pen in enumerate(pens):
        if not isinstance(pen, pg.QtGui.QPen) or pen.style() == Qt.PenStyle.NoPen:
            continue                                # None: the item's own pen (widened above)
        entry = made.get(id(pen))
        if entry is not None and entry[0] is pen:
            if abs(pen.widthF() - entry[1] * ratio) <= 1e-9:
                kept[id(pen)] = entry
                continue
            base = entry[1]
        else:
            base = pen.widthF() if pen.widthF() > 0 else 1.0
        if id(pen) not in fresh:
            new = pg.QtGui.QPen(pen)
            new.setWidthF(base * ratio)
            fresh[id(pen)] = new
            kept[id(new)] = (new, base)
        pens[i] = fresh[id(pen)]
        changed = True
    if changed:
        data["sourceRect"] = 0                      # (as ScatterPlotItem.setPen does)
        item.updateSpots(data)
    item._ratio_points = kept
