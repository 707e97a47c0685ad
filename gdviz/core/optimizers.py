"""Optimizers with PyTorch's update rules, on arrays of shape (..., 2) (one or many runs)."""
from __future__ import annotations

import numpy as np

OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adam")
OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov",
                    "rmsprop": "RMSProp", "adam": "Adam"}


class OptimizerSettings:
    """The rule's name and torch.optim's constants, shared by the NumPy and the torch versions."""

    def __init__(self, name: str, momentum: float = 0.9, betas=(0.9, 0.999), alpha: float = 0.99,
                 eps: float = 1e-8):
        if name not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer '{name}'; choose one of {', '.join(OPTIMIZERS)}")
        self.name = name
        self.momentum = momentum
        self.betas = betas
        self.alpha = alpha
        self.eps = eps
        self.t = 0


class Optimizer(OptimizerSettings):
    """One optimizer's state; ``step`` returns the new parameters.

    Rules follow torch.optim (SGD with momentum/nesterov, RMSprop, Adam with defaults), so the
    analytic mode and the real-network mode mean the same thing by each name.
    """

    def __init__(self, name: str, momentum: float = 0.9, betas=(0.9, 0.999), alpha: float = 0.99,
                 eps: float = 1e-8):
        super().__init__(name, momentum, betas, alpha, eps)
        self._m = None
        self._v = None

    def step(self, theta: np.ndarray, g: np.ndarray, lr) -> np.ndarray:
        self.t += 1
        if self.name == "sgd":
            return theta - lr * g
        if self.name in ("momentum", "nesterov"):
            self._m = g.copy() if self._m is None else self.momentum * self._m + g
            direction = g + self.momentum * self._m if self.name == "nesterov" else self._m
            return theta - lr * direction
        if self.name == "rmsprop":
            sq = g * g
            self._v = (1 - self.alpha) * sq if self._v is None else \
                self.alpha * self._v + (1 - self.alpha) * sq
            return theta - lr * g / (np.sqrt(self._v) + self.eps)
        b1, b2 = self.betas
        self._m = (1 - b1) * g if self._m is None else b1 * self._m + (1 - b1) * g
        self._v = (1 - b2) * g * g if self._v is None else b2 * self._v + (1 - b2) * g * g
        m_hat = self._m / (1 - b1**self.t)
        v_hat = self._v / (1 - b2**self.t)
        return theta - lr * m_hat / (np.sqrt(v_hat) + self.eps)
