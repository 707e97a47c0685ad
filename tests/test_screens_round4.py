"""Every screen, round four (issue 22): the Network dock in a 4K presentation.

The dock's event loop comes to rest (its plots were sized from a width that changed with its own
scroll bar: shown, hidden, shown, for good), its colour bar's numbers lie within the bar's view
and the loss plot's axis title lies under its tick numbers, not on them."""
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt

from tests.network_window import small_network_window
from tests.test_screens import _settle


class _ResizeCounter(QObject):
    """Counts the panel's resizes; past a limit it pins the scroll bar on, which ends an
    oscillation (so a failing test fails instead of hanging)."""

    def __init__(self, area, limit=60):
        super().__init__()
        self.area, self.limit, self.count = area, limit, 0

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Resize:
            self.count += 1
            if self.count == self.limit:
                self.area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        return False


def test_the_network_dock_in_a_4k_presentation_comes_to_rest_with_its_colour_bar_whole(qtbot):
    pytest.importorskip("torch")

    from PySide6.QtGui import QFontMetrics

    from gdviz.ui.contours import landscape_view
    app = QCoreApplication.instance()
    w, sim = small_network_window()
    panel = w.network_panel
    area = panel.parentWidget().parentWidget()
    counter = _ResizeCounter(area)
    panel.installEventFilter(counter)
    try:
        w.on_landscape(landscape_view(sim.landscape, 24, sim.plane_version))
        w.show()
        w.screen_layout.fit(3840, 2160)
        w.set_presentation(True, (3840, 2160))
        for _ in range(3):
            _settle(app)
            app.processEvents()
        w.on_snapshot(sim.snapshot())
        for _ in range(3):
            _settle(app)
            app.processEvents()
        before = counter.count
        for _ in range(5):
            _settle(app)
            app.processEvents()
        assert counter.count < counter.limit and counter.count == before, counter.count
        # the colour bar's axis holds its widest label at presentation type, within its view
        axis = panel.colorbar.getAxis("right")
        widest = QFontMetrics(axis.style["tickFont"]).horizontalAdvance("0.8")
        assert axis.width() >= widest + 5, (axis.width(), widest)
        assert axis.sceneBoundingRect().right() <= panel.colorbar_view.width()
        # the loss plot's bottom axis holds a line of tick numbers and its title under them
        # (pyqtgraph gave it 98 px for 56 + 64: the title overlapped the numbers)
        bottom = panel.loss.getPlotItem().getAxis("bottom")
        tick_line = QFontMetrics(bottom.style["tickFont"]).height()
        assert bottom.label.isVisible()
        assert bottom.height() >= tick_line + bottom.label.boundingRect().height(), \
            (bottom.height(), tick_line, bottom.label.boundingRect().height())
        # the canvas legend's line samples grow with their labels (20 px beside 40-pt type)
        for sample, _label in w.canvas.legend.items:
            assert sample.width() >= 20 * panel.scale - 1, (sample.width(), panel.scale)
        w.set_presentation(False)
        app.processEvents()
        assert all(sample.width() == 20 for sample, _label in w.canvas.legend.items)
    finally:
        panel.removeEventFilter(counter)
        w.shutdown()
        w.close()
