"""The gradient cloud: every example's gradient at one θ, the next batch among them, and the
covariance of the batch mean g_B, Σ·(N−B)/(B(N−1)) for B drawn without replacement.

Computed from the landscape's own per-example gradients (no model of the noise); the GUI only
draws it. For a large N the points shipped to be drawn are a fixed subset (the statistics
always use all N)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MAX_SHOWN = 2000        # points handed to the view; statistics use every example


@dataclass(frozen=True)
class GradientCloud:
    method: str
    theta: np.ndarray           # (2,) where the gradients are taken
    lr: float                   # η of the update about to be taken
    n: int
    batch_size: int             # of the next batch (an epoch's last one may be short)
    shown: np.ndarray           # (M, 2) per-example gradients drawn (all N when N ≤ MAX_SHOWN)
    batch: np.ndarray | None    # indices of the next batch (None: not drawn yet)
    batch_shown: np.ndarray     # (m, 2) gradients of its members (up to MAX_SHOWN of them)
    batch_mean: np.ndarray | None   # (2,) g_B of the next batch over all its members
    full: np.ndarray            # (2,) ∇J(θ)
    sigma: np.ndarray           # (2, 2) per-example gradient covariance (population, 1/N)
    covariance: np.ndarray      # (2, 2) Cov(g_B) = Σ (N−B)/(B(N−1))

    @property
    def subsampled(self) -> bool:
        return len(self.shown) < self.n


def batch_covariance(sigma: np.ndarray, n: int, batch_size: int) -> np.ndarray:
    """Cov(g_B) of the mean of B of N examples drawn without replacement."""
    if batch_size >= n:
        return np.zeros_like(sigma)
    return sigma * (n - batch_size) / (batch_size * (n - 1))


def ellipse_area(cov: np.ndarray) -> float:
    """Area of the 1-σ ellipse {x : xᵀ C⁻¹ x ≤ 1}: π √det C."""
    return math.pi * math.sqrt(max(float(np.linalg.det(cov)), 0.0))


def ellipse_points(center, cov: np.ndarray, scale: float = 1.0, count: int = 96) -> np.ndarray:
    """(count + 1, 2) points of the closed 1-σ ellipse of ``cov`` around ``center``, times
    ``scale``: center + scale · V √Λ (cos t, sin t)."""
    values, vectors = np.linalg.eigh(np.asarray(cov, float))
    radii = np.sqrt(np.clip(values, 0.0, None))
    t = np.linspace(0.0, 2 * math.pi, count + 1)
    circle = np.stack([np.cos(t), np.sin(t)], axis=1)
    return np.asarray(center, float) + scale * (circle * radii) @ vectors.T


def _shown_indices(n: int) -> np.ndarray:
    if n <= MAX_SHOWN:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, MAX_SHOWN, replace=False))


def gradient_cloud(run) -> GradientCloud | None:
    """The cloud at an analytic run's θ (a ``MethodRun``); None where θ is not finite."""
    theta = np.array(run.theta, float)
    if not np.all(np.isfinite(theta)):
        return None
    landscape = run.landscape
    n = landscape.n
    with np.errstate(all="ignore"):
        grads = landscape.example_grads(theta, np.arange(n))
        full = np.asarray(landscape.grad(theta), float)
        centred = grads - grads.mean(axis=0)
        sigma = centred.T @ centred / n
    if not (np.all(np.isfinite(grads)) and np.all(np.isfinite(sigma))):
        return None
    batch = run.sampler.upcoming_batch()
    # the next batch's own size: an epoch's short last batch has a wider ellipse
    b = run.batch_size if batch is None else len(batch)
    shown = _shown_indices(n)
    if batch is None:
        batch_mean, batch_shown = None, np.zeros((0, 2))
    else:
        batch_mean = grads[batch].mean(axis=0)
        batch_shown = grads[batch[:MAX_SHOWN]]
    if landscape.dim != 2:
        # d parameters: the cloud as the canvas's plane sees it, every gradient's components
        # along the plane's two axes (Σ is then exactly the covariance of those components)
        axes = landscape.plane_axes.T
        theta = landscape.to_plane(theta)
        grads, full = grads @ axes, full @ axes
        batch_shown = batch_shown @ axes if len(batch_shown) else np.zeros((0, 2))
        batch_mean = None if batch_mean is None else batch_mean @ axes
        centred = grads - grads.mean(axis=0)
        sigma = centred.T @ centred / n
    return GradientCloud(run.key, theta, float(run.current_lr()), n, b, grads[shown],
                         None if batch is None else np.array(batch), batch_shown, batch_mean, full, sigma, batch_covariance(sigma, n, b))
