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
                # the tabs (the way to the lesson) in the presentation bar's type, not 9 pt
                assert bar.font().pointSizeF() >= \
                    0.99 * window.presentation.bar.font().pointSizeF() > 9, size
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


@pytest.fixture
def plane_window(qapp):
    """A small real-network window with its plane drawn (the canvas's axes show real ranges)."""
    from gdviz.ui.contours import landscape_view
    from tests.network_window import small_network_window
    window, sim = small_network_window()
    sim.advance_to(60 * sim.tick_size())        # loss curves that reach a round top tick
    window.on_landscape(landscape_view(sim.landscape, 24, sim.plane_version))
    window.show()
    window.on_snapshot(sim.snapshot())
    yield window
    window.shutdown()
    window.close()


def _painted(window, app):
    # twice: an axis sizes its labels' space as it paints, and that new size needs a paint
    # of its own (one pass left the loss axis at its presentation width in 1 suite run of 2)
    for _ in range(2):
        _settle(app)
        window.repaint()
    _settle(app)


def _canvas_fits(canvas) -> None:
    """The canvas's plot, and its colour bar's title, inside the canvas."""
    plot = canvas.getPlotItem()
    assert plot.geometry().width() <= canvas.width() + 0.5, (plot.geometry(), canvas.size())
    axis = canvas.colorbar.axis
    title = axis.label.mapRectToScene(axis.label.boundingRect())
    margin = axis.label.document().documentMargin()        # (blank, inside the text's rect)
    assert axis.label.isVisible() and title.right() - margin <= canvas.width(), (title, canvas.size())


def test_the_canvas_plot_fits_the_canvas_at_1024x768(plane_window, qapp):
    """At 1024x768 (normal) the real network's plot stayed as wide as the plane note's first,
    unbroken line had made it: 678 px in a 663-px canvas, the colour bar's title off its edge."""
    window = plane_window
    window.screen_layout.fit(1024, 768)
    _painted(window, qapp)
    _canvas_fits(window.canvas)


def test_after_a_presentation_the_legend_and_axes_are_their_normal_size_again(plane_window,
                                                                              qapp):
    """Back from a 1920x1080 presentation, the canvas legend kept its 40-pt rows (511 px wide,
    drawn past the plot's left edge at 1024x768), the canvas's left axis and the loss plot's
    kept the width of the large tick labels (pyqtgraph never shrinks them by itself), the
    Network dock's colour bar column its presentation width, and the canvas's axes came back
    in 10/11 pt where a fresh window had drawn them in 9 pt: the window now looks as it did."""
    window, app = plane_window, qapp
    canvas, panel = window.canvas, window.network_panel

    def sizes():
        legend = canvas.legend.boundingRect()
        return (round(legend.width()), round(legend.height()),
                round(canvas.getPlotItem().getAxis("left").width()),
                round(panel.loss.getPlotItem().getAxis("left").width()),
                window.network_dock.width(), canvas.width())

    window.screen_layout.fit(1024, 768)
    _painted(window, app)
    before = sizes()
    window.screen_layout.fit(1920, 1080)
    window.set_presentation(True, (1920, 1080))
    _painted(window, app)
    during = sizes()
    assert during[0] > before[0] and during[1] > before[1]
    window.set_presentation(False)
    window.screen_layout.fit(1024, 768)
    _painted(window, app)
    after = sizes()
    assert all(abs(a - b) <= 2 for a, b in zip(after, before)), (before, during, after)
    view = canvas.getPlotItem().getViewBox()
    legend = canvas.legend.mapRectToItem(view, canvas.legend.boundingRect())
    assert view.boundingRect().contains(legend), legend
    _canvas_fits(canvas)


