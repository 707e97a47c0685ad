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


def shown_panel(qtbot, sim) -> MlpPanel:
    """A shown panel that has drawn *sim*'s snapshot."""
    panel = MlpPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 620)
    panel.show()
    panel.update_snapshot(sim.snapshot())
    return panel


def test_panel_shows_boundaries_losses_distances_and_device(qtbot, tmp_path):
    panel = shown_panel(qtbot, tiny_sim())
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


def test_a_snapshot_with_the_same_values_touches_nothing(qtbot, monkeypatch):
    """Redrawing costs a relayout or a repaint: only parts whose values changed are set again."""
    ds = make_dataset("moons", 120, 0.15, seed=1)
    sim = MlpSimulation(ds, 16, Hyper(lr=0.01, optimizer="adam", epochs=20), hidden=(8, 8),
                        device="cpu")
    sim.advance_to(40)
    panel = MlpPanel()
    qtbot.addWidget(panel)
    panel.resize(520, 900)
    panel.show()
    panel.update_snapshot(sim.snapshot())
    calls = []
    for key, plot in panel.methods.items():
        monkeypatch.setattr(plot.image, "setImage", lambda *a, k=key, **kw: calls.append(k))
    for item in [*panel.loss_lines.values(), *panel.val_lines.values()]:
        original = item.setData
        monkeypatch.setattr(item, "setData",
                            lambda *a, f=original, **kw: (calls.append("curve"), f(*a, **kw)))
    monkeypatch.setattr(panel.header, "setText", lambda text: calls.append("header"))
    monkeypatch.setattr(panel.bars, "setOpts", lambda **kw: calls.append("bars"))
    panel.update_snapshot(sim.snapshot())           # a new snapshot, the same weights
    assert calls == []
    sim.advance_by(1)                                # the stochastic network takes one update
    panel.update_snapshot(sim.snapshot())
    assert "stochastic" in calls and "curve" in calls and "bars" in calls
    assert "full_batch" not in calls and "header" not in calls


def test_loss_curves_keep_every_spike_and_the_newest_point(qtbot):
    from gdviz.ui.panels.mlp_view import peak_points
    rng = np.random.default_rng(3)
    x = np.arange(5003, dtype=float)
    y = rng.random(5003)
    y[[17, 2222, 4998]] = [9.0, -4.0, 7.5]          # spikes, one among the last points
    px, py = peak_points(x, y, 200)
    assert len(px) <= 2 * 200 + 30
    assert (px[0], py[0]) == (x[0], y[0]) and (px[-1], py[-1]) == (x[-1], y[-1])
    assert np.all(np.diff(px) > 0)                   # in order, each point a point of the curve
    np.testing.assert_array_equal(py, y[px.astype(int)])
    assert {9.0, -4.0, 7.5} <= set(py)
    per = len(x) // 200
    for start in range(0, 200 * per, per):           # each column's lowest and highest stay
        block = y[start:start + per]
        assert block.min() in py and block.max() in py
    short = np.arange(50.0)
    assert peak_points(short, short, 200)[0] is short   # few points: all of them


def test_the_panel_draws_the_loss_curves_to_their_newest_value(qtbot):
    sim = tiny_sim()
    panel = MlpPanel()
    qtbot.addWidget(panel)
    panel.resize(300, 700)
    panel.show()
    snap = sim.snapshot()
    panel.update_snapshot(snap)
    for m in snap.methods:
        xs, ys = panel.loss_lines[m.key].getData()
        assert (xs[-1], ys[-1]) == tuple(m.loss_curve[-1])


def test_the_worker_looks_at_its_time_budget_every_few_network_updates(qapp, monkeypatch):
    """A network update costs ~0.5 ms on a CPU: 256 of them between looks at the clock held
    one frame for 160 ms (4 drawn frames a second in the window)."""
    import time

    from gdviz.experiment import Experiment
    from gdviz.scenario import load
    from gdviz.ui import worker as worker_module
    experiment = Experiment(load("mlp-moons").with_changes(n_examples=120, batch_size=16))
    worker = worker_module.SimulationWorker(experiment, speed=worker_module.MAX_SPEED)
    worker.sync()
    sim = experiment.sim
    asked = []
    original = sim.advance_to
    monkeypatch.setattr(sim, "advance_to",
                        lambda t, max_updates=None: (asked.append(max_updates),
                                                     original(t, max_updates))[1])
    worker.play()
    worker._last_time = time.perf_counter() - 0.25     # a quarter second to catch up on
    worker._on_frame()
    assert asked and set(asked) == {worker_module.MLP_UPDATES_PER_CHECK}
    assert worker_module.MLP_UPDATES_PER_CHECK <= 4
    assert sum(r.updates for r in sim.runs) >= 1


