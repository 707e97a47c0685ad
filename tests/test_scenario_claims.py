"""Every built-in scenario's description and note, checked against what `gdviz simulate`
produces for it: `scenario.build().run_to_end()`, the same two calls `simulate` makes.

CLAIMS holds, per scenario, the text fragments whose numbers and outcomes are checked and the
function that checks them. Editing a note means editing its claims here: a fragment that is no
longer in the text fails, and so does a claim the run no longer bears out. Scenarios with the
same settings (a lesson and its free-play twin) are run once.
"""
from __future__ import annotations

import dataclasses
import math
from functools import lru_cache

import numpy as np
import pytest

from gdviz.core import METHOD_KEYS
from gdviz.core.batching import updates_per_epoch
from gdviz.scenario import builtin_scenarios, load
from gdviz.lesson import predicted_noise

TEXT_FIELDS = dict(name="", title="", description="", note="", speed=0.0, source="")


@lru_cache(maxsize=None)
def _ran(settings, methods):
    sim = settings.build()
    records = {}
    for run in sim.runs:            # run_to_end's loop, for the methods a claim is about
        if run.key in methods:
            records[run.key] = []
            while run.status == "running":
                records[run.key].append(run.step())
    return sim, records


def simulated(scenario, methods=METHOD_KEYS, **changes):
    """The simulation of *scenario* (with *changes*) with *methods* run to their end, as
    `simulate` runs them (each method on its own, so running fewer changes none), and their
    records."""
    settings = dataclasses.replace(scenario.with_changes(**changes), **TEXT_FIELDS)
    return _ran(settings, tuple(methods))


def fd_hessian(landscape, theta, h=1e-5):
    """Hessian of J by central differences of the exact full-data gradient."""
    theta = np.asarray(theta, float)
    columns = []
    for k in range(2):
        e = np.zeros(2)
        e[k] = h
        columns.append((landscape.grad(theta + e) - landscape.grad(theta - e)) / (2 * h))
    H = np.array(columns).T
    return 0.5 * (H + H.T)


def curvatures(landscape, theta):
    return np.linalg.eigvalsh(fd_hessian(landscape, theta))   # ascending


def nearest_minimum(landscape, theta) -> int:
    return int(np.argmin(np.linalg.norm(landscape.minima - np.asarray(theta), axis=1)))


def distance_to(theta, point) -> float:
    return float(np.linalg.norm(np.asarray(theta) - np.asarray(point)))


def exact_descent(landscape, start, lr=0.005, steps=4000):
    theta = np.array(start, float)
    for _ in range(steps):
        theta = theta - lr * landscape.grad(theta)
    return theta


# --- the checks, one per scenario ---------------------------------------------------------------

def three_rhythms(s):
    sim, _ = simulated(s)
    assert s.clock == "updates"       # one step per tick
    fit = sim.landscape.minima[0]
    start = {r.key: r.start for r in sim.runs}
    # "blue from the upper left, green from below, orange from the right"
    assert start["full_batch"][0] < fit[0] and start["full_batch"][1] > fit[1]
    assert start["mini_batch"][1] < fit[1]
    assert start["stochastic"][0] > fit[0] + 2
    assert [r.batch_size for r in sim.runs] == [256, 16, 1]
    # "same minimum": all finish next to the least-squares fit (the view spans ±4.5 around it)
    limits = {"full_batch": 0.1, "mini_batch": 0.1, "stochastic": 0.4}
    for r in sim.runs:
        assert r.status == "finished"
        assert distance_to(r.theta, fit) < limits[r.key], r.key


def equal_compute_counts(s):
    sim = s.build()
    assert s.clock == "examples" and sim.n == 1000
    assert [r.updates_per_epoch for r in sim.runs] == [1, 32, 1000]


def batch_slider(s):
    equal_compute_counts(s)
    assert updates_per_epoch(1000, 1) == 1000 and updates_per_epoch(1000, 1000) == 1


def noise_law(s):
    assert s.batch_size == 4 and s.n_examples == 1000
    # 4 -> 16 -> 32 -> 64 through the common sizes; "about 1/16 of the variance"
    ratio = predicted_noise(1.0, s.n_examples, 64) / predicted_noise(1.0, s.n_examples, 4)
    assert ratio == pytest.approx(1 / 16, rel=0.1)


