"""What generalizes: the final validation loss (and accuracy) against B at equal epochs.

For each batch size B, the mini-batch method trains the scenario's network for the same number
of epochs at each learning rate of a grid and each seed (the seed sets the initial weights and
the shuffling; the data stay the scenario's). Each B is shown at its best eta, the one with the
lowest mean validation loss over the seeds (the tuning a practitioner does on a validation set),
with the spread over the seeds and the gap between validation and training loss.

``verdict`` says what the numbers show between the smallest and the largest B: a difference
counts only where the seeds' ranges do not overlap.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gdviz.core.batching import updates_per_epoch

NO_CLEAR = "no clear difference"
SMALLER_LOWER = "smaller batches lower"
LARGER_LOWER = "larger batches lower"


@dataclass(frozen=True)
class GenPoint:
    """One batch size at its best learning rate: means and ranges over the seeds."""

    batch_size: int
    lr: float
    train: float
    val: float
    val_lo: float
    val_hi: float
    accuracy: float          # validation accuracy (nan for regression)
    accuracy_lo: float
    accuracy_hi: float

    @property
    def gap(self) -> float:
        """Validation minus training loss (the generalization gap)."""
        return self.val - self.train


@dataclass(frozen=True)
class GenResult:
    dataset: str
    task: str
    n: int
    epochs: float
    optimizer: str
    seeds: tuple
    batch_sizes: tuple
    lrs: tuple
    raw: np.ndarray          # (K, L, S, 3): train loss, val loss, val accuracy
    points: tuple            # GenPoint per batch size


def default_batch_sizes(n: int) -> tuple[int, ...]:
    """1, 4, 16, ... up to N, and N."""
    out = [4**k for k in range(20) if 4**k < n]
    return tuple(out + [n])


def default_lrs(lr: float) -> tuple[float, ...]:
    """Four rates around the scenario's eta, a factor 4 apart."""
    return tuple(lr * f for f in (1 / 16, 1 / 4, 1.0, 4.0))


def _train_once(spec, dataset_t, batch_size, lr, seed, epochs, optimizer, momentum):
    from gdviz.mlp.model import evaluate, forward, init_weights
    from gdviz.mlp.trainer import Trainer
    import torch

    x, y, xv, yv = dataset_t
    trainer = Trainer(spec, init_weights(spec, seed), x, y, batch_size, seed + 7919,
                      optimizer, momentum, use_graphs=False)
    steps = math.ceil(epochs * updates_per_epoch(len(x), batch_size) - 1e-9)
    for _ in range(steps):
        trainer.step(lr)
    w = trainer.w
    if not bool(torch.isfinite(w).all()):
        return math.inf, math.inf, math.nan
    train = float(evaluate(spec, w, x, y))
    val = float(evaluate(spec, w, xv, yv))
    acc = math.nan
    if spec.loss == "bce":
        acc = float(((forward(spec, w, xv) > 0).float() == yv).float().mean())
    if not math.isfinite(train) or not math.isfinite(val):
        return math.inf, math.inf, math.nan
    return train, val, acc


def study(scenario, batch_sizes=None, lrs=None, seeds=(0, 1, 2), epochs=None,
          should_stop=None) -> GenResult:
    """The study on a real-network scenario (CPU, one process); see the module's text."""
    from gdviz.mlp import require_torch
    torch = require_torch()
    from gdviz.mlp.datasets import make_dataset
    from gdviz.mlp.model import MlpSpec

    m = scenario.mlp
    ds = make_dataset(m.dataset, scenario.n_examples, m.noise, scenario.seed, m.val_fraction)
    spec = MlpSpec((ds.n_inputs, *m.hidden, 1), m.activation, m.loss)
    as_t = lambda a: torch.tensor(np.asarray(a), dtype=torch.float32)   # noqa: E731
    data = (as_t(ds.x_train), as_t(ds.y_train), as_t(ds.x_val), as_t(ds.y_val))
    n = ds.n_train
    batch_sizes = tuple(batch_sizes or default_batch_sizes(n))
    lrs = tuple(lrs or default_lrs(scenario.lr))
    epochs = float(epochs or scenario.epochs)
    raw = np.full((len(batch_sizes), len(lrs), len(seeds), 3), np.nan)
    for i, b in enumerate(batch_sizes):
        for j, lr in enumerate(lrs):
            for k, s in enumerate(seeds):
                if should_stop is not None and should_stop():
                    raise InterruptedError("the study was cancelled")
                raw[i, j, k] = _train_once(spec, data, b, lr, s, epochs, scenario.optimizer,
                                           scenario.momentum)
    points = []
    for i, b in enumerate(batch_sizes):
        mean_val = raw[i, :, :, 1].mean(axis=1)
        j = int(np.nanargmin(np.where(np.isfinite(mean_val), mean_val, np.nan)))
        r = raw[i, j]
        points.append(GenPoint(b, lrs[j], float(r[:, 0].mean()), float(r[:, 1].mean()),
                               float(r[:, 1].min()), float(r[:, 1].max()),
                               float(r[:, 2].mean()), float(r[:, 2].min()),
                               float(r[:, 2].max())))
    return GenResult(ds.name, ds.task, n, epochs, scenario.optimizer, tuple(seeds), batch_sizes,
                     lrs, raw, tuple(points))


def verdict(result: GenResult) -> str:
    """What the smallest and the largest B show: a difference only where the seeds' ranges of
    the validation loss do not overlap."""
    small, large = result.points[0], result.points[-1]
    if small.val_hi < large.val_lo:
        return SMALLER_LOWER
    if large.val_hi < small.val_lo:
        return LARGER_LOWER
    return NO_CLEAR


def lesson_text() -> dict:
    """resources/lesson/generalization.toml: the title, the text and the study it states."""
    import tomllib

    from gdviz.resources import resources_dir
    with open(resources_dir() / "lesson" / "generalization.toml", "rb") as f:
        return tomllib.load(f)
