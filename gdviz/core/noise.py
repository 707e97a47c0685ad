"""Gradient-noise statistics at one point: the law Var(g_B) ~ sigma^2/B, measured and predicted."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdviz.core.landscapes import Landscape


def predicted_noise(trace_sigma: float, n: int, batch_size: int) -> float:
    """E|g_B - grad J|^2 for B examples drawn without replacement: tr(Sigma) (N-B) / (B (N-1))."""
    if batch_size >= n:
        return 0.0
    return trace_sigma * (n - batch_size) / (batch_size * (n - 1))


@dataclass(frozen=True)
class NoiseStats:
    trace_sigma: float      # tr of the per-example gradient covariance (population, 1/N)
    grad_norm2: float       # |grad J|^2
    noise_scale: float      # B_noise = tr Sigma / |grad J|^2: batches much smaller are noise-led

    def predicted(self, n: int, batch_size: int) -> float:
        return predicted_noise(self.trace_sigma, n, batch_size)


def noise_stats(landscape: Landscape, theta) -> NoiseStats:
    """Per-example gradient covariance at ``theta`` from all N per-example gradients."""
    with np.errstate(all="ignore"):   # far out or diverged: inf/nan, shown as such, no warning
        grads = landscape.example_grads(np.asarray(theta, float), np.arange(landscape.n))
        mean = grads.mean(axis=0)
        centred = grads - mean
        trace = float(np.mean(np.sum(centred * centred, axis=1)))
        norm2 = float(mean @ mean)
    scale = trace / norm2 if norm2 > 0 else float("inf")
    return NoiseStats(trace, norm2, scale)


def measured_noise(landscape: Landscape, theta, batch_size: int, rng: np.random.Generator,
                   draws: int = 400) -> float:
    """Mean |g_B - grad J|^2 over ``draws`` batches, each drawn without replacement."""
    theta = np.asarray(theta, float)
    n = landscape.n
    b = min(batch_size, n)
    # argpartition of uniform keys gives B distinct indices per draw without a full sort
    keys = rng.random((draws, n))
    idx = np.argpartition(keys, b - 1, axis=1)[:, :b] if b < n else np.tile(np.arange(n), (draws, 1))
    with np.errstate(all="ignore"):
        full = landscape.grad(theta)
        grads = landscape.example_grads(theta, np.arange(n))
        g_batches = grads[idx].mean(axis=1)
        diff = g_batches - full
        return float(np.mean(np.sum(diff * diff, axis=1)))
