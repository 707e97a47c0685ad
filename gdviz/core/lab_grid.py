"""The lab's grid, targets and results: what every lab shares (the single-run lab in
gdviz.core.lab, the copies' lab in gdviz.core.lab_copies, the MLP lab in gdviz.mlp.lab).

The settings (``LabSettings``), the run statuses, the automatic batch sizes and learning rates,
each seed's start and target loss, and the result types; nothing here steps a run.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from gdviz.core import METHOD_KEYS
from gdviz.core.clock import HardwareModel
from gdviz.core.curvature import lambda_max
from gdviz.core.landscapes import CustomFunction, Landscape, TiltedLandscape
from gdviz.core.rules import check_batch_size
from gdviz.core.simulation import Hyper

REACHED, NOT_REACHED, DIVERGED = 0, 1, 2
STATUS_NAMES = ("reached", "not_reached", "diverged")
MINI_BATCH_STREAM = METHOD_KEYS.index("mini_batch")
DEFAULT_LR_COUNT = 16
LR_SPAN_OCTAVES = 10          # the automatic grid spans 2^10 below its top
FULL_BATCH_PROBE_STEPS = 5000  # the long full-batch run that finds J* where it is not known
MAX_RUNS = 100_000
DEFAULT_FRACTION = 0.01       # ε: the target is 1 % of the way from J* to J(θ₀)
# what a step count measures (gdviz.core.lab_copies)
CRITERIA = ("mean_of_copies", "expected", "single_run")


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
            for b in self.batch_sizes:
                check_batch_size(b, n)
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
class LabSetup:
    """What every run of a lab shares, handed to the stepper and the noise path explicitly:
    the training settings (optimizer, η's scaling with B and its schedule over
    ``hyper.epochs``), the simulated hardware, N, drop-last and the budget in epochs."""

    hyper: Hyper
    hardware: HardwareModel
    n: int
    drop_last: bool
    max_epochs: float

    @classmethod
    def of(cls, scenario, max_epochs: float) -> LabSetup:
        """A scenario's (whose epochs are the budget): the one place a lab reads them."""
        return cls(scenario.hyper(), scenario.hardware(), scenario.n_examples,
                   scenario.drop_last, float(max_epochs))


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



def lr_top(edge: float | None, target: SeedTarget, landscape: Landscape) -> float:
    """The top of the automatic η grid: past the divergence edge where there is one, else
    about the distance from the start to the minimum (an adaptive step moves about η per
    coordinate)."""
    if edge is not None:
        return 2.0 * edge          # past the divergence edge
    known = _known_minimum(landscape)
    if known is not None:
        dist = float(np.linalg.norm(np.array(target.start) - known[1]))
    else:
        (x0, x1), (y0, y1) = landscape.bounds
        dist = 0.5 * math.hypot(x1 - x0, y1 - y0)
    return max(dist, 1e-3)


def lab_result(lab, steps, examples, status, done, **extra) -> LabResult:
    """The counts so far as a LabResult (copies), with the simulated hardware time to target;
    *lab* is an analytic or a real-network lab."""
    hw = lab.hardware
    time = steps * (hw.overhead_ms / 1000.0) + examples / hw.throughput
    return LabResult(lab.batch_sizes, lab.lrs, lab.seeds, steps.copy(), examples.copy(), time,
                     status.copy(), done.copy(), lab.targets, lab.fraction, lab.max_epochs,
                     lab.lam, lab.edge, lab.hyper.optimizer, **extra)

