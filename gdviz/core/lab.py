"""The batch-size lab: steps, examples and hardware time to a target loss over (B, η, seed).

This module is the single-run lab (``LabSettings(criterion="single_run")`` on a two-parameter
landscape) and what every lab shares (settings, result, best η, the fit, the noise path). The
default criterion counts steps on the mean loss of shuffle-copies: gdviz.core.lab_copies, which
``Lab(...)`` returns for it.

Run (B, η, seed) is exactly the mini-batch run of ``gdviz simulate SCENARIO --batch-size B
--lr η --seed seed --epochs E`` (with the scenario's optimizer, η-vs-B rule and schedule): the
scenario with that seed builds its own data (the seed draws the data as well as the shuffles),
the run starts at the scenario's mini-batch start, its shuffles come from the mini-batch's
stream ``SeedSequence(seed).spawn(3)[1]`` one permutation per epoch, and its batch gradients
are the landscape's own ``batch_grad`` (bit-identical when vectorised over runs). Its step count
is the first update whose loss J(θ) ≤ target = J* + ε (J(θ₀) − J*).

Speed: the runs of one batch size advance in lockstep as one array (runs × 2), a Python loop
over update indices only; runs that reach the target or diverge leave the block. Losses are
evaluated for the whole block at once; where that value lies within 1e-9 (relative) of the
target or the divergence bound, the run's loss is recomputed exactly as ``simulate`` computes it
(the vectorised and the single-point loss can differ in the last bits), so step counts and
statuses agree exactly.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np

from gdviz.core import METHOD_KEYS
from gdviz.core.batching import updates_per_epoch
from gdviz.core.curvature import lambda_max, noise_scales, stability_limit
from gdviz.core.landscapes import (LANDSCAPES, CustomFunction, Landscape, LinearRegression,
                                   TiltedLandscape)
from gdviz.core.limits import check_lab
from gdviz.core.optimizers import Optimizer
from gdviz.core.schedules import scaled_lr, scheduled_lr
from gdviz.core.simulation import DIVERGENCE_FACTOR

REACHED, NOT_REACHED, DIVERGED = 0, 1, 2
STATUS_NAMES = ("reached", "not_reached", "diverged")
MINI_BATCH_STREAM = METHOD_KEYS.index("mini_batch")
DEFAULT_LR_COUNT = 16
LR_SPAN_OCTAVES = 10          # the automatic grid spans 2^10 below its top
FULL_BATCH_PROBE_STEPS = 5000  # the long full-batch run that finds J* where it is not known
NOISE_PATH_POINTS = 200
# A vectorised loss this close (relative) to a threshold is recomputed the way simulate does.
NEAR = 1e-9
MAX_RUNS = 100_000
DEFAULT_FRACTION = 0.01       # ε: the target is 1 % of the way from J* to J(θ₀)


@dataclass(frozen=True)
class LabSettings:
    """What to sweep; None means chosen automatically."""

    batch_sizes: tuple[int, ...] | None = None
    lrs: tuple[float, ...] | None = None
    seeds: int = 8
    target_fraction: float | None = None   # None: DEFAULT_FRACTION (the MLP lab: its own)
    max_epochs: float | None = None   # None: the scenario's epochs
    # what a step count measures (gdviz.core.lab_copies): the mean loss of ``copies``
    # shuffle-copies on the scenario's data, the exact expected loss, or single runs over seeds
    criterion: str = "mean_of_copies"
    copies: int = 16

    def check(self, n: int) -> None:
        from gdviz.core.lab_copies import CRITERIA
        if self.criterion not in CRITERIA:
            raise ValueError(f"criterion must be one of {', '.join(CRITERIA)}, "
                             f"got {self.criterion!r}")
        if not isinstance(self.copies, int) or not 1 <= self.copies <= 1000:
            raise ValueError(f"copies must be a whole number between 1 and 1000, "
                             f"got {self.copies!r}")
        if not isinstance(self.seeds, int) or not 1 <= self.seeds <= 1000:
            raise ValueError(f"seeds must be a whole number between 1 and 1000, got {self.seeds!r}")
        eps = self.target_fraction
        if eps is not None and not (isinstance(eps, (int, float)) and math.isfinite(eps)
                                    and 0 < eps < 1):
            raise ValueError(f"target fraction must be between 0 and 1 (exclusive), got {eps!r}")
        if self.batch_sizes is not None:
            if not self.batch_sizes:
                raise ValueError("batch sizes: give at least one")
            bad = [b for b in self.batch_sizes if not 1 <= b <= n]
            if bad:
                raise ValueError(f"batch size {bad[0]} must be between 1 and N = {n}")
        if self.lrs is not None:
            if not self.lrs:
                raise ValueError("learning rates: give at least one")
            bad = [v for v in self.lrs if not (math.isfinite(v) and v > 0)]
            if bad:
                raise ValueError(f"learning rate {bad[0]!r} must be a positive finite number")
        if self.max_epochs is not None and not (math.isfinite(self.max_epochs)
                                                and 0 < self.max_epochs <= 10_000):
            raise ValueError(f"max epochs must be > 0 and ≤ 10000, got {self.max_epochs!r}")


@dataclass(frozen=True)
class SeedTarget:
    """One seed's data: its start, J(θ₀), J*, the target loss and the divergence bound."""

    seed: int
    start: tuple[float, float]
    start_loss: float
    j_star: float
    loss: float
    j_star_known: bool


