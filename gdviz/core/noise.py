"""Gradient-noise statistics at one point: the law Var(g_B) ~ sigma^2/B, measured and predicted."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gdviz.core.landscapes import Landscape

MAX_DRAWS = 4000          # batches a measurement samples at most
MIN_DRAWS = 200           # ... and at least, whatever the cost
WORK_ELEMENTS = 1_000_000  # gradient entries summed per measurement, roughly


def predicted_noise(trace_sigma: float, n: int, batch_size: int) -> float:
    """E|g_B - grad J|^2 for B examples drawn without replacement: tr(Sigma) (N-B) / (B (N-1))."""
    if batch_size >= n:
        return 0.0
    return trace_sigma * (n - batch_size) / (batch_size * (n - 1))


@dataclass(frozen=True)
class NoiseStats:
    trace_sigma: float      # tr of the per-example gradient covariance (population, 1/N)
    grad_norm2: float       # |grad J|^2
    noise_scale: float      # B_simple = tr Sigma / |grad J|^2 (McCandlish et al., 2018)

    def predicted(self, n: int, batch_size: int) -> float:
        return predicted_noise(self.trace_sigma, n, batch_size)


@dataclass(frozen=True)
class NoiseMeasurement:
    """E|g_B - grad J|^2 measured from sampled batches, with its standard error, beside the
    prediction from all N per-example gradients."""

    batch_size: int
    n: int
    measured: float         # mean |g_B - grad J|^2 over the sampled batches
    stderr: float           # standard error of ``measured``
    draws: int              # independent batches sampled
    stats: NoiseStats

    @property
    def predicted(self) -> float:
        return self.stats.predicted(self.n, self.batch_size)


def stats_from_grads(grads: np.ndarray) -> NoiseStats:
    """tr Sigma, |grad J|^2 and B_simple from all N per-example gradients (N, P)."""
    grads = np.asarray(grads, float)
    with np.errstate(all="ignore"):   # far out or diverged: inf/nan, shown as such, no warning
        mean = grads.mean(axis=0)
        centred = grads - mean
        trace = float(np.mean(np.sum(centred * centred, axis=1)))
        norm2 = float(mean @ mean)
        scale = trace / norm2 if norm2 > 0 else float("inf")
    return NoiseStats(trace, norm2, scale)


def noise_stats(landscape: Landscape, theta) -> NoiseStats:
    """Per-example gradient covariance at ``theta`` from all N per-example gradients."""
    with np.errstate(all="ignore"):
        grads = landscape.example_grads(np.asarray(theta, float), np.arange(landscape.n))
    return stats_from_grads(grads)


def sample_batches(n: int, batch_size: int, draws: int, rng: np.random.Generator) -> np.ndarray:
    """``draws`` independent batches (draws, B) of B distinct examples each, every B-subset
    equally likely, as one training batch drawn without replacement.

    Small B: draw with replacement, then redraw the repeated entries until none is left (the
    procedure treats every example alike, so every subset is equally likely), ~B per batch.
    Larger B: the B smallest of N random keys, ~N per batch.
    """
    b = min(max(1, int(batch_size)), n)
    if b == n:
        return np.tile(np.arange(n), (draws, 1))
    if not _redraw_is_cheaper(n, b):
        return np.argpartition(rng.random((draws, n)), b - 1, axis=1)[:, :b]
    idx = np.sort(rng.integers(n, size=(draws, b)), axis=1)
    while True:
        repeated = idx[:, 1:] == idx[:, :-1]
        rows = np.flatnonzero(repeated.any(axis=1))
        if rows.size == 0:
            return idx
        sub, rep = idx[rows], repeated[rows]
        sub[:, 1:][rep] = rng.integers(n, size=int(rep.sum()))
        idx[rows] = np.sort(sub, axis=1)


def draws_for(n: int, batch_size: int, width: int) -> int:
    """Batches a measurement samples: as many as WORK_ELEMENTS allows, within the bounds."""
    b = min(max(1, batch_size), n)
    drawn = min(b, n - b) or 1
    cost = drawn * (width + 2) if _redraw_is_cheaper(n, drawn) else n + drawn * width
    return int(np.clip(WORK_ELEMENTS // cost, MIN_DRAWS, MAX_DRAWS))


def _redraw_is_cheaper(n: int, b: int) -> bool:
    # with B^2 << N repeats are rare; beyond, the redraw loop runs long
    return b * b <= 4 * n


def measure_from_grads(grads: np.ndarray, batch_size: int, rng: np.random.Generator,
                       draws: int | None = None) -> NoiseMeasurement:
    """Draw batches as training does and measure their scatter |g_B - grad J|^2 around the full
    gradient: the mean over the draws and its standard error (they are independent)."""
    grads = np.asarray(grads, float)
    n, width = grads.shape
    b = min(max(1, int(batch_size)), n)
    stats = stats_from_grads(grads)
    k = draws or draws_for(n, b, width)
    full = grads.mean(axis=0)
    if b > n // 2:
        # The examples left out decide the batch: B (g_B - g) = -(N-B) (g_rest - g).
        rest = n - b
        if rest == 0:
            d = np.zeros((k, width))
        else:
            d = -(rest / b) * (grads[sample_batches(n, rest, k, rng)].mean(axis=1) - full)
    else:
        d = grads[sample_batches(n, b, k, rng)].mean(axis=1) - full
    sq = np.einsum("ij,ij->i", d, d)
    stderr = float(np.std(sq, ddof=1) / math.sqrt(k)) if k > 1 else math.nan
    return NoiseMeasurement(b, n, float(sq.mean()), stderr, k, stats)


def measure_noise(landscape: Landscape, theta, batch_size: int, rng: np.random.Generator,
                  draws: int | None = None) -> NoiseMeasurement:
    """:func:`measure_from_grads` at ``theta`` of an analytic landscape."""
    with np.errstate(all="ignore"):
        grads = landscape.example_grads(np.asarray(theta, float), np.arange(landscape.n))
        return measure_from_grads(grads, batch_size, rng, draws)


def measured_noise(landscape: Landscape, theta, batch_size: int, rng: np.random.Generator,
                   draws: int = 400) -> float:
    """Mean |g_B - grad J|^2 over ``draws`` batches (see :func:`measure_noise`)."""
    return measure_noise(landscape, theta, batch_size, rng, draws).measured