def lr_and_batch(s):
    sim, _ = simulated(s)
    L = sim.landscape
    fit = L.minima[0]
    limit = 2 / curvatures(L, fit)[-1]
    assert f"2/λ_max ≈ {limit:.2f}" in s.note
    assert s.lr < limit
    full, mini, stochastic = sim.runs
    assert full.status == mini.status == "finished"
    assert distance_to(full.theta, fit) < 0.05 and distance_to(mini.theta, fit) < 0.2
    assert stochastic.status == "diverged"
    for rule, full_lr, within in (("sqrt", 2.0, 5), ("linear", 8.0, 3)):
        methods = ("full_batch", "stochastic") if rule == "sqrt" else ("full_batch",)
        sim, _ = simulated(s, methods, lr_scaling=rule)
        full, mini, stochastic = sim.runs
        assert full.current_lr() == pytest.approx(full_lr) and full_lr > limit
        assert full.status == "diverged" and full.updates <= within, rule
        assert mini.current_lr() == pytest.approx(s.lr)   # B = 16 is the reference
        if rule == "sqrt":   # the square-root rule rescues stochastic
            assert stochastic.current_lr() == pytest.approx(0.125)
            assert stochastic.status == "finished"
            assert distance_to(stochastic.theta, fit) < 0.2
    assert "η = 0.125" in s.note and "η = 2," in s.note and "η = 8" in s.note