@dataclass(frozen=True)
class BestRun:
    """The best η for one batch size: lowest median steps to target over the seeds."""

    batch_size: int
    lr: float | None
    steps_median: float | None
    steps_q1: float | None
    steps_q3: float | None
    examples_median: float | None
    time_median: float | None
    steps_theory: float | None = None   # the moment recursion's steps at this η (quadratic only)


@dataclass(frozen=True)
class Fit:
    """(S/S_min − 1)(E/E_min − 1) = 1 fitted as 1/S = 1/S_min − B_crit / E."""

    s_min: float | None
    e_min: float | None
    b_crit: float | None
    points: int


@dataclass(frozen=True)
class NoisePath:
    """B_simple and B_noise along the full-batch path (best η for B = N, the first seed)."""

    lr: float | None
    losses: np.ndarray
    b_simple: np.ndarray
    b_noise: np.ndarray
    b_simple_start: float | None
    b_simple_target: float | None
    b_noise_target: float | None
    # averaged over the path's steps up to the target (McCandlish et al.: B_crit ≈ mean B_noise)
    b_simple_path_mean: float | None = None
    b_noise_path_mean: float | None = None


@dataclass(frozen=True, eq=False)
class LabResult:
    batch_sizes: np.ndarray    # (K,)
    lrs: np.ndarray            # (L,) ascending
    seeds: tuple               # (S,)
    steps: np.ndarray          # (K, L, S) int: updates to target (or taken, when not reached)
    examples: np.ndarray       # (K, L, S) int: examples processed by then
    time: np.ndarray           # (K, L, S) simulated hardware seconds by then
    status: np.ndarray         # (K, L, S) REACHED, NOT_REACHED or DIVERGED
    done: np.ndarray           # (K,) bool: batch sizes whose runs are finished (partial results)
    targets: tuple             # (S,) SeedTarget
    fraction: float
    max_epochs: float
    lambda_max: float
    stability_limit: float | None
    optimizer: str
    best: tuple = field(default=())        # per B: BestRun (filled by summarize)
    fit: Fit | None = None
    noise: NoisePath | None = None
    measure: str = "loss"          # what the target is on: "loss" (J), "validation loss" (MLP)
    criterion: str = "single_run"  # "mean_of_copies", "expected" or "single_run"
    copies: int = 1                # shuffle-copies averaged per (B, η) (mean_of_copies)
    shuffle_seeds: tuple = ()      # the copies' shuffle seeds
    curves: tuple = ()             # per B that reached: CopyCurve at its best η (copies' labs)
    others: tuple = ()             # the same lab with other optimizers (sweep --optimizer a,b)

    @property
    def complete(self) -> bool:
        return bool(self.done.all())

    def reached(self) -> np.ndarray:
        return self.status == REACHED


# choosing the grid --------------------------------------------------------------------------
def auto_batch_sizes(n: int) -> tuple[int, ...]:
    """Powers of two from 1 up to N, plus N."""
    sizes = [1 << k for k in range(n.bit_length()) if (1 << k) <= n]
    if sizes[-1] != n:
        sizes.append(n)
    return tuple(sizes)


def _three_digits(value: float) -> float:
    """A learning rate a person can type back: three significant digits."""
    return float(f"{value:.3g}")


def auto_lrs(top: float, count: int = DEFAULT_LR_COUNT) -> tuple[float, ...]:
    """``count`` log-spaced η from ``top`` down 2^LR_SPAN_OCTAVES, ascending, 3 digits each."""
    exps = np.linspace(-LR_SPAN_OCTAVES, 0.0, count)
    values = sorted({_three_digits(top * 2.0**e) for e in exps})
    return tuple(values)


# per-seed data ---------------------------------------------------------------------------------
def seed_scenario(scenario, seed: int):
    return scenario.with_changes(seed=int(seed))


