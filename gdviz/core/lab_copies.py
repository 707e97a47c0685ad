"""The batch-size lab counted on the mean of K shuffle-copies (issue 21), or on the exact
expected loss, or (labelled) on single runs of the copies.

Copy k of run (B, η) is ``gdviz simulate SCENARIO --batch-size B --lr η --shuffle-seed s_k``
with s_k = (the scenario's shuffle seed, or else its seed) + k, so copy 0 is the scenario's own
run: the scenario's data (its seed), the copy's
own shuffles (one permutation per epoch from ``SeedSequence(s_k).spawn(3)[1]``, as simulate's
mini-batch draws them). The copies of every η advance together as one array (copies × η × d)
and share each update's gathered examples; their losses agree with simulate's to rounding (the
vectorised sums run in another order), not bit for bit.

Criteria (``LabSettings.criterion``):

* ``mean_of_copies`` (default): the steps to target of (B, η) are the first update at which
  the MEAN loss over the K copies is ≤ the target. A lucky dip of one copy does not count.
* ``expected``: the first update at which the exact expected loss (gdviz.core.moments, least
  squares with plain SGD and a constant η only) is ≤ the target.
* ``single_run``: each copy's own first passage, one count per copy (the old lab's measure,
  which a noisy run can meet by luck below SGD's noise floor).

A batch size's runs stop at CUT times the steps of its quickest η, or at the epoch budget:
an η that has not reached the target by then could not be the best, and counts as not reached.
They also stop at CUT × (B'/B) × S(B') where the next larger batch size B' (swept first)
reached the target in S(B') steps: a smaller batch never needs more examples than a larger one
(E = S·B grows with B on McCandlish et al.'s hyperbola), so a run past three times that is not
near the best. Without this, a batch size no η can bring to the target would run its whole
budget (327,680 updates at B = 1 on lesson 7).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from gdviz.core import METHOD_KEYS
from gdviz.core.blas import one_thread
from gdviz.core.curvature import stability_limit
from gdviz.core.lab_block import epoch_spans
from gdviz.core.lab_fit import best_per_batch, fit_tradeoff, noise_path
from gdviz.core.lab_grid import (CRITERIA, DEFAULT_FRACTION,
                                 DEFAULT_LR_COUNT, DIVERGED, LR_SPAN_OCTAVES, MAX_RUNS,
                                 MINI_BATCH_STREAM, NOT_REACHED, REACHED, LabSetup, SeedTarget,
                                 _three_digits, auto_batch_sizes, auto_lrs, lab_result, lr_top,
                                 seed_targets)
from gdviz.core.landscapes import LeastSquares
from gdviz.core.limits import CopiesWork, check_copies_lab, check_seed_range, copies_kind
from gdviz.core.moments import QuadraticTheory
from gdviz.core.optimizers import Optimizer
from gdviz.core.rules import budget_steps, examples_after, lr_at
from gdviz.core.simulation import DIVERGENCE_FACTOR

DEFAULT_COPIES = 16
CUT = 3                     # a batch size's runs stop at CUT × its quickest η's steps
BAND = (10, 90)             # the copies' spread drawn as a band: these percentiles


@dataclass(frozen=True, eq=False)
class CopyCurve:
    """Loss against updates at one batch size's best η: the copies' mean and spread (BAND
    percentiles), and the theory's expected loss where there is one (else None)."""

    batch_size: int
    lr: float
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    theory: np.ndarray | None


def copy_rng(shuffle_seed: int) -> np.random.Generator:
    """The generator of simulate's mini-batch shuffles for this shuffle seed."""
    return np.random.default_rng(np.random.SeedSequence(int(shuffle_seed)).spawn(
        len(METHOD_KEYS))[MINI_BATCH_STREAM])


