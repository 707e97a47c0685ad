"""The Network dock on classroom screens: presentation mode keeps its plots readable (their
type grows, so do they) and leaves no stray dock tab over the presentation bar."""
import itertools

import pytest
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QTabBar

pytest.importorskip("torch")


@pytest.fixture(scope="module")
def mlp_window(qapp):
    from PySide6.QtWidgets import QApplication

    from gdviz.scenario import load
    from gdviz.ui.main_window import MainWindow
    app = QApplication.instance()
    scenario = load("mlp-moons").with_changes(n_examples=120)
    sim = scenario.build()
    sim.advance_to(60 * sim.tick_size())
    window = MainWindow(scenario, start_worker=False)
    window.show()
    window.on_snapshot(sim.snapshot())
    app.processEvents()
    yield window, app
    window.shutdown()
    window.close()


def _settle(app):
    for _ in range(5):
        app.processEvents()


def tick_label_overlaps(plot_widget, axis_name="left") -> list:
    """Pairs of tick labels of one axis drawn on top of each other."""
    axis = plot_widget.getPlotItem().getAxis(axis_name)
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    if specs is None:
        return []
    texts = specs[2]
    return [(a[2], b[2]) for a, b in itertools.combinations(texts, 2) if a[0].intersects(b[0])]


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720)])
def test_the_canvas_keeps_its_share_beside_a_readable_network_dock(mlp_window, size):
    from test_screens import canvas_share, cut_off_texts
    window, app = mlp_window
    window.screen_layout.fit(*size)
    _settle(app)
    assert (window.width(), window.height()) == size
    assert canvas_share(window) >= 0.35, (size, canvas_share(window))
    panel = window.network_panel
    assert window.network_dock.isVisible() and not window.network_dock.visibleRegion().isEmpty()
    big = panel.methods[panel.selected].plot
    assert big.height() >= 120 and big.width() >= 200, (size, big.size())
    for plot in (panel.loss, panel.distance):
        assert tick_label_overlaps(plot) == [], size
    assert cut_off_texts(window) == [], size


@pytest.mark.parametrize("size", [(1920, 1080), (1024, 768), (3840, 2160)])
def test_network_plots_stay_readable_in_presentation(mlp_window, size):
    window, app = mlp_window
    window.screen_layout.fit(*size)          # the window as it was on that screen, then F11
    _settle(app)
    window.set_presentation(True, size)
    _settle(app)
    try:
        panel = window.network_panel
        assert window.network_dock.isVisible()
        for plot in (panel.loss, panel.distance):
            assert plot.isVisible() and plot.height() > 0
            assert tick_label_overlaps(plot) == [], (size, plot)
            assert tick_label_overlaps(plot, "bottom") == [], (size, plot)
        for bar in window.findChildren(QTabBar):
            if bar.isVisible() and bar.parent() is window and \
                    bar.geometry().intersects(window.rect()):     # (Qt parks unused ones off it)
                assert bar.count() >= 2, [bar.tabText(i) for i in range(bar.count())]
                top_left = bar.mapTo(window, bar.rect().topLeft())
                assert not window.presentation.bar.geometry().intersects(
                    bar.geometry().translated(top_left - bar.pos())), size
    finally:
        window.set_presentation(False)
        _settle(app)