def _full_batch_best(landscape: Landscape, start: np.ndarray, lam: float,
                     steps: int = FULL_BATCH_PROBE_STEPS) -> float:
    """Lowest loss seen by plain full-batch descent from ``start`` at η ∈ {1/4, 1/2, 1}/λ."""
    lam = lam if np.isfinite(lam) and lam > 0 else 1.0
    lrs = np.array([0.25, 0.5, 1.0])[:, None] / lam
    theta = np.tile(np.asarray(start, float), (3, 1))
    best = float(landscape.loss(start))
    with np.errstate(all="ignore"):
        for _ in range(steps):
            theta = theta - lrs * landscape.grad(theta)
            loss = landscape.loss(theta)
            finite = np.isfinite(loss)
            if finite.any():
                best = min(best, float(loss[finite].min()))
    return best


def _known_minimum(landscape: Landscape) -> tuple[float, np.ndarray] | None:
    if isinstance(landscape, CustomFunction) or not len(landscape.minima):
        return None
    losses = [float(landscape.loss(np.array(m, float))) for m in landscape.minima]
    i = int(np.argmin(losses))
    return losses[i], np.array(landscape.minima[i], float)


def seed_targets(scenario, seeds, fraction: float):
    """Landscapes, starts and targets for each seed, and λ_max (max over start and minimum)."""
    landscapes, targets = [], []
    shared = None    # tilted landscapes have one J for every seed: J* is found once
    lam_ref = float("nan")
    for seed in seeds:
        sc = seed_scenario(scenario, seed)
        landscape = sc.make_landscape()
        start = np.array(sc.resolved_starts(landscape)["mini_batch"], float)
        start_loss = float(landscape.loss(start))
        if shared is not None and isinstance(landscape, TiltedLandscape) \
                and np.array_equal(start, shared[0]):
            j_star, known, lam = shared[1], shared[2], lam_ref
        else:
            lam_start = lambda_max(landscape, start)
            minimum = _known_minimum(landscape)
            if minimum is not None:
                j_star, known = minimum[0], True
                lam = np.nanmax([lam_start, lambda_max(landscape, minimum[1])])
            else:
                j_star = _full_batch_best(landscape, start, lam_start)
                if len(landscape.minima):
                    j_star = min(j_star, float(landscape.loss(landscape.minima[0])))
                known = False
                lam = lam_start
            j_star = min(j_star, start_loss)
            if isinstance(landscape, TiltedLandscape):
                shared = (start, j_star, known)
        if not np.isfinite(lam_ref):
            lam_ref = float(lam)
        target = j_star + fraction * (start_loss - j_star)
        landscapes.append(landscape)
        targets.append(SeedTarget(int(seed), (float(start[0]), float(start[1])), start_loss,
                                  float(j_star), float(target), known))
    return landscapes, tuple(targets), lam_ref


def _stacked(landscapes: list[Landscape]) -> Landscape:
    """One landscape holding every seed's examples: seed k's example i is index k·N + i.

    Per-example arrays (first axis N) are concatenated; the arithmetic of ``batch_grad`` is
    unchanged, so a run's gradient is bit-identical to its own landscape's.
    """
    first = landscapes[0]
    if len(landscapes) == 1:
        return first
    n = first.n
    stacked = copy.copy(first)
    for name, value in vars(first).items():
        if name != "minima" and isinstance(value, np.ndarray) and value.ndim >= 1 \
                and value.shape[0] == n:
            setattr(stacked, name, np.concatenate([getattr(l, name) for l in landscapes]))
    stacked.n = n * len(landscapes)
    return stacked


class _Permutations:
    """Each seed's mini-batch shuffles, one permutation per epoch, drawn as simulate draws them.

    One stream per block, asked for epochs in order; only the current epoch is kept, so memory
    is bounded by the block (S × N), not by the sweep's length (a cache of every epoch grew to
    gigabytes over a 10,000-epoch budget)."""

    def __init__(self, seeds, n: int):
        self.n = n
        self.gens = [np.random.default_rng(np.random.SeedSequence(int(s)).spawn(
            len(METHOD_KEYS))[MINI_BATCH_STREAM]) for s in seeds]
        self.current, self.index = None, -1
        self.offsets = (np.arange(len(self.gens)) * n)[:, None]

    def epoch(self, e: int) -> np.ndarray:
        """Epoch ``e``'s permutations (S, N), as indices into the stacked landscape."""
        if e < self.index:
            raise ValueError("a block's permutations are drawn in epoch order")
        while self.index < e:
            self.current = np.stack([g.permutation(self.n) for g in self.gens]) + self.offsets
            self.index += 1
        return self.current


