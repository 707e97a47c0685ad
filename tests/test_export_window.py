"""A window export shows what the window would show at that moment: the formulas' live numbers
(typeset at once, not left to the background thread), whole counter captions, and the real
network's distance chart with its labels."""
import pytest
from PySide6.QtGui import QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QWidget


def _renderer(scenario, ticks, size):
    from gdviz.export.render import FrameRenderer, ensure_application
    from gdviz.ui.contours import landscape_view
    ensure_application()
    sim = scenario.build()
    sim.advance_to(ticks * sim.tick_size())
    return FrameRenderer(scenario, landscape_view(sim.landscape, 48), size, "window"), sim


def test_a_window_frame_shows_every_formulas_numbers_and_whole_captions(qapp):
    from gdviz.scenario import load
    from gdviz.ui.formula import FormulaWidget
    renderer, sim = _renderer(load("default"), 200, (1920, 1080))
    try:
        renderer.render(sim.snapshot())
        window = renderer.window
        shown = [f for f in window.lesson.findChildren(FormulaWidget) if f.isVisibleTo(window)]
        assert len(shown) >= 4
        waiting = [f.latex() for f in shown if f._pending is not None or f._deferred is not None
                   or (f.latex() and not f._renderer.isValid())]
        assert waiting == []
        # the live "now:" boxes hold this moment's numbers (N = 256 is in the loss's)
        assert any("256" in f._latex for f in shown)
        for caption in window.counters.captions:
            need = QFontMetrics(caption.font()).horizontalAdvance(caption.text())
            assert caption.width() >= need, (caption.text(), caption.width(), need)
    finally:
        renderer.close()


def test_finish_typesetting_typesets_what_waits_for_the_thread(qtbot):
    from gdviz.ui.formula import FormulaWidget, finish_typesetting, typeset_in_background
    box = QWidget()
    qtbot.addWidget(box)
    formula = FormulaWidget("", box)
    with typeset_in_background(True):
        formula.set_latex(r"y = 9.87654321")
    assert formula._latex != r"y = 9.87654321"          # left to the thread
    assert finish_typesetting(box) == 1
    assert formula._latex == r"y = 9.87654321" and formula._pending is None


def test_the_network_distance_chart_has_readable_labels_in_a_window_export(qapp):
    pytest.importorskip("torch")
    from PySide6.QtCore import QPoint
    from gdviz.scenario import load
    renderer, sim = _renderer(load("mlp-moons"), 200, (1280, 720))   # as `gdviz export`
    try:
        frame = renderer.render(sim.snapshot()).copy()
        plot = renderer.window.network_panel.distance
        axis = plot.getPlotItem().getAxis("left")
        image = QImage(10, 10, QImage.Format.Format_ARGB32)
        painter = QPainter(image)
        try:
            specs = axis.generateDrawSpecs(painter)[2]
        finally:
            painter.end()
        assert len(specs) >= 3, [t[2] for t in specs]
        origin = plot.mapTo(renderer.window, QPoint(0, 0))
        for rect, _, text in specs:          # every label is drawn: ink where it stands
            r = plot.mapFromScene(axis.mapRectToScene(rect)).boundingRect()
            ink = sum(frame.pixelColor(origin.x() + x, origin.y() + y).lightness() < 110
                      for x in range(r.left(), r.right() + 1)
                      for y in range(r.top(), r.bottom() + 1))
            assert ink >= 4, (text, ink)
    finally:
        renderer.close()
