"""Where a pyqtgraph axis draws its tick labels, for the screen and lab tests."""
from __future__ import annotations

import itertools


def tick_label_rects(axis) -> list:
    """[(rect, text)] of the tick labels *axis* draws now, each rect in the axis's own
    coordinates (as ``AxisItem.generateDrawSpecs`` lays them out for a paint)."""
    from PySide6.QtGui import QImage, QPainter
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    if specs is None:
        return []
    return [(rect, text) for rect, _flags, text in specs[2]]


def tick_label_overlaps(plot_widget, axis_name="left") -> list:
    """Pairs of tick labels of one axis of a ``PlotWidget`` drawn on top of each other."""
    rects = tick_label_rects(plot_widget.getPlotItem().getAxis(axis_name))
    return [(a, b) for (ra, a), (rb, b) in itertools.combinations(rects, 2) if ra.intersects(rb)]


def shown_rect(widget):
    """The part of *widget* its ancestors do not clip, in its own coordinates: up to the window,
    or to the content of a scroll area (what scrolling reaches counts as shown)."""
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtWidgets import QAbstractScrollArea
    shown = widget.rect()
    child, parent = widget, widget.parentWidget()
    while parent is not None and not isinstance(parent.parentWidget(), QAbstractScrollArea):
        shown &= QRect(widget.mapFrom(parent, QPoint(0, 0)), parent.size())
        child, parent = parent, parent.parentWidget()
    return shown


def tick_labels_cut(plot_widget, axis_name="bottom") -> list:
    """The tick labels of one axis of a ``PlotWidget`` that reach outside the part of the
    widget its parents show (``shown_rect``): [(text, label rect, shown rect)]."""
    from PySide6.QtCore import QRectF
    axis = plot_widget.getPlotItem().getAxis(axis_name)
    shown = QRectF(shown_rect(plot_widget))
    out = []
    for rect, text in tick_label_rects(axis):
        on_widget = plot_widget.mapFromScene(axis.mapRectToScene(rect)).boundingRect()
        if not shown.contains(QRectF(on_widget).adjusted(1, 1, -1, -1)):
            out.append((text, on_widget, shown))
    return out