class _RunsOptimizer(Optimizer):
    """The engine's optimizer over a block of runs, whose state follows the runs that stay."""

    def keep(self, rows: np.ndarray) -> None:
        if self._m is not None:
            self._m = self._m[rows]
        if self._v is not None:
            self._v = self._v[rows]


def budget_steps(n: int, b: int, drop_last: bool, epochs: float) -> int:
    """Updates simulate takes before it marks the run finished at ``epochs`` epochs: the
    sampler's batch sizes walked against ``batching.budget_spent``'s two tests (the epochs
    done, and no batch past epochs × N examples)."""
    limit = epochs * n * (1 + 1e-12)
    u = updates_per_epoch(n, b, drop_last)
    sizes = [b] * (u - 1) + [b if drop_last else n - (u - 1) * b]
    per_epoch = sum(sizes)
    steps = seen = done = 0
    while done + 1 < epochs - 1e-12 and seen + per_epoch <= limit:   # whole epochs at once
        done, steps, seen = done + 1, steps + u, seen + per_epoch
    pos = j = 0
    while done + pos / n < epochs - 1e-12 and seen + sizes[j] <= limit:
        seen, steps, pos, j = seen + sizes[j], steps + 1, pos + sizes[j], j + 1
        if j == u:
            done, pos, j = done + 1, 0, 0
    return steps


# the sweep --------------------------------------------------------------------------------------
def _gradient(stacked: Landscape, b: int):
    """``grad(theta (R, 2), idx)``: the runs' batch gradients, bit-identical to ``batch_grad``
    on each run's own batch. For B = 1, ``idx`` is (R,) and the mean over one example (which
    is that example's gradient, bit for bit) is skipped, with the landscape's own arithmetic
    written out for the two common kinds."""
    if b > 1:
        if type(stacked) is LinearRegression:
            x, y = stacked.x, stacked.y

            def regression_batch(theta, idx):
                xi = x[idx]
                r = theta[:, 0, None] * xi + theta[:, 1, None] - y[idx]
                per_example = np.empty(r.shape + (2,))   # np.stack([r x, r], -1) without its cost
                per_example[..., 0] = r * xi
                per_example[..., 1] = r
                return per_example.mean(axis=-2)
            return regression_batch
        return stacked.batch_grad
    if isinstance(stacked, TiltedLandscape):
        tilts, grad_f = stacked.tilts, stacked.grad_f
        return lambda theta, idx: grad_f(theta) + tilts[idx]
    if type(stacked) is LinearRegression:
        x, y = stacked.x, stacked.y

        def regression(theta, idx):
            xi = x[idx]
            r = theta[:, 0] * xi + theta[:, 1] - y[idx]   # as LinearRegression._residuals
            g = np.empty_like(theta)
            g[:, 0] = r * xi
            g[:, 1] = r
            return g
        return regression
    return lambda theta, idx: stacked.example_grads(theta, idx[:, None])[:, 0]


class _BlockLoss:
    """J(θ) of each run in a block, on its own seed's data; follows the runs that stay.

    Within rounding of ``landscape.loss`` (the block re-checks values near a threshold)."""

    def __init__(self, lab, seed_idx: np.ndarray):
        self.landscapes = lab.landscapes
        self.seed_idx = seed_idx
        self.coef = None
        if all(isinstance(l, TiltedLandscape) for l in self.landscapes):
            self.shared = self.landscapes[0]            # J = f for every seed's data
        else:
            self.shared = None
            if all(type(l) is LinearRegression for l in self.landscapes):
                # J = ½(w² mxx + 2wb mx + b² − 2w mxy − 2b my + myy), each seed its own moments
                m = np.array([[l._mxx, 2 * l._mx, 2 * l._mxy, 2 * l._my, l._myy]
                              for l in self.landscapes])
                self.coef = [np.ascontiguousarray(c) for c in m[seed_idx].T]

    def keep(self, rows) -> None:
        self.seed_idx = self.seed_idx[rows]
        if self.coef is not None:
            self.coef = [c[rows] for c in self.coef]

    def __call__(self, theta: np.ndarray) -> np.ndarray:
        if self.shared is not None:
            return np.asarray(self.shared.loss(theta), float)
        if self.coef is not None:
            c0, c1, c2, c3, c4 = self.coef
            w, b = theta[:, 0], theta[:, 1]
            return 0.5 * (w * (w * c0 + b * c1 - c2) + b * (b - c3) + c4)
        loss = np.empty(len(theta))
        for s in np.unique(self.seed_idx):
            mine = self.seed_idx == s
            loss[mine] = self.landscapes[s].loss(theta[mine])
        return loss


