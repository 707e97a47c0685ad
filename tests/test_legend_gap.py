"""The canvas legend at presentation type on a 4K screen: each line sample stands clear of its
label, by a gap that grows with the type (they touched: a 5-px gap and round line ends)."""
import numpy as np
import pytest

CANVAS_SIZE = (1800, 1200)


def _ink_columns(image, rect, colour, tol=60):
    """The x of the columns of *rect* in *image* holding a pixel within *tol* of *colour*."""
    from PySide6.QtGui import QColor
    target = np.array(QColor(colour).getRgb()[:3])
    cols = []
    for x in range(rect.left(), rect.right() + 1):
        for y in range(rect.top(), rect.bottom() + 1):
            c = image.pixelColor(x, y)
            if np.abs(np.array([c.red(), c.green(), c.blue()]) - target).max() <= tol:
                cols.append(x)
                break
    return cols


def _gaps(canvas):
    """{label text: px of background between its sample's line and the label's first letter}."""
    image = canvas.grab().toImage()
    foreground = canvas.theme.foreground
    gaps = {}
    for sample, label in canvas.legend.items:
        line = canvas.mapFromScene(sample.sceneBoundingRect()).boundingRect()
        text = canvas.mapFromScene(label.sceneBoundingRect()).boundingRect()
        row = line.united(text)
        line_cols = _ink_columns(image, row, sample.item.opts["pen"].color().name())
        text_cols = _ink_columns(image, row, foreground, tol=90)
        assert line_cols and text_cols, label.text
        right_of_line = max(line_cols)
        first_letter = min(x for x in text_cols if x > line.left() + line.width() // 2)
        gaps[label.text] = first_letter - right_of_line - 1
    return gaps


@pytest.mark.parametrize("scale", [4.0])
def test_legend_samples_stand_clear_of_their_labels_at_large_type(canvas, scale):
    from gdviz.core.landscapes import make_landscape
    from gdviz.core.simulation import Hyper, Simulation
    from gdviz.ui.contours import landscape_view
    landscape = make_landscape("ravine", 200, seed=1)
    starts = {"full_batch": (-3.0, 2.0), "mini_batch": (2.0, -2.5), "stochastic": (3.0, 1.5)}
    sim = Simulation(landscape, 8, starts, Hyper(lr=0.02), seed=2, clock_kind="updates")
    canvas.set_landscape(landscape_view(landscape, resolution=40))
    sim.advance_to(5)
    canvas.show_snapshot(sim.snapshot())
    canvas.set_font_scale(scale)       # 3840x2160 presentation: font_scale_for(2160) is ~4
    from PySide6.QtWidgets import QApplication
    for _ in range(3):
        QApplication.processEvents()
    gaps = _gaps(canvas)
    assert len(gaps) == 3
    # a gap as wide as pyqtgraph's 5 px scaled with the type, less a pixel of antialiasing
    assert min(gaps.values()) >= 5 * scale - 2, gaps
