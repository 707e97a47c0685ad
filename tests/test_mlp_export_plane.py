"""A real-network still lays the plane as the window does and frames the trajectories."""
import dataclasses

import numpy as np
import pytest

pytest.importorskip("torch")

from gdviz.scenario import load  # noqa: E402
from gdviz.export.job import ExportJob, ExportSpec  # noqa: E402
from gdviz.mlp.plane_policy import plane_needs_relay  # noqa: E402


def small_moons():
    s = load("mlp-moons").with_changes(n_examples=120, batch_size=16)
    return s.with_changes(mlp=dataclasses.replace(s.mlp, device="cpu", hidden=(8, 8)))


def test_still_of_the_real_network_is_on_the_windows_plane_and_frames_the_runs(qapp, tmp_path):
    job = ExportJob(ExportSpec(small_moons(), tmp_path / "x.png", size=(480, 320), seconds=4))
    shown = []
    job._frame_hook = lambda _k, image: shown.append(job._sim.snapshot())
    job.run()
    snap = shown[0]
    # the plane the window's rule would keep: no method has left it far behind
    assert job._sim.plane_version > 1
    assert not plane_needs_relay(snap)
    # the view is the trajectories' box (with a margin), not the whole plane around a dot
    frame = np.array(job._frame)
    trails = np.vstack([m.trail for m in snap.methods])
    assert np.all(trails.min(axis=0) >= frame[:, 0]) and np.all(trails.max(axis=0) <= frame[:, 1])
    spread = trails.max(axis=0) - trails.min(axis=0)
    assert spread[0] > 0.5 * (frame[0, 1] - frame[0, 0])
    assert (tmp_path / "x.png").stat().st_size > 5_000


def test_a_clip_of_the_real_network_lays_the_plane_anew_as_the_window_does(qapp, tmp_path):
    spec = ExportSpec(small_moons(), tmp_path / "x.mp4", size=(160, 120), seconds=7, fps=2)
    job = ExportJob(spec)
    versions = []
    job._frame_hook = lambda _k, _image: versions.append(job._renderer.canvas._view.version)
    job.run()
    # the picture followed the engine's new planes, no more often than the window's interval
    assert versions[-1] > versions[0]
    changes = [k for k in range(1, len(versions)) if versions[k] != versions[k - 1]]
    assert all(b - a >= 3 * spec.fps for a, b in zip(changes, changes[1:]))
    assert versions[-1] == job._sim.plane_version     # the last frame shows the engine's plane


def test_a_still_of_the_real_network_is_at_equal_scale_in_plain_units_and_filled(qapp, tmp_path):
    job = ExportJob(ExportSpec(small_moons(), tmp_path / "x.png", size=(640, 360), seconds=4))
    seen = {}

    def look(_k, _image):
        canvas = job._renderer.canvas
        plot = canvas.getPlotItem()
        box = plot.getViewBox()
        seen["units"] = box.viewPixelSize()      # plane units per pixel along each axis
        seen["axes"] = [(plot.getAxis(n).autoSIPrefixScale, plot.getAxis(n).labelString())
                        for n in ("left", "bottom")]
        seen["view"] = box.viewRange()
        seen["image"] = canvas.image.mapRectToView(canvas.image.boundingRect())

    job._frame_hook = look
    job.run()
    ux, uy = seen["units"]
    assert abs(ux / uy - 1) < 0.02        # one unit as long on axis 1 as on axis 2
    for scale, label in seen["axes"]:     # no "(x0.001)": the tick labels are the units
        assert scale == 1.0 and "x0" not in label
    # the landscape's picture fills the view: no empty band beside the plane at equal scale
    (vx0, vx1), (vy0, vy1) = seen["view"]
    rect = seen["image"]
    tol = 0.02 * (vx1 - vx0)
    assert rect.left() <= vx0 + tol and rect.right() >= vx1 - tol
    assert rect.top() <= vy0 + tol and rect.bottom() >= vy1 - tol

def test_the_windows_canvas_draws_the_plane_at_equal_scale_and_analytic_landscapes_not(qtbot):
    from gdviz.ui.canvas import ContourCanvas
    from gdviz.ui.contours import landscape_view
    sim = small_moons().build()
    canvas = ContourCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(700, 300)
    canvas.show()
    canvas.set_landscape(landscape_view(sim.landscape, 24, sim.plane_version))
    qtbot.wait(10)
    ux, uy = canvas.getPlotItem().getViewBox().viewPixelSize()
    assert abs(ux / uy - 1) < 0.02
    canvas.set_landscape(landscape_view(load("default").build().landscape, 40))
    assert not canvas.getPlotItem().getViewBox().state["aspectLocked"]
