"""The seed ensemble: K copies of the mini-batch run that differ only in their shuffles.

Copy k is the mini-batch run of the scenario with seed ``seed + k`` on the landscape on screen
(the data held fixed): its batches come from that seed's mini-batch stream, one permutation per
epoch, exactly as ``Simulation`` draws them, so copy 0 is the mini-batch run itself. The copies
advance in lockstep as one (K, 2) array and follow the live run's B and settings; their spread
around their mean is the stationary noise of SGD, which goes with η/B.

Theory beside the measurement (``spread_theory``): near a minimum θ* SGD is, to first order,
e' = (I − ηH) e − η ξ with e = θ − θ*, H the Hessian and ξ the batch's noise, the mean of the
residuals r_i = ∇ℓ_i(θ*) it draws (Σ_i r_i = 0; S = 1/N Σ r_i r_iᵀ). Two ways to draw batches:

* independent batches (each update a fresh batch of B without replacement): Cov ξ =
  S (N − B)/(B(N − 1)) and the stationary covariance P solves the discrete Lyapunov equation
  P = A P Aᵀ + η² Cov ξ, A = I − ηH;
* reshuffled epochs (what the runs do: one permutation an epoch, each example once): the batches
  of an epoch are drawn from the same permutation, so two different batches' noises are
  negatively correlated, Cov(ξ_j, ξ_l) = −S/(N − 1) (the residuals of a whole epoch sum to zero).
  The noise an epoch adds then partly cancels: the covariance at the start of an epoch solves
  P₀ = Aᵘ P₀ Aᵘᵀ + η² X_u (u updates an epoch, X_m the covariance of the noise the first m
  batches of an epoch add), and the spread is averaged over the u positions of the epoch.

Both report the expected RMS distance of K copies from their own mean, √((K − 1)/K · tr P), the
quantity the ensemble measures. For linear regression the model is exact up to the
multiplicative term (H_B − H)e, whose share is |e|²·Var(x̃x̃ᵀ) against Var(r): under 1 % on lesson 8.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from gdviz.core import METHOD_KEYS
from gdviz.core import rules
from gdviz.core.optimizers import Optimizer
from gdviz.core.simulation import DIVERGENCE_FACTOR, Hyper

MINI_BATCH_STREAM = METHOD_KEYS.index("mini_batch")
DEFAULT_COPIES = 32
MAX_CATCH_UP = 512          # updates per call at most ...
CATCH_UP_BUDGET_S = 0.004   # ... and about this long: the copies never hold the caller up


@dataclass(frozen=True)
class EnsembleSnapshot:
    thetas: np.ndarray          # (K, 2); NaN rows for copies that diverged
    updates: int
    batch_size: int
    lr: float                   # η of the next update (scaled with B and scheduled)
    spread: float               # RMS distance of the copies from their mean
    centre: np.ndarray          # (2,)
    diverged: int
    behind: int = 0             # updates the copies still lag the live run (catching up)
    theory: "SpreadTheory | None" = None   # the stationary spread SGD theory predicts here

    @property
    def copies(self) -> int:
        return len(self.thetas)

    @property
    def lr_over_b(self) -> float:
        return self.lr / self.batch_size


@dataclass(frozen=True)
class SpreadTheory:
    """The stationary spread of K copies of SGD about their mean, linearised at ``minimum``."""

    reshuffled: float           # batches from one permutation an epoch (what the runs do)
    independent: float          # every batch drawn afresh
    minimum: tuple[float, float]
    lr: float
    batch_size: int
    copies: int


def _lyapunov(a: np.ndarray, q: np.ndarray) -> np.ndarray:
    """P = a P aᵀ + q (discrete Lyapunov equation), by vec(P) = (I − a⊗a)⁻¹ vec(q)."""
    d = len(a)
    return np.linalg.solve(np.eye(d * d) - np.kron(a, a), q.ravel()).reshape(d, d)


def _affine_power(step, dim: int, times: int) -> np.ndarray:
    """The affine map z → step(z) on R^dim (its last coordinate held at 1) as a matrix, raised
    to ``times`` by squaring: ``times`` updates of a recursion in O(log times)."""
    m = np.zeros((dim, dim))
    base = np.zeros(dim)
    base[-1] = 1.0
    m[:, -1] = step(base)
    for k in range(dim - 1):
        e = base.copy()
        e[k] = 1.0
        m[:, k] = step(e) - m[:, -1]
    return np.linalg.matrix_power(m, int(times))


def epoch_batch_sizes(n: int, batch_size: int, drop_last: bool = False) -> list[int]:
    """The batch sizes of one epoch, as EpochSampler draws them."""
    b = int(batch_size)
    full, rest = divmod(n, b)
    return [b] * full + ([rest] if rest and not drop_last else [])


def stationary_covariances(H: np.ndarray, S: np.ndarray, n: int, lr: float, batch_size: int,
                           drop_last: bool = False) -> tuple[float, float]:
    """(tr P reshuffled, averaged over an epoch's updates; tr P independent): SGD's stationary
    covariance about the minimum for Hessian H and residual covariance S (see the module).
    inf where the step is unstable (a spectral radius of I − ηH ≥ 1)."""
    d = len(H)
    a = np.eye(d) - lr * H
    if np.max(np.abs(np.linalg.eigvals(a))) >= 1.0:
        return math.inf, math.inf
    b = int(batch_size)
    indep = _lyapunov(a, lr * lr * S * (n - b) / (b * (n - 1))) if b < n else np.zeros((d, d))
    sizes = epoch_batch_sizes(n, b, drop_last)
    u = len(sizes)
    dd = d * d
    cross = S / (n - 1)

    def update(c):
        """One batch of the epoch, of noise factor c: the state (X, G, Σ tr X, 1) → next, with
        X_{m+1} = A X Aᵀ + c S − (A G S + S Gᵀ Aᵀ)/(N − 1), G_{m+1} = A G + I."""
        def step(z):
            x, g = z[:dd].reshape(d, d), z[dd:2 * dd].reshape(d, d)
            one = z[-1]
            agS = a @ g @ cross
            x2 = a @ x @ a.T + one * c * S - agS - agS.T
            g2 = a @ g + one * np.eye(d)
            return np.concatenate([x2.ravel(), g2.ravel(), [z[2 * dd] + np.trace(x2), one]])
        return step

    dim = 2 * dd + 2
    factor = [(n - s) / (s * (n - 1)) for s in sizes]
    z = np.zeros(dim)
    z[-1] = 1.0
    head = u - 1 if sizes[-1] != sizes[0] else u     # batches of the common size, then the rest
    z = _affine_power(update(factor[0]), dim, head) @ z
    if head < u:
        z = _affine_power(update(factor[-1]), dim, 1) @ z
    x_u, sum_tr_x = z[:dd].reshape(d, d), z[2 * dd]
    # the part carried over from the epoch's start: Σ_{m=1..u} tr(A^m P₀ A^mᵀ) = tr(P₀ T)
    a_u = np.linalg.matrix_power(a, u)
    p0 = _lyapunov(a_u, lr * lr * x_u)

    def carried(z):
        y, t = z[:dd].reshape(d, d), z[dd:2 * dd].reshape(d, d)
        y2 = a.T @ y @ a
        return np.concatenate([y2.ravel(), (t + y2).ravel(), [z[-1]]])
    y0 = np.concatenate([np.eye(d).ravel(), np.zeros(dd), [1.0]])
    t = (_affine_power(carried, 2 * dd + 1, u) @ y0)[dd:2 * dd].reshape(d, d)
    reshuffled = (float(np.trace(p0 @ t)) + lr * lr * sum_tr_x) / u
    return reshuffled, float(np.trace(indep))


def spread_theory(landscape, centre, lr: float, batch_size: int, copies: int,
                  drop_last: bool = False) -> SpreadTheory | None:
    """The theory for plain SGD at constant η near the landscape's minimum closest to *centre*;
    None where the landscape names no minimum or the curvature there is not positive."""
    from gdviz.core.curvature import hessian
    minima = np.asarray(getattr(landscape, "minima", np.zeros((0, 2))), float).reshape(-1, 2)
    centre = np.asarray(centre, float)
    if not len(minima) or not np.all(np.isfinite(centre)) or not (lr > 0):
        return None
    theta = minima[int(np.argmin(np.sum((minima - centre) ** 2, axis=1)))]
    H = hessian(landscape, theta)
    if not np.all(np.isfinite(H)) or np.linalg.eigvalsh(H)[0] <= 0:
        return None
    n = landscape.n
    r = np.asarray(landscape.example_grads(theta, np.arange(n)), float)
    r = r - r.mean(axis=0)          # zero at an exact minimum; a found one is within rounding
    S = r.T @ r / n
    resh, indep = stationary_covariances(H, S, n, lr, batch_size, drop_last)
    k = (copies - 1) / copies
    return SpreadTheory(math.sqrt(k * resh), math.sqrt(k * indep),
                        (float(theta[0]), float(theta[1])), float(lr), int(batch_size),
                        int(copies))


def spread(thetas: np.ndarray) -> tuple[float, np.ndarray]:
    """(RMS distance from the mean, the mean) over the finite rows."""
    ok = np.all(np.isfinite(thetas), axis=1)
    if not ok.any():
        return float("nan"), np.full(2, np.nan)
    pts = thetas[ok]
    centre = pts.mean(axis=0)
    return float(np.sqrt(np.mean(np.sum((pts - centre) ** 2, axis=1)))), centre


class SeedEnsemble:
    def __init__(self, landscape, start, batch_size: int, hyper: Hyper, seeds,
                 drop_last: bool = False):
        self.landscape = landscape
        self.n = landscape.n
        self.seeds = tuple(int(s) for s in seeds)
        self.k = len(self.seeds)
        self.gens = [np.random.default_rng(np.random.SeedSequence(s).spawn(len(METHOD_KEYS))
                                           [MINI_BATCH_STREAM]) for s in self.seeds]
        self.drop_last = drop_last
        self.batch_size = int(batch_size)
        self.hyper = hyper
        self.optimizer = Optimizer(hyper.optimizer, momentum=hyper.momentum)
        self.theta = np.tile(np.asarray(start, float), (self.k, 1))
        self.alive = np.ones(self.k, bool)
        with np.errstate(all="ignore"):
            self.bound = DIVERGENCE_FACTOR * (1.0 + abs(float(landscape.loss(np.asarray(start,
                                                                                     float)))))
        self.updates = 0
        self.epochs_completed = 0
        self._whole = np.tile(np.arange(self.n), (self.k, 1))
        self._new_epoch()

    # settings from the next update on, as the live run takes them ----------------------------
    def set_batch_size(self, batch_size: int) -> None:
        self.batch_size = int(batch_size)

    def set_hyper(self, hyper: Hyper) -> None:
        if hyper.optimizer != self.hyper.optimizer or hyper.momentum != self.hyper.momentum:
            self.optimizer = Optimizer(hyper.optimizer, momentum=hyper.momentum)
        self.hyper = hyper

    # the sampler of every copy at once: EpochSampler's rules ----------------------------------
    def _new_epoch(self) -> None:
        self._perm = np.stack([g.permutation(self.n) for g in self.gens])
        self._pos = 0

    def _next_batch(self) -> np.ndarray:
        fresh, start, end, completed = rules.next_span(self.n, self._pos, self.batch_size,
                                                       self.drop_last)
        if fresh:
            self._new_epoch()
        batch = self._perm[:, start:end]
        self._pos = end
        if completed:
            self.epochs_completed += 1
            self._new_epoch()
        return batch

    @property
    def epoch(self) -> float:
        return self.epochs_completed + self._pos / self.n

    def current_lr(self) -> float:
        return rules.lr_at(self.hyper, self.batch_size, self.epoch)

    # stepping -----------------------------------------------------------------------------------
    def step(self) -> None:
        lr = self.current_lr()
        batch = self._next_batch()
        if batch.shape[1] == self.n:
            batch = self._whole     # a whole-dataset batch sums in index order, as the run does
        with np.errstate(all="ignore"):
            g = self.landscape.batch_grad(self.theta, batch)
            theta = self.optimizer.step(self.theta, g, lr)
            loss = np.asarray(self.landscape.loss(theta), float)
        bad = ~(np.all(np.isfinite(theta), axis=1) & (np.abs(loss) <= self.bound))
        self.alive &= ~bad
        theta[~self.alive] = np.nan
        self.theta = theta
        self.updates += 1

    def follow(self, run, max_updates: int = MAX_CATCH_UP,
               budget_s: float | None = CATCH_UP_BUDGET_S) -> None:
        """Take the live run's B and settings, then catch up with its update count (at most
        ``max_updates`` updates and about ``budget_s`` seconds; None: no time limit)."""
        self.set_batch_size(run.batch_size)
        self.set_hyper(run.hyper)
        deadline = None if budget_s is None else time.perf_counter() + budget_s
        for _ in range(min(run.updates - self.updates, max_updates)):
            self.step()
            if deadline is not None and time.perf_counter() > deadline:
                break

    def theory(self, centre) -> SpreadTheory | None:
        """``spread_theory`` for the settings in force (plain SGD at a constant η only; None
        otherwise), kept while they and the nearest minimum stay the same."""
        h = self.hyper
        if h.optimizer != "sgd" or h.schedule != "constant":
            return None
        lr = float(self.current_lr())
        minima = np.asarray(getattr(self.landscape, "minima", np.zeros((0, 2))),
                            float).reshape(-1, 2)
        if not len(minima) or not np.all(np.isfinite(centre)):
            return None
        near = int(np.argmin(np.sum((minima - centre) ** 2, axis=1)))
        key = (lr, self.batch_size, self.drop_last, near)
        if getattr(self, "_theory_key", None) != key:
            self._theory_key = key
            self._theory = spread_theory(self.landscape, minima[near], lr, self.batch_size,
                                         self.k, self.drop_last)
        return self._theory

    def snapshot(self, behind: int = 0) -> EnsembleSnapshot:
        s, centre = spread(self.theta)
        return EnsembleSnapshot(self.theta.copy(), self.updates, self.batch_size,
                                float(self.current_lr()), s, centre, int((~self.alive).sum()),
                                max(int(behind), 0), self.theory(centre))


def ensemble_for(scenario, landscape, copies: int = DEFAULT_COPIES) -> SeedEnsemble:
    """The ensemble of *scenario*'s mini-batch run on *landscape*: seeds seed … seed + K − 1."""
    start = scenario.resolved_starts(landscape)["mini_batch"]
    return SeedEnsemble(landscape, start, scenario.batch_size, scenario.hyper(),
                        range(scenario.seed, scenario.seed + copies), scenario.drop_last)