def test_the_networks_noise_is_measured_at_most_once_a_second(qapp, monkeypatch):
    """A network's measurement holds the worker ~30 ms; the window shows it once a second."""
    from types import SimpleNamespace

    from gdviz.experiment import Experiment
    from gdviz.scenario import load
    from gdviz.ui import worker as worker_module
    experiment = Experiment(load("mlp-moons").with_changes(n_examples=120, batch_size=16))
    worker = worker_module.SimulationWorker(experiment)
    worker.sync()
    clock = [100.0]
    monkeypatch.setattr(worker_module, "time", SimpleNamespace(perf_counter=lambda: clock[0]))
    measured = []
    monkeypatch.setattr(experiment, "measure_noise", lambda key, rng: measured.append(clock[0]))
    for t in (100.0, 100.3, 100.6, 100.9, 101.2, 101.5, 102.3):
        clock[0] = t
        worker._on_frame()
    assert measured == [100.0, 101.2, 102.3]


def test_a_new_planes_picture_is_drawn_while_the_runs_go_on(qapp, monkeypatch):
    """Its grid (~0.3 s of forward passes) held every frame; now the runs and their snapshots
    go on on the plane drawn, and the new plane, its picture and the next snapshot come
    together."""
    import concurrent.futures
    import time

    from gdviz.experiment import Experiment
    from gdviz.scenario import load
    from gdviz.ui import worker as worker_module

    class Later:                 # a pool whose job runs when the test says so
        def __init__(self, *a, **kw):
            self.jobs = []

        def submit(self, fn, *args, **kw):
            future = concurrent.futures.Future()
            self.jobs.append((fn, args, kw, future))
            return future

        def shutdown(self, **kw):
            pass

    monkeypatch.setattr(concurrent.futures, "ThreadPoolExecutor", Later)
    experiment = Experiment(load("mlp-moons").with_changes(n_examples=120, batch_size=16))
    worker = worker_module.SimulationWorker(experiment, speed=worker_module.MAX_SPEED)
    seen = []
    worker.snapshot_ready.connect(lambda s: seen.append(("snapshot", s.extra.plane_version)))
    worker.landscape_ready.connect(lambda v: seen.append(("landscape", v)))
    worker.sync()
    sim = experiment.sim
    worker.play()

    def frame():
        worker._last_time = time.perf_counter() - 0.05
        worker._last_emit = -1.0
        worker._on_frame()
        worker.frame_drawn()

    frame()
    if worker._relay is None:               # (the runs may have left the plane already)
        worker._start_relay(sim.propose_plane())
    version = sim.plane_version
    fn, args, kw, future = worker._relay_pool.jobs[-1]
    assert future is worker._relay[2] and len(worker._relay_pool.jobs) == 1
    updates = sum(r.updates for r in sim.runs)
    seen.clear()
    for _ in range(3):
        frame()
    assert sum(r.updates for r in sim.runs) > updates            # the runs went on
    assert seen and all(s == ("snapshot", version) for s in seen)  # on the plane drawn
    future.set_result(fn(*args, **kw))
    seen.clear()
    frame()
    assert sim.plane_version == version + 1
    assert [k for k, _ in seen] == ["landscape", "snapshot"] and seen[1][1] == version + 1
    assert seen[0][1].xs[0] == sim.landscape.bounds[0][0]        # the picture of that plane