class _Block:
    """All runs of one batch size, stepped together."""

    def __init__(self, lab, b: int):
        self.lab = lab
        self.b = b
        n = lab.n
        lr_count, seed_count = len(lab.lrs), len(lab.seeds)
        self.lr_index = np.repeat(np.arange(lr_count), seed_count)
        self.seed_index = np.tile(np.arange(seed_count), lr_count)
        self.u = updates_per_epoch(n, b, lab.drop_last)
        self.budget = budget_steps(n, b, lab.drop_last, lab.max_epochs)
        self.per_epoch = self.u * b if lab.drop_last else n

    def run(self, cancelled) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        lab, b, n = self.lab, self.b, self.lab.n
        runs = len(self.lr_index)
        steps = np.zeros(runs, np.int64)
        examples = np.zeros(runs, np.int64)
        status = np.full(runs, NOT_REACHED, np.int8)
        rows = np.arange(runs)
        seed_idx = self.seed_index.copy()
        theta = lab.starts[seed_idx].copy()
        base_lr = scaled_lr(lab.lrs[self.lr_index], lab.hyper.lr_scaling, b,
                            lab.hyper.lr_reference_batch)
        target = lab.target_loss[seed_idx]
        bound = lab.bound[seed_idx]
        # a loss at or under `flag_low`, or not under `flag_high`, is looked at closely
        flag_low = target + NEAR * np.abs(target) + 1e-300
        flag_high = bound * (1.0 - NEAR)
        whole = np.arange(n)[None, :] + (seed_idx * n)[:, None]
        opt = _RunsOptimizer(lab.hyper.optimizer, momentum=lab.hyper.momentum)
        constant = lab.hyper.schedule == "constant"
        lr = base_lr[:, None]
        grad = _gradient(lab.stacked, b)
        block_loss = _BlockLoss(lab, seed_idx)
        check_theta = lab.check_theta
        perms = _Permutations(lab.seeds, n)      # this block's own stream: same shuffles
        los = [j * b for j in range(self.u)]
        his = [min(lo + b, n) for lo in los]
        e = j = 0
        with np.errstate(all="ignore"):
            for k in range(self.budget):
                if cancelled is not None and cancelled():   # every update: closing waits < 1 s
                    return None
                lo, hi = los[j], his[j]
                if j == 0:
                    # this epoch's order for the active runs: (N, R) for B = 1, else (R, N)
                    order = perms.epoch(e)[seed_idx]
                    if b == 1:
                        order = np.ascontiguousarray(order.T)
                if hi - lo == n:
                    idx = whole      # a whole-dataset batch sums in index order
                elif b == 1:
                    idx = order[lo]
                else:
                    idx = order[:, lo:hi]
                if not constant:
                    lr = scheduled_lr(base_lr, lab.hyper.schedule, e + lo / n,
                                      lab.hyper.epochs)[:, None]
                theta = opt.step(theta, grad(theta, idx), lr)
                loss = block_loss(theta)
                flagged = (loss <= flag_low) | ~(loss < flag_high)
                if np.count_nonzero(flagged) or (check_theta and not np.isfinite(theta).all()):
                    stop = self._stops(theta, loss, flagged, seed_idx, target, bound)
                    if stop is not None:
                        stopped, diverged = stop
                        at = rows[stopped]
                        steps[at] = k + 1
                        examples[at] = e * self.per_epoch + hi
                        status[at] = np.where(diverged, DIVERGED, REACHED)
                        keep = np.ones(len(rows), bool)
                        keep[stopped] = False
                        rows, seed_idx, theta = rows[keep], seed_idx[keep], theta[keep]
                        base_lr, target, bound = base_lr[keep], target[keep], bound[keep]
                        flag_low, flag_high = flag_low[keep], flag_high[keep]
                        whole = whole[keep]
                        order = order[:, keep] if b == 1 else order[keep]
                        lr = lr[keep] if constant else lr
                        opt.keep(keep)
                        block_loss.keep(keep)
                        if not len(rows):
                            break
                j += 1
                if j == self.u:
                    e, j = e + 1, 0
        if len(rows):
            steps[rows] = self.budget
            e, j = divmod(self.budget - 1, self.u)
            examples[rows] = e * self.per_epoch + min((j + 1) * b, n)
        return steps, examples, status

    def _stops(self, theta, loss, flagged, seed_idx, target, bound):
        """Rows that reach the target or diverge at this update, decided as simulate decides
        (losses near a threshold recomputed the way it computes them); None when none."""
        lab = self.lab
        finite = np.isfinite(theta).all(axis=1)
        rows = np.flatnonzero(flagged | ~finite)
        stopped, diverged = [], []
        for r in rows:
            value = loss[r]
            near = (abs(value - target[r]) <= NEAR * abs(target[r]) + 1e-300
                    or abs(abs(value) - bound[r]) <= NEAR * bound[r])
            if near:
                value = float(lab.landscapes[seed_idx[r]].loss(theta[r].copy()))
            ok = bool(finite[r]) and abs(value) <= bound[r]
            if not ok or value <= target[r]:
                stopped.append(r)
                diverged.append(not ok)
        if not stopped:
            return None
        return np.array(stopped, np.int64), np.array(diverged, bool)


