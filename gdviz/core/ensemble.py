"""The seed ensemble: K copies of the mini-batch run that differ only in their shuffles.

Copy k is the mini-batch run of the scenario with seed ``seed + k`` on the landscape on screen
(the data held fixed): its batches come from that seed's mini-batch stream, one permutation per
epoch, exactly as ``Simulation`` draws them, so copy 0 is the mini-batch run itself. The copies
advance in lockstep as one (K, 2) array and follow the live run's B and settings; their spread
around their mean is the stationary noise of SGD, which goes with η/B.
"""
from __future__ import annotations

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

    @property
    def copies(self) -> int:
        return len(self.thetas)

    @property
    def lr_over_b(self) -> float:
        return self.lr / self.batch_size


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

    def snapshot(self, behind: int = 0) -> EnsembleSnapshot:
        s, centre = spread(self.theta)
        return EnsembleSnapshot(self.theta.copy(), self.updates, self.batch_size,
                                float(self.current_lr()), s, centre, int((~self.alive).sum()),
                                max(int(behind), 0))


def ensemble_for(scenario, landscape, copies: int = DEFAULT_COPIES) -> SeedEnsemble:
    """The ensemble of *scenario*'s mini-batch run on *landscape*: seeds seed … seed + K − 1."""
    start = scenario.resolved_starts(landscape)["mini_batch"]
    return SeedEnsemble(landscape, start, scenario.batch_size, scenario.hyper(),
                        range(scenario.seed, scenario.seed + copies), scenario.drop_last)