def test_the_distance_plots_top_tick_label_is_not_cut_by_the_widgets_edge(qtbot):
    """The bars' axis ends on a round tick; half of its label lay above the widget's top edge."""
    panel = shown_panel(qtbot, tiny_sim())
    qtbot.wait(20)
    image = panel.distance.grab().toImage()
    background = image.pixelColor(image.width() - 2, 0)
    top_rows = {image.pixelColor(x, y).rgb() for y in range(2) for x in range(image.width())}
    assert top_rows == {background.rgb()}          # nothing drawn against the top edge


def _paused_network_worker(monkeypatch):
    from gdviz.experiment import Experiment
    from gdviz.scenario import load
    from gdviz.ui import worker as worker_module
    experiment = Experiment(load("mlp-moons").with_changes(n_examples=120, batch_size=16))
    worker = worker_module.SimulationWorker(experiment)
    worker.sync()
    events = []
    worker.snapshot_ready.connect(lambda s: events.append("snapshot"))
    worker.landscape_ready.connect(lambda v: events.append("landscape"))
    monkeypatch.setattr(experiment, "measure_noise", lambda key, rng: None)
    return worker, events


def test_a_reshaped_views_plane_waits_until_the_window_has_drawn(qapp, monkeypatch):
    """A real network's first snapshot reveals the Network dock, which reshapes the canvas's
    view; paused, the worker drew the plane for the new shape (~0.3 s of forward passes)
    while the window drew and painted that snapshot, and the two took turns on the GIL (the
    paint turn after a start-up's first frame doubled, to ~0.28 s)."""
    worker, events = _paused_network_worker(monkeypatch)
    worker._on_frame()
    assert events[-1] == "snapshot"           # sent: the window is drawing it now
    events.clear()
    worker.set_view_aspect(2.5)               # the dock appeared: the view is wider
    worker._on_frame()
    worker._on_frame()
    assert "landscape" not in events          # not while the window draws
    worker.frame_drawn()
    worker._on_frame()
    assert "landscape" in events               # at once after it


def test_a_planes_new_picture_starts_once_the_window_has_drawn(qapp, monkeypatch):
    """The picture of a proposed plane is drawn in another thread; started as the snapshot
    went out, it took the GIL from the window drawing that snapshot (a run's first frame:
    0.2 s became 0.45-0.6 s)."""
    worker, events = _paused_network_worker(monkeypatch)
    proposal = object()
    monkeypatch.setattr(worker.experiment, "propose_plane", lambda snap, t: proposal)
    started = []
    monkeypatch.setattr(worker, "_start_relay", lambda p: started.append(
        (p, worker._view_ready.is_set())))
    worker._dirty = True
    worker._on_frame()
    assert events[-1] == "snapshot" and started == []
    worker.frame_drawn()
    worker._on_frame()
    assert started == [(proposal, True)]


def test_the_network_dock_is_made_before_the_run_starts_importing_torch(qtbot, monkeypatch):
    """A switch to a real-network scenario made the Network dock while the run's thread
    imported torch; the two took turns on the GIL and the dock's ~0.13 s took ~0.8 s of the
    switch's turn (benchmarks/stalls.py). It is made first now."""
    from gdviz.scenario import load
    from gdviz.ui.main_window import MainWindow
    w = MainWindow(load("default"), start_worker=False)
    qtbot.addWidget(w)
    order = []
    original = w.experiment.load
    monkeypatch.setattr(w.experiment, "load", lambda s: (
        order.append(("load", w.network_dock is not None)), original(s))[1])
    w.load_scenario(load("mlp-moons"))
    assert order == [("load", True)]
    assert w.scenario.name == "mlp-moons"