class Lab:
    """A lab for one scenario: the grid, the per-seed data and the sweep itself.

    Counted on single runs over data seeds (``criterion="single_run"`` on a 2-D landscape);
    every other criterion, and the least-squares landscape, is a ``CopiesLab``."""

    def __new__(cls, scenario, settings: LabSettings = LabSettings()):
        if scenario.landscape != "mlp" and (settings.criterion != "single_run"
                                            or scenario.landscape == "least_squares"):
            from gdviz.core.lab_copies import CopiesLab
            return CopiesLab(scenario, settings)
        return super().__new__(cls)

    def __init__(self, scenario, settings: LabSettings = LabSettings()):
        if scenario.landscape == "mlp":
            raise ValueError("this lab sweeps the analytic landscapes; an MLP scenario is "
                             "swept by gdviz.mlp.lab.MlpLab")
        settings.check(scenario.n_examples)
        max_epochs = float(settings.max_epochs if settings.max_epochs is not None
                           else scenario.epochs)
        self.scenario = scenario.with_changes(epochs=max_epochs)
        self.settings = settings
        self.hyper = self.scenario.hyper()
        self.n = self.scenario.n_examples
        self.drop_last = self.scenario.drop_last
        self.max_epochs = max_epochs
        self.hardware = self.scenario.hardware()
        check_lab(self.n, sorted(set(settings.batch_sizes or auto_batch_sizes(self.n))),
                  len(set(settings.lrs or ())) or DEFAULT_LR_COUNT, settings.seeds, max_epochs,
                  self.drop_last, not issubclass(LANDSCAPES[scenario.landscape],
                                                 (TiltedLandscape, LinearRegression)))
        seed0 = self.scenario.seed
        self.seeds = tuple(seed0 + i for i in range(settings.seeds))
        self.fraction = (DEFAULT_FRACTION if settings.target_fraction is None
                         else settings.target_fraction)
        self.landscapes, self.targets, self.lam = seed_targets(
            self.scenario, self.seeds, self.fraction)
        self.edge = stability_limit(self.lam, self.hyper.optimizer, self.hyper.momentum)
        self.batch_sizes = np.array(sorted(set(settings.batch_sizes or auto_batch_sizes(self.n))),
                                    np.int64)
        self.lrs = np.array(sorted(set(settings.lrs or auto_lrs(self._lr_top()))), float)
        runs = len(self.batch_sizes) * len(self.lrs) * len(self.seeds)
        if runs > MAX_RUNS:
            raise ValueError(f"{runs} runs is too many for one lab (at most {MAX_RUNS})")
        self.starts = np.array([t.start for t in self.targets], float)
        self.target_loss = np.array([t.loss for t in self.targets], float)
        self.bound = np.array([DIVERGENCE_FACTOR * (1.0 + abs(t.start_loss))
                               for t in self.targets], float)
        self.stacked = _stacked(self.landscapes)
        # every built-in J is non-finite where θ is; a user's f may not be (exp(-x²) at ∞)
        self.check_theta = any(isinstance(l, CustomFunction) for l in self.landscapes)

    def _lr_top(self) -> float:
        if self.edge is not None:
            return 2.0 * self.edge          # past the divergence edge
        t = self.targets[0]
        known = _known_minimum(self.landscapes[0])
        if known is not None:
            dist = float(np.linalg.norm(np.array(t.start) - known[1]))
        else:
            (x0, x1), (y0, y1) = self.landscapes[0].bounds
            dist = 0.5 * math.hypot(x1 - x0, y1 - y0)
        return max(dist, 1e-3)              # an adaptive step moves about η per coordinate

    def run(self, progress=None, cancelled=None) -> LabResult | None:
        """Sweep every batch size (the largest, quickest first); ``progress(result)`` gets the
        partial result after each one. None when ``cancelled()`` turned true."""
        k, l, s = len(self.batch_sizes), len(self.lrs), len(self.seeds)
        steps = np.zeros((k, l, s), np.int64)
        examples = np.zeros((k, l, s), np.int64)
        status = np.full((k, l, s), NOT_REACHED, np.int8)
        done = np.zeros(k, bool)
        result = None
        for i in range(k - 1, -1, -1):
            b = int(self.batch_sizes[i])
            out = _Block(self, b).run(cancelled)
            if out is None:
                return None
            steps[i], examples[i], status[i] = (a.reshape(l, s) for a in out)
            done[i] = True
            result = self._result(steps, examples, status, done)
            if progress is not None:
                progress(result)
        return summarize(self, result)

    def _result(self, steps, examples, status, done) -> LabResult:
        return lab_result(self, steps, examples, status, done)


