"""The canvas keeps its landmarks visible: a diverged trail fades and its last finite point stays
marked, the legend never covers a badge, a start or a minimum, the minimum is an outline on top."""
import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRectF

from gdviz.scenario import load
from gdviz.ui.canvas import best_corner, last_finite
from gdviz.ui.contours import landscape_view
from gdviz.ui.theme import DARK


CANVAS_SIZE = (900, 600)   # the shown canvas of tests/conftest.py


def diverged_snapshot(lr=0.8, ticks=60):
    sim = load("default").with_changes(lr=lr).build()
    sim.advance_to(ticks * sim.tick_size())
    return sim, sim.snapshot()


def _legend_rect(canvas) -> QRectF:
    return canvas.legend.mapRectToScene(canvas.legend.boundingRect())


def _scene_point(canvas, xy) -> QPointF:
    return canvas.getPlotItem().getViewBox().mapViewToScene(QPointF(float(xy[0]), float(xy[1])))


def test_a_diverged_method_fades_keeps_its_last_point_and_its_badge_clear(canvas, qtbot):
    sim, snap = diverged_snapshot()
    diverged = [m for m in snap.methods if m.status == "diverged"]
    assert diverged, "the scenario should diverge at this learning rate"
    canvas.set_landscape(landscape_view(sim.landscape, 80))
    canvas.show_snapshot(snap)
    qtbot.wait(1)   # (layout of the legend's labels)
    canvas.show_snapshot(snap)
    for m in diverged:
        pen, halo = canvas.moving.lines.pens[m.key]
        assert pen.color().alpha() < 100 and halo is None       # faded
        assert canvas.trails[m.key].opts["pen"].color().alpha() < 100   # (the legend, too)
        marker = canvas.moving.markers.markers[m.key]
        last = last_finite(m.trail, m.start)
        assert np.isfinite(marker.x) and (marker.x, marker.y) == pytest.approx(tuple(last))
        badge = canvas.badges[m.key]
        assert "diverged" in badge.toPlainText()
        badge_rect = badge.mapRectToScene(badge.boundingRect())
        assert not _legend_rect(canvas).intersects(badge_rect)
    legend = _legend_rect(canvas)
    note = canvas.arrow_note
    if note.textItem.toPlainText():
        assert not legend.intersects(note.mapRectToScene(note.boundingRect()))
    for m in snap.methods:
        assert not legend.contains(_scene_point(canvas, m.start))
    for p in canvas._view.minima:
        assert not legend.contains(_scene_point(canvas, p))


def test_the_minimum_is_an_outline_above_every_marker(canvas):
    canvas.apply_theme(DARK)
    assert canvas.minima.zValue() > canvas.moving.markers.zValue() > canvas.starts.zValue()
    assert canvas.minima.zValue() > canvas.starts.zValue()
    from PySide6.QtCore import Qt
    assert canvas.minima.opts["brush"].style() == Qt.BrushStyle.NoBrush
    assert canvas.minima.opts["pen"].color().name() == DARK.minimum_color.lower()


def test_legend_corner_avoids_key_points_first_then_trails():
    view, box, legend = (0, 10, 0, 10), (1000, 1000), (200, 100)
    # a start in the bottom left: the legend goes to the bottom right
    key = np.array([[0.5, 0.5]])
    assert best_corner(key, np.zeros((0, 2)), view, box, legend, 10, (False, True)) == (True, True)
    # trails everywhere but the top right
    trail = np.array([[1, 1], [9, 1], [1, 9]], float)
    assert best_corner(np.zeros((0, 2)), trail, view, box, legend, 10, (False, True)) == \
        (True, False)
    # the arrow note's corner is never chosen
    assert best_corner(key, trail, view, box, legend, 10, (False, True),
                       taken=[(True, False), (True, True)]) == (False, False)


def test_lesson_texts_use_the_method_hues_of_the_theme_in_force(qtbot):
    from PySide6.QtWidgets import QLabel

    from gdviz.ui.palette import qt_palette
    from gdviz.ui.panels.dock import LessonDock
    from gdviz.ui.theme import LIGHT, METHOD_COLORS, METHOD_COLORS_DARK
    dock = LessonDock()
    qtbot.addWidget(dock)
    dock.set_method("stochastic")

    def texts():
        return " ".join(lab.text() for lab in dock.findChildren(QLabel)).lower()

    assert METHOD_COLORS["stochastic"].lower() in texts()
    dock.setPalette(qt_palette(DARK))
    dark = texts()
    assert not any(c.lower() in dark for c in METHOD_COLORS.values())
    assert METHOD_COLORS_DARK["stochastic"].lower() in dark
    dock.set_method("full_batch")          # texts written after the change follow it too
    assert METHOD_COLORS["full_batch"].lower() not in texts()
    dock.setPalette(qt_palette(LIGHT))
    assert not any(c.lower() in texts() for c in METHOD_COLORS_DARK.values())


def test_the_arrow_note_and_the_legend_never_overlap_on_a_narrow_plot():
    """At 1024x768 in presentation mode the note (~430 px) and the legend (~240 px) do not fit
    side by side in a 660 px plot: they must take different rows, not two bottom corners."""
    from gdviz.ui.canvas import CORNERS, best_two_corners, corner_rect
    view, box, legend, note = (0, 1, 0, 1), (660.0, 460.0), (240.0, 110.0), (430.0, 70.0)
    empty = np.zeros((0, 2))
    for legend_now in CORNERS:
        for note_now in CORNERS:
            note_c, legend_c = best_two_corners(empty, empty, view, box, legend, note, 10,
                                                legend_now, note_now)
            a, b = corner_rect(note_c, note, box, 10), corner_rect(legend_c, legend, box, 10)
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])
