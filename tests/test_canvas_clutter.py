"""The canvas keeps its landmarks visible: a diverged trail fades and its last finite point stays
marked, the legend never covers a badge, a start or a minimum, the minimum is an outline on top."""
import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRectF

from gdviz.scenario import load
from gdviz.ui.legend_corners import last_finite
from gdviz.ui.contours import landscape_view
from gdviz.ui.theme import DARK, LIGHT


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


# colour-vision deficiencies: Machado, Oliveira & Fernandes 2009 (severity 1), on linear RGB
MACHADO_2009 = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
}


def _linear(hex_color: str) -> np.ndarray:
    c = np.array([int(hex_color[i:i + 2], 16) for i in (1, 3, 5)]) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of linear sRGB."""
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ rgb / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _seen(hex_color: str, deficiency: str) -> np.ndarray:
    return _lab(np.clip(np.array(MACHADO_2009[deficiency]) @ _linear(hex_color), 0, 1))


@pytest.mark.parametrize("deficiency", list(MACHADO_2009))
@pytest.mark.parametrize("theme", [LIGHT, DARK], ids=["light", "dark"])
def test_the_minimum_stays_apart_from_every_method_colour(theme, deficiency):
    """The star is neutral (no hue a deficiency could turn into a method's: the red one read
    as olive beside stochastic's yellow in deuteranopia) and lighter or darker than every
    method colour by at least 20 L*, and far from the background, under each deficiency."""
    star = _seen(theme.minimum_color, deficiency)
    assert np.hypot(star[1], star[2]) <= 5.0                  # neutral: chroma ≤ 5
    for key, color in theme.method_colors.items():
        assert abs(star[0] - _seen(color, deficiency)[0]) >= 20, (key, deficiency)
    assert abs(star[0] - _seen(theme.background, deficiency)[0]) >= 50


def test_the_minimum_is_drawn_last_with_a_halo(canvas):
    from gdviz.ui.canvas import MINIMUM_Z
    items = canvas.getPlotItem().items
    others = [it for it in items if it not in (canvas.minima, canvas.minima_halo)
              and it.zValue() < 60]               # (notes on the canvas stay above it)
    assert all(canvas.minima.zValue() > it.zValue() for it in others)
    assert canvas.minima_halo.zValue() < canvas.minima.zValue() == MINIMUM_Z
    for theme in (LIGHT, DARK):
        canvas.apply_theme(theme)
        assert canvas.minima.opts["pen"].color().name() == theme.minimum_color.lower()
        assert canvas.minima_halo.opts["pen"].color().name() == theme.background.lower()
        assert canvas.minima_halo.opts["pen"].widthF() > canvas.minima.opts["pen"].widthF() + 2


def test_plane_axes_have_plain_units_and_a_method_yet_to_step_says_so(canvas):
    from dataclasses import replace
    plot = canvas.getPlotItem()
    for name in ("left", "bottom"):
        assert not plot.getAxis(name).autoSIPrefix       # no "(x0.001)" on a plane axis
    sim, snap = diverged_snapshot(lr=0.05)
    canvas.set_landscape(landscape_view(sim.landscape, 40))
    methods = [replace(m, updates=0) if m.key == "full_batch" else m for m in snap.methods]
    canvas.show_snapshot(replace(snap, methods=tuple(methods)))
    text = canvas.legend.getLabel(canvas.trails["full_batch"]).text
    assert "no step yet" in text
    canvas.show_snapshot(snap)
    assert "no step yet" not in canvas.legend.getLabel(canvas.trails["full_batch"]).text


def test_no_empty_arrow_note_box_before_any_step(canvas, qtbot):
    """Paused at the start there are no arrows, and the note's filled padding drew a small bar
    in the canvas's corner (white on light, black on dark); the note shows with the arrows."""
    sim = load("default").build()
    canvas.set_landscape(landscape_view(sim.landscape, 60))
    canvas.show_snapshot(sim.snapshot())
    qtbot.wait(1)
    assert canvas.arrow_note.textItem.toPlainText() == ""
    assert not canvas.arrow_note.isVisible()
    sim.advance_to(5 * sim.tick_size())
    canvas.show_snapshot(sim.snapshot())
    qtbot.wait(1)
    assert canvas.arrows                      # (step arrows are on by default)
    assert canvas.arrow_note.isVisible() and canvas.arrow_note.textItem.toPlainText()