def ravine(s):
    sim, records = simulated(s)
    L = sim.landscape
    low, high = curvatures(L, L.minima[0])
    assert f"2/λ_max = {2 / high:.2f}" in s.note
    assert "0.75 times" in s.note and abs(1 - s.lr * high) == pytest.approx(0.75)
    assert f"{s.lr * low:.0%}".replace("%", " %") in s.note   # progress per step along the floor
    steep = L.rot[1]   # the kappa direction of the rotated quadratic
    full = np.array([r.theta for r in records["full_batch"]]) @ steep
    # full batch bounces: the steep coordinate flips sign every step, shrinking by 0.75
    np.testing.assert_allclose(full[1:11] / full[:10], -0.75, rtol=1e-9)
    assert distance_to(sim.run("full_batch").theta, L.minima[0]) < 0.01     # ... and dies out
    for key in ("mini_batch", "stochastic"):
        run = sim.run(key)
        v = np.array([r.theta for r in records[key]]) @ steep
        late = v[-len(v) // 4:]
        flips = np.mean(np.sign(late[1:]) != np.sign(late[:-1]))
        assert run.status == "finished" and flips > 0.6, (key, flips)  # still bouncing at the end
        assert distance_to(run.theta, L.minima[0]) < 0.5


def four_minima(s):
    sim, _ = simulated(s)
    L = sim.landscape
    assert np.allclose(L.loss(L.minima), 0.0, atol=1e-9)
    ends = {r.key: nearest_minimum(L, r.theta) for r in sim.runs}
    assert all(r.status == "finished" for r in sim.runs)
    for r in sim.runs:
        assert distance_to(r.theta, L.minima[ends[r.key]]) < 0.4
    orange = sim.run("stochastic")
    exact = nearest_minimum(L, exact_descent(L, orange.start))
    assert np.allclose(L.minima[exact], (3, 2))
    assert ends["stochastic"] != exact
    assert np.allclose(L.minima[ends["stochastic"]], (3.58, -1.85), atol=0.01)


def saddle(s):
    sim, _ = simulated(s)
    L = sim.landscape
    assert all(r.status == "finished" and r.start[0] == 0.0 for r in sim.runs)  # on the ridge
    full = sim.run("full_batch")
    assert full.theta[0] == 0.0 and full.loss == pytest.approx(1.0, abs=1e-3)   # at the saddle
    for key in ("mini_batch", "stochastic"):                                     # in a valley
        run = sim.run(key)
        assert distance_to(run.theta, L.minima[nearest_minimum(L, run.theta)]) < 0.2, key


def sharp_flat(s):
    sim, _ = simulated(s)
    L = sim.landscape
    sharp, flat = L.minima
    assert L.loss(sharp) < L.loss(flat) < L.loss(sharp) + 0.2          # "slightly deeper"
    assert curvatures(L, sharp)[0] > 10 * curvatures(L, flat)[-1]     # narrow vs wide
    starts = {tuple(r.start) for r in sim.runs}
    assert len(starts) == 1                                      # one start for all three,
    assert distance_to(sim.runs[0].start, sharp) < 0.5            # on the sharp basin's rim
    assert f"mini-batch of {s.batch_size}" in s.note
    full, mini, stochastic = sim.runs
    for run in sim.runs:
        assert run.status == "finished"
    assert distance_to(full.theta, sharp) < 1e-3
    assert nearest_minimum(L, mini.theta) == 0 and distance_to(mini.theta, sharp) < 0.3
    assert nearest_minimum(L, stochastic.theta) == 1


def escapes_over_seeds(s, seeds=range(5)):
    """Per method, in how many of *seeds* the run ends in the flat basin."""
    escaped = {key: 0 for key in METHOD_KEYS}
    for seed in seeds:
        sim, _ = simulated(s, seed=seed)
        for run in sim.runs:
            escaped[run.key] += nearest_minimum(sim.landscape, run.theta) == 1
    return escaped


def lesson_sharp_flat(s):
    sharp_flat(s)
    escaped = escapes_over_seeds(s)            # "with almost any seed"
    assert escaped["stochastic"] >= 4 and escaped["full_batch"] == 0


def logistic(s):
    # The text claims nothing about where the runs end; the steady two are checked anyway.
    sim, _ = simulated(s, ("full_batch", "mini_batch"))
    L = sim.landscape
    low, high = curvatures(L, L.minima[0])
    assert 0 < low and high > 1.5 * low          # convex, curved differently in each direction
    margins = L._yx @ L.minima[0]
    assert np.mean(margins < 0) > 0.05           # overlapping: even the best line errs
    for r in sim.runs:
        assert curvatures(L, r.start)[0] > 0
    for r in sim.runs[:2]:
        assert r.status == "finished" and distance_to(r.theta, L.minima[0]) < 0.25


def rosenbrock(s):
    sim, records = simulated(s)
    target = (1.0, 1.0)
    full = np.array([r.theta for r in records["full_batch"]])
    across = full[:, 1] - full[:, 0] ** 2
    assert np.all(np.sign(across[1:8]) != np.sign(across[:7]))   # zig-zag across the floor
    assert s.epochs == 80 and len(full) == 80
    assert distance_to(full[-1], target) > 1 and abs(across[-1]) < 0.2  # on the floor, far off
    for key in ("mini_batch", "stochastic"):
        assert distance_to(sim.run(key).theta, target) < 0.05, key


# --- the real network -----------------------------------------------------------------------------

def _mlp(s, methods):
    pytest.importorskip("torch")
    from gdviz.mlp.device import prefer_one_thread
    prefer_one_thread()    # as `simulate` does
    return simulated(s.with_changes(mlp=dataclasses.replace(s.mlp, device="cpu")), methods)


def _closed_boundary(sim, run) -> bool:
    """P(inner ring) > 1/2 at the centre and < 1/2 all along the border of the input grid."""
    p = sim.predict_grid(run.trainer.w)
    centre = p[np.argmin(np.abs(sim.grid_ys)), np.argmin(np.abs(sim.grid_xs))]
    border = np.concatenate([p[0], p[-1], p[:, 0], p[:, -1]])
    return centre > 0.5 and bool(np.all(border < 0.5))


def mlp_moons(s):
    sim = s.build()
    assert sim.n == 400 and [r.updates_per_epoch for r in sim.runs] == [1, 13, 400]
    w0 = [r.weights.last for r in sim.runs]
    assert all(np.array_equal(w0[0], w) for w in w0)      # the same starting weights


def mlp_circles(s):
    sim, _ = _mlp(s, ("full_batch", "mini_batch"))
    full, mini, _ = sim.runs
    assert full.updates == 10 and mini.updates == 130
    assert full.loss > 0.6                       # near chance: ln 2 = 0.69 for a coin flip
    assert not _closed_boundary(sim, full)
    assert mini.loss < 0.25 and _closed_boundary(sim, mini)


def mlp_spirals(s):
    sim, _ = _mlp(s, ("full_batch", "stochastic"))
    full, mini, stochastic = sim.runs
    assert full.updates == 10 and stochastic.updates == 4000
    assert full.loss > 0.55 and stochastic.loss < 0.3 * full.loss


def mlp_xor(s):
    sim, _ = _mlp(s, ("full_batch", "mini_batch"))
    full, mini, _ = sim.runs
    assert full.updates == 10 and full.loss > 0.6           # barely begun (chance is 0.69)
    assert mini.updates == 130 and mini.loss < 0.2
    corners = np.array([[-1, -1], [1, 1], [-1, 1], [1, -1]], float)
    p = sim.predict_grid(mini.trainer.w)
    ix = [np.argmin(np.abs(sim.grid_xs - x)) for x in corners[:, 0]]
    iy = [np.argmin(np.abs(sim.grid_ys - y)) for y in corners[:, 1]]
    assert np.array_equal(p[iy, ix] > 0.5, [False, False, True, True])


def mlp_curve(s):
    sim = s.build()
    assert sim.spec.sizes == (1, 16, 16, 1) and s.mlp.loss == "mse"


def critical_batch(s):
    """The numbers of lesson 7's note are the lab's: tests/test_lab_law.py runs its sweep."""
    assert (s.landscape, s.n_examples, s.dims, s.kappa, s.noise) == (
        "least_squares", 16384, 100, 4.0, 0.5)
    assert "100 parameters" in s.note and "16 shuffle-copies" in s.note


def eta_and_b(s):
    """Lesson 8's spreads, measured by the seed ensemble the note has the user turn on (each
    copy is a simulate run: tests/test_ensemble.py), from the start as after Reset, averaged
    over epochs 10-20."""
    from gdviz.core.ensemble import DEFAULT_COPIES, ensemble_for, spread
    assert DEFAULT_COPIES == 32 and (s.lr, s.batch_size, s.optimizer) == (0.05, 8, "sgd")
    landscape = s.make_landscape()

    def measured(**changes):
        t = s.with_changes(**changes)
        ensemble = ensemble_for(t, landscape, DEFAULT_COPIES)
        values = []
        for epoch in range(20):
            for _ in range(updates_per_epoch(t.n_examples, t.batch_size)):
                ensemble.step()
                if epoch >= 10:
                    values.append(spread(ensemble.theta)[0])
        assert ensemble.alive.all()
        return float(np.mean(values))

    base, both, b_only = measured(), measured(lr=0.1, batch_size=16), measured(batch_size=16)
    assert round(base, 1) == 0.2 and round(both, 1) == 0.2 and abs(both / base - 1) < 0.1
    assert round(b_only, 2) == 0.13 and 0.6 < b_only / base < 0.5**0.5   # about two thirds
    # the theory the note quotes: reshuffled epochs as measured (the linearisation's error and
    # 32 copies' sampling noise: within 3 %), independent batches 15-30 % above, in the ratio
    # of the η/B law
    from gdviz.core.ensemble import spread_theory
    from gdviz.ui.overlays import sig3
    theory = [spread_theory(landscape, landscape.minima[0], lr, b, DEFAULT_COPIES)
              for lr, b in ((0.05, 8), (0.1, 16), (0.05, 16))]
    quoted = (", ".join(sig3(t.reshuffled) for t in theory[:2]) + " and "
              + sig3(theory[2].reshuffled) + " with each epoch reshuffled, as here, but "
              + ", ".join(sig3(t.independent) for t in theory[:2]) + " and "
              + sig3(theory[2].independent) + " for independent batches")
    assert quoted in s.note
    for t, m in zip(theory, (base, both, b_only)):
        assert abs(t.reshuffled / m - 1) < 0.03 and 1.12 < t.independent / m < 1.35, (t, m)
    ratio = theory[2].independent / theory[0].independent
    assert round(ratio, 1) == 0.7 and abs(ratio - 0.5**0.5) < 0.01      # "1/√2 ≈ 0.7"
    assert theory[2].reshuffled / theory[0].reshuffled < 0.66           # two thirds, not 1/√2


# scenario -> (fragments of its description or note that the check verifies, the check)
CLAIMS = {
    "default": (["one step per tick", "256", "16", "Same minimum"], three_rhythms),
    "quick-example": (["1000, 32 and 1 updates per epoch", "1000 times", "32 times"],
                      equal_compute_counts),
    "ravine": (["2/λ_max = 0.08", "full batch too", "keeps restarting"], ravine),
    "himmelblau": (["(3, 2)", "(3.58, −1.85)"], four_minima),
    "saddle": (["stalls at the saddle", "stops there", "into a valley"], saddle),
    "sharp-flat": (["mini-batch of 8", "out to the wide basin", "debated"], sharp_flat),
    "logistic": (["convex", "curved differently", "overlapping"], logistic),
    "rosenbrock": (["zig-zags", "after its 80 steps", "still far from (1, 1)", "get there"],
                   rosenbrock),
    "lesson-1-rhythms": (["upper left", "below", "right", "one minimum"], three_rhythms),
    "lesson-2-batch-slider": (["from 1000 to 1"], batch_slider),
    "lesson-3-noise-law": (["B = 4", "B = 64", "1/16"], noise_law),
    "lesson-4-lr-and-batch": (["blows up", "within 5 updates", "within 3", "only up to"],
                              lr_and_batch),
    "lesson-5-saddle": (["walks into the saddle and stays", "into a valley"], saddle),
    "lesson-6-sharp-flat": (["so does the mini-batch", "leave for the wide basin",
                             "almost any seed", "debated"], lesson_sharp_flat),
    "lesson-7-critical-batch": (["B_crit ≈ 175", "Shallue et al. 2019",
                                 "McCandlish et al. 2018"], critical_batch),
    "lesson-8-eta-and-b": (["32 copies", "spread ≈ 0.2", "η/B = 0.00625", "η = 0.1 and B = 16",
                            "≈ 0.2 again", "shrinks to ≈ 0.13", "about two thirds",
                            "Goyal et al. 2017", "1/√2 ≈ 0.7", "partly cancel"], eta_and_b),
    "mlp-moons": (["same starting weights", "400 times"], mlp_moons),
    "mlp-circles": (["130 Adam updates", "boundary into a loop", "near chance"], mlp_circles),
    "mlp-spirals": (["4,000 updates", "much further"], mlp_spirals),
    "mlp-xor": (["barely begun", "four quadrants"], mlp_xor),
    "mlp-curve": (["1-16-16-1", "mean squared error"], mlp_curve),
}


def test_every_builtin_scenario_has_claims():
    assert sorted(CLAIMS) == sorted(s.name for s in builtin_scenarios())


@pytest.mark.parametrize("name", list(CLAIMS))
def test_text_says_what_simulate_produces(name):
    scenario = load(name)
    fragments, check = CLAIMS[name]
    text = scenario.description + " " + scenario.note
    for fragment in fragments:
        assert fragment in text, (name, fragment)
    check(scenario)


# --- targeted outcomes ---------------------------------------------------------------------------

def test_saddle_full_batch_stays_at_the_saddle_for_300_epochs():
    """`gdviz simulate saddle --epochs 300`: the rounding residue of the tilts' mean used to
    grow by 1.2 per step until full batch fell into a minimum."""
    for name in ("saddle", "lesson-5-saddle"):
        sim = load(name).with_changes(epochs=300.0).build()
        full = sim.run("full_batch")
        while full.status == "running":
            full.step()
        assert full.updates == 300 and full.theta[0] == 0.0
        assert full.loss == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("n", [2, 7, 200, 201, 1000, 4097])
def test_saddle_gradient_has_no_sideways_part_on_the_ridge(n):
    from gdviz.core.landscapes import make_landscape
    landscape = make_landscape("saddle", n, seed=3)
    everyone = np.arange(n)
    for y in (1.8, -0.4, 1e-12):
        assert landscape.batch_grad(np.array([0.0, y]), everyone)[0] == 0.0
    assert np.ptp(landscape.tilts[:, 0]) > 1.0       # single examples still disagree


def test_sharp_flat_noise_not_the_start_decides():
    """Five seeds, one start on the sharp basin's rim: single-example noise carries the
    stochastic run out in most, the exact gradient in none, a batch of 8 almost never."""
    escaped = escapes_over_seeds(load("sharp-flat"))
    assert escaped["full_batch"] == 0
    assert escaped["mini_batch"] <= 1
    assert escaped["stochastic"] >= 4, escaped


def test_ravine_stability_limit_is_the_curvature_of_the_steep_wall():
    landscape = load("ravine").make_landscape()
    assert curvatures(landscape, (0.7, -1.1)) == pytest.approx([1.0, 25.0], rel=1e-6)
    assert math.isclose(2 / 25.0, 0.08)
