"""The MLP side panel draws a snapshot of a tiny MlpSimulation (offscreen)."""
import os

import numpy as np
import pytest

pytest.importorskip("torch")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from gdviz.core.simulation import Hyper  # noqa: E402
from gdviz.mlp.datasets import make_dataset  # noqa: E402
from gdviz.mlp.simulation import MlpSimulation  # noqa: E402
from gdviz.ui.panels.mlp_view import MlpPanel  # noqa: E402


def tiny_sim(name="moons", **kw):
    ds = make_dataset(name, 120, 0.15, seed=1)
    sim = MlpSimulation(ds, 16, Hyper(lr=0.01, optimizer="adam", epochs=2), hidden=(8, 8),
                        device="cpu", **kw)
    sim.advance_to(240)
    sim.recompute_plane()
    return sim


def test_panel_shows_boundaries_losses_distances_and_device(qtbot, tmp_path):
    sim = tiny_sim()
    panel = MlpPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 620)
    panel.show()
    snap = sim.snapshot()
    panel.update_snapshot(snap)
    for key, plot in panel.methods.items():
        assert plot.image.image.shape == (64, 64)
        xs, ys = plot.line.getData()
        assert xs is not None and len(xs) > 3            # the p = 0.5 boundary is drawn
        assert len(plot.points.data) == 120
        assert len(panel.loss_lines[key].getData()[0]) >= 2
        assert len(panel.val_lines[key].getData()[0]) >= 2
    heights = panel.bars.opts["height"]
    assert len(heights) == 3 and heights[1] > 0          # the mini-batch is off the plane
    assert "device: <b>cpu</b>" in panel.header.text()
    panel.grab().save(str(tmp_path / "mlp_panel.png"))
    assert (tmp_path / "mlp_panel.png").stat().st_size > 10_000


def test_panel_draws_the_regression_curve_and_a_notice(qtbot):
    sim = tiny_sim("curve", loss="mse")
    sim.notice = "The GPU ran out of memory: moved to the CPU and carried on."
    panel = MlpPanel()
    qtbot.addWidget(panel)
    panel.update_snapshot(sim.snapshot())
    xs, ys = panel.methods["stochastic"].line.getData()
    assert len(xs) == 256 and np.all(np.isfinite(ys))
    assert not panel.methods["stochastic"].image.isVisible()
    assert "ran out of memory" in panel.header.text()


def test_boundaries_equal_aspect_selected_large_scale_and_validation(qtbot):
    from gdviz.ui.theme import DARK
    sim = tiny_sim("spirals")
    panel = MlpPanel()
    qtbot.addWidget(panel)
    panel.resize(520, 900)
    panel.show()
    panel.update_snapshot(sim.snapshot())
    panel.set_selected("stochastic")

    def area(key):
        plot = panel.methods[key].plot
        return plot.width() * plot.height()

    qtbot.waitUntil(lambda: area("stochastic") > 1.8 * max(area("full_batch"),
                                                           area("mini_batch")), timeout=3000)
    for plot in panel.methods.values():
        vb = plot.plot.getPlotItem().getViewBox()
        (x0, x1), (y0, y1) = vb.viewRange()
        rect = vb.boundingRect()
        # one data unit is as long on screen across as up
        assert (rect.width() / (x1 - x0)) == pytest.approx(rect.height() / (y1 - y0), rel=0.02)
    # the probability has a colour scale with its name, over all three images
    assert panel.colorbar_title.text() == "P(class 1)" and panel.colorbar_box.isVisible()
    assert not panel.methods["mini_batch"].val_points.isVisible()
    panel.validation_check.setChecked(True)
    assert all(p.val_points.isVisible() and len(p.val_points.data) > 0
               for p in panel.methods.values())
    # the dark theme and the presentation scale reach every plot
    panel.apply_theme(DARK)
    panel.set_font_scale(2.0)
    for plot in [*(p.plot for p in panel.methods.values()), panel.loss, panel.distance]:
        assert plot.backgroundBrush().color().name() == DARK.background.lower()
    axis = panel.loss.getPlotItem().getAxis("bottom")
    assert axis.style["tickFont"].pointSize() >= 18
    assert panel.font().pointSizeF() > 1.5 * QApplication_font_size()


def QApplication_font_size():
    from PySide6.QtWidgets import QApplication
    return QApplication.font().pointSizeF()