@pytest.mark.parametrize("height, points", [(47, 18), (60, 24), (73, 14), (120, 30), (300, 12)])
def test_a_boundary_plots_tick_labels_never_touch(qtbot, height, points):
    """pyqtgraph asks for 2.25 intervals whatever the axis's length and type: a small
    decision-boundary plot at presentation type drew 1, 0 and -1 on top of each other. Where
    the labels fit, the ticks are pyqtgraph's own."""
    import pyqtgraph as pg
    from PySide6.QtGui import QFont

    from gdviz.ui.panels.mlp_view import _FittingAxis
    from tests.axis_ticks import tick_label_overlaps, tick_label_rects
    for low, high in [(-1.12, 1.56), (-1.93, 2.38), (-0.4, 0.35), (-12.0, 9.0)]:
        plot = pg.PlotWidget(axisItems={"left": _FittingAxis("left")})
        qtbot.addWidget(plot)
        axis = plot.getPlotItem().getAxis("left")
        axis.setStyle(tickFont=QFont("DejaVu Sans", points))
        plot.resize(200, height + 30)
        plot.setYRange(low, high, padding=0)
        plot.show()
        qtbot.waitUntil(lambda: plot.getPlotItem().getViewBox().height() > 0)
        qtbot.wait(20)                          # (the axis follows the view's new range)
        size = plot.getPlotItem().getViewBox().height()
        assert axis.range == pytest.approx([low, high]), axis.range
        labels = tick_label_rects(axis)
        assert labels, (height, points, low, high)
        assert tick_label_overlaps(plot) == [], (height, points, low, high)
        plain = pg.AxisItem.tickSpacing(axis, low, high, size)
        if tick_label_overlaps_with(plain, axis, low, high, size) == 0:
            assert axis.tickSpacing(low, high, size) == plain


def tick_label_overlaps_with(levels, axis, low, high, size) -> int:
    """How many pairs of neighbouring major labels of *levels* would touch (label height)."""
    from PySide6.QtGui import QFontMetrics
    step = levels[0][0]
    line = QFontMetrics(axis.style["tickFont"]).height() + 1
    return int(size * step / abs(high - low) < line)


def test_the_network_docks_plots_are_made_ahead_and_used_by_the_dock(qtbot, monkeypatch):
    """A switch to a real network made the Network dock's five plots in its turn (half of the
    dock's 0.1-0.13 s; benchmarks/stalls.py). An analytic window makes them ahead, a turn
    each, hidden; the dock then takes them instead of making its own."""
    from gdviz.scenario import load
    from gdviz.ui import main_window as mw
    from gdviz.ui.panels import mlp_view
    monkeypatch.setattr(mw, "NETWORK_AHEAD_MS", 10)
    monkeypatch.setattr(mlp_view, "_AHEAD", {"boundary": [], "curve": []})
    w = mw.MainWindow(load("default"))
    qtbot.addWidget(w)
    w.show()
    total = sum(mlp_view.AHEAD_COUNTS.values())
    qtbot.waitUntil(lambda: sum(len(v) for v in mlp_view._AHEAD.values()) == total,
                    timeout=10_000)
    ahead = [p for v in mlp_view._AHEAD.values() for p in v]
    assert all(p.parent() is w and not p.isVisible() for p in ahead)
    w.load_scenario(load("mlp-moons"))
    panel = w.network_panel
    used = [m.plot for m in panel.methods.values()] + [panel.loss, panel.distance]
    assert set(map(id, used)) == set(map(id, ahead))
    assert all(p.window() is w and p.parent() is not w for p in used)
    assert sum(len(v) for v in mlp_view._AHEAD.values()) == 0
    w.network_dock.show()
    qtbot.waitUntil(lambda: all(p.isVisible() for p in used), timeout=5_000)
    w.shutdown()


def test_a_plot_made_ahead_for_another_window_shows_in_this_ones_dock(qtbot, monkeypatch):
    """The plots made ahead by one window may go to the next one's dock (an export's copy):
    there they show (a plot hidden for good stayed hidden: an export's distance chart blank)."""
    from gdviz.ui.panels import mlp_view
    from PySide6.QtWidgets import QWidget
    monkeypatch.setattr(mlp_view, "_AHEAD", {"boundary": [], "curve": []})
    owner = QWidget()
    qtbot.addWidget(owner)
    owner.show()
    mlp_view.make_plots_ahead(owner)
    total = sum(mlp_view.AHEAD_COUNTS.values())
    qtbot.waitUntil(lambda: sum(len(v) for v in mlp_view._AHEAD.values()) == total,
                    timeout=10_000)
    assert not any(p.isVisible() for v in mlp_view._AHEAD.values() for p in v)
    panel = MlpPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.distance.isVisible() and panel.loss.isVisible()
                    and all(m.plot.isVisible() for m in panel.methods.values()), timeout=5_000)
