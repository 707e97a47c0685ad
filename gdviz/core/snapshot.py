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
    batch_loss: float           # J_B(theta_before) of the last batch (nan before the first step)
    theta: np.ndarray           # (2,) current position (plane coordinates in MLP mode)
    start: np.ndarray           # (2,) start position
    grad_estimate: np.ndarray   # (2,) g_B used by the last step (zeros before the first)
    grad_full: np.ndarray       # (2,) true gradient at theta_before (nan where not evaluated)
    lr: float                   # eta in force for the next step
    status: str                 # "running" | "finished" | "diverged"
    trail: np.ndarray           # (k, 2) decimated path, start first, current last
    loss_curve: np.ndarray      # (m, 2) decimated (clock, loss) pairs
    extra: object = None        # mode-specific immutable data (the MLP mode's boundary, ...)
    # The last step: it began at theta_before with eta = step_lr and moved by theta - theta_before.
    theta_before: np.ndarray | None = None   # (2,) = theta before the first step
    step_lr: float = float("nan")            # eta the last step used (nan before the first)
    true_step: np.ndarray | None = None      # (2,) what the same rule, from the same state,
                                             # would have moved with grad_full in place of g
    rule: object = None         # gdviz.core.optimizers.RuleState after the last step
    batch: np.ndarray | None = None   # read-only indices of the examples the last step used
                                      # (None before the first step): the data view lights them


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
