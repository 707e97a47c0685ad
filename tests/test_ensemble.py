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
        from gdviz.ui.overlays import sig3
        assert ens.theory is not None and (
            f"theory once settled: {sig3(ens.theory.reshuffled)} with each epoch reshuffled "
            f"(as here), {sig3(ens.theory.independent)} if every batch were drawn afresh") in note
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


def _loop_covariances(H, S, n, lr, b, drop_last):
    """The theory's two traces the plain way: the reshuffled recursion update by update."""
    from gdviz.core.ensemble import epoch_batch_sizes
    a = np.eye(2) - lr * H
    sizes = epoch_batch_sizes(n, b, drop_last)
    x, g, xs, powers = np.zeros((2, 2)), np.zeros((2, 2)), [], [np.eye(2)]
    for size in sizes:
        c = S * (n - size) / (size * (n - 1))
        x = a @ x @ a.T + c - (a @ g @ S + S @ g.T @ a.T) / (n - 1)
        g = a @ g + np.eye(2)
        xs.append(x)
        powers.append(a @ powers[-1])
    au = powers[-1]
    p0 = lr * lr * xs[-1]
    for _ in range(20_000):                     # the Lyapunov equation by plain iteration
        p0 = au @ p0 @ au.T + lr * lr * xs[-1]
    resh = np.mean([np.trace(powers[m] @ p0 @ powers[m].T) + lr * lr * np.trace(xs[m - 1])
                    for m in range(1, len(sizes) + 1)])
    p = np.zeros((2, 2))
    for _ in range(20_000):
        p = a @ p @ a.T + lr * lr * S * (n - b) / (b * (n - 1))
    return resh, np.trace(p)


@pytest.mark.parametrize("n,b,drop_last,lr", [(50, 7, False, 0.2), (50, 7, True, 0.2),
                                              (64, 8, False, 0.05), (30, 1, False, 0.5),
                                              (40, 40, False, 0.3)])
def test_the_theory_s_closed_form_is_the_update_by_update_recursion(n, b, drop_last, lr):
    from gdviz.core.ensemble import stationary_covariances
    rng = np.random.default_rng(n + b)
    q = rng.normal(size=(2, 2))
    H = q @ q.T + 0.3 * np.eye(2)
    r = rng.normal(size=(n, 2))
    S = np.cov(r.T, bias=True)
    got = stationary_covariances(H, S, n, lr, b, drop_last)
    want = _loop_covariances(H, S, n, lr, b, drop_last)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-15)


def test_the_independent_batch_theory_matches_copies_that_draw_batches_afresh():
    """Copies whose every batch is a fresh draw (without replacement) settle at the
    independent-batch spread; the reshuffled theory is the smaller one the ensemble shows."""
    from gdviz.core.ensemble import spread_theory
    s = sc.load("lesson-8-eta-and-b")
    landscape = s.make_landscape()
    lr, b, copies = 0.05, 16, 128
    rng = np.random.default_rng(5)
    theta = np.tile(landscape.minima[0], (copies, 1))
    values = []
    for k in range(1600):
        idx = np.argpartition(rng.random((copies, landscape.n)), b, axis=1)[:, :b]
        theta = theta - lr * landscape.batch_grad(theta, idx)
        if k >= 600:
            values.append(np.mean(np.sum((theta - theta.mean(0)) ** 2, axis=1)))
    measured = float(np.sqrt(np.mean(values)))
    theory = spread_theory(landscape, landscape.minima[0], lr, b, copies)
    assert measured == pytest.approx(theory.independent, rel=0.05)
    assert theory.reshuffled < 0.85 * theory.independent


def test_the_theory_is_given_for_plain_sgd_only():
    s = sc.load("lesson-8-eta-and-b")
    landscape = s.make_landscape()
    ens = ensemble_for(s, landscape, 4)
    ens.step()
    t = ens.snapshot().theory
    assert t is not None and t.batch_size == 8 and t.lr == 0.05 and t.copies == 4
    ens.set_hyper(s.with_changes(optimizer="momentum").hyper())
    assert ens.snapshot().theory is None
    assert ensemble_for(s, landscape, 4).theory(np.array([np.nan, 0.0])) is None


def test_past_the_stability_limit_the_note_says_there_is_no_stationary_spread():
    from gdviz.core.ensemble import spread_theory
    from gdviz.ui.overlays import theory_note
    s = sc.load("lesson-8-eta-and-b")
    landscape = s.make_landscape()
    t = spread_theory(landscape, landscape.minima[0], 1.0, 8, 32)   # 2/λ_max ≈ 0.68
    assert np.isinf(t.reshuffled) and np.isinf(t.independent)
    ens = ensemble_for(s.with_changes(lr=1.0), landscape, 4)
    ens.step()
    assert "past the stability limit" in theory_note(ens.snapshot())