def noise_disagreement(result) -> float | None:
    """How many times B_noise averaged along the path (McCandlish et al.'s prediction for
    B_crit) and the fitted B_crit differ, when that is more than 2×; None otherwise."""
    b_crit = result.fit.b_crit
    b_noise = getattr(result.noise, "b_noise_path_mean", None)
    if b_crit is None or b_noise is None:
        return None
    ratio = b_noise / b_crit
    return None if 0.5 <= ratio <= 2.0 else max(ratio, 1 / ratio)


def lab_result(lab, steps, examples, status, done, **extra) -> LabResult:
    """The counts so far as a LabResult (copies), with the simulated hardware time to target;
    *lab* is an analytic or a real-network lab."""
    hw = lab.hardware
    time = steps * (hw.overhead_ms / 1000.0) + examples / hw.throughput
    return LabResult(lab.batch_sizes, lab.lrs, lab.seeds, steps.copy(), examples.copy(), time,
                     status.copy(), done.copy(), lab.targets, lab.fraction, lab.max_epochs,
                     lab.lam, lab.edge, lab.hyper.optimizer, **extra)


def run_lab(scenario, settings: LabSettings = LabSettings(), progress=None,
            cancelled=None) -> LabResult | None:
    return Lab(scenario, settings).run(progress, cancelled)


# what the runs say ------------------------------------------------------------------------------
def best_per_batch(result: LabResult) -> tuple[BestRun, ...]:
    """Per B, the η with the lowest median steps to target over seeds (a run that did not reach
    the target counts as infinitely many steps); ties go to the smaller η."""
    reached = result.status == REACHED
    steps = np.where(reached, result.steps, np.inf).astype(float)
    examples = np.where(reached, result.examples, np.inf).astype(float)
    time = np.where(reached, result.time, np.inf)
    out = []
    for i, b in enumerate(result.batch_sizes):
        med = np.median(steps[i], axis=1)
        if not result.done[i] or not np.isfinite(med).any():
            out.append(BestRun(int(b), None, None, None, None, None, None))
            continue
        j = int(np.argmin(med))
        with np.errstate(invalid="ignore"):   # inf (not reached) in the upper quartile
            q1, q3 = np.percentile(steps[i, j], [25, 75])
        out.append(BestRun(int(b), float(result.lrs[j]), _finite(med[j]), _finite(q1),
                           _finite(q3), _finite(np.median(examples[i, j])),
                           _finite(np.median(time[i, j]))))
    return tuple(out)


def _finite(v) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


MIN_FIT_POINTS = 4


def fit_tradeoff(best: tuple[BestRun, ...], n: int | None = None) -> Fit:
    """McCandlish et al.'s S = S_min (1 + B_crit/B), i.e. (S/S_min − 1)(E/E_min − 1) = 1 with
    E_min = S_min B_crit, over the best-η points of the batch sizes that reached the target
    (at least MIN_FIT_POINTS of them), fitted by least squares of the relative error in S.

    With N given, the finite-N form: a batch's gradient noise is (N − B)/(B (N − 1)) of one
    example's, not 1/B, so S = S_min (1 + B_crit (N − B)/(B (N − 1))), which keeps B = N (no
    noise at all) at S_min; for B ≪ N it is the form above."""
    pts = [(p.batch_size, p.steps_median) for p in best
           if p.steps_median is not None and p.examples_median is not None]
    if len(pts) < MIN_FIT_POINTS or len({b for b, _ in pts}) < 2:
        return Fit(None, None, None, len(pts))
    b = np.array([q[0] for q in pts], float)
    s = np.array([q[1] for q in pts], float)
    u = 1.0 / b if n is None or n <= 1 else (n - b) / (b * (n - 1.0))
    # minimise Σ ((S − a − c u)/S)²: the rows of the design scaled by 1/S
    design = np.stack([np.ones_like(u), u], axis=1) / s[:, None]
    (a, c), *_ = np.linalg.lstsq(design, np.ones_like(s), rcond=None)
    # a slope within rounding of zero (every B took the same steps) fits no hyperbola
    if a <= 0 or c <= 1e-9 * a * float(np.max(1.0 / u[u > 0], initial=1.0)):
        return Fit(None, None, None, len(pts))
    b_crit = c / a
    return Fit(float(a), float(a * b_crit), float(b_crit), len(pts))


