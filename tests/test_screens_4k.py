"""Big screens (3840x2160 at a device pixel ratio of 1): the Network dock shares the extra width
(its plots grow with it), and its distance chart reads right after the plane is laid anew."""
import pytest
from PySide6.QtWidgets import QApplication

pytest.importorskip("torch")


def _settle():
    for _ in range(6):
        QApplication.processEvents()


@pytest.fixture
def network_window(qapp):
    """The small real-network window opened as the app opens it (1440x900, then shown)."""
    from tests.network_window import small_network_window
    window, sim = small_network_window()
    window.screen_layout.fit(1440, 900)
    window.show()
    window.on_snapshot(sim.snapshot())
    _settle()
    yield window
    window.shutdown()
    window.close()


def _big_plot(window):
    panel = window.network_panel
    return panel.methods[panel.selected].plot


def test_the_network_dock_grows_with_a_window_maximised_on_a_4k_screen(network_window):
    window = network_window
    dock = window.network_dock
    at_1440 = dock.width(), _big_plot(window).size()
    window.resize(3840, 2160)              # the user maximises it on a 4K screen
    _settle()
    assert window.width() == 3840
    # it kept its share of the width (it stayed at ~390 px, 9 % of the window) ...
    assert dock.width() >= 0.18 * window.width(), (at_1440, dock.width())
    big = _big_plot(window)
    # ... and its decision boundaries grew with it (they stayed at ~240x160 px)
    assert big.width() >= 2 * at_1440[1].width(), (at_1440, big.size())
    assert big.height() >= 0.18 * window.height(), (at_1440, big.size())
    # back on a 1920x1080 screen: the same share, not the 4K width
    share = dock.width() / window.width()
    window.resize(1920, 1080)
    _settle()
    assert abs(dock.width() / window.width() - share) < 0.01, (share, dock.width())


def test_a_dragged_network_dock_keeps_its_share(network_window):
    from PySide6.QtCore import Qt
    window = network_window
    dock = window.network_dock
    window.resize(1920, 1080)       # (at 1440 px the dock is a tab of the one side column)
    _settle()
    window.resizeDocks([dock], [650], Qt.Orientation.Horizontal)   # the user widens it
    _settle()
    share = dock.width() / window.width()
    window.resize(2880, 1620)
    _settle()
    assert abs(dock.width() / window.width() - share) < 0.01, (share, dock.width())


def test_the_distance_chart_reads_right_after_the_plane_is_laid_anew(qapp):
    """Right after a relay every weight is on the new plane: the bars say 0 on an axis that
    reaches the dashed distance at which the plane is laid anew (it was 0 to 0.002, empty)."""
    import dataclasses

    import numpy as np

    from gdviz.mlp.plane_policy import OFF_PLANE_SHARE
    from gdviz.scenario import load
    from gdviz.ui.panels.mlp_view import MlpPanel
    s = load("mlp-moons").with_changes(n_examples=120, batch_size=16)
    s = s.with_changes(mlp=dataclasses.replace(s.mlp, device="cpu", hidden=(8, 8)))
    sim = s.build()
    sim.advance_to(40 * sim.tick_size())
    sim.recompute_plane()
    snap = sim.snapshot()
    assert max(m.extra.plane_distance for m in snap.methods) < 1e-4    # all on the plane
    relay = OFF_PLANE_SHARE * max(float(np.hypot(*m.theta)) for m in snap.methods
                                  if m.updates > 0)
    assert relay > 0.01
    panel = MlpPanel()
    panel.update_snapshot(snap)
    top = panel.distance.getPlotItem().getViewBox().viewRange()[1][1]
    assert relay <= top <= 2.5 * relay, (relay, top)
    assert panel.relay_line.isVisible() and panel.relay_line.value() == pytest.approx(relay)
    assert [t.toPlainText() for t in panel.bar_values] == ["0", "0", "0"]
    # once the runs leave it, each bar shows its value
    sim.advance_to(60 * sim.tick_size())
    snap = sim.snapshot()
    panel.update_snapshot(snap)
    for item, m in zip(panel.bar_values, snap.methods):
        d = m.extra.plane_distance
        assert item.toPlainText() == ("0" if d < 5e-5 else f"{d:.2g}")


def test_the_network_loss_plot_is_whole_in_its_dock_at_1920x1080(network_window):
    """The loss and distance plots asked for pyqtgraph's preferred 480 px each: the panel's
    height for its width came to ~1,500 px, the scroll area made it that tall, and at
    1920x1080 the dock showed the top of a stretched loss plot, its curves out of sight."""
    from PySide6.QtCore import QPoint
    window = network_window
    window.screen_layout.fit(1920, 1080)
    _settle()
    panel = window.network_panel
    area = window.network_dock.widget()
    viewport = area.viewport()
    top = panel.loss.mapTo(viewport, QPoint(0, 0)).y()
    assert 0 <= top and top + panel.loss.height() <= viewport.height(), (
        top, panel.loss.height(), viewport.height(), panel.height())
