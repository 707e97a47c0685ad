"""The Network dock on classroom screens: presentation mode keeps its plots readable (their
type grows, so do they) and leaves no stray dock tab over the presentation bar."""
import pytest
from PySide6.QtWidgets import QTabBar

from tests.axis_ticks import tick_label_overlaps

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


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720), (1920, 1080)])
def test_the_decision_boundary_plots_show_their_tick_labels_whole(mlp_window, size):
    """At 1024x768 in presentation the large plot's x tick labels were cut at its bottom: the
    grid took its rows' heights for width (the plots' preferred 500-600 px) as their minimum,
    the box's maximum then squeezed both rows alike, below the large plot's minimum."""
    from tests.axis_ticks import tick_labels_cut
    window, app = mlp_window
    window.screen_layout.fit(*size)
    _settle(app)
    for presenting in (False, True):
        window.set_presentation(presenting, size)
        _settle(app)
        try:
            panel = window.network_panel
            for key, method in panel.methods.items():
                for name in ("bottom", "left"):
                    assert tick_labels_cut(method.plot, name) == [], (size, presenting, key, name)
                # the plot within its own box: the title above, nothing drawn past its bottom
                assert method.plot.geometry().bottom() <= method.rect().bottom(), (size, key)
        finally:
            if presenting:
                window.set_presentation(False)
                _settle(app)


def _indicator(box):
    from PySide6.QtWidgets import QStyle, QStyleOptionButton
    option = QStyleOptionButton()
    box.initStyleOption(option)
    return box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)


def test_check_box_indicators_grow_with_the_presentation_type(mlp_window):
    """At 3840x2160 in presentation the validation box's indicator stayed 14 px beside 36-pt
    text. Its side keeps its normal proportion to the text's line, and the box, grown, does not
    run into its neighbours (the boundary plots above, the loss title below)."""
    from PySide6.QtGui import QFontMetricsF
    window, app = mlp_window
    box = window.network_panel.validation_check

    def ratio():
        return _indicator(box).height() / QFontMetricsF(box.font()).height()

    window.screen_layout.fit(1024, 768)
    _settle(app)
    normal_side, normal_ratio = _indicator(box).height(), ratio()
    panel = window.network_panel

    def clear_of_neighbours(size):
        for neighbour in (panel.boundary_box, panel.loss_title):
            assert not box.geometry().intersects(neighbour.geometry()), (size, neighbour)

    clear_of_neighbours((1024, 768))
    for size in [(3840, 2160), (1920, 1080), (1024, 768)]:
        window.screen_layout.fit(*size)
        _settle(app)
        window.set_presentation(True, size)
        _settle(app)
        box.setChecked(True)
        try:
            assert box.isVisible()
            side = _indicator(box).height()
            assert side > normal_side and ratio() >= 0.9 * normal_ratio, (size, side, ratio())
            assert box.height() >= side and box.sizeHint().width() > side + \
                QFontMetricsF(box.font()).horizontalAdvance(box.text()), size
            clear_of_neighbours(size)
            box.grab()                                   # paints, checked, at this size
        finally:
            box.setChecked(False)
            window.set_presentation(False)
            _settle(app)
    assert _indicator(box).height() == normal_side       # back to the style's own size
