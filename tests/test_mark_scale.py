"""In a presentation on a 4K screen at a device pixel ratio of 1 the type is twice the 1080p
presentation's; the canvas's trails, markers, arrows, starts and minimum grow with it (they
stayed 3.5 px and 16 px, half as bold beside the type). At 1080p and below nothing changes."""
import numpy as np


def _canvas(qtbot):
    from gdviz.ui.canvas import ContourCanvas
    from gdviz.ui.trail_layer import CHUNK
    canvas = ContourCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(600, 400)
    canvas.show()
    canvas.getPlotItem().getViewBox().setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
    x = np.linspace(1, 9, 3 * CHUNK + CHUNK // 2)
    canvas.trail_layers["full_batch"].set_points(np.column_stack([x, np.full_like(x, 5.0)]))
    return canvas


def _thickness(canvas, qtbot) -> list[float]:
    from PySide6.QtWidgets import QApplication
    for _ in range(3):
        QApplication.processEvents()
    image = canvas.grab().toImage()
    y = canvas.viewport().mapTo(canvas, canvas.pixel_of(2.0, 5.0)).y()
    out = []
    for xd in (6.5, 8.8):                      # the frozen (cached) part, the live tail
        c = canvas.viewport().mapTo(canvas, canvas.pixel_of(xd, 5.0)).x()
        out.append(sum(image.pixelColor(c, j).lightness() < 200 for j in range(y - 30, y + 30)))
    return out


def test_the_marks_grow_with_a_4k_presentations_type(qtbot):
    from gdviz.ui.presentation import font_scale_for
    canvas = _canvas(qtbot)
    normal = _thickness(canvas, qtbot)
    canvas.set_font_scale(font_scale_for(1080))
    at_1080 = _thickness(canvas, qtbot)
    assert canvas.mark_scale == 1.0
    assert all(abs(a - b) <= 1 for a, b in zip(at_1080, normal)), (normal, at_1080)
    canvas.set_font_scale(font_scale_for(2160))
    assert canvas.mark_scale == 2.0
    at_2160 = _thickness(canvas, qtbot)
    for one, two in zip(at_1080, at_2160):
        assert two >= 1.7 * one, (at_1080, at_2160)
    style = canvas._marker_style["full_batch"]
    assert style[1] == 2 * canvas.theme.marker_size
    assert canvas.minima.opts["size"] == 44
    canvas.set_font_scale(1.0)                     # leaving presentation
    assert canvas.mark_scale == 1.0
    assert all(abs(a - b) <= 1 for a, b in zip(_thickness(canvas, qtbot), normal))


def test_the_legend_sample_is_not_widened_twice(qtbot):
    from PySide6.QtGui import QImage, QPainter
    from gdviz.ui.presentation import font_scale_for
    canvas = _canvas(qtbot)

    def sample_width(scale):
        canvas.set_font_scale(scale)
        sample = next(s for s, _ in canvas.legend.items
                      if s.item is canvas.trails["full_batch"])
        image = QImage(int(sample.boundingRect().width()) + 2,
                       int(sample.boundingRect().height()) + 2, QImage.Format.Format_ARGB32)
        image.fill(0)
        painter = QPainter(image)
        sample.paint(painter, None, None)
        painter.end()
        column = image.width() // 2
        return sum(image.pixelColor(column, y).alpha() > 128 for y in range(image.height()))

    at_1080, at_2160 = sample_width(font_scale_for(1080)), sample_width(font_scale_for(2160))
    ratio = font_scale_for(2160) / font_scale_for(1080)
    assert abs(at_2160 - ratio * at_1080) <= 2, (at_1080, at_2160)


def test_a_large_canvas_export_draws_its_marks_to_its_scale(qapp):
    from gdviz.export.render import FrameRenderer
    from gdviz.scenario import load
    from gdviz.ui.contours import landscape_view
    scenario = load("default")
    sim = scenario.build()
    renderer = FrameRenderer(scenario, landscape_view(sim.landscape, 32), (1920, 1080))
    try:
        assert renderer.canvas.mark_scale == 1.5
    finally:
        renderer.close()