def noise_path(lab: Lab, best: tuple[BestRun, ...]) -> NoisePath:
    """B_simple and B_noise along the first seed's full-batch path at its best η, or at
    1/λ_max where that is smaller (plain SGD): past 1/λ_max a step overshoots the steepest
    direction, and the path's few points zig-zag across the valley instead of following the
    descent whose noise scale McCandlish et al. average (on lesson 7's least squares, the
    mean B_noise is 63 at the best η 1.58 over 3 points, 173–215 at η = 0.1 … 0.8)."""
    landscape, t = lab.landscapes[0], lab.targets[0]
    start = np.array(getattr(lab, "start_theta", t.start), float)
    own = getattr(landscape, "noise_scales", None)     # d parameters: the landscape's own
    scales_at = own if own is not None else (lambda p: noise_scales(landscape, p))
    b_start, _ = scales_at(start)
    full = [p for p in best if p.batch_size == lab.n]
    lr = full[0].lr if full else None
    if lr is None:
        return NoisePath(None, np.zeros(0), np.zeros(0), np.zeros(0), _finite(b_start), None, None)
    opt = Optimizer(lab.hyper.optimizer, momentum=lab.hyper.momentum)
    rate = scaled_lr(lr, lab.hyper.lr_scaling, lab.n, lab.hyper.lr_reference_batch)
    lam = getattr(lab, "lam", float("nan"))
    if lab.hyper.optimizer == "sgd" and np.isfinite(lam) and lam > 0 and rate > 1.0 / lam:
        lr, rate = lr / (rate * lam), 1.0 / lam
    budget = budget_steps(lab.n, lab.n, lab.drop_last, lab.max_epochs)
    theta, path, at_target = start, [start], None
    with np.errstate(all="ignore"):
        for k in range(budget):
            eta = scheduled_lr(rate, lab.hyper.schedule, float(k), lab.hyper.epochs)
            theta = opt.step(theta, landscape.batch_grad(theta, np.arange(lab.n)), eta)
            path.append(theta)
            if float(landscape.loss(theta)) <= t.loss:
                at_target = theta
                break
    path = np.array(path)
    # the steps' points (where each update's gradient was taken), up to the target
    stepped = path[:-1] if at_target is not None else path
    pick = np.unique(np.linspace(0, len(stepped) - 1,
                                 min(len(stepped), NOISE_PATH_POINTS)).astype(int))
    pts = stepped[pick]
    scales = np.array([scales_at(p) for p in pts])
    losses = np.asarray(landscape.loss(pts), float)
    b_simple_t = b_noise_t = None
    if at_target is not None:
        bs, bn = scales_at(at_target)
        b_simple_t, b_noise_t = _finite(bs), _finite(bn)
    with np.errstate(all="ignore"):
        means = [np.mean(c[np.isfinite(c)]) if np.isfinite(c).any() else float("nan")
                 for c in (scales[:, 0], scales[:, 1])]
    return NoisePath(lr, losses, scales[:, 0], scales[:, 1], _finite(b_start), b_simple_t,
                     b_noise_t, _finite(means[0]), _finite(means[1]))


def summarize(lab: Lab, result: LabResult) -> LabResult:
    best = best_per_batch(result)
    import dataclasses
    return dataclasses.replace(result, best=best, fit=fit_tradeoff(best, lab.n),
                               noise=noise_path(lab, best))


def regime(batch_size: float, b_crit: float | None) -> str | None:
    """Where B sits on the fitted hyperbola: S/S_min = 1 + B_crit/B, E/E_min = 1 + B/B_crit.

    'perfect scaling' while examples stay within 25 % of E_min (B ≤ B_crit/4), 'no further
    benefit' once steps are within 25 % of S_min (B ≥ 4 B_crit), 'diminishing returns' between.
    """
    if b_crit is None:
        return None
    if batch_size <= b_crit / 4:
        return "perfect scaling"
    if batch_size >= 4 * b_crit:
        return "no further benefit"
    return "diminishing returns"


def reproduce_command(scenario_name: str, result: LabResult, batch_size: int, lr: float,
                      seed: int) -> str:
    """The ``gdviz simulate`` command whose mini-batch run is this run."""
    return (f"gdviz simulate {scenario_name} --batch-size {batch_size} --lr {lr!r} "
            f"--seed {seed} --epochs {result.max_epochs!r} --optimizer {result.optimizer}")