class CopiesLab:
    """The lab of one scenario counted on copies; built by ``Lab(...)`` for these criteria."""

    def __init__(self, scenario, settings):
        with one_thread():
            self._build(scenario, settings)

    def _build(self, scenario, settings):
        settings.check(scenario.n_examples)
        max_epochs = float(settings.max_epochs if settings.max_epochs is not None
                           else scenario.epochs)
        self.scenario = scenario.with_changes(epochs=max_epochs)
        self.settings = settings
        self.criterion = settings.criterion
        self.copies = int(settings.copies)
        self.setup = setup = LabSetup.of(self.scenario, max_epochs)
        self.hyper, self.hardware, self.n = setup.hyper, setup.hardware, setup.n
        self.drop_last, self.max_epochs = setup.drop_last, setup.max_epochs
        self.fraction = (DEFAULT_FRACTION if settings.target_fraction is None
                         else settings.target_fraction)
        dims = (self.scenario.dims or LeastSquares.DEFAULT_DIMS
                if self.scenario.landscape == "least_squares" else 2)
        kind = copies_kind(self.scenario.landscape)
        expression = len(self.scenario.function or "") if self.scenario.landscape == "custom" \
            else 0
        check_copies_lab(self.n, sorted(set(settings.batch_sizes or auto_batch_sizes(self.n))),
                         len(set(settings.lrs or ())) or self._auto_lr_count(), self.copies,
                         max_epochs, self.drop_last, dims, kind, expression)  # before any data
        # the work actually done, counted as the sweep runs: stopped at the limits
        self.work = CopiesWork(kind, self.n, dims, self.copies, expression)
        # copy 0 is the scenario's own run (its shuffles come from its seed), copy k the run
        # with shuffle seed seed + k: the seed ensemble's copies (gdviz.core.ensemble)
        first = scenario.shuffle_seed if scenario.shuffle_seed is not None else scenario.seed
        check_seed_range(first, self.copies, "shuffle_seed" if scenario.shuffle_seed is not None
                         else "seed", "shuffle-copies")
        self.shuffle_seeds = tuple(first + k for k in range(self.copies))
        landscape = self.scenario.make_landscape()
        self.landscape = landscape
        self.landscapes = [landscape]
        self.start_theta = np.array(self.scenario.resolved_starts(landscape)["mini_batch"], float)
        if isinstance(landscape, LeastSquares):
            start_loss = float(landscape.loss(self.start_theta))
            j_star = landscape.j_star
            target = SeedTarget(self.scenario.seed, tuple(float(v) for v in
                                                           landscape.to_plane(self.start_theta)),
                                start_loss, j_star, j_star + self.fraction * (start_loss - j_star),
                                True)
            self.lam = float(landscape.eigenvalues[-1])
        else:
            _, (target,), self.lam = seed_targets(self.scenario, (self.scenario.seed,),
                                                  self.fraction)
        single = self.criterion == "single_run"
        self.seeds = self.shuffle_seeds if single else (self.scenario.seed,)
        self.targets = tuple(dataclasses.replace(target, seed=s) for s in self.shuffle_seeds) \
            if single else (target,)
        self.target = target
        self.bound = DIVERGENCE_FACTOR * (1.0 + abs(target.start_loss))
        self.edge = stability_limit(self.lam, self.hyper.optimizer, self.hyper.momentum)
        quadratic = (isinstance(landscape, LeastSquares) and self.hyper.optimizer == "sgd"
                     and self.hyper.schedule == "constant")
        self.theory = QuadraticTheory(landscape, self.start_theta) if quadratic else None
        if self.criterion == "expected" and self.theory is None:
            raise ValueError("criterion 'expected' needs a quadratic loss (landscape "
                             "least_squares) with plain SGD and a constant learning rate")
        self.batch_sizes = np.array(sorted(set(settings.batch_sizes or auto_batch_sizes(self.n))),
                                    np.int64)
        self.lrs = np.array(sorted(set(settings.lrs or self._auto_lrs())), float)
        runs = len(self.batch_sizes) * len(self.lrs) * self.copies
        if runs > MAX_RUNS:
            raise ValueError(f"{runs} runs is too many for one lab (at most {MAX_RUNS})")
        self.logs: dict[int, np.ndarray] = {}       # per B: losses (updates + 1, copies, η)

    def _auto_lr_count(self) -> int:
        """At most this many η in the automatic grid (``_auto_lrs``), known before any data."""
        if self.hyper.optimizer not in ("momentum", "nesterov"):
            return DEFAULT_LR_COUNT
        extra = math.log2(1.0 / max(1.0 - self.hyper.momentum, 1e-3))
        return int(round(DEFAULT_LR_COUNT * (LR_SPAN_OCTAVES + extra) / LR_SPAN_OCTAVES))

    def _auto_lrs(self):
        """The lab's automatic grid, reaching (1 − β)× lower for heavy-ball and Nesterov
        momentum, whose steps are 1/(1 − β) times η once the velocity builds up."""
        top = self._lr_top()
        if self.hyper.optimizer not in ("momentum", "nesterov"):
            return auto_lrs(top)
        extra = math.log2(1.0 / max(1.0 - self.hyper.momentum, 1e-3))
        octaves = LR_SPAN_OCTAVES + extra
        count = int(round(DEFAULT_LR_COUNT * octaves / LR_SPAN_OCTAVES))
        return tuple(sorted({_three_digits(top * 2.0**e)
                             for e in np.linspace(-octaves, 0.0, count)}))

    def _lr_top(self) -> float:
        if self.edge is not None:
            return 2.0 * self.edge
        if isinstance(self.landscape, LeastSquares):
            return 1.0
        return lr_top(self.edge, self.target, self.landscape)

    # one batch size ---------------------------------------------------------------------------
    def _loss(self, theta: np.ndarray) -> np.ndarray:
        land = self.landscape
        if isinstance(land, LeastSquares):
            e = theta - land.theta_star
            return land.j_star + 0.5 * np.einsum("...d,...d->...", e @ land.H, e)
        return np.asarray(land.loss(theta), float)

    def _grad(self, theta: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Batch gradients of theta (K, L, dim), copy k on the examples idx[k] (K, B)."""
        land = self.landscape
        if isinstance(land, LeastSquares):
            xb = land.x[idx]                                   # (K, B, d)
            r = np.matmul(theta, xb.transpose(0, 2, 1)) - land.y[idx][:, None, :]
            return np.matmul(r, xb) / idx.shape[1]
        return land.batch_grad(theta, idx[:, None, :])

    def _examples(self, steps: np.ndarray, b: int) -> np.ndarray:
        return examples_after(np.maximum(steps, 1), self.n, b, self.drop_last)

    def _batch(self, b: int, cancelled, cap: int | None = None):
        n, L, K = self.n, len(self.lrs), self.copies
        budget = budget_steps(n, b, self.drop_last, self.max_epochs)
        if cap is not None:
            budget = min(budget, cap)
        spans = epoch_spans(n, b, self.drop_last)
        u = len(spans)
        target, bound = self.target.loss, self.bound
        base = lr_at(self.hyper, b, 0.0, lr=self.lrs)    # the η at the first update
        s = len(self.seeds)
        steps = np.zeros((L, s), np.int64)
        status = np.full((L, s), NOT_REACHED, np.int8)
        if self.criterion == "expected":
            curves, first, diverged = self.theory.curves(base, b, budget, target, bound, cut=CUT)
            steps[:, 0] = np.where(first > 0, first, curves.shape[1] - 1)
            status[:, 0] = np.where(first > 0, REACHED, np.where(diverged, DIVERGED, NOT_REACHED))
            self.logs[b] = curves.T[:, None, :]
            return steps, self._examples(steps, b), status
        theta = np.tile(self.start_theta, (K, L, 1))
        active = np.arange(L)
        opt = Optimizer(self.hyper.optimizer, momentum=self.hyper.momentum)
        constant = self.hyper.schedule == "constant"
        lr = base[None, :, None]
        rngs = [copy_rng(sd) for sd in self.shuffle_seeds]
        start = self._loss(theta)
        log = [start]
        first_copy = np.zeros((L, K), np.int64)
        bad_copy = np.zeros((L, K), bool)
        stop_at = budget
        order = None
        single = self.criterion == "single_run"
        work, costs = self.work, {}
        with np.errstate(all="ignore"):
            for k in range(budget):
                if k % 64 == 0 and cancelled is not None and cancelled():
                    return None
                e, j = divmod(k, u)
                lo, hi = spans[j]
                if hi - lo not in costs:
                    costs[hi - lo] = work.run_cost(hi - lo)
                # this update's estimated work and the log it will hold: LimitError past the
                # limits (a sweep whose runs do not stop early, the worst case allowed up front)
                work.add(K * len(active), costs[hi - lo], k + 2, K * L, b)
                if hi - lo == n:
                    g = self.landscape.grad(theta)
                else:
                    if j == 0:
                        order = np.stack([r.permutation(n) for r in rngs])
                    g = self._grad(theta, order[:, lo:hi])
                if not constant:
                    lr = lr_at(self.hyper, b, e + lo / n, lr=self.lrs[active])[None, :, None]
                theta = opt.step(theta, g, lr)
                loss = self._loss(theta)                          # (K, La)
                row = np.full((K, L), np.nan)
                row[:, active] = loss
                log.append(row)
                ok = np.abs(loss) <= bound                        # nan: False
                if single:
                    fresh = (loss <= target) & (first_copy[active].T == 0) & ok
                    first_copy[active] = np.where(fresh.T, k + 1, first_copy[active])
                    bad_copy[active] |= (~ok & (first_copy[active].T == 0)).T
                    done = ((first_copy[active] > 0) | bad_copy[active]).all(axis=1)
                    reached_now = (first_copy[active] > 0).any(axis=1)
                else:
                    mean = loss.mean(axis=0)
                    good = np.abs(mean) <= bound
                    hit = good & (mean <= target)
                    steps[active[hit], 0] = k + 1
                    status[active[hit], 0] = REACHED
                    status[active[~good], 0] = DIVERGED
                    steps[active[~good], 0] = k + 1
                    done = hit | ~good
                    reached_now = hit
                if reached_now.any() and stop_at == budget:
                    stop_at = min(budget, CUT * (k + 1))
                if done.any():
                    keep = ~done
                    active, theta = active[keep], theta[:, keep]
                    lr = lr[:, keep] if lr.shape[1] > 1 else lr
                    for name in ("_m", "_v"):
                        state = getattr(opt, name)
                        if state is not None:
                            setattr(opt, name, state[:, keep])
                if not len(active) or k + 1 >= stop_at:
                    break
        taken = len(log) - 1
        if single:
            steps = np.where(first_copy > 0, first_copy, taken)   # else: the updates taken
            status = np.where(first_copy > 0, REACHED,
                              np.where(bad_copy, DIVERGED, NOT_REACHED)).astype(np.int8)
        else:
            steps[active, 0] = taken
        self.logs[b] = np.array(log)
        work.keep(len(log), K * L)
        return steps, self._examples(steps, b), status

    # the sweep ---------------------------------------------------------------------------------
    def run(self, progress=None, cancelled=None):
        with one_thread():
            return self._run(progress, cancelled)

    def _run(self, progress, cancelled):
        k, l, s = len(self.batch_sizes), len(self.lrs), len(self.seeds)
        steps = np.zeros((k, l, s), np.int64)
        examples = np.zeros((k, l, s), np.int64)
        status = np.full((k, l, s), NOT_REACHED, np.int8)
        done = np.zeros(k, bool)
        cap = None
        for i in range(k - 1, -1, -1):
            b = int(self.batch_sizes[i])
            out = self._batch(b, cancelled, cap)
            if out is None:
                return None
            steps[i], examples[i], status[i] = out
            reached = steps[i][status[i] == REACHED]
            if len(reached):
                cap = int(CUT * math.ceil(float(np.median(reached) if len(self.seeds) > 1
                                                else reached.min()) * b / max(
                    int(self.batch_sizes[i - 1]) if i else 1, 1)))
            done[i] = True
            if progress is not None:
                progress(self._result(steps, examples, status, done))
        return self.summarize(self._result(steps, examples, status, done))

    def _result(self, steps, examples, status, done):
        return lab_result(self, steps, examples, status, done, criterion=self.criterion,
                          copies=self.copies, shuffle_seeds=self.shuffle_seeds)

    def summarize(self, result):
        best = best_per_batch(result)
        curves, with_theory = [], []
        for p in best:
            theory_steps, curve = None, None
            if p.lr is not None:
                j = int(np.flatnonzero(self.lrs == p.lr)[0])
                curve, theory_steps = self._curve(p.batch_size, j, p.steps_median)
                curves.append(curve)
            with_theory.append(dataclasses.replace(p, steps_theory=theory_steps))
        best = tuple(with_theory)
        return dataclasses.replace(result, best=best, fit=fit_tradeoff(best, self.n),
                                   noise=noise_path(self.setup, self.landscape, self.start_theta,
                                                    self.target.loss, self.lam, best),
                                   curves=tuple(curves))

    def _curve(self, b: int, j: int, measured):
        log = self.logs[b][:, :, j]                               # (T, copies)
        rows = np.isfinite(log).all(axis=1)
        log = log[rows]
        mean = log.mean(axis=1)
        low, high = np.percentile(log, BAND, axis=1)
        theory, first = None, None
        if self.theory is not None:
            lr = lr_at(self.hyper, b, 0.0, lr=float(self.lrs[j]))   # constant: no schedule
            budget = budget_steps(self.n, b, self.drop_last, self.max_epochs)
            horizon = min(budget, max(len(mean) - 1, CUT * int(measured or 1)))
            curve, reach, _ = self.theory.curves([lr], b, horizon, self.target.loss,
                                                 self.bound)
            theory = curve[0]
            first = float(reach[0]) if reach[0] > 0 else None
            if self.criterion == "expected":
                mean = low = high = theory
        return CopyCurve(b, float(self.lrs[j]), mean, low, high, theory), first


def copies_band(result):
    """Per batch size with a curve: (B, first update at which the copies' lower BAND
    percentile reaches the target, the same for the upper one): the spread of the copies
    around the mean's step count (nan where the upper one had not reached it when the runs
    stopped). None without curves."""
    curves = getattr(result, "curves", ())
    if not curves:
        return None
    target = result.targets[0].loss
    rows = []
    for c in curves:
        lo = np.flatnonzero(c.low <= target)
        hi = np.flatnonzero(c.high <= target)
        rows.append((c.batch_size, lo[0] if len(lo) else np.nan, hi[0] if len(hi) else np.nan))
    return tuple(np.array(col, float) for col in zip(*rows))


def theory_points(result):
    """(B, the moment recursion's steps) where the theory gave a count; None otherwise."""
    rows = [(p.batch_size, p.steps_theory) for p in result.best
            if getattr(p, "steps_theory", None) is not None]
    if not rows:
        return None
    return tuple(np.array(col, float) for col in zip(*rows))
