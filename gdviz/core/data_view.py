"""The training examples in data space, for the data view (NumPy only, no Qt).

A landscape with data (linear and logistic regression) shows its points, each method's current
model on them (a fitted line, a decision line) and the examples each method's last step used.
With more than ``SAMPLE_MAX`` examples a fixed sample is drawn (the same one for the whole run);
the members of a batch are drawn whether sampled or not, unless the batch itself is larger than
the sample (full batch at large N), when the sample stands for it. Landscapes without a data
space say what their N per-example terms are instead.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_MAX = 4000       # examples drawn at most (a few thousand points stay readable and quick)
SAMPLE_SEED = 0xDA7A5


@dataclass(frozen=True)
class DataSpace:
    """What the data view draws for one landscape (immutable: built once per landscape)."""

    kind: str                    # "regression" | "logistic" | "terms" (no data space)
    n: int                       # N, the examples of the finite sum
    points: np.ndarray           # (N, 2) every example's point in data space (empty for terms)
    labels: np.ndarray | None    # (N,) ±1 class labels (logistic), else None
    shown: np.ndarray            # sorted indices of the examples drawn dimmed (all or a sample)
    in_shown: np.ndarray         # (N,) bool: example i is among ``shown``
    axes: tuple[str, str]        # data-space axis titles
    note: str                    # the sample's note, or (terms) what the examples are

    @property
    def sampled(self) -> bool:
        return len(self.shown) < self.n

    def lit(self, batch) -> np.ndarray:
        """The indices to light for a step that used ``batch``: all of its members when the
        batch fits in the sample's size (drawn even if not sampled), else the sampled ones."""
        if batch is None or self.kind == "terms":
            return np.zeros(0, dtype=np.int64)
        batch = np.asarray(batch)
        if len(batch) == self.n:
            return self.shown
        if len(batch) <= len(self.shown):
            return batch
        return batch[self.in_shown[batch]]


def _sample(n: int, limit: int) -> np.ndarray:
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(SAMPLE_SEED).choice(n, limit, replace=False))


def data_space(landscape, limit: int = SAMPLE_MAX) -> DataSpace:
    """The data view's description of ``landscape`` (an analytic gdviz.core landscape)."""
    n = int(landscape.n)
    key = getattr(landscape, "key", "")
    if key == "regression":
        points = np.column_stack([landscape.x, landscape.y])
        labels, axes = None, ("input x", "target y")
    elif key == "logistic":
        points = np.asarray(landscape.features, float)
        labels, axes = np.asarray(landscape.labels, float), ("feature x₁", "feature x₂")
    else:
        empty = np.zeros(0, dtype=np.int64)
        return DataSpace("terms", n, np.zeros((0, 2)), None, empty, np.zeros(n, bool),
                         ("", ""), terms_text(landscape))
    shown = _sample(n, limit)
    in_shown = np.zeros(n, bool)
    in_shown[shown] = True
    note = (f"showing a fixed sample of {len(shown):,} of the N = {n:,} examples; a batch's "
            f"own members are always drawn" if len(shown) < n else "")
    for a in (points, shown, in_shown):
        a.flags.writeable = False
    return DataSpace(key, n, points, labels, shown, in_shown, axes, note)


def terms_text(landscape) -> str:
    """What the N per-example terms of a landscape without a data space are."""
    n = int(landscape.n)
    title = getattr(landscape, "title", "This landscape")
    return (f"{title} has no data to plot. Its N = {n:,} examples are terms "
            f"ℓᵢ(θ) = f(θ) + aᵢ·θ: the same function f, each tilted by its own vector aᵢ "
            f"(the aᵢ average to zero, so J = f). One example's gradient is ∇f + aᵢ; a batch of B "
            f"averages B tilts, so its gradient misses ∇f by the mean of B random aᵢ, and that "
            f"miss shrinks like 1/√B. The counters and the canvas show which step used how many.")


def model_line(space: DataSpace, theta, x_range: tuple[float, float],
               y_range: tuple[float, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each method's current model drawn in data space: the fitted line y = w x + b
    (regression), or the decision line w·x = 0 (logistic, no intercept) across the view."""
    theta = np.asarray(theta, float)
    if space.kind == "terms" or not np.all(np.isfinite(theta)):
        return np.zeros(0), np.zeros(0)
    x0, x1 = x_range
    if space.kind == "regression":
        w, b = theta
        xs = np.array([x0, x1])
        return xs, w * xs + b
    w1, w2 = theta
    norm = float(np.hypot(w1, w2))
    if norm == 0.0:
        return np.zeros(0), np.zeros(0)
    y0, y1 = y_range if y_range is not None else x_range
    reach = 2.0 * max(abs(x0), abs(x1), abs(y0), abs(y1))
    direction = np.array([-w2, w1]) / norm        # along the line w·x = 0
    ends = np.outer([-reach, reach], direction)
    return ends[:, 0], ends[:, 1]


def data_bounds(space: DataSpace, margin: float = 0.08) -> tuple[tuple[float, float], ...]:
    """The view's ranges: the points' extent widened by ``margin`` of its span."""
    pts = space.points
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = margin * np.maximum(hi - lo, 1e-9)
    return tuple((float(a), float(b)) for a, b in zip(lo - pad, hi + pad))
