"""The float step (gdviz.core.fast_step) gives bit-identical results to the original NumPy step.

``ReferenceRun`` below is the original implementation (before the float path), copied, with its
own sampler that draws a permutation every epoch; every field of every record must match it to
the bit, across landscapes, optimizers, batch sizes, epoch boundaries, changes of B and eta
mid-run, drop_last and divergence. ``test_simulate_json_unchanged`` pins the CLI's JSON to
digests produced by the original code.
"""
from __future__ import annotations

from pathlib import Path
import json
import math

import numpy as np
import pytest

from gdviz.core.clock import HardwareModel, step_cost
from gdviz.core.fast_step import (SequentialRows, pairwise_sum, scalar_terms,
                                  sequential_sum)
from gdviz.core.landscapes import make_landscape
from gdviz.core.schedules import scaled_lr, scheduled_lr
from gdviz.core.simulation import Hyper, MethodRun

LANDSCAPES = ("regression", "ravine", "rosenbrock", "himmelblau", "saddle", "sharp_flat",
              "logistic", "custom")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adam")


# the original step, kept as the reference ----------------------------------------------------
def reference_rule(name, mom, m, v, t, theta, g, lr, alpha=0.99, betas=(0.9, 0.999), eps=1e-8):
    if name == "sgd":
        return theta - lr * g, m, v
    if name in ("momentum", "nesterov"):
        m = g.copy() if m is None else mom * m + g
        direction = g + mom * m if name == "nesterov" else m
        return theta - lr * direction, m, v
    if name == "rmsprop":
        sq = g * g
        v = (1 - alpha) * sq if v is None else alpha * v + (1 - alpha) * sq
        return theta - lr * g / (np.sqrt(v) + eps), m, v
    b1, b2 = betas
    m = (1 - b1) * g if m is None else b1 * m + (1 - b1) * g
    v = (1 - b2) * g * g if v is None else b2 * v + (1 - b2) * g * g
    return theta - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps), m, v


class ReferenceRun:
    """MethodRun.step as it was: NumPy arrays throughout, a permutation drawn every epoch."""

    def __init__(self, landscape, batch_size, start, hyper, rng, drop_last, clock_kind):
        self.landscape, self.n, self.hyper = landscape, landscape.n, hyper
        self.rng, self.drop_last, self.clock_kind = rng, drop_last, clock_kind
        self.batch_size, self.epochs_completed = batch_size, 0
        self.perm, self.pos = rng.permutation(self.n), 0
        self.theta = np.array(start, float)
        self.m = self.v = None
        self.t = 0
        self.updates = self.examples_seen = 0
        self.clock = 0.0

    def next_batch(self):
        if self.drop_last and self.n - self.pos < self.batch_size:
            self.perm, self.pos = self.rng.permutation(self.n), 0
        end = min(self.pos + self.batch_size, self.n)
        batch = self.perm[self.pos:end]
        self.pos = end
        if end == self.n or (self.drop_last and self.n - end < self.batch_size):
            self.epochs_completed += 1
            self.perm, self.pos = self.rng.permutation(self.n), 0
        return batch

    def epoch(self):
        return self.epochs_completed + self.pos / self.n

    def step(self):
        h = self.hyper
        lr = scheduled_lr(scaled_lr(h.lr, h.lr_scaling, self.batch_size, h.lr_reference_batch),
                          h.schedule, self.epoch(), h.epochs)
        batch = self.next_batch()
        whole = len(batch) == self.n
        if whole:
            batch = np.arange(self.n)
        land, before = self.landscape, self.theta
        with np.errstate(all="ignore"):
            g = land.batch_grad(before, batch)
            batch_loss = float(land.batch_loss(before, batch))
            grad_full = g if whole else np.asarray(land.grad(before), float)
            self.t += 1
            self.theta, self.m, self.v = reference_rule(h.optimizer, h.momentum, self.m, self.v,
                                                        self.t, before, g, lr)
            loss = float(land.loss(self.theta))
        self.updates += 1
        self.examples_seen += len(batch)
        self.clock += step_cost(self.clock_kind, len(batch), HardwareModel())
        return (self.updates, self.epoch(), self.examples_seen, self.clock, before, self.theta,
                loss, batch_loss, g, grad_full, batch, lr)


