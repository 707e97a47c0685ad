"""The single-run lab's stepper: every run (η, seed) of one batch size advanced together.

The runs of one batch size advance in lockstep as one array (runs × 2), a Python loop over
update indices only; runs that reach the target or diverge leave the block. Losses are
evaluated for the whole block at once; where that value lies within NEAR (relative) of the
target or the divergence bound, the run's loss is recomputed exactly as ``simulate`` computes it
(the vectorised and the single-point loss can differ in the last bits), so step counts and
statuses agree exactly with ``gdviz simulate``.
"""
from __future__ import annotations

import copy

import numpy as np

from gdviz.core import METHOD_KEYS
from gdviz.core.lab_grid import DIVERGED, MINI_BATCH_STREAM, NOT_REACHED, REACHED
from gdviz.core.landscapes import Landscape, LinearRegression, TiltedLandscape
from gdviz.core.optimizers import Optimizer
from gdviz.core.rules import budget_steps, epoch_sizes, examples_after, lr_at

# A vectorised loss this close (relative) to a threshold is recomputed the way simulate does.
NEAR = 1e-9


def epoch_spans(n: int, b: int, drop_last: bool) -> list[tuple[int, int]]:
    """The (start, end) of each update's batch in an epoch's order: ``rules.epoch_sizes``
    laid end to end."""
    spans, lo = [], 0
    for size in epoch_sizes(n, b, drop_last):
        spans.append((lo, lo + size))
        lo += size
    return spans


def stack_landscapes(landscapes: list[Landscape]) -> Landscape:
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


class Permutations:
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


class BlockLoss:
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


class Block:
    """All runs of one batch size, stepped together."""

    def __init__(self, lab, b: int):
        self.lab = lab
        self.b = b
        self.setup = setup = lab.setup
        n = setup.n
        lr_count, seed_count = len(lab.lrs), len(lab.seeds)
        self.lr_index = np.repeat(np.arange(lr_count), seed_count)
        self.seed_index = np.tile(np.arange(seed_count), lr_count)
        self.spans = epoch_spans(n, b, setup.drop_last)
        self.u = len(self.spans)
        self.budget = budget_steps(n, b, setup.drop_last, setup.max_epochs)

    def run(self, cancelled) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        lab, b, n = self.lab, self.b, self.setup.n
        hyper, drop_last = self.setup.hyper, self.setup.drop_last
        runs = len(self.lr_index)
        steps = np.zeros(runs, np.int64)
        examples = np.zeros(runs, np.int64)
        status = np.full(runs, NOT_REACHED, np.int8)
        rows = np.arange(runs)
        seed_idx = self.seed_index.copy()
        theta = lab.starts[seed_idx].copy()
        rates = lab.lrs[self.lr_index]          # each run's η, before scaling with B
        target = lab.target_loss[seed_idx]
        bound = lab.bound[seed_idx]
        # a loss at or under `flag_low`, or not under `flag_high`, is looked at closely
        flag_low = target + NEAR * np.abs(target) + 1e-300
        flag_high = bound * (1.0 - NEAR)
        whole = np.arange(n)[None, :] + (seed_idx * n)[:, None]
        opt = _RunsOptimizer(hyper.optimizer, momentum=hyper.momentum)
        constant = hyper.schedule == "constant"
        lr = lr_at(hyper, b, 0.0, lr=rates)[:, None]
        grad = _gradient(lab.stacked, b)
        block_loss = BlockLoss(lab, seed_idx)
        check_theta = lab.check_theta
        perms = Permutations(lab.seeds, n)      # this block's own stream: same shuffles
        e = j = 0
        with np.errstate(all="ignore"):
            for k in range(self.budget):
                if cancelled is not None and cancelled():   # every update: closing waits < 1 s
                    return None
                lo, hi = self.spans[j]
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
                    lr = lr_at(hyper, b, e + lo / n, lr=rates)[:, None]
                theta = opt.step(theta, grad(theta, idx), lr)
                loss = block_loss(theta)
                flagged = (loss <= flag_low) | ~(loss < flag_high)
                if np.count_nonzero(flagged) or (check_theta and not np.isfinite(theta).all()):
                    stop = self._stops(theta, loss, flagged, seed_idx, target, bound)
                    if stop is not None:
                        stopped, diverged = stop
                        at = rows[stopped]
                        steps[at] = k + 1
                        examples[at] = examples_after(k + 1, n, b, drop_last)
                        status[at] = np.where(diverged, DIVERGED, REACHED)
                        keep = np.ones(len(rows), bool)
                        keep[stopped] = False
                        rows, seed_idx, theta = rows[keep], seed_idx[keep], theta[keep]
                        rates, target, bound = rates[keep], target[keep], bound[keep]
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
            examples[rows] = examples_after(self.budget, n, b, drop_last)
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
