import numpy as np
import pytest

from gdviz.core.landscapes import make_landscape
from gdviz.core.noise import measured_noise, noise_stats, predicted_noise
from gdviz.scenario import load
from gdviz.core.simulation import Hyper, Simulation


def small_sim(batch_size=8, lr=0.05, clock="updates", seed=0, optimizer="sgd", epochs=3.0):
    landscape = make_landscape("regression", 64, seed=1)
    starts = {"full_batch": (-1.0, 3.0), "mini_batch": (-1.0, 3.0), "stochastic": (-1.0, 3.0)}
    return Simulation(landscape, batch_size, starts, Hyper(lr=lr, optimizer=optimizer, epochs=epochs),
                      seed=seed, clock_kind=clock)


def thetas(records):
    return np.array([r.theta for r in records])


def test_mini_batch_of_size_n_follows_the_full_batch_path():
    sim = small_sim(batch_size=64)
    out = sim.run_to_end()
    np.testing.assert_array_equal(thetas(out["full_batch"]), thetas(out["mini_batch"]))


def test_same_seed_bit_identical_other_seed_differs():
    a = small_sim(seed=5).run_to_end()
    b = small_sim(seed=5).run_to_end()
    c = small_sim(seed=6).run_to_end()
    for key in a:
        assert thetas(a[key]).tobytes() == thetas(b[key]).tobytes()
    assert thetas(a["stochastic"]).tobytes() != thetas(c["stochastic"]).tobytes()


def test_every_epoch_uses_each_example_once():
    sim = small_sim(batch_size=10)
    records = sim.run_to_end()["mini_batch"]
    per_epoch = 7  # ceil(64/10)
    for e in range(3):
        used = np.concatenate([r.batch for r in records[e * per_epoch:(e + 1) * per_epoch]])
        assert sorted(used.tolist()) == list(range(64))
    assert [len(r.batch) for r in records[:per_epoch]] == [10] * 6 + [4]


def test_step_record_is_honest():
    sim = small_sim(batch_size=8)
    rec = sim.run("mini_batch").step()
    landscape = sim.landscape
    start = np.array([-1.0, 3.0])
    np.testing.assert_allclose(rec.grad_estimate, landscape.batch_grad(start, rec.batch))
    np.testing.assert_allclose(rec.theta, start - 0.05 * rec.grad_estimate)
    # estimate and truth at the point where the step began; loss where it ended
    np.testing.assert_array_equal(rec.theta_before, start)
    np.testing.assert_allclose(rec.grad_full, landscape.grad(start))
    assert rec.batch_loss == pytest.approx(float(landscape.batch_loss(start, rec.batch)))
    assert rec.loss == pytest.approx(float(landscape.loss(rec.theta)))
    assert rec.examples_seen == 8 and rec.update == 1


@pytest.mark.parametrize("clock,target,expected", [("updates", 5, (5, 5, 5)),
                                                   ("examples", 64, (1, 2, 64)),
                                                   ("examples", 63, (0, 1, 63))])
def test_clock_keeps_methods_on_equal_terms(clock, target, expected):
    sim = small_sim(batch_size=32, clock=clock, epochs=10)
    sim.advance_to(target)
    assert tuple(r.updates for r in sim.runs) == expected


def test_hardware_clock_favours_batches():
    sim = small_sim(batch_size=32, clock="hardware")
    sim.advance_to(0.05)
    full, mini, sgd = (r.examples_seen for r in sim.runs)
    # per unit of simulated time a batch of 32 processes far more examples than single steps
    assert mini > 5 * sgd


def test_step_tick_advances_to_the_next_update():
    sim = small_sim(batch_size=4, clock="examples")
    recs = sim.step_tick()
    assert [r.method for r in recs] == ["stochastic"]


def test_divergence_flags_one_method_and_others_continue():
    landscape = make_landscape("regression", 64, seed=1)
    starts = {k: (-1.0, 3.0) for k in ("full_batch", "mini_batch", "stochastic")}
    sim = Simulation(landscape, 8, starts, Hyper(lr=0.6, epochs=2), seed=0, clock_kind="updates")
    out = sim.run_to_end()
    statuses = {r.key: r.status for r in sim.runs}
    assert statuses["stochastic"] == "diverged"
    assert statuses["full_batch"] == "finished"
    assert len(out["full_batch"]) == 2
    snap = sim.snapshot()
    assert np.all(np.isfinite(snap.method("stochastic").trail))


