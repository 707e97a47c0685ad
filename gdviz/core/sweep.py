"""Batch-size sweeps: plain SGD for every (batch size, seed) pair, many runs as one computation.

Each run (B, seed) is exactly what the engine's per-step path does with a constant learning rate
and plain SGD (``theta <- theta - lr * batch_grad(theta, batch)``), with honest batching: every
epoch is a fresh permutation drawn from the run's own generator ``run_rng(seed)``, the batches
are consecutive slices of it, and the last, short batch is averaged over its own size (or
dropped with ``drop_last``). Every batch size of one seed starts from a generator in the same
state, so for one seed all batch sizes walk through the same permutations (common random
numbers: the difference between two batch sizes is the batching, not the luck of the shuffle).

Speed comes from two things:

* landscapes whose batch gradient depends on theta only through the batch mean of per-example
  features (``batch_features()`` / ``grad_from_features``: the tilted landscapes and linear
  regression) get all batch means of an epoch for all runs at once (``np.add.reduceat`` over the
  permuted features), and the theta recursion then runs in lockstep over all K x S runs, one
  small array operation per update index; runs with fewer updates per epoch simply drop out of
  the active block (runs are ordered by updates per epoch, so the active runs are a prefix);
* other landscapes (logistic regression) are stepped per batch size, vectorised over seeds with
  ``landscape.batch_grad(theta (S, 2), idx (S, b))``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdviz.core.batching import updates_per_epoch
from gdviz.core.landscapes import Landscape

# Seeds are processed in chunks so one epoch's permuted features stay under this many bytes.
CHUNK_BYTES = 64 << 20


@dataclass(frozen=True, eq=False)
class SweepResult:
    """Outcome of a sweep: K batch sizes (rows) by S seeds (columns)."""

    batch_sizes: np.ndarray   # (K,) the batch sizes, in the order asked for
    seeds: tuple              # (S,) the seeds, in the order asked for
    epochs: int
    final_thetas: np.ndarray  # (K, S, 2) parameters after the last epoch
    final_losses: np.ndarray  # (K, S) J(theta) after the last epoch
    loss_curves: np.ndarray   # (K, S, epochs + 1) J(theta) at the start and after each epoch
    updates_per_epoch: np.ndarray  # (K,)

    @property
    def shape(self) -> tuple[int, int]:
        return self.final_losses.shape


def run_rng(seed) -> np.random.Generator:
    """The generator whose permutations run (B, seed) uses, one permutation per epoch."""
    return np.random.default_rng(seed)


def sweep(landscape: Landscape, batch_sizes, seeds, epochs: int, lr, start,
          drop_last: bool = False) -> SweepResult:
    """Plain SGD for every (batch size, seed) pair for ``epochs`` epochs.

    ``lr`` is one learning rate or one per batch size (shape (K,)); ``start`` is a point (2,) or
    anything that broadcasts to (K, S, 2). Returns final parameters, final losses and per-epoch
    loss curves; results equal the engine's per-step path up to float rounding.
    """
    n = landscape.n
    sizes = np.array([int(b) for b in np.atleast_1d(batch_sizes)], dtype=np.int64)
    seeds = tuple(seeds)
    epochs = int(epochs)
    if sizes.size == 0 or not seeds:
        raise ValueError("a sweep needs at least one batch size and one seed")
    if np.any(sizes < 1) or np.any(sizes > n):
        raise ValueError(f"batch sizes must be between 1 and N = {n}, got {sizes.tolist()}")
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    k, s = len(sizes), len(seeds)
    lrs = np.broadcast_to(np.asarray(lr, dtype=float), (k,)) if np.ndim(lr) else None
    lr_scalar = float(lr) if lrs is None else None
    starts = np.array(np.broadcast_to(np.asarray(start, dtype=float), (k, s, 2)))
    upe = np.array([updates_per_epoch(n, int(b), drop_last) for b in sizes], dtype=np.int64)

    thetas = np.empty((k, s, epochs + 1, 2))
    thetas[:, :, 0] = starts
    phi = landscape.batch_features()
    if phi is None:
        _sweep_by_batch(landscape, sizes, seeds, epochs, lrs, lr_scalar, drop_last, thetas)
    else:
        phi = np.asarray(phi, dtype=float)
        per_seed = max(1, CHUNK_BYTES // (n * 8 * 3 * phi.shape[1]))
        for c in range(0, s, per_seed):
            cols = slice(c, min(c + per_seed, s))
            _lockstep(landscape, phi, sizes, upe, seeds[cols], epochs, lrs, lr_scalar, drop_last,
                      thetas[:, cols])
    with np.errstate(all="ignore"):
        curves = np.stack([np.asarray(landscape.loss(thetas[:, :, e]), float)
                           for e in range(epochs + 1)], axis=-1)
    return SweepResult(sizes, seeds, epochs, thetas[:, :, -1].copy(), curves[..., -1].copy(),
                       curves, upe)


def _epoch_perms(gens, n: int) -> np.ndarray:
    return np.stack([g.permutation(n) for g in gens])


def _batch_means(perm_phi, b: int, count: int, drop_last: bool) -> np.ndarray:
    """Batch means (..., count, F) of permuted features (..., N, F); last batch short or dropped."""
    n = perm_phi.shape[-2]
    used = count * b if drop_last else n
    starts = np.arange(0, used, b)
    sums = np.add.reduceat(perm_phi[..., :used, :], starts, axis=-2)
    return sums / np.diff(np.append(starts, used))[:, None]


def _lockstep(landscape, phi, sizes, upe, seeds, epochs, lrs, lr_scalar, drop_last, thetas):
    """All runs in lockstep, one small array operation per update index; fills ``thetas``
    (K, S, epochs + 1, 2) in place."""
    n, f = phi.shape
    k, s = len(sizes), len(seeds)
    order = np.argsort(-upe, kind="stable")            # most updates per epoch first
    counts = upe[order]
    theta = np.ascontiguousarray(thetas[order, :, 0]).reshape(k * s, 2)
    lr_rows = None if lrs is None else np.repeat(lrs[order], s)[:, None]
    # segments of one epoch: update indices [lo, hi) in which the first `active` batch sizes
    # (the first active * S rows of theta) still have updates to take
    distinct = np.unique(counts)[::-1]
    segments = []
    for j, hi in enumerate(distinct):
        lo = distinct[j + 1] if j + 1 < len(distinct) else 0
        segments.append((int(lo), int(hi), int(np.sum(counts >= hi))))
    segments.reverse()                                   # in time order: all runs active first
    whole_mean = np.broadcast_to(phi.mean(axis=0), (1, s, f))
    grad = landscape.grad_from_features
    gens = [run_rng(sd) for sd in seeds]
    with np.errstate(all="ignore"):
        for e in range(epochs):
            perm_phi = phi[_epoch_perms(gens, n)]          # (S, N, F)
            means = [whole_mean if b == n else                # whole dataset, in index order
                     _batch_means(perm_phi, int(b), int(c), drop_last).transpose(1, 0, 2)
                     for b, c in zip(sizes[order], counts)]   # each (count, S, F)
            for lo, hi, active in segments:
                block = np.concatenate([m[lo:hi] for m in means[:active]], axis=1) \
                    if active > 1 else np.ascontiguousarray(means[0][lo:hi])
                rows = active * s
                th = theta[:rows]
                if lr_rows is None:
                    for p in block:
                        th -= lr_scalar * grad(th, p)
                else:
                    lr_a = lr_rows[:rows]
                    for p in block:
                        th -= lr_a * grad(th, p)
            thetas[order, :, e + 1] = theta.reshape(k, s, 2)


def _sweep_by_batch(landscape, sizes, seeds, epochs, lrs, lr_scalar, drop_last, thetas):
    """Per batch size, vectorised over seeds with ``batch_grad(theta (S, 2), idx (S, b))``."""
    n = landscape.n
    whole = np.broadcast_to(np.arange(n), (len(seeds), n))
    with np.errstate(all="ignore"):
        for i, b in enumerate(sizes):
            b = int(b)
            lr = lr_scalar if lrs is None else float(lrs[i])
            gens = [run_rng(sd) for sd in seeds]
            theta = thetas[i, :, 0].copy()
            ends = list(range(b, n + 1, b))
            if not drop_last and n % b:
                ends.append(n)
            for e in range(epochs):
                perms = _epoch_perms(gens, n)
                lo = 0
                for hi in ends:
                    idx = whole if hi - lo == n else perms[:, lo:hi]
                    theta = theta - lr * landscape.batch_grad(theta, idx)
                    lo = hi
                thetas[i, :, e + 1] = theta
