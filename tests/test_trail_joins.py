"""A trail is stroked in pieces (16-point chunks cached in one image, then the live tail); each
piece's halo is drawn under its own line only. Capped square, a piece's halo reached back over
the line of the piece before it and cut a dark bar across the trail at every join."""
import numpy as np
import pytest


@pytest.mark.parametrize("name", ["dark", "light"])
def test_no_dark_bar_across_a_trail_where_its_pieces_join(qtbot, name):
    from PySide6.QtWidgets import QApplication
    from gdviz.ui.canvas import ContourCanvas
    from gdviz.ui.theme import THEMES
    from gdviz.ui.trail_layer import CHUNK
    theme = THEMES[name]
    canvas = ContourCanvas(theme=theme)
    qtbot.addWidget(canvas)
    canvas.resize(600, 400)
    canvas.show()
    canvas.getPlotItem().getViewBox().setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
    x = np.linspace(1, 9, 3 * CHUNK + CHUNK // 2)           # three cached chunks and a tail
    canvas.trail_layers["full_batch"].set_points(np.column_stack([x, np.full_like(x, 5.0)]))
    for _ in range(3):
        QApplication.processEvents()
    image = canvas.grab().toImage()
    to_canvas = canvas.viewport().mapTo
    y = to_canvas(canvas, canvas.pixel_of(5.0, 5.0)).y()
    left = to_canvas(canvas, canvas.pixel_of(5.0, 5.0)).x() - 150     # clear of the legend
    right = to_canvas(canvas, canvas.pixel_of(8.7, 5.0)).x()
    line = [image.pixelColor(c, y) for c in range(left, right)]
    colour = image.pixelColor(to_canvas(canvas, canvas.pixel_of(6.0, 5.0)).x(), y)
    worst = max(abs(c.lightness() - colour.lightness()) for c in line)
    assert worst < 40, (name, colour.name(), worst)
