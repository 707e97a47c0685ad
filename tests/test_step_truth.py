"""A step record tells the truth: estimate and full gradient at the point where the step began,
the step drawn is the step taken under every rule, and eta is the eta of that step."""
import json

import numpy as np
import pytest

from gdviz.cli import main
from gdviz.core.landscapes import LANDSCAPES, make_landscape
from gdviz.core.optimizers import OPTIMIZERS
from gdviz.core.simulation import Hyper, Simulation

START = {"full_batch": (0.5, 1.5), "mini_batch": (0.5, 1.5), "stochastic": (0.5, 1.5)}


def simulate_json(capsys, *args):
    assert main(["simulate", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def sim_on(key, batch_size=8, optimizer="sgd", lr=0.01, epochs=3.0, n=40, schedule="constant"):
    expr = "x**2 + 3*y**2 + x*y" if key == "custom" else None
    landscape = make_landscape(key, n, seed=2, expression=expr)
    starts = {k: np.mean(landscape.bounds, axis=1) * 0.3 + 0.1 for k in START}
    if landscape.dim != 2:          # least squares: d parameters, near its own start
        starts = {k: landscape.start + 0.1 for k in START}
    return Simulation(landscape, batch_size, starts,
                      Hyper(lr=lr, optimizer=optimizer, epochs=epochs, schedule=schedule), seed=3)


def test_json_full_batch_estimate_is_the_full_gradient_at_the_same_step(capsys):
    data = simulate_json(capsys, "default", "--epochs", "3")
    steps = data["methods"]["full_batch"]["steps"]
    assert len(steps) == 3
    for s in steps:
        assert s["grad_estimate"] == s["grad_full"]


def test_json_theta_before_is_the_previous_theta(capsys):
    data = simulate_json(capsys, "ravine", "--epochs", "2", "--optimizer", "momentum")
    for method in data["methods"].values():
        steps = method["steps"]
        assert steps[0]["theta_before"] == method["start"]["theta"]
        for prev, step in zip(steps, steps[1:]):
            assert step["theta_before"] == prev["theta"]


@pytest.mark.parametrize("key", sorted(LANDSCAPES))
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_full_batch_and_b_equal_n_estimate_equals_truth_in_every_landscape(key, optimizer):
    sim = sim_on(key, batch_size=40, optimizer=optimizer)
    out = sim.run_to_end()
    for method in ("full_batch", "mini_batch"):      # the mini-batch runs with B = N here
        for r in out[method]:
            assert r.grad_estimate.tobytes() == r.grad_full.tobytes()


@pytest.mark.parametrize("key", sorted(LANDSCAPES))
def test_every_record_is_about_the_point_where_its_step_began(key):
    sim = sim_on(key)
    land = sim.landscape
    for r in sim.run_to_end()["mini_batch"]:
        np.testing.assert_allclose(r.grad_full, land.grad(r.theta_before), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(r.grad_estimate, land.batch_grad(r.theta_before, r.batch),
                                   rtol=1e-12, atol=1e-12)
        assert r.batch_loss == pytest.approx(float(land.batch_loss(r.theta_before, r.batch)))
        assert r.loss == pytest.approx(float(land.loss(r.theta)))


def torch_steps(name, params, grads, lr):
    """Displacements torch.optim makes from ``params`` fed ``grads`` one by one (float64)."""
    torch = pytest.importorskip("torch")
    p = torch.tensor(params[0], dtype=torch.float64, requires_grad=True)
    if name in ("sgd", "momentum", "nesterov"):
        opt = torch.optim.SGD([p], lr=lr, momentum=0.0 if name == "sgd" else 0.9,
                              nesterov=name == "nesterov")
    else:
        opt = {"rmsprop": torch.optim.RMSprop, "adam": torch.optim.Adam}[name]([p], lr=lr)
    out = []
    for g in grads:
        before = p.detach().clone()
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        out.append((p.detach() - before).numpy())
    return np.array(out)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_snapshot_step_is_the_real_displacement_against_torch_optim(optimizer):
    sim = sim_on("ravine", optimizer=optimizer, lr=0.02)
    run = sim.run("mini_batch")
    grads, deltas, thetas = [], [], [run.theta.copy()]
    for _ in range(12):
        rec = run.step()
        snap = run.snapshot()
        np.testing.assert_array_equal(snap.theta_before, rec.theta_before)
        grads.append(rec.grad_estimate)
        deltas.append(snap.theta - snap.theta_before)
        thetas.append(rec.theta)
    ref = torch_steps(optimizer, thetas, grads, 0.02)
    np.testing.assert_allclose(deltas, ref, rtol=1e-9, atol=1e-13)
    if optimizer != "sgd":    # the rule's own step really differs from -eta * g
        assert not np.allclose(deltas, -0.02 * np.array(grads), rtol=1e-3)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_true_step_is_the_same_rule_fed_the_full_gradient(optimizer):
    sim = sim_on("ravine", optimizer=optimizer, lr=0.02)
    run = sim.run("stochastic")
    recs = [run.step() for _ in range(9)]
    snap = run.snapshot()
    # torch.optim fed the same estimates, then the full gradient in place of the last one
    grads = [r.grad_estimate for r in recs[:-1]] + [recs[-1].grad_full]
    thetas = [recs[0].theta_before] + [r.theta for r in recs]
    ref = torch_steps(optimizer, thetas, grads, 0.02)[-1]
    np.testing.assert_allclose(snap.true_step, ref, rtol=1e-9, atol=1e-13)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_full_batch_step_taken_and_true_step_coincide(optimizer):
    sim = sim_on("ravine", optimizer=optimizer, lr=0.02)
    run = sim.run("full_batch")
    for _ in range(3):
        run.step()
        snap = run.snapshot()
        assert (snap.theta - snap.theta_before).tobytes() == snap.true_step.tobytes()


def test_eta_shown_is_the_eta_of_the_step_shown():
    # step decay every epoch (3 epochs): full batch's first step used eta, the next one eta / 2
    sim = sim_on("regression", optimizer="sgd", lr=0.1, epochs=3.0, schedule="step")
    run = sim.run("full_batch")
    rec = run.step()
    snap = run.snapshot()
    assert rec.lr == 0.1 and snap.step_lr == 0.1 and snap.lr == 0.05
    np.testing.assert_allclose(snap.theta - snap.theta_before, -0.1 * snap.grad_estimate)
