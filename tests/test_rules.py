"""gdviz.core.rules is the one source of each training rule, and every engine is its backend.

The spec itself is checked against independent references (torch.optim in float64; a plain loop
over epochs and batches; a run of the engine), then each backend against the spec: the NumPy
optimizer and the float step bit for bit, the torch optimizer to rounding.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from gdviz.core import rules
from gdviz.core.fast_step import rule_step
from gdviz.core.landscapes import make_landscape
from gdviz.core.optimizers import Optimizer
from gdviz.core.rules import OPTIMIZERS, RuleSpec
from gdviz.core.simulation import Hyper, MethodRun

ROOT = Path(__file__).resolve().parents[1] / "gdviz"


def gradients(k: int = 40, seed: int = 0, shape=(2,)):
    rng = np.random.default_rng(seed)
    return [rng.normal(0.0, 1.0 + i % 3, shape) for i in range(k)]


def spec_walk(spec: RuleSpec, theta, grads, lr):
    """The spec's update applied step by step, on NumPy arrays."""
    m = v = None
    out = []
    for t, g in enumerate(grads, start=1):
        theta, m, v = spec.update(m, v, t, theta, g, lr, np.sqrt)
        out.append(theta)
    return np.array(out)


# the optimizers --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_the_spec_is_torch_optim(name):
    """RuleSpec.update against torch.optim's own classes with their defaults, float64."""
    torch = pytest.importorskip("torch")
    grads, lr = gradients(), 0.05
    p = torch.tensor([0.3, -0.7], dtype=torch.float64, requires_grad=True)
    if name in ("sgd", "momentum", "nesterov"):
        opt = torch.optim.SGD([p], lr=lr, momentum=0.0 if name == "sgd" else 0.9,
                              nesterov=name == "nesterov")
    else:
        opt = {"rmsprop": torch.optim.RMSprop, "adam": torch.optim.Adam}[name]([p], lr=lr)
    ref = []
    for g in grads:
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        ref.append(p.detach().numpy().copy())
    ours = spec_walk(RuleSpec(name), np.array([0.3, -0.7]), grads, lr)
    np.testing.assert_allclose(ours, np.array(ref), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_numpy_and_float_backends_are_the_spec_bit_for_bit(name):
    spec = RuleSpec(name, momentum=0.8)
    grads, lr = gradients(seed=1), 0.03
    want = spec_walk(spec, np.array([1.5, -2.0]), grads, lr)
    opt = Optimizer(name, momentum=0.8)
    theta = np.array([1.5, -2.0])
    numpy_path = []
    for g in grads:
        theta = opt.step(theta, g, lr)
        numpy_path.append(theta)
    assert np.array(numpy_path).tobytes() == want.tobytes()
    x, y, m, v = 1.5, -2.0, None, None
    float_path = []
    for t, g in enumerate(grads, start=1):
        x, y, m, v = rule_step(opt, m, v, t, x, y, float(g[0]), float(g[1]), lr)
        float_path.append((x, y))
    assert np.array(float_path).tobytes() == want.tobytes()


def test_the_numpy_backend_keeps_its_own_first_momentum_buffer():
    opt = Optimizer("momentum")
    g = np.array([1.0, 2.0])
    opt.step(np.zeros(2), g, 0.1)
    g[:] = 99.0                       # the caller reuses its gradient buffer
    assert opt.state().m.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("device", ["cpu", "cuda"])
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_the_torch_backend_is_the_spec(name, device):
    """Both of FlatOptimizer's updates (Python-float scalars, and the tensor scalars a CUDA
    graph replays) against the spec, on the CPU and, where there is one, a CUDA GPU."""
    torch = pytest.importorskip("torch")
    if device == "cuda" and not torch.cuda.is_available():
        pytest.skip("no CUDA GPU")
    from gdviz.mlp.optim import FlatOptimizer
    grads, lr = gradients(k=30, seed=2, shape=(5,)), 0.02
    start = np.linspace(-1.0, 1.0, 5)
    want = spec_walk(RuleSpec(name), start, grads, lr)
    p = torch.tensor(start, dtype=torch.float64, device=device)
    q = p.clone()
    opt, twin = FlatOptimizer(name, p), FlatOptimizer(name, q)
    got = []
    for g in grads:
        g = torch.tensor(g, dtype=torch.float64, device=device)
        scal = torch.tensor(twin.scalars(lr), dtype=torch.float64, device=device)
        opt.step(p, g, lr)
        twin.step_tensor(q, g, scal)
        got.append(p.cpu().numpy().copy())
        np.testing.assert_allclose(q.cpu().numpy(), got[-1], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(np.array(got), want, rtol=1e-12, atol=1e-14)


def test_an_unknown_rule_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown optimizer 'lion'"):
        RuleSpec("lion")


def test_torch_optims_constants_are_written_once():
    """The constants 0.999, 0.99 and 1e-8 of torch.optim appear in gdviz only in rules.py (and
    in the modules listed, which the lead wires to it after merging)."""
    not_yet_wired = {"mlp/lab.py"}
    found = set()
    for path in ROOT.rglob("*.py"):
        code = re.sub(r'"""(.|\n)*?"""|#.*', "", path.read_text(encoding="utf-8"))
        if re.search(r"(?<![\w.])(0\.999|0\.99|1e-8)(?![\w.])", code):
            found.add(path.relative_to(ROOT).as_posix())
    assert found - not_yet_wired == {"core/rules.py"}


# the learning rate -------------------------------------------------------------------------------
@pytest.mark.parametrize("schedule", rules.SCHEDULES)
@pytest.mark.parametrize("scaling", rules.LR_SCALINGS)
def test_lr_at_scales_with_b_then_schedules(schedule, scaling):
    h = Hyper(lr=0.2, schedule=schedule, lr_scaling=scaling, lr_reference_batch=16, epochs=9.0)
    for b, epoch in ((1, 0.0), (16, 2.5), (64, 4.0), (64, 9.0)):
        ratio = {"none": 1.0, "linear": b / 16, "sqrt": math.sqrt(b / 16)}[scaling]
        base = 0.2 * ratio
        expected = {"constant": base, "step": base * 0.5 ** math.floor(epoch / 3.0),
                    "exponential": base * 0.1 ** (epoch / 9.0),
                    "cosine": 0.5 * base * (1 + math.cos(math.pi * epoch / 9.0))}[schedule]
        assert rules.lr_at(h, b, epoch) == pytest.approx(expected, rel=1e-12, abs=1e-15)
    rates = np.array([0.1, 0.2])             # one rate per run, as the labs pass them
    np.testing.assert_allclose(rules.lr_at(h, 64, 4.0, lr=rates),
                               [rules.lr_at(Hyper(lr=r, schedule=schedule, lr_scaling=scaling,
                                                  lr_reference_batch=16, epochs=9.0), 64, 4.0)
                                for r in rates], rtol=0, atol=0)


def test_the_engines_take_eta_from_lr_at():
    h = Hyper(lr=0.1, schedule="cosine", lr_scaling="sqrt", lr_reference_batch=8, epochs=3.0)
    land = make_landscape("regression", 50, seed=1)
    run = MethodRun("mini_batch", land, 5, (0.0, 0.0), h, np.random.default_rng(0))
    for _ in range(17):
        rec = run.step()
    assert run.current_lr() == rules.lr_at(h, 5, run.epoch)
    assert rec.lr == rules.lr_at(h, 5, (17 - 1) * 5 / 50)


# the epoch walk and the budget -------------------------------------------------------------------
WALKS = [(n, b, dl, e) for n in (10, 12, 37) for b in (1, 3, 5, 10, 12, 37) if b <= n
         for dl in (False, True) for e in (1.0, 2.0, 0.5, 1.3, 2.75)]


def plain_walk(n, b, drop_last, epochs):
    """A plain loop: per epoch, batches of B from 0 (the last short, or dropped), stopping at the
    first batch that would pass epochs × N examples or once the epochs are done. Returns the
    examples seen after each update."""
    seen, out, done = 0, [], 0
    while True:
        starts = range(0, n - b + 1 if drop_last else n, b)
        for lo in starts:
            size = min(b, n - lo)
            if done + lo / n >= epochs - 1e-12 or seen + size > epochs * n * (1 + 1e-12):
                return out
            seen += size
            out.append(seen)
        done += 1


@pytest.mark.parametrize("n, b, drop_last, epochs", WALKS)
def test_budget_and_examples_follow_the_plain_walk(n, b, drop_last, epochs):
    seen = plain_walk(n, b, drop_last, epochs)
    assert rules.budget_steps(n, b, drop_last, epochs) == len(seen)
    assert [rules.examples_after(k, n, b, drop_last) for k in range(1, len(seen) + 1)] == seen
    steps = np.arange(1, len(seen) + 1)
    assert rules.examples_after(steps, n, b, drop_last).tolist() == seen
    assert rules.updates_per_epoch(n, b, drop_last) == len(rules.epoch_sizes(n, b, drop_last))


@pytest.mark.parametrize("n, b, drop_last, epochs", WALKS[::7])
def test_the_engine_walks_the_same_budget(n, b, drop_last, epochs):
    land = make_landscape("regression", n, seed=2)
    run = MethodRun("mini_batch", land, b, (0.0, 0.0), Hyper(lr=0.01, epochs=epochs),
                    np.random.default_rng(1), drop_last=drop_last)
    seen = []
    while run.status == "running":
        seen.append(run.step().examples_seen)
    assert seen == plain_walk(n, b, drop_last, epochs)


def test_the_labs_take_their_rules_from_rules():
    """The analytic labs keep no copy of the budget, the examples count or the η rule."""
    from gdviz.core import lab, lab_block, lab_copies, lab_fit, lab_grid
    for module in (lab_block, lab_copies, lab_fit):
        assert module.budget_steps is rules.budget_steps
        assert module.lr_at is rules.lr_at
    assert lab_block.examples_after is lab_copies.examples_after is rules.examples_after
    assert lab_grid.check_batch_size is rules.check_batch_size
    for module in (lab, lab_block, lab_copies, lab_fit, lab_grid):
        assert not hasattr(module, "scaled_lr") and not hasattr(module, "scheduled_lr")


def test_next_span_starts_afresh_when_b_grows_past_the_rest_under_drop_last():
    assert rules.next_span(10, 8, 3, True) == (True, 0, 3, False)
    assert rules.next_span(10, 8, 3, False) == (False, 8, 10, True)
    assert rules.next_span(10, 6, 3, True) == (False, 6, 9, True)
    assert rules.next_size(10, 8, 3, True) == 3 and rules.next_size(10, 8, 3, False) == 2


def test_batch_size_out_of_range_is_refused_once():
    for b in (0, 11):
        with pytest.raises(ValueError, match=f"batch size {b} must be between 1 and N = 10"):
            rules.check_batch_size(b, 10)


# the rules bound once, for the float step's hot loop ----------------------------------------------
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_the_pair_update_is_the_rule_on_each_coordinate(name):
    """``RuleSpec.pair_update`` against ``update`` on each coordinate, bit for bit."""
    spec = RuleSpec(name, momentum=0.8)
    grads, lr = gradients(k=30, seed=3), 0.04
    want, m, v, theta = [], None, None, np.array([0.7, -1.1])
    for t, g in enumerate(grads, start=1):
        pts = [spec.update(None if m is None else m[i], None if v is None else v[i], t,
                           float(theta[i]), float(g[i]), lr) for i in (0, 1)]
        theta = np.array([p[0] for p in pts])
        m = None if pts[0][1] is None else (pts[0][1], pts[1][1])
        v = None if pts[0][2] is None else (pts[0][2], pts[1][2])
        want.append((*theta.tolist(), m, v))

    def walk(pair):
        out, m, v, x, y = [], None, None, 0.7, -1.1
        for t, g in enumerate(grads, start=1):
            x, y, m, v = pair(m, v, t, x, y, float(g[0]), float(g[1]), lr)
            out.append((x, y, m, v))
        return out

    assert spec.pair_update is spec.pair_update          # built once per spec
    assert walk(spec.pair_update) == want



@pytest.mark.parametrize("schedule", rules.SCHEDULES)
def test_fixed_lr_is_lr_at_wherever_the_schedule_holds_it(schedule):
    h = Hyper(lr=0.2, schedule=schedule, lr_scaling="sqrt", lr_reference_batch=16, epochs=9.0)
    fixed = rules.fixed_lr(h, 64)
    if schedule == "constant":
        assert all(fixed == rules.lr_at(h, 64, e) for e in (0.0, 2.5, 9.0))
    else:
        assert fixed is None


def test_budget_rule_is_budget_spent():
    spent = rules.budget_rule(37, 1.3)
    for epoch, seen, nb in ((0.0, 0, 5), (1.2, 45, 3), (1.3, 40, 1), (1.0, 37, 12), (1.1, 40, 9)):
        assert spent(epoch, seen, nb) == rules.budget_spent(epoch, seen, nb, 37, 1.3) == (
            epoch >= 1.3 - 1e-12 or seen + nb > 1.3 * 37 * (1 + 1e-12))


def test_a_run_rebinds_its_rules_when_the_settings_change():
    """MethodRun works η and the budget out once per (hyper, B): a new rate, B (with η scaled
    by B) or run length applies from the next step, as lr_at and the budget say."""
    land = make_landscape("regression", 40, seed=1)
    h = Hyper(lr=0.1, lr_scaling="linear", lr_reference_batch=4, epochs=3.0)
    run = MethodRun("mini_batch", land, 4, (0.0, 0.0), h, np.random.default_rng(0))
    assert run.step().lr == 0.1
    run.set_hyper(Hyper(lr=0.05, lr_scaling="linear", lr_reference_batch=4, epochs=3.0))
    assert run.step().lr == 0.05
    run.set_batch_size(8)
    assert run.step().lr == rules.lr_at(run.hyper, 8, 0.0) == 0.1
    assert run.sampler.next_size() == 8 and run.status == "running"
    run.set_hyper(Hyper(lr=0.05, lr_scaling="linear", lr_reference_batch=4, epochs=0.5))
    run.step()
    assert run.status == "finished" and run.examples_seen == 24     # 3.0 epochs: running
