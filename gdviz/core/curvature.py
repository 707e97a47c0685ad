"""Curvature of a 2-D landscape from its exact gradient: the Hessian by central differences,
its largest eigenvalue and the learning rate past which a step diverges there."""
from __future__ import annotations

import numpy as np

from gdviz.core.landscapes import Landscape
from gdviz.core.noise import noise_stats

# Relative step of the central difference: the gradient's own rounding (or, for a custom f, its
# finite-difference error at 1e-5) stays far below the curvature signal at this size.
FD_STEP = 1e-4


def hessian(landscape: Landscape, theta) -> np.ndarray:
    """Symmetric 2x2 Hessian of J at ``theta``: H[:, j] = (∇J(θ + h e_j) − ∇J(θ − h e_j)) / 2h."""
    theta = np.asarray(theta, float)
    h = FD_STEP * np.maximum(1.0, np.abs(theta))
    cols = []
    with np.errstate(all="ignore"):
        for j in range(2):
            e = np.zeros(2)
            e[j] = h[j]
            cols.append((np.asarray(landscape.grad(theta + e), float)
                         - np.asarray(landscape.grad(theta - e), float)) / (2 * h[j]))
    H = np.stack(cols, axis=1)
    return 0.5 * (H + H.T)


def lambda_max(landscape: Landscape, theta) -> float:
    """Largest eigenvalue of the Hessian at ``theta`` (negative where J curves down everywhere)."""
    H = hessian(landscape, theta)
    if not np.all(np.isfinite(H)):
        return float("nan")
    return float(np.linalg.eigvalsh(H)[-1])


def stability_limit(lam: float, optimizer: str, momentum: float = 0.9) -> float | None:
    """The largest η at which full-batch steps on a quadratic of top curvature ``lam`` stay
    bounded: 2/λ for SGD, (2 + 2β)/λ for heavy-ball momentum, 2(1 + β)/((1 + 2β)λ) for Nesterov.

    None for RMSProp and Adam (their step does not scale with λ) or where λ ≤ 0.
    """
    if not np.isfinite(lam) or lam <= 0:
        return None
    if optimizer == "sgd":
        return 2.0 / lam
    if optimizer == "momentum":
        return (2.0 + 2.0 * momentum) / lam
    if optimizer == "nesterov":
        return 2.0 * (1.0 + momentum) / ((1.0 + 2.0 * momentum) * lam)
    return None


def noise_scales(landscape: Landscape, theta, H: np.ndarray | None = None) -> tuple[float, float]:
    """(B_simple, B_noise) at ``theta`` (McCandlish et al. 2018).

    B_simple = tr Σ / |∇J|² and B_noise = tr(HΣ) / (∇Jᵀ H ∇J), with Σ the covariance of the N
    per-example gradients (population, 1/N) and H the finite-difference Hessian. inf where the
    denominator is not positive.
    """
    theta = np.asarray(theta, float)
    grads = np.asarray(landscape.example_grads(theta, np.arange(landscape.n)), float)
    mean = grads.mean(axis=0)
    centred = grads - mean
    sigma = centred.T @ centred / landscape.n
    H = hessian(landscape, theta) if H is None else H
    gHg = float(mean @ H @ mean)
    b_simple = noise_stats(landscape, theta).noise_scale
    b_noise = float(np.trace(H @ sigma)) / gHg if gHg > 0 else float("inf")
    return b_simple, b_noise