def test_no_tick_label_is_cut_in_the_network_dock_or_the_canvas(plane_window, qapp):
    """The classroom screens, normal and presenting: every plot of the Network dock and the
    canvas shows its tick labels whole (the loss plot's top tick, on its round top edge, was
    cut in half in a 1920x1080 presentation)."""
    from tests.axis_ticks import tick_labels_cut
    window = plane_window
    panel = window.network_panel
    plots = {"loss": panel.loss, "distance": panel.distance, "canvas": window.canvas,
             **{key: m.plot for key, m in panel.methods.items()}}
    for size in [(1024, 768), (1280, 720), (1366, 768), (1920, 1080)]:
        for presenting in (False, True):
            window.screen_layout.fit(*size)
            if presenting:
                window.set_presentation(True, size)
            _painted(window, qapp)
            try:
                cut = [(name, axis, [t for t, *_ in tick_labels_cut(plot, axis)])
                       for name, plot in plots.items() for axis in ("left", "bottom")
                       if tick_labels_cut(plot, axis)]
                assert cut == [], (size, presenting)
            finally:
                window.set_presentation(False)


def test_an_empty_check_box_shows_its_frame_in_the_dark_theme(plane_window, qapp):
    """Fusion frames an indicator in the window colour, darker: on the dark theme the empty
    "validation points (hollow)" box was a black square on near-black (and the log-scale box)."""
    from PySide6.QtGui import QColor

    from gdviz.ui.theme import THEMES
    window = plane_window
    window.apply_theme(THEMES["dark"])
    try:
        _painted(window, qapp)
        box = window.network_panel.validation_check
        assert not box.isChecked()
        image = box.grab().toImage()
        rect = _indicator(box)
        y = rect.center().y()
        frame = max(QColor(image.pixel(x, y)).lightness()
                    for x in range(rect.left(), rect.left() + 3))
        inside = QColor(image.pixel(rect.center().x(), y)).lightness()
        outside = QColor(image.pixel(rect.right() + 2, 1)).lightness()
        assert frame - max(inside, outside) >= 60, (frame, inside, outside)
    finally:
        window.apply_theme(THEMES["light"])


@pytest.mark.parametrize("size", [(1920, 1080), (1440, 900)])
def test_the_network_panel_fits_a_presentation_dock_that_can_hold_it(mlp_window, size):
    """At 1920x1080 in presentation the dock scrolled and cut its distance chart at the bottom
    ("0.000" half shown): Qt's scroll area made the panel as tall as it prefers (1,107 px in a
    1,011-px dock), though its least height (about 1,000 px) fitted. Where the least fits, the
    panel is the dock's height; its boundary plots keep their tick labels apart."""
    window, app = mlp_window
    window.screen_layout.fit(*size)
    _settle(app)
    window.set_presentation(True, size)
    _settle(app)
    try:
        scroll = window.network_dock.widget()
        panel = window.network_panel
        viewport = scroll.viewport()
        if scroll.needed_height(viewport.width()) <= viewport.height():
            assert scroll.verticalScrollBar().maximum() == 0, size
            assert panel.height() == viewport.height(), size
            bottom = panel.distance.mapTo(panel, panel.distance.rect().bottomLeft()).y()
            assert bottom <= viewport.height(), size
        else:
            assert size != (1920, 1080)         # measured: it fits there
        for key, method in panel.methods.items():
            assert tick_label_overlaps(method.plot) == [], (size, key)
    finally:
        window.set_presentation(False)
        _settle(app)


def test_a_dock_too_short_for_the_network_panel_scrolls_at_its_preferred_height(mlp_window):
    """Where even the panel's least height does not fit (1280x720), the dock scrolls, and the
    panel keeps the height it prefers: its plots as large as they ask."""
    window, app = mlp_window
    window.screen_layout.fit(1280, 720)
    _settle(app)
    window.set_presentation(True, (1280, 720))
    _settle(app)
    try:
        scroll = window.network_dock.widget()
        panel = window.network_panel
        width = scroll.viewport().width()
        assert scroll.needed_height(width) > scroll.viewport().height()
        assert scroll.verticalScrollBar().maximum() > 0
        assert panel.height() >= max(scroll.needed_height(width),
                                     panel.layout().heightForWidth(width))
    finally:
        window.set_presentation(False)
        _settle(app)
