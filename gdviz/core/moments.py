"""The expected loss of plain SGD on the least-squares landscape, by a moment recursion.

What it models: SGD with a constant η on J(θ) = 1/2N Σ (x_i·θ − y_i)², each update's batch an
independent uniform draw of B distinct examples (without replacement within the batch, with
replacement between batches). The lab's runs reshuffle once per epoch instead, so consecutive
batches of an epoch never repeat an example; that makes the gradient noise of an epoch slightly
anti-correlated and the measured loss a little lower than this theory (tests/test_lab_law.py
states how close).

With e = θ − θ*, H = XᵀX/N, r_i = x_i·θ* − y_i (Σ x_i r_i = 0), the batch gradient is
H_B e + c_B; with f = (N − B)/(B (N − 1)) (the without-replacement variance of a batch mean):

    m'  = (I − ηH) m                                     (the mean, exact)
    M'  = (I − ηH) M (I − ηH) + η² f [Q(M) − H M H + P + Pᵀ + S]
    Q(M) = 1/N Σ x_i x_iᵀ M x_i x_iᵀ,  P = 1/N Σ (x_i·m) r_i x_i x_iᵀ,  S = 1/N Σ r_i² x_i x_iᵀ

and E[J] = J* + 1/2 tr(H M). The recursion is followed in the eigenbasis of H, keeping M's
diagonal: Q's diagonal is then Σ_k F_jk M_kk with F_jk = 1/N Σ z_ij² z_ik² (z_i = Vᵀx_i). The
dropped terms are sums of odd moments of the features, zero in expectation over the data
(independent features); what is left costs O(d²) per update.
"""
from __future__ import annotations

import numpy as np


class QuadraticTheory:
    """E[J] along SGD on a LeastSquares landscape from its start."""

    def __init__(self, landscape, start=None):
        self.landscape = landscape
        lam, vecs = landscape.eigenvalues, landscape.eigenvectors
        self.lam = np.maximum(lam, 0.0)
        self.n = landscape.n
        z = landscape.x @ vecs
        r = landscape.x @ landscape.theta_star - landscape.y
        z2 = z * z
        self.F = z2.T @ z2 / self.n
        self.R = z2.T @ (z * r[:, None]) / self.n
        self.S = z2.T @ (r * r) / self.n
        start = landscape.start if start is None else np.asarray(start, float)
        self.m0 = vecs.T @ (start - landscape.theta_star)
        self.j_star = landscape.j_star

    def _factor(self, batch_size: int) -> float:
        n, b = self.n, int(batch_size)
        return 0.0 if b >= n else (n - b) / (b * (n - 1.0))

    def curves(self, lrs, batch_size: int, steps: int, target: float | None = None,
               bound: float = np.inf, cut: float | None = None):
        """E[J] after 0 … ``steps`` updates for each η in ``lrs``: (L, steps + 1); the first
        update at which E[J] ≤ ``target`` per η (0 where it never does); and whether E[J]
        passed ``bound`` (diverged) first. With a target the recursion stops once every η has
        reached it or passed the bound, or (``cut``) at cut × the first η's steps."""
        lrs = np.atleast_1d(np.asarray(lrs, float))[:, None]
        f = self._factor(batch_size)
        lam, F, R, S = self.lam, self.F, self.R, self.S
        m = np.tile(self.m0, (len(lrs), 1))
        M = m * m
        shrink = 1.0 - lrs * lam
        out = np.full((len(lrs), steps + 1), np.nan)
        first = np.zeros(len(lrs), np.int64)
        out[:, 0] = self.j_star + 0.5 * M @ lam
        alive = np.ones(len(lrs), bool)
        diverged = np.zeros(len(lrs), bool)
        stop = steps
        with np.errstate(all="ignore"):
            for k in range(1, steps + 1):
                noise = (M @ F.T) - lam**2 * M + 2.0 * (m @ R.T) + S
                M = shrink**2 * M + lrs**2 * f * noise
                m = shrink * m
                loss = self.j_star + 0.5 * M @ lam
                out[:, k] = loss
                if target is not None:
                    new = alive & (loss <= target) & (first == 0)
                    first[new] = k
                    if cut is not None and new.any() and stop == steps:
                        stop = min(steps, int(cut * k))
                    bad = alive & ~((loss <= bound) & np.isfinite(loss))
                    diverged |= bad
                    alive &= (first == 0) & ~bad
                    if not alive.any() or k >= stop:
                        out = out[:, :k + 1]
                        break
        return out, first, diverged