def bits(value) -> bytes:
    """Exact bytes of a number or an array (so -0.0, nan and rounding all count)."""
    if isinstance(value, np.ndarray):
        return value.dtype.str.encode() + value.tobytes()
    return repr((type(value).__name__, float(value).hex() if isinstance(value, float)
                 else value)).encode()


def record_bits(rec) -> list[bytes]:
    return [bits(v) for v in (rec.update, rec.epoch, rec.examples_seen, rec.clock,
                              rec.theta_before, rec.theta, rec.loss, rec.batch_loss,
                              rec.grad_estimate, rec.grad_full, rec.batch, rec.lr)]


def compare(landscape, batch_size, start, hyper, steps, drop_last=False, clock="examples",
            changes=None):
    """Step MethodRun and ReferenceRun side by side; ``changes`` maps a step number to
    (new batch size or None, new Hyper or None)."""
    run = MethodRun("mini_batch", landscape, batch_size, start, hyper,
                    np.random.default_rng(11), drop_last, clock)
    ref = ReferenceRun(landscape, batch_size, start, hyper, np.random.default_rng(11),
                       drop_last, clock)
    for k in range(steps):
        if changes and k in changes:
            b, h = changes[k]
            if b is not None:
                run.set_batch_size(b)
                ref.batch_size = b
            if h is not None:
                run.set_hyper(h)
                if h.optimizer != ref.hyper.optimizer:
                    ref.m = ref.v = None
                    ref.t = 0
                ref.hyper = h
        got = record_bits(run.step())
        want = [bits(v) for v in ref.step()]
        assert got == want, f"step {k + 1} differs"
    # the run's own state agrees too (drawn by the snapshot and the lesson's formulas)
    assert bits(run.theta) == bits(ref.theta)
    assert bits(run.loss) == bits(float(landscape.loss(ref.theta)))
    return run


def build(key, n=60, seed=4):
    return make_landscape(key, n, seed, expression="x**2 + 3*sin(y)" if key == "custom" else None)


@pytest.mark.parametrize("key", LANDSCAPES)
def test_every_optimizer_and_batch_size_matches_the_original_step(key):
    land = build(key)
    start = np.array(land.bounds)[:, 0] * 0.6 + np.array(land.bounds)[:, 1] * 0.4
    for j, opt in enumerate(OPTIMIZERS):
        hyper = Hyper(lr=0.01 if key in ("himmelblau", "rosenbrock") else 0.05, optimizer=opt,
                      schedule=("constant", "cosine", "step")[j % 3], epochs=6)
        b = (1, 7, 16, 60, 1)[j]       # single examples, Python-summed batches, the whole set
        compare(land, b, start, hyper, 150 if b < 16 else 40)


def test_changes_mid_run_drop_last_and_the_array_path_match():
    land = build("regression", n=150)
    hyper = Hyper(lr=0.03, optimizer="adam", epochs=50)
    # B grows past the Python limit (array path) and back; eta, rule and schedule change
    changes = {5: (100, None), 9: (3, Hyper(lr=0.02, optimizer="momentum", epochs=50)),
               40: (150, None), 44: (1, Hyper(lr=0.02, optimizer="rmsprop",
                                                 schedule="exponential", epochs=50)),
               90: (64, None)}
    compare(land, 2, (1.0, -2.0), hyper, 120, changes=changes)
    compare(build("saddle", n=50), 8, (0.1, 1.5), Hyper(lr=0.05), 60, drop_last=True,
            clock="hardware", changes={20: (30, None), 31: (3, None)})