def test_batch_size_and_lr_change_without_reset():
    sim = small_sim(batch_size=8)
    sim.advance_to(3)
    before = sim.run("mini_batch").theta.copy()
    sim.set_batch_size(16)
    sim.set_hyper(Hyper(lr=0.01, epochs=3))
    rec = sim.advance_to(4)
    mini = [r for r in rec if r.method == "mini_batch"][0]
    assert len(mini.batch) == 16 and mini.lr == 0.01
    np.testing.assert_allclose(mini.theta, before - 0.01 * mini.grad_estimate)
    assert sim.run("mini_batch").updates_per_epoch == 4


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "rmsprop", "adam"])
def test_every_optimizer_descends(name):
    sim = small_sim(batch_size=64, lr=0.05, optimizer=name, epochs=60)
    run = sim.run("full_batch")
    start = run.loss
    sim.run_to_end()
    assert run.loss < start


def test_noise_law_measured_against_prediction():
    landscape = make_landscape("regression", 1000, seed=2)
    theta = np.array([0.0, 3.0])
    stats = noise_stats(landscape, theta)
    rng = np.random.default_rng(123)
    for b in (1, 4, 16, 64, 256, 900):
        measured = measured_noise(landscape, theta, b, rng, draws=4000)
        predicted = stats.predicted(1000, b)
        # 4000 draws: the relative standard error is a few percent; allow 12 %
        assert measured == pytest.approx(predicted, rel=0.12), b
    assert predicted_noise(stats.trace_sigma, 1000, 1000) == 0.0
    assert stats.noise_scale > 0


def test_snapshot_is_a_copy():
    sim = small_sim()
    snap = sim.snapshot()
    sim.advance_to(10)
    assert snap.method("mini_batch").updates == 0
    assert len(snap.method("mini_batch").trail) == 1


def test_trail_stays_bounded():
    from gdviz.core.trail import Trail
    trail = Trail(2, capacity=64)
    for i in range(10_000):
        trail.append((i, -i))
    arr = trail.array()
    assert len(arr) <= 65
    assert arr[0, 0] == 0 and arr[-1, 0] == 9999
    assert np.all(np.diff(arr[:, 0]) > 0)


def test_default_scenario_draws_seed_001_picture():
    scenario = load("default")
    sim = scenario.build()
    starts = {r.key: r.start for r in sim.runs}
    (x0, x1), (y0, y1) = sim.landscape.bounds
    minimum = sim.landscape.minima[0]
    assert starts["full_batch"][0] < minimum[0] and starts["full_batch"][1] > minimum[1]  # upper left
    assert starts["mini_batch"][1] < minimum[1]                                           # below
    assert starts["stochastic"][0] > minimum[0]                                           # right
    records = sim.run_to_end()
    for r in sim.runs:
        assert r.status == "finished"
        # all three end in the same basin: the last epoch's iterates hover around the minimum
        last_epoch = thetas(records[r.key][-r.updates_per_epoch:])
        assert np.linalg.norm(last_epoch.mean(axis=0) - minimum) < 0.3, r.key
        assert np.linalg.norm(r.theta - minimum) < 1.5, r.key
    # smooth, wavy, noisy: how much each path turns from step to step
    def wiggle(run):
        path = run.trail.array()[:400]
        d = np.diff(path, axis=0)
        cos = np.sum(d[1:] * d[:-1], axis=1) / (np.linalg.norm(d[1:], axis=1) * np.linalg.norm(d[:-1], axis=1) + 1e-12)
        return 1 - np.mean(cos)
    full, mini, sgd = (wiggle(r) for r in sim.runs)
    assert full < mini < sgd


def test_a_budget_keeps_the_methods_level():
    sim = small_sim(batch_size=8, epochs=50)
    for _ in range(5):
        sim.advance_to(1000, max_updates=30)
    counts = [r.updates for r in sim.runs]
    assert max(counts) - min(counts) <= 1 and sum(counts) == 150
    assert sim.clock_value == max(counts)  # the clock moved only as far as the updates taken
