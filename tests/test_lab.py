"""The batch-size lab: every run is a `gdviz simulate` run, the maths is checked independently."""
import json

import numpy as np
import pytest

from gdviz.cli import main
from gdviz import scenario as sc
from gdviz.core.curvature import hessian, lambda_max, noise_scales, stability_limit
from gdviz.core.lab import (DIVERGED, NOT_REACHED, REACHED, STATUS_NAMES, BestRun, Lab,
                            LabSettings, auto_batch_sizes, auto_lrs, fit_tradeoff,
                            regime)
from gdviz.core.rules import budget_steps
from gdviz.core.simulation import Hyper, MethodRun

N = 64


def small(name="ravine", **changes):
    return sc.load(name).with_changes(n_examples=N, **changes)


def simulate_steps(scenario, b, lr, seed, target):
    """The mini-batch run of `gdviz simulate` with these options: (status, first update whose
    loss ≤ target, or the updates taken)."""
    run = scenario.with_changes(batch_size=b, lr=lr, seed=seed).build().run("mini_batch")
    while run.status == "running":
        rec = run.step()
        if run.status != "diverged" and rec.loss <= target:
            return "reached", rec.update
    return ("diverged" if run.status == "diverged" else "not_reached"), run.updates


def _single(**kw) -> LabSettings:
    """The single-run lab (each run's own first passage), whose runs these tests check."""
    return LabSettings(criterion="single_run", **kw)


CASES = [
    ("ravine", {}, _single(seeds=3, max_epochs=3)),
    ("default", {}, _single(seeds=3, max_epochs=4)),               # data differ per seed
    ("himmelblau", {"optimizer": "momentum"}, _single(seeds=2, max_epochs=3,
                                                      batch_sizes=(1, 5, 64))),
    ("logistic", {"optimizer": "adam"}, _single(seeds=2, max_epochs=2, batch_sizes=(3, 17))),
    ("ravine", {"optimizer": "nesterov", "schedule": "cosine", "lr_scaling": "sqrt",
                "drop_last": True}, _single(seeds=2, max_epochs=2.5, batch_sizes=(1, 7, 64))),
    ("rosenbrock", {"optimizer": "rmsprop", "schedule": "step"},
     _single(seeds=2, max_epochs=2, batch_sizes=(2, 9))),
]