@pytest.mark.parametrize("key", ("rosenbrock", "himmelblau", "regression", "sharp_flat",
                                 "ravine"))
def test_divergence_matches_including_overflow(key):
    # eta far too large: Python's pow overflows where NumPy gives inf; the array path takes over
    for opt in ("sgd", "adam"):
        compare(build(key), 1, (1.9, 2.5), Hyper(lr=3.0 if opt == "sgd" else 40.0,
                                                  optimizer=opt), 80)


def test_full_batch_estimate_is_the_full_gradient_exactly():
    run = MethodRun("full_batch", build("rosenbrock"), 60, (0.5, 0.5), Hyper(lr=0.01),
                    np.random.default_rng(0))
    for _ in range(5):
        rec = run.step()
        assert rec.grad_estimate.tobytes() == rec.grad_full.tobytes()
    # and full batch never draws a permutation: its order is never used
    assert run.sampler._drawn is None


def test_float_mirrors_equal_the_landscapes_numpy_code():
    rng = np.random.default_rng(5)
    points = rng.normal(size=(10000, 2)) * 10.0 ** rng.uniform(-3, 3, size=(10000, 2))
    for key in ("rosenbrock", "himmelblau", "saddle", "sharp_flat", "regression"):
        land = build(key)
        terms = scalar_terms(land)
        # a real float mirror: the landscape's own formulas, run on floats
        assert terms.loss == getattr(land, "f_xy", None) or terms.loss == land.loss_wb
        for x, y in points.tolist():
            th = np.array((x, y))
            with np.errstate(all="ignore"):
                want_loss, want_grad = float(land.loss(th)), land.grad(th).tolist()
            try:
                got_loss, got_grad = terms.loss(x, y), list(terms.grad(x, y))
            except OverflowError:
                assert not math.isfinite(want_loss) or not np.isfinite(want_grad).all()
                continue
            assert bits(got_loss) == bits(want_loss) and got_grad == want_grad, (key, x, y)
    sharp = build("sharp_flat")
    assert scalar_terms(sharp).grad == sharp.grad_xy
    assert scalar_terms(build("logistic")) is None      # O(N) anyway: the array path


def test_pairwise_sum_is_numpys_sum():
    rng = np.random.default_rng(6)
    for n in list(range(1, 140)) + [255, 256, 257, 1000]:
        v = rng.normal(size=n) * 10.0 ** rng.uniform(-6, 6, size=n)
        assert pairwise_sum(v.tolist()) == float(v.sum())
    assert math.copysign(1.0, pairwise_sum([-0.0])) == math.copysign(1.0, float(np.sum([-0.0])))


def test_sequential_rows_sum_in_order_from_zero():
    """subtract.reduce on negated terms is the plain left-to-right sum, zeros' signs included."""
    rng = np.random.default_rng(8)
    for n in (1, 2, 7, 8, 9, 200, 1000, 1001, 9000):
        v = rng.normal(size=(2, n)) * 10.0 ** rng.uniform(-12, 12, size=(2, n))
        v[0, rng.random(n) < 0.2] = -0.0
        v[1, :] = -0.0 if n % 2 else 0.0
        rows = SequentialRows(2, n)
        rows.negated[:] = -v
        got = rows.sums()
        for j in range(2):
            total = 0.0
            for value in v[j].tolist():
                total += value
            assert bits(got[j]) == bits(total) == bits(sequential_sum(v[j]))


def whole_points(terms, rng, count=300):
    """Points for ``whole``: every scale, exact zero residuals, and far out (guarded path)."""
    points = (rng.normal(size=(count, 2)) * 10.0 ** rng.uniform(-30, 30, size=(count, 2)))
    points = points.tolist() + [(0.0, 0.0), (-0.0, 0.0), (1e-320, -1e-320), (1e200, 1.0),
                                (float("inf"), 0.0), (float("nan"), 1.0)]
    if hasattr(terms, "ys"):
        points += [(0.0, y) for y in terms.ys[:20]]      # that example's residual is exactly 0
    return points


