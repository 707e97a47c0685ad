"""The seed ensemble: each copy is the mini-batch run `simulate` makes with its seed on the same
data (bit for bit, through B changes mid-epoch), it follows the live run, and the window draws it."""
import numpy as np
import pytest

from gdviz import scenario as sc
from gdviz.core.ensemble import ensemble_for, spread
from gdviz.experiment import Experiment


@pytest.mark.parametrize("optimizer,drop_last", [("sgd", False), ("momentum", True),
                                                 ("adam", False)])
def test_each_copy_is_the_mini_batch_run_of_its_seed(optimizer, drop_last):
    s = sc.load("default").with_changes(n_examples=60, batch_size=7, optimizer=optimizer,
                                        drop_last=drop_last)
    landscape = s.make_landscape()
    ensemble = ensemble_for(s, landscape, 4)
    runs = [s.with_changes(seed=s.seed + k).build(landscape).run("mini_batch") for k in range(4)]
    for t in range(120):
        for when, b in ((20, 13), (50, 60), (70, 1)):   # the slider moves, mid-epoch too
            if t == when:
                for r in runs:
                    r.set_batch_size(b)
        for r in runs:
            r.step()
        ensemble.follow(runs[0])
        assert ensemble.updates == runs[0].updates
        np.testing.assert_array_equal(ensemble.theta, [r.theta for r in runs])
    rms, centre = spread(ensemble.theta)
    thetas = np.array([r.theta for r in runs])
    assert rms == pytest.approx(np.sqrt(np.mean(np.sum((thetas - thetas.mean(0)) ** 2, 1))))


def test_the_experiment_keeps_the_ensemble_level_with_the_live_run():
    experiment = Experiment(sc.load("default").with_changes(n_examples=80, batch_size=8))
    experiment.sync()
    sim = experiment.sim
    sim.advance_to(30)
    snap = experiment.ensemble_snapshot(5, budget_s=None)
    mini = sim.run("mini_batch")
    assert snap.updates == mini.updates and snap.copies == 5 and snap.behind == 0
    np.testing.assert_array_equal(snap.thetas[0], mini.theta)       # copy 0: the run itself
    assert snap.lr_over_b == pytest.approx(mini.current_lr() / 8)
    experiment.apply({"batch_size": 20, "lr": 0.05})
    experiment.sync()                                                 # live: same run
    sim.advance_to(60)
    snap = experiment.ensemble_snapshot(5, budget_s=None)
    np.testing.assert_array_equal(snap.thetas[0], mini.theta)
    assert (snap.batch_size, snap.lr) == (20, 0.05)
    experiment.apply({"seed": 3})                                     # a new run: new copies
    experiment.sync()
    snap = experiment.ensemble_snapshot(5, budget_s=None)
    assert snap.updates == 0 and experiment.sim.run("mini_batch").updates == 0


def test_the_window_draws_the_ensemble_and_its_spread(qtbot):
    from gdviz.ui.main_window import MainWindow
    w = MainWindow(sc.load("default").with_changes(n_examples=100, batch_size=10))
    try:
        w.resize(1280, 860)
        w.show()
        qtbot.waitExposed(w)
        assert w.actions_["seed_ensemble"].shortcut().toString() == "E"
        w.actions_["seed_ensemble"].trigger()
        for _ in range(5):
            w.cmd_step.emit()
        qtbot.waitUntil(lambda: w.overlays.ensemble is not None
                        and w.overlays.ensemble.updates >= 5, timeout=10_000)
        x, y = w.overlays.ensemble_layer.dots.getData()
        assert len(x) == 32
        ens = w.overlays.ensemble
        np.testing.assert_array_equal(np.c_[x, y], ens.thetas)
        note = w.overlays.note.toPlainText()
        assert f"spread (RMS about their mean) = {ens.spread:.3g}" in note
        assert f"η/B = {ens.lr:.3g}/10" in note
        w.actions_["seed_ensemble"].trigger()
        assert not w.overlays.ensemble_layer.dots.isVisible()
    finally:
        w.close()


def test_catching_up_is_bounded_and_said():
    s = sc.load("default").with_changes(n_examples=64, batch_size=4)
    sim = s.build()
    run = sim.run("mini_batch")
    for _ in range(40):
        run.step()
    ensemble = ensemble_for(s, sim.landscape, 3)
    ensemble.follow(run, max_updates=25, budget_s=None)
    assert ensemble.updates == 25 and ensemble.snapshot(run.updates - 25).behind == 15
    ensemble.follow(run, budget_s=0.0)           # a spent budget still takes one update
    assert ensemble.updates == 26
    ensemble.follow(run, budget_s=None)
    np.testing.assert_array_equal(ensemble.theta[0], run.theta)
