"""Live layers on the canvas, drawn from what the worker computes: the gradient cloud."""

import numpy as np
import pytest

from gdviz import scenario as sc
from gdviz.core.gradient_cloud import ellipse_area

WAIT_MS = 10_000


@pytest.fixture
def window(make_window):
    return make_window(sc.load("default").with_changes(n_examples=120, batch_size=4),
                       wait_snapshot=False)


def polygon_area(x, y):
    return 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))


def test_gradient_cloud_toggle_draws_the_cloud_and_the_ellipse_shrinks_with_b(qtbot, window):
    w = window
    assert w.actions_["gradient_cloud"].shortcut().toString() == "K"
    assert w.actions_["gradient_cloud"].isCheckable()
    layer = w.overlays.cloud_layer
    assert not layer.points.isVisible()
    w.cmd_step.emit()
    qtbot.waitUntil(lambda: w.snapshot is not None and w.snapshot.method("mini_batch").updates,
                    timeout=WAIT_MS)
    assert w.overlays.cloud is None and not w.worker._cloud_wanted   # off: not computed
    w.actions_["gradient_cloud"].trigger()
    qtbot.waitUntil(lambda: w.overlays.cloud is not None and layer.points.isVisible(),
                    timeout=WAIT_MS)
    cloud = w.overlays.cloud
    x, y = layer.points.getData()
    assert len(x) == 120 and cloud.method == "mini_batch"
    s = layer.factor * cloud.lr                      # dots at θ − m·η·∇ℓᵢ
    np.testing.assert_allclose(np.c_[x, y], cloud.theta - s * cloud.shown)
    assert len(layer.members.getData()[0]) == cloud.batch_size == 4
    rx, ry = layer.ellipse.getData()
    drawn = polygon_area(rx, ry) / s**2
    assert drawn == pytest.approx(ellipse_area(cloud.covariance), rel=1e-3)
    assert "B = 4" in w.overlays.note.toPlainText()

    w.apply_changes({"batch_size": 64})
    qtbot.waitUntil(lambda: w.overlays.cloud.batch_size != 4, timeout=WAIT_MS)
    bigger = w.overlays.cloud
    rx, ry = layer.ellipse.getData()
    assert polygon_area(rx, ry) / (layer.factor * bigger.lr) ** 2 < 0.2 * drawn
    assert ellipse_area(bigger.covariance) == pytest.approx(
        ellipse_area(cloud.sigma) * ((120 - bigger.batch_size) / (bigger.batch_size * 119)),
        rel=0.5)   # θ moved a little between the two clouds

    w.actions_["gradient_cloud"].trigger()
    assert not layer.points.isVisible() and not w.overlays.note.isVisible()


def test_the_lab_inset_gets_the_cloud_while_it_is_open(qtbot, window):
    from gdviz.ui.lab.window import LabWindow
    w = window
    lab = w.lab_window = LabWindow(w)
    lab.show()
    qtbot.waitUntil(lambda: lab.inset.cloud is not None, timeout=WAIT_MS)
    x, _ = lab.inset.points.getData()
    assert len(x) == 120
    np.testing.assert_array_equal(x, lab.inset.cloud.shown[:, 0])   # gradient space
    assert "area" in lab.inset.text.text()
    rx, ry = lab.inset.example_ellipse.getData()
    assert polygon_area(rx, ry) == pytest.approx(ellipse_area(lab.inset.cloud.sigma), rel=1e-3)
    assert not w.overlays.cloud_layer.points.isVisible()            # the canvas toggle is off


def test_a_new_theme_redraws_the_cloud_in_its_colours(qtbot, window):
    from gdviz.ui.theme import DARK
    w = window
    w.actions_["gradient_cloud"].trigger()
    qtbot.waitUntil(lambda: w.overlays.cloud is not None, timeout=WAIT_MS)
    w.apply_theme(DARK)
    full = w.overlays.cloud_layer.full
    assert full.opts["pen"].color().name().upper() == DARK.foreground.upper()
    assert w.overlays.note.fill.color().name().upper() == DARK.background.upper()
