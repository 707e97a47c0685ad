"""What the canvas says about its colours and, in MLP mode, about the plane (offscreen)."""
import re

import numpy as np
import pytest

from gdviz.scenario import load
from gdviz.ui.canvas import ContourCanvas
from gdviz.ui.contours import color_scale, landscape_view


def test_linear_colour_bar_is_labelled_in_j():
    sim = load("default").build()
    view = landscape_view(sim.landscape, 60)
    assert not view.log_scaled
    scale = color_scale(view)
    assert "linear" in scale.title
    lo, hi = scale.levels
    assert (lo, hi) == (pytest.approx(np.nanmin(view.image)), pytest.approx(np.nanmax(view.image)))
    z_min = np.nanmin(view.Z)
    assert len(scale.ticks) >= 3
    for value, label in scale.ticks:      # a tick labelled J sits where the image shows J
        assert lo <= value <= hi
        assert value + z_min == pytest.approx(float(label), rel=1e-3)


def test_log_colour_bar_says_log_and_ticks_decades_of_j_above_its_minimum():
    s = load("default").with_changes(function="exp(x) + (y - 1)**2", xlim=(-3, 12), ylim=(-3, 4))
    view = landscape_view(s.build().landscape, 80)
    assert view.log_scaled
    scale = color_scale(view)
    assert "log scale" in scale.title and "min J" in scale.title
    z_min = np.nanmin(view.Z)
    for value, label in scale.ticks:
        excess = float(label.replace("1e", "1e+")) if "e" in label else float(label)
        # the image pixel whose J - min J is that decade has this value
        j, i = np.unravel_index(np.nanargmin(np.abs(view.Z - z_min - excess)), view.Z.shape)
        assert view.image[j, i] == pytest.approx(value, abs=0.05 * (1 + abs(value)))
    assert len(scale.ticks) >= 3


def test_canvas_draws_a_colour_bar_with_the_scale(qtbot):
    canvas = ContourCanvas()
    qtbot.addWidget(canvas)
    sim = load("default").build()
    canvas.set_landscape(landscape_view(sim.landscape, 60))
    canvas.show_snapshot(sim.snapshot())
    bar = canvas.colorbar
    assert bar.isVisible() and "linear scale" in bar.axis.labelText
    assert tuple(bar.levels()) == pytest.approx(canvas.color_scale.levels)
    assert [t[1] for t in bar.axis._tickLevels[0]] == [t[1] for t in canvas.color_scale.ticks]
    assert canvas.getPlotItem().titleLabel.text in ("", None)    # no plane note here


def test_mlp_canvas_shows_each_networks_loss_beside_the_planes(qtbot):
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)      # as the app runs it: faster for tiny kernels on a busy machine
    from gdviz.core.simulation import Hyper
    from gdviz.mlp.datasets import make_dataset
    from gdviz.mlp.model import to_module
    from gdviz.mlp.simulation import MlpSimulation
    ds = make_dataset("moons", 120, 0.15, seed=1)
    sim = MlpSimulation(ds, 16, Hyper(lr=0.05, optimizer="adam", epochs=4), hidden=(8, 8),
                        device="cpu")
    sim.advance_to(240)
    sim.recompute_plane()
    canvas = ContourCanvas()
    qtbot.addWidget(canvas)
    canvas.set_landscape(landscape_view(sim.landscape, 24))
    snap = sim.snapshot()
    canvas.show_snapshot(snap)
    title = canvas.getPlotItem().titleLabel.text
    assert "projection" in title
    for run in sim.runs:
        name = {"full_batch": "Full batch", "mini_batch": "Mini-batch",
                "stochastic": "Stochastic"}[run.key]
        found = re.search(name + r"</b> ([\d.e+-]+) \| ([\d.e+-]+)", title)
        loss, plane = map(float, found.groups())
        model = to_module(sim.spec, torch.tensor(run.w, dtype=torch.float32))
        with torch.no_grad():
            ref = float(torch.nn.BCEWithLogitsLoss()(model(sim.x), sim.y))
        assert loss == pytest.approx(ref, rel=2e-3)           # shown to 3 digits
        drawn = float(sim.landscape.loss(run.theta))          # the surface under the marker
        assert plane == pytest.approx(drawn, rel=2e-3)
    # the next frames change only the numbers: set without a relayout, the same as setTitle
    sim.advance_to(300)
    later = sim.snapshot()
    canvas.show_snapshot(later)
    fresh = ContourCanvas()
    qtbot.addWidget(fresh)
    fresh.set_landscape(landscape_view(sim.landscape, 24))
    fresh.show_snapshot(later)
    shown, made = canvas.getPlotItem().titleLabel, fresh.getPlotItem().titleLabel
    assert shown.text != title and shown.text == made.text
    assert shown.item.toHtml() == made.item.toHtml()
    torch.set_num_threads(threads)
