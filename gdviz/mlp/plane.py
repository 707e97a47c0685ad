"""A 2-D plane through weight space shared by the three methods, and the loss drawn on it.

Origin: the common initial weights. Axes: the best 2-D fit of the three methods' current
displacements from the start (their first two right singular vectors), so the three networks
lie as close to the plane as any plane through the start allows. Axes are orthonormal, so plane
coordinates are distances in weight space, projection is a dot product, and what is left over
is the distance from the plane. Where the runs give no usable direction (no movement yet, or
all along one line), a filter-normalised random direction (Li et al., 2018) stands in.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdviz.mlp import require_torch
from gdviz.mlp.device import is_device_failure
from gdviz.mlp.model import MlpSpec, plane_losses

torch = require_torch()

# A direction whose part orthogonal to the axes already taken is below this fraction of the
# weights' own norm is treated as no direction (no movement, or parallel to the first axis).
DIRECTION_TOL = 1e-6
PAD = 0.25          # margin around the trajectories, as a fraction of their span
SURFACE_EXAMPLES = 4096   # the surface is drawn on at most this many training examples
# ... of a network as costly per example as the built-ins' 2-16-16-1 (304 multiply-adds); a
# larger network draws on proportionally fewer (at least MIN_SURFACE_EXAMPLES), so the picture's
# cost stays bounded: 4 × 256 hidden drew nothing for minutes before.
REFERENCE_MACS = 2 * 16 + 16 * 16 + 16
MIN_SURFACE_EXAMPLES = 128
STOP_CHECK_MACS = 2 * 10**8   # multiply-adds between two looks at should_stop (~20-50 ms)


def macs_per_example(spec) -> int:
    """Multiply-adds of one forward pass of one example."""
    return sum(a * b for a, b in zip(spec.sizes, spec.sizes[1:]))


def surface_examples(spec) -> int:
    """How many training examples the drawn surface averages, for this network's cost."""
    scaled = SURFACE_EXAMPLES * REFERENCE_MACS // max(1, macs_per_example(spec))
    return max(MIN_SURFACE_EXAMPLES, min(SURFACE_EXAMPLES, scaled))


@dataclass(frozen=True)
class Plane:
    origin: np.ndarray          # (P,) common initial weights
    basis: np.ndarray           # (2, P) orthonormal axes
    axes: tuple[str, str]       # what each axis is ("full batch", "random direction", ...)
    scale: float                # natural half-width of the view when nothing has moved

    def coords(self, w: np.ndarray) -> np.ndarray:
        """Least-squares plane coordinates of weights w (..., P): (..., 2)."""
        return (np.asarray(w, float) - self.origin) @ self.basis.T

    def vector_coords(self, v: np.ndarray) -> np.ndarray:
        """A weight-space vector (a gradient) projected onto the axes: (..., 2)."""
        return np.asarray(v, float) @ self.basis.T

    def distance(self, w: np.ndarray) -> np.ndarray:
        """Euclidean distance of weights w (..., P) from the plane."""
        d = np.asarray(w, float) - self.origin
        return np.linalg.norm(d - self.coords(w) @ self.basis, axis=-1)


