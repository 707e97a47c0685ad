"""Immutable views of a simulation, safe to hand from the worker thread to the GUI."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MethodSnapshot:
    key: str                    # "full_batch" | "mini_batch" | "stochastic"
    batch_size: int
    updates_per_epoch: int
    updates: int
    epoch: float                # examples_seen / N
    examples_seen: int
    clock: float                # this method's own clock value, in the clock in force
    loss: float                 # full-data J(theta)
    batch_loss: float           # J_B(theta) of the last batch (nan before the first step)
    theta: np.ndarray           # (2,) current position (plane coordinates in MLP mode)
    start: np.ndarray           # (2,) start position
    grad_estimate: np.ndarray   # (2,) g_B used by the last step (zeros before the first)
    grad_full: np.ndarray       # (2,) true gradient at theta
    lr: float                   # eta in force for the next step
    status: str                 # "running" | "finished" | "diverged"
    trail: np.ndarray           # (k, 2) decimated path, start first, current last
    loss_curve: np.ndarray      # (m, 2) decimated (clock, loss) pairs
    extra: object = None        # mode-specific immutable data (the MLP mode's boundary, ...)


@dataclass(frozen=True)
class SimSnapshot:
    clock_kind: str             # "updates" | "examples" | "hardware"
    clock_value: float
    n_examples: int
    methods: tuple[MethodSnapshot, ...]   # full_batch, mini_batch, stochastic
    sequence: int = 0           # increases with every snapshot of one simulation
    generation: int = 0         # increases on every reset; the view clears its caches
    extra: object = None        # mode-specific immutable data (the MLP mode's plane, device, ...)

    @property
    def is_mlp(self) -> bool:
        """A snapshot of the real network: only that engine has mode-specific data."""
        return self.extra is not None

    def method(self, key: str) -> MethodSnapshot:
        for m in self.methods:
            if m.key == key:
                return m
        raise KeyError(key)
