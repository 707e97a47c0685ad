"""Plot 5 of the lab in the dark theme: its best-η line was black (its legend sample vanished on
the dark background) and its unreached cells a near-white block in a dark window."""
import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage, QPainter


@pytest.fixture(scope="module")
def result():
    from gdviz.core.lab import Lab, LabSettings
    from gdviz.scenario import load
    return Lab(load("lesson-7-critical-batch"), LabSettings(batch_sizes=(1, 16, 256, 4096))).run()


def _sample_lightness(heat, background) -> int:
    sample = next(s for s, label in heat.legend.items if s.item is heat.best)
    rect = sample.boundingRect()
    image = QImage(int(rect.width()) + 2, int(rect.height()) + 2, QImage.Format.Format_ARGB32)
    image.fill(QColor(background))
    painter = QPainter(image)
    sample.paint(painter, None, None)
    painter.end()
    bg = QColor(background).lightness()
    # the line's pixels: those furthest from the background's lightness
    values = [image.pixelColor(x, y).lightness() for x in range(image.width())
              for y in range(image.height())]
    return max(values, key=lambda v: abs(v - bg))


@pytest.mark.parametrize("name", ["light", "dark"])
def test_the_heatmap_follows_the_theme(qapp, result, name):
    from gdviz.ui.lab._plot import apply_plot_theme
    from gdviz.ui.lab.heatmap_plot import HeatmapPlot, cell_summary
    from gdviz.ui.theme import THEMES
    theme = THEMES[name]
    heat = HeatmapPlot()
    try:
        heat.update(result)
        apply_plot_theme(heat, theme)
        background = theme.background if name == "dark" else "#FFFFFF"
        line = _sample_lightness(heat, background)
        # the legend's line stands out from the plot's background
        assert abs(line - QColor(background).lightness()) >= 120, (name, line)
        med, div, unr = cell_summary(result)
        empty = ~np.isfinite(med)
        assert empty.any()
        cells = heat.image.image[empty][:, :3].astype(int)
        mean = cells.mean()
        if name == "dark":
            assert mean < 90, mean        # a dark grey, not a white block
        else:
            assert mean > 200, mean
    finally:
        heat.widget.close()


def test_the_colour_bar_title_fits_the_bar(qtbot, result):
    # at a laptop's 1024x768 the plot is ~250 px high: "steps to target (median of seeds)"
    # ran off the top of its bar
    from PySide6.QtGui import QFontMetricsF
    from gdviz.ui.lab.heatmap_plot import BAR_TITLES, HeatmapPlot
    heat = HeatmapPlot()
    qtbot.addWidget(heat.widget)
    heat.update(result)
    heat.widget.show()
    for height, whole in ((280, False), (900, True)):
        heat.widget.resize(480, height)
        qtbot.wait(20)
        axis = heat.bar.getAxis("left")          # where ColorBarItem puts its title
        text = axis.labelText
        width = QFontMetricsF(axis.label.font()).horizontalAdvance(text)
        assert width <= heat.item.vb.height(), (height, text, width, heat.item.vb.height())
        assert (text == BAR_TITLES[0]) == whole, (height, text)
