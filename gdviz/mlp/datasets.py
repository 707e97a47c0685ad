"""Small data sets made locally from a seed (NumPy only: the same points on every device)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdviz.mlp import CLASSIFICATION_DATASETS, DATASETS

DATASET_TITLES = {"moons": "two moons", "circles": "circles", "spirals": "two spirals",
                  "xor": "XOR blobs", "curve": "a 1-D regression curve"}


@dataclass(frozen=True)
class Dataset:
    """Training and validation points; ``y`` has shape (n, 1) (0/1 labels or real targets)."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    noise: float

    @property
    def task(self) -> str:
        return "classification" if self.name in CLASSIFICATION_DATASETS else "regression"

    @property
    def n_inputs(self) -> int:
        return self.x_train.shape[1]

    @property
    def n_train(self) -> int:
        return len(self.x_train)

    def input_bounds(self, margin: float = 0.15) -> tuple[tuple[float, float], ...]:
        """Per input dimension, the range of all points widened by ``margin`` of its span."""
        x = np.vstack([self.x_train, self.x_val])
        lo, hi = x.min(axis=0), x.max(axis=0)
        pad = margin * np.maximum(hi - lo, 1e-6)
        return tuple((float(a), float(b)) for a, b in zip(lo - pad, hi + pad))


def _labels(n: int) -> np.ndarray:
    y = np.zeros(n)
    y[n // 2:] = 1.0   # balanced classes
    return y


def _moons(n, noise, rng):
    y = _labels(n)
    t = rng.uniform(0.0, np.pi, n)
    x = np.where(y[:, None] == 0, np.c_[np.cos(t), np.sin(t)],
                 np.c_[1.0 - np.cos(t), 0.5 - np.sin(t)])
    return x + rng.normal(0.0, noise, (n, 2)), y


def _circles(n, noise, rng):
    y = _labels(n)
    t = rng.uniform(0.0, 2 * np.pi, n)
    r = np.where(y == 0, 1.0, 0.5)
    return np.c_[r * np.cos(t), r * np.sin(t)] + rng.normal(0.0, noise, (n, 2)), y


def _spirals(n, noise, rng):
    y = _labels(n)
    t = np.sqrt(rng.uniform(0.0, 1.0, n)) * 3 * np.pi   # even density along the arm
    angle = t + np.pi * y
    x = np.c_[t * np.cos(angle), t * np.sin(angle)] / (3 * np.pi) * 2.0
    return x + rng.normal(0.0, noise, (n, 2)), y


def _xor(n, noise, rng):
    corner = rng.integers(0, 4, n)
    sx, sy = np.where(corner % 2, 1.0, -1.0), np.where(corner // 2, 1.0, -1.0)
    y = (sx * sy < 0).astype(float)
    return np.c_[sx, sy] + rng.normal(0.0, 0.25 + noise, (n, 2)), y


def _curve(n, noise, rng):
    x = rng.uniform(-3.0, 3.0, n)
    y = np.sin(1.5 * x) + 0.25 * x + rng.normal(0.0, noise, n)
    return x[:, None], y


MAKERS = {"moons": _moons, "circles": _circles, "spirals": _spirals, "xor": _xor, "curve": _curve}


def make_dataset(name: str, n: int, noise: float = 0.2, seed: int = 0,
                 val_fraction: float = 0.2) -> Dataset:
    """``n`` training points plus ``round(val_fraction * n)`` validation points, drawn together.

    The validation points come on top of the n training points, so n stays the N of ⌈N/B⌉.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown data set '{name}'; choose one of {', '.join(DATASETS)}")
    n_val = int(round(val_fraction * n))
    rng = np.random.default_rng([seed, 0xDA7A, 2])
    x, y = MAKERS[name](n + n_val, float(noise), rng)
    order = rng.permutation(n + n_val)   # mix classes before splitting
    x = np.ascontiguousarray(x[order], np.float32)
    y = np.ascontiguousarray(y[order, None], np.float32)
    for a in (x, y):
        a.flags.writeable = False   # shared with snapshots without copying
    return Dataset(name, x[:n], y[:n], x[n:], y[n:], float(noise))