@pytest.mark.parametrize("key", LANDSCAPES[:6] + ("custom",))
@pytest.mark.parametrize("n", (7, 257, 1000))
def test_whole_is_the_landscapes_own_full_batch(key, n):
    """Full batch's float-path gradient and loss are NumPy's batch_grad and batch_loss over
    every example, to the bit, both where errstate is skipped and where it is not."""
    land = build(key, n=n)
    terms = scalar_terms(land)
    idx = np.arange(n)
    guarded = terms._whole_guarded
    calls = {"all": 0, "guarded": 0}

    def counted(*args):
        calls["guarded"] += 1
        return guarded(*args)

    terms._whole_guarded = counted
    for x, y in whole_points(terms, np.random.default_rng(n)):
        theta = np.array((x, y))
        with np.errstate(all="ignore"):
            want = land.batch_grad(theta, idx).tolist() + [float(land.batch_loss(theta, idx))]
        try:
            got = list(terms.whole(x, y))
        except OverflowError:               # the step takes the array path instead
            continue
        assert [bits(v) for v in got] == [bits(v) for v in want], (key, x, y)
        calls["all"] += 1
    assert calls["all"] - calls["guarded"] > 100 and calls["guarded"] > 0   # both paths ran


def test_whole_loss_halves_its_sum_only_where_that_is_exact():
    """0.5 * sum(r^2) equals sum(0.5 r^2) only while no r^2 is subnormal: with residuals near
    1e-160 the halving would change the loss, and ``whole`` does not halve."""
    land = build("regression", n=300)
    land.y[:] = land.y * 1e-158
    terms = scalar_terms(land)
    assert not terms._halve_sum
    idx, rng, differs = np.arange(land.n), np.random.default_rng(0), 0
    for w, b in (rng.normal(size=(200, 2)) * 1e-158).tolist():
        want = float(land.batch_loss(np.array((w, b)), idx))
        assert bits(terms.whole(w, b)[2]) == bits(want)
        terms._halve_sum = True             # what an unguarded halving would give
        differs += terms.whole(w, b)[2] != want
        terms._halve_sum = False
    assert differs > 0
    assert scalar_terms(build("regression", n=300))._halve_sum


def test_full_batch_steps_under_a_raising_errstate():
    """Where whole skips errstate, an underflow under the caller's errstate("raise") sends the
    step to the array path: the same record as without it."""
    land = build("regression", n=100)
    runs = [MethodRun("full_batch", land, 100, (1e-320, -1e-320), Hyper(lr=0.05),
                      np.random.default_rng(0)) for _ in range(2)]
    with np.errstate(all="raise"):
        with pytest.raises(FloatingPointError):
            runs[0]._terms.whole(1e-320, -1e-320)
        raised = [record_bits(runs[0].step()) for _ in range(5)]
    plain = [record_bits(runs[1].step()) for _ in range(5)]
    assert raised == plain


def test_trail_appends_without_copies_keep_the_same_points():
    from gdviz.core.trail import Trail
    trails = [Trail(2, capacity=64) for _ in range(3)]
    for i in range(5000):
        point = (float(i), -0.5 * i)
        trails[0].append(point)
        trails[1].append_owned(np.array(point))
        trails[2].append_pair(*point)
    for t in trails[1:]:
        assert (t._size, t._stride, t._count) == (trails[0]._size, trails[0]._stride,
                                                   trails[0]._count)
        assert bits(t.array()) == bits(trails[0].array())


def test_float_step_record_has_every_field():
    from dataclasses import fields

    from gdviz.core.simulation import StepRecord
    run = MethodRun("full_batch", build("regression"), 60, (0.5, 0.5), Hyper(lr=0.01),
                    np.random.default_rng(0))
    rec = run.step()
    assert isinstance(rec, StepRecord) and rec.method == "full_batch"
    assert list(vars(rec)) == [f.name for f in fields(StepRecord)]


