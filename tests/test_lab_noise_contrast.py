"""Lab plot 4 in both themes: every line stands out from the plot's background by the WCAG
contrast for graphics (3:1); B_simple, measured along the full-batch path, is drawn in the
theme's full-batch colour (the light theme's #0072B2 stood at only 3.5:1 on the dark one)."""
import pytest


def _luminance(color) -> float:
    def linear(c: float) -> float:
        c /= 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    return 0.2126 * linear(color.red()) + 0.7152 * linear(color.green()) \
        + 0.0722 * linear(color.blue())


def contrast(a, b) -> float:
    """WCAG 2 contrast ratio of two QColors."""
    low, high = sorted((_luminance(a), _luminance(b)))
    return (high + 0.05) / (low + 0.05)


def test_contrast_ratio_matches_wcag_reference_values():
    from PySide6.QtGui import QColor
    assert contrast(QColor("#000000"), QColor("#FFFFFF")) == pytest.approx(21.0)
    assert contrast(QColor("#777777"), QColor("#FFFFFF")) == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("name", ["light", "dark"])
def test_noise_plot_lines_keep_contrast_with_the_background(qapp, name):
    from gdviz.ui.lab._plot import apply_plot_theme
    from gdviz.ui.lab.noise_plot import NoisePlot
    from gdviz.ui.theme import THEMES
    theme = THEMES[name]
    plot = NoisePlot()
    try:
        apply_plot_theme(plot, theme)
        background = plot.widget.backgroundBrush().color()
        assert background.name().upper() == (theme.background if name == "dark" else "#FFFFFF")
        simple = plot.simple.opts["pen"].color()
        assert simple.name().upper() == theme.color("full_batch").upper()
        for line in (plot.simple, plot.noise):
            assert contrast(line.opts["pen"].color(), background) >= 3.0, line.name()
        assert contrast(simple, background) >= 4.5          # well clear of the 3:1 floor
    finally:
        plot.widget.close()
        plot.widget.deleteLater()