def filter_normalised_direction(spec: MlpSpec, w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A Gaussian direction whose every filter (weight-matrix row) has the norm of that filter
    in ``w``; bias entries are zero, as in Li et al."""
    d = np.zeros_like(w, dtype=float)
    for off, rows, length in spec.weight_rows:
        r = rng.normal(size=(rows, length))
        target = np.linalg.norm(w[off:off + rows * length].reshape(rows, length), axis=1)
        r *= (target / np.maximum(np.linalg.norm(r, axis=1), 1e-12))[:, None]
        d[off:off + rows * length] = r.ravel()
    return d


def fit_directions(displacements: np.ndarray, tol: float) -> np.ndarray:
    """Orthonormal rows spanning the best 2-D (or fewer) fit of ``displacements`` (m, P): the
    plane through 0 whose summed squared distance to them is least (Eckart–Young). Directions
    with a singular value at or below ``tol`` are dropped. Each axis is signed so that the
    displacements' coordinates on it sum to a positive number (a stable orientation)."""
    d = np.asarray(displacements, float)
    if d.size == 0:
        return np.zeros((0, d.shape[-1] if d.ndim == 2 else 0))
    _, sing, vt = np.linalg.svd(d, full_matrices=False)
    axes = vt[:2][sing[:2] > tol]
    signs = np.where((d @ axes.T).sum(axis=0) < 0, -1.0, 1.0)
    return axes * signs[:, None]


def make_plane(spec: MlpSpec, origin: np.ndarray, ends: dict[str, np.ndarray], mode: str,
               seed: int) -> Plane:
    """The plane through ``origin``; ``ends`` maps method names to their current weights, and
    in "trajectories" mode the plane is their best fit."""
    origin = np.asarray(origin, float)
    rng = np.random.default_rng([seed, 0x91A7E])
    randoms = [filter_normalised_direction(spec, origin, rng) for _ in range(2)]
    scale = float(np.linalg.norm(randoms[0]))
    tol = DIRECTION_TOL * max(1.0, float(np.linalg.norm(origin)))
    candidates = []
    if mode == "trajectories":
        moved = [np.asarray(w, float) - origin for w in ends.values()
                 if w is not None and np.all(np.isfinite(w))]
        if moved:
            candidates += [("fit to the three runs", a)
                           for a in fit_directions(np.array(moved), tol)]
    candidates += [("random direction", r) for r in randoms]
    basis, names = [], []
    for name, d in candidates:
        for e in basis:                      # Gram–Schmidt (the fitted axes are orthonormal)
            d = d - (d @ e) * e
        norm = float(np.linalg.norm(d))
        if norm > tol:
            basis.append(d / norm)
            names.append(name)
        if len(basis) == 2:
            break
    return Plane(origin, np.array(basis), tuple(names), scale)


def plane_bounds(points: np.ndarray, scale: float):
    """((x0, x1), (y0, y1)) around ``points`` (m, 2) and the origin, with a margin.

    Each axis spans at least half the other (a random second axis is not squashed flat), and
    at least ``scale`` when nothing has moved.
    """
    pts = np.vstack([np.zeros((1, 2)), points[np.all(np.isfinite(points), axis=1)]])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = hi - lo
    floor = max(0.5 * float(span.max()), 1e-3 * scale) if span.max() > 0 else scale
    centre = (lo + hi) / 2
    half = np.maximum(span, floor) * (0.5 + PAD)
    return tuple((float(c - h), float(c + h)) for c, h in zip(centre, half))


class PlaneLandscape:
    """The training loss on a plane, drawable by the contour canvas like an analytic landscape.

    Immutable once made (it holds its own copies), so a view thread may evaluate it while the
    worker trains; a new plane is a new object with a higher ``version``.
    """

    def __init__(self, spec: MlpSpec, plane: Plane, x, y, bounds, version: int, n_train: int):
        self.spec = spec
        self.plane = plane
        self.version = version
        self.bounds = bounds
        self.minima = np.zeros((0, 2))
        self.n = n_train
        self.param_names = tuple(f"plane axis {k + 1} ({name})" for k, name in enumerate(plane.axes))
        self.macs_per_example = macs_per_example(spec)
        self.x, self.y = x[:surface_examples(spec)], y[:surface_examples(spec)]
        used = len(self.x)
        on = "" if used == n_train else f" (drawn on {used:,} of {n_train:,} training examples)"
        self.title = f"Training loss on a plane through weight space{on}"
        self._tensors(x.device)
        self._cache = None

    def _tensors(self, device) -> None:
        self.x, self.y = self.x.to(device), self.y.to(device)
        self._origin = torch.tensor(self.plane.origin, dtype=torch.float32, device=device)
        self._basis = torch.tensor(self.plane.basis, dtype=torch.float32, device=device)

    def loss(self, theta) -> np.ndarray:
        """Loss at plane points theta (..., 2)."""
        theta = np.asarray(theta, float)
        flat = theta.reshape(-1, 2)
        return self._losses(flat).reshape(theta.shape[:-1])

    def loss_grid(self, xs, ys, should_stop=None) -> np.ndarray:
        """Z[j, i] = loss at (xs[i], ys[j]), batched a group of rows at a time; between two
        groups (at most STOP_CHECK_MACS each) ``should_stop()`` is asked, and GridCancelled
        raised when it says so."""
        from gdviz.core.landscapes import GridCancelled
        xs, ys = np.asarray(xs, float), np.asarray(ys, float)
        key = (xs.tobytes(), ys.tobytes())
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1].copy()
        row_cost = max(1, len(xs) * len(self.x) * self.macs_per_example)
        rows = max(1, STOP_CHECK_MACS // row_cost)
        Z = np.empty((len(ys), len(xs)))
        for j in range(0, len(ys), rows):
            if should_stop is not None and should_stop():
                raise GridCancelled("the picture was cancelled")
            X, Y = np.meshgrid(xs, ys[j:j + rows])
            Z[j:j + rows] = self._losses(np.stack([X.ravel(), Y.ravel()], axis=1)).reshape(
                X.shape)
        self._cache = (key, Z)
        return Z.copy()

    def _losses(self, coords: np.ndarray) -> np.ndarray:
        try:
            return self._evaluate(coords)
        except Exception as exc:
            if self.x.device.type == "cpu" or not is_device_failure(exc):
                raise
            self._tensors(torch.device("cpu"))   # the GPU failed: draw on the CPU instead
            return self._evaluate(coords)

    def _evaluate(self, coords: np.ndarray) -> np.ndarray:
        c = torch.tensor(coords, dtype=torch.float32, device=self.x.device)
        out = plane_losses(self.spec, self._origin, self._basis, c, self.x, self.y)
        return out.double().cpu().numpy()
