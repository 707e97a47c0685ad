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