# the CLI's JSON, pinned to the original code's output ----------------------------------------
SCENARIO = """name = "pinned"
landscape = "{landscape}"
n_examples = {n}
seed = 7
batch_size = {b}
epochs = {epochs}
lr = {lr}
optimizer = "{optimizer}"
clock = "{clock}"
"""

# `gdviz simulate FILE --json` of the original implementation (fe9c106; files regenerated from
# b7e9171's unchanged code), one gzipped file per scenario in tests/data/simulate_pinned. The same
# code gives different last bits on different processors (libm's and OpenBLAS's kernels are chosen
# per CPU): 4 of these 7 sha256 digests, pinned on the machine of late November, differed on an AMD
# EPYC machine with the code unchanged. So the text, the structure, every count and every string
# must be identical, and every float equal to 1e-9 relative: a changed rule or order of updates
# moves numbers by far more than that within a few steps.
PINNED_DIR = Path(__file__).resolve().parent / "data" / "simulate_pinned"
PINNED = (
    ("regression", 120, 8, 3, 0.05, "sgd", "examples"),
    ("regression", 64, 5, 2, 0.05, "adam", "updates"),
    ("rosenbrock", 80, 12, 2, 0.01, "nesterov", "hardware"),
    ("himmelblau", 50, 16, 2, 0.01, "rmsprop", "examples"),
    ("sharp_flat", 60, 3, 2, 0.15, "momentum", "updates"),
    ("ravine", 70, 100, 2, 0.07, "sgd", "examples"),
    ("logistic", 40, 4, 2, 0.5, "adam", "examples"),
)


def simulate_json(tmp_path, spec) -> str:
    import contextlib
    import io

    from gdviz.cli import main
    landscape, n, b, epochs, lr, optimizer, clock = spec
    path = tmp_path / f"{landscape}-{optimizer}.toml"
    path.write_text(SCENARIO.format(landscape=landscape, n=n, b=min(b, n), epochs=epochs, lr=lr,
                                    optimizer=optimizer, clock=clock))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["simulate", str(path), "--json"]) == 0
    return out.getvalue()


def pinned_json(spec) -> str:
    import gzip
    landscape, _n, _b, _epochs, _lr, optimizer, clock = spec
    return gzip.decompress((PINNED_DIR / f"{landscape}-{optimizer}-{clock}.json.gz").read_bytes()).decode()


def assert_same_run(new, old, where="$"):
    if isinstance(old, float) and isinstance(new, float):
        assert math.isclose(new, old, rel_tol=1e-9, abs_tol=1e-300) or (new != new and old != old), \
            f"{where}: {new!r} != {old!r}"
    elif isinstance(old, dict):
        assert isinstance(new, dict) and list(new) == list(old), f"{where}: keys differ"
        for key in old:
            assert_same_run(new[key], old[key], f"{where}.{key}")
    elif isinstance(old, list):
        assert isinstance(new, list) and len(new) == len(old), f"{where}: lengths differ"
        for i, (a, b) in enumerate(zip(new, old)):
            assert_same_run(a, b, f"{where}[{i}]")
    else:
        assert type(new) is type(old) and new == old, f"{where}: {new!r} != {old!r}"


@pytest.mark.parametrize("spec", PINNED)
def test_simulate_json_unchanged(tmp_path, spec):
    new, old = simulate_json(tmp_path, spec), pinned_json(spec)
    assert len(new.splitlines()) == len(old.splitlines())
    assert_same_run(json.loads(new), json.loads(old))


def test_pinned_comparison_catches_a_changed_step():
    """A run whose one coordinate moved in the 8th digit is not the pinned run."""
    old = json.loads(pinned_json(PINNED[0]))
    new = json.loads(pinned_json(PINNED[0]))
    new["methods"]["mini_batch"]["steps"][3]["theta"][0] *= 1 + 1e-8
    with pytest.raises(AssertionError):
        assert_same_run(new, old)
