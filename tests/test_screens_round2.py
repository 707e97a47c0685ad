"""Every screen, round two (issue 22): what is left after the first round.

Leaving a 4K presentation gives the window back its old minimum; the controls column of every
lesson shows its texts whole on a laptop; presentation at 1024x768 keeps the lesson and the
status line readable."""
import pytest
from PySide6.QtCore import QCoreApplication, QEvent

from tests.test_screens import _settle


def fed(scenario_name):
    from gdviz.scenario import load
    from gdviz.ui.contours import landscape_view
    from gdviz.ui.main_window import MainWindow
    scenario = load(scenario_name)
    sim = scenario.build()
    sim.advance_to(5 * sim.tick_size())
    window = MainWindow(scenario, start_worker=False)
    window.on_landscape(landscape_view(sim.landscape, 60))
    window.on_snapshot(sim.snapshot())
    return window


@pytest.fixture
def window(qtbot):
    w = fed("default")
    yield w
    w.shutdown()
    w.close()


@pytest.mark.parametrize("size", [(3840, 2160), (1920, 1080)])
def test_leaving_presentation_gives_back_the_minimum_size(qtbot, window, size):
    app = QCoreApplication.instance()
    window.show()
    window.screen_layout.fit(1440, 900)
    _settle(app)
    before = window.minimumSizeHint()
    window.set_presentation(True, size)
    _settle(app)
    window.set_presentation(False)
    # no wider than it was (its minimum followed the fonts down before the old geometry came
    # back; the offscreen screen may make it smaller)
    assert window.width() <= 1440 and window.height() <= 900
    _settle(app)
    window.screen_layout.fit(1440, 900)
    _settle(app)
    assert window.minimumSizeHint() == before
    window.screen_layout.fit(1024, 768)       # and it still shrinks to a laptop's screen
    _settle(app)
    assert (window.width(), window.height()) == (1024, 768)