@pytest.mark.parametrize("name,changes,settings", CASES)
def test_every_run_is_the_simulate_run(name, changes, settings):
    """Step counts and statuses agree exactly, for random runs of the sweep (and every run
    whose status is rare)."""
    lab = Lab(small(name, **changes), settings)
    result = lab.run()
    shape = result.status.shape
    rng = np.random.default_rng(0)
    picks = {tuple(int(rng.integers(m)) for m in shape) for _ in range(10)}
    for code in (REACHED, NOT_REACHED, DIVERGED):   # at least one of each status seen
        found = np.argwhere(result.status == code)
        if len(found):
            picks.add(tuple(int(v) for v in found[len(found) // 2]))
    for i, j, k in picks:
        b, lr, seed = int(result.batch_sizes[i]), float(result.lrs[j]), result.seeds[k]
        status, steps = simulate_steps(lab.scenario, b, lr, seed, result.targets[k].loss)
        assert (status, steps) == (STATUS_NAMES[result.status[i, j, k]],
                                   int(result.steps[i, j, k])), (b, lr, seed)


def test_the_printed_command_reproduces_a_run(capsys):
    assert main(["sweep", "ravine", "--seeds", "2", "--max-epochs", "2", "--batch-sizes",
                 "4,32", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    run = next(r for r in out["runs"] if r["status"] == "reached" and r["batch_size"] == 4)
    assert main(["simulate", "ravine", "--batch-size", "4", "--lr", repr(run["lr"]), "--seed",
                 str(run["seed"]), "--epochs", "2", "--json"]) == 0
    steps = json.loads(capsys.readouterr().out)["methods"]["mini_batch"]["steps"]
    first = next(s for s in steps if s["loss"] <= out["target"]["loss"])
    assert first["update"] == run["steps"]
    assert first["examples_seen"] == run["examples"]


def test_json_contract_and_determinism(capsys):
    args = ["sweep", "ravine", "--seeds", "2", "--max-epochs", "3", "--batch-sizes", "1,8,200",
            "--lrs", "0.001,0.01,0.05,0.2", "--target-fraction", "0.05", "--json",
            "--criterion", "single_run"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    assert capsys.readouterr().out == first
    out = json.loads(first)
    assert list(out) == ["scenario", "target", "noise", "fit", "runs", "best"]
    assert out["scenario"]["epochs"] == 3.0 and out["scenario"]["name"] == "ravine"
    # every field it has had, and issue 21's beside them
    assert set(out["target"]) == {"loss", "fraction", "j_star", "criterion", "copies"}
    assert out["target"]["fraction"] == 0.05
    assert (out["target"]["criterion"], out["target"]["copies"]) == ("single_run", 1)
    assert set(out["noise"]) == {"b_simple_start", "b_simple_target", "b_noise_target",
                                 "b_simple_path_mean", "b_noise_path_mean", "path_lr"}
    assert set(out["fit"]) == {"s_min", "e_min", "b_crit", "points"}
    assert len(out["runs"]) == 3 * 4 * 2
    for r in out["runs"]:
        assert list(r) == ["batch_size", "lr", "seed", "steps", "examples", "time", "status"]
        assert r["status"] in ("reached", "not_reached", "diverged")
        assert (r["steps"] is None) == (r["status"] != "reached")
    assert {r["status"] for r in out["runs"]} == {"reached", "not_reached", "diverged"}
    assert [b["batch_size"] for b in out["best"]] == [1, 8, 200]
    for b in out["best"]:
        assert list(b) == ["batch_size", "lr", "steps_median", "steps_q1", "steps_q3",
                           "examples_median", "steps_theory"]
        assert b["steps_theory"] is None             # not a quadratic with plain SGD
    hw = sc.load("ravine").hardware()
    r = next(r for r in out["runs"] if r["status"] == "reached")
    assert r["time"] == pytest.approx(r["steps"] * hw.overhead_ms / 1000
                                      + r["examples"] / hw.throughput)


def test_per_seed_targets_when_each_seed_draws_its_own_data(capsys):
    assert main(["sweep", "default", "--seeds", "2", "--max-epochs", "1", "--batch-sizes", "64",
                 "--lrs", "0.1", "--json", "--criterion", "single_run"]) == 0
    target = json.loads(capsys.readouterr().out)["target"]
    assert [t["seed"] for t in target["per_seed"]] == [7, 8]
    assert target["per_seed"][0]["loss"] == target["loss"]
    assert target["per_seed"][1]["loss"] != target["loss"]


def test_csv_out(tmp_path, capsys):
    out = tmp_path / "runs.csv"
    assert main(["sweep", "ravine", "--seeds", "2", "--max-epochs", "1", "--batch-sizes", "16",
                 "--lrs", "0.01,0.05", "--out", str(out), "--criterion", "single_run"]) == 0
    assert "B_crit" in capsys.readouterr().out
    lines = out.read_text().splitlines()
    assert lines[0] == "batch_size,lr,seed,steps,examples,time,status"
    assert len(lines) == 1 + 2 * 2
    assert [p.name for p in tmp_path.iterdir()] == ["runs.csv"]


@pytest.mark.parametrize("args,words", [
    (["--batch-sizes", "0"], "batch size 0"),
    (["--batch-sizes", "2,x"], "--batch-sizes"),
    (["--batch-sizes", "201"], "N = 200"),
    (["--lrs", "0.1,-1"], "learning rate -1"),
    (["--lrs", "nan"], "learning rate"),
    (["--seeds", "0"], "seeds"),
    (["--target-fraction", "1.5"], "target fraction"),
    (["--target-fraction", "0"], "target fraction"),
    (["--optimizer", "lbfgs"], "lbfgs"),
    (["--max-epochs", "0"], "max epochs"),
    (["--max-epochs", "inf"], "max epochs"),
    (["--out", "plot.txt"], ".csv, .png or .svg"),
    (["--out", "/no/such/dir/x.csv"], "does not exist"),
])
def test_bad_input_one_line_exit_2(capsys, args, words):
    assert main(["sweep", "ravine", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("gdviz: error:") and words in err


def test_bad_scenario_and_bad_mlp_grid_refused(capsys):
    assert main(["sweep", "no-such-scenario"]) == 2
    capsys.readouterr()
    assert main(["sweep", "mlp-moons", "--batch-sizes", "8,5000"]) == 2   # the network's N
    err = capsys.readouterr().err
    assert "batch size 5000 must be between 1 and N = 400" in err and len(err.splitlines()) == 1
    with pytest.raises(ValueError, match="gdviz.mlp.lab"):
        Lab(sc.load("mlp-moons"))


# curvature and noise scale, against independent references ------------------------------------
def test_hessian_of_the_ravine_is_its_matrix():
    landscape = sc.load("ravine").make_landscape()
    for theta in ([0.0, 0.0], [2.0, -1.5]):
        np.testing.assert_allclose(hessian(landscape, theta), landscape.H, atol=1e-6)
    assert lambda_max(landscape, [1.0, 1.0]) == pytest.approx(25.0, rel=1e-7)
    assert stability_limit(25.0, "sgd") == pytest.approx(0.08)
    assert stability_limit(25.0, "momentum", 0.9) == pytest.approx(3.8 / 25)
    assert stability_limit(25.0, "adam") is None


def test_hessian_of_rosenbrock_by_hand():
    landscape = sc.load("rosenbrock").make_landscape()
    x, y, b = 0.3, 0.8, landscape.b
    exact = np.array([[2 - 4 * b * (y - x * x) + 8 * b * x * x, -4 * b * x], [-4 * b * x, 2 * b]])
    np.testing.assert_allclose(hessian(landscape, [x, y]), exact, rtol=1e-6)


def test_full_batch_divergence_edge_is_where_the_lab_sees_it():
    """On the ravine, full batch converges just under 2/λ_max and diverges just over it."""
    scenario = small("ravine", epochs=400.0)
    lab = Lab(scenario, LabSettings(criterion="single_run", seeds=1, batch_sizes=(N,), lrs=(0.0790, 0.0810),
                                    target_fraction=0.01))
    result = lab.run()
    assert result.stability_limit == pytest.approx(0.08)
    assert result.status[0, :, 0].tolist() == [REACHED, DIVERGED]


def test_noise_scales_by_a_plain_loop():
    landscape = small("default").make_landscape()
    theta = np.array([0.5, -0.3])
    grads = np.array([landscape.example_grads(theta, np.array([i]))[0] for i in range(N)])
    g = grads.mean(axis=0)
    sigma = sum(np.outer(v - g, v - g) for v in grads) / N
    H = np.array([[landscape._mxx, landscape._mx], [landscape._mx, 1.0]])   # exact for least squares
    b_simple, b_noise = noise_scales(landscape, theta)
    assert b_simple == pytest.approx(np.trace(sigma) / (g @ g), rel=1e-9)
    assert b_noise == pytest.approx(np.trace(H @ sigma) / (g @ H @ g), rel=1e-6)


# the fit ---------------------------------------------------------------------------------------
def test_fit_recovers_an_exact_hyperbola():
    s_min, b_crit = 40.0, 24.0
    best = tuple(BestRun(b, 0.1, s_min * (1 + b_crit / b), None, None,
                         s_min * (1 + b_crit / b) * b, None) for b in (1, 4, 16, 64, 256))
    fit = fit_tradeoff(best)
    assert fit.s_min == pytest.approx(s_min) and fit.b_crit == pytest.approx(b_crit)
    assert fit.e_min == pytest.approx(s_min * b_crit)
    flat = tuple(BestRun(b, 0.1, 10.0, None, None, 10.0 * b, None) for b in (1, 4, 16))
    assert fit_tradeoff(flat).b_crit is None          # no trade-off: no hyperbola
    assert regime(1, 24) == "perfect scaling" and regime(24, 24) == "diminishing returns"
    assert regime(96, 24) == "no further benefit" and regime(8, None) is None


# the grid and the budget ---------------------------------------------------------------------
def test_automatic_grid():
    assert auto_batch_sizes(1000) == (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000)
    assert auto_batch_sizes(64) == (1, 2, 4, 8, 16, 32, 64)
    lrs = auto_lrs(0.16)
    assert len(lrs) == 16 and lrs[-1] == 0.16 and list(lrs) == sorted(lrs)
    assert lrs[0] == pytest.approx(0.16 / 1024, rel=1e-2)
    assert all(float(repr(v)) == v and len(f"{v:.3g}") <= len(repr(v)) + 1 for v in lrs)


@pytest.mark.parametrize("b,drop_last,epochs", [(1, False, 2.0), (7, False, 2.5), (7, True, 1.3),
                                                (64, False, 3.0), (10, False, 0.01)])
def test_budget_is_where_simulate_stops(b, drop_last, epochs):
    landscape = small().make_landscape()
    run = MethodRun("mini_batch", landscape, b, (0.5, 0.5), Hyper(lr=0.01, epochs=epochs),
                    np.random.default_rng(0), drop_last)
    while run.status == "running":
        run.step()
    assert budget_steps(N, b, drop_last, epochs) == run.updates


def test_progress_partial_results_and_cancel():
    scenario = small("ravine")
    seen = []
    result = Lab(scenario, LabSettings(criterion="single_run", seeds=2, max_epochs=1)).run(progress=seen.append)
    assert [int(r.done.sum()) for r in seen] == list(range(1, len(result.batch_sizes) + 1))
    assert seen[0].done[-1] and not seen[0].done[0]          # the largest B comes first
    np.testing.assert_array_equal(seen[-1].steps, result.steps)
    assert Lab(scenario, _single(seeds=2, max_epochs=1)).run(cancelled=lambda: True) is None


# the lesson preset: tests/test_lab_law.py checks its note against its sweep


def test_the_lab_hands_its_settings_and_hardware_over_explicitly():
    """The stepper and the noise path take a LabSetup (Hyper, HardwareModel, N, drop-last,
    budget), not a scenario or the lab; the noise path recomputed from it alone is the lab's."""
    from gdviz.core.clock import HardwareModel
    from gdviz.core.lab import LabSetup, noise_path
    scenario = small(lr_scaling="sqrt", schedule="cosine", overhead_ms=3.0)
    lab = Lab(scenario, LabSettings(batch_sizes=(8, N), seeds=2, criterion="single_run",
                                    max_epochs=60))
    assert lab.setup == LabSetup(scenario.with_changes(epochs=60.0).hyper(),
                                 HardwareModel(3.0, scenario.throughput), N,
                                 scenario.drop_last, 60.0)
    assert lab.setup.hyper.epochs == 60.0 and lab.setup.hyper.schedule == "cosine"
    result = lab.run()
    t = lab.targets[0]
    again = noise_path(lab.setup, lab.landscapes[0], t.start, t.loss, lab.lam, result.best)
    assert again.lr == result.noise.lr is not None
    assert np.array_equal(again.b_noise, result.noise.b_noise, equal_nan=True)
