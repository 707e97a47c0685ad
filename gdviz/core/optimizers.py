"""Optimizers with PyTorch's update rules, on arrays of shape (..., 2) (one or many runs)."""
from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class RuleState:
    """The rule in force and its state after the last step, for the lesson's live formula.

    ``m`` and ``v`` are the first and second moment buffers (zeros where the rule keeps none);
    ``v`` is None where it has no meaning in the drawn coordinates (an MLP's per-weight v).
    """

    name: str
    t: int
    momentum: float
    betas: tuple[float, float]
    alpha: float
    eps: float
    m: np.ndarray | None
    v: np.ndarray | None


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
        self._before = (None, None, 0)   # the state the last step started from

    def step(self, theta: np.ndarray, g: np.ndarray, lr) -> np.ndarray:
        # The rule builds new arrays, so keeping the old ones costs nothing.
        self._before = (self._m, self._v, self.t)
        theta, self._m, self._v = self._rule(self._m, self._v, self.t + 1, theta, g, lr)
        self.t += 1
        return theta

    def step_instead(self, theta: np.ndarray, g: np.ndarray, lr) -> np.ndarray:
        """Where the last step would have gone from ``theta`` with gradient ``g`` instead: the
        same rule from the same state, which stays untouched."""
        m, v, t = self._before
        return self._rule(m, v, t + 1, theta, g, lr)[0]

    def state(self) -> RuleState:
        zeros = lambda a: None if a is None else np.zeros_like(a)
        m = self._m if self._m is not None else zeros(self._v)
        v = self._v if self._v is not None else zeros(self._m)
        return RuleState(self.name, self.t, self.momentum, tuple(self.betas), self.alpha,
                         self.eps, None if m is None else np.array(m, float),
                         None if v is None else np.array(v, float))

    def _rule(self, m, v, t, theta, g, lr):
        """(new theta, new m, new v) after step number t from state (m, v); pure."""
        # the float path (gdviz.core.fast_step) keeps m and v as pairs of floats
        m = m if m is None else np.asarray(m, float)
        v = v if v is None else np.asarray(v, float)
        if self.name == "sgd":
            return theta - lr * g, m, v
        if self.name in ("momentum", "nesterov"):
            m = g.copy() if m is None else self.momentum * m + g
            direction = g + self.momentum * m if self.name == "nesterov" else m
            return theta - lr * direction, m, v
        if self.name == "rmsprop":
            sq = g * g
            v = (1 - self.alpha) * sq if v is None else self.alpha * v + (1 - self.alpha) * sq
            return theta - lr * g / (np.sqrt(v) + self.eps), m, v
        b1, b2 = self.betas
        m = (1 - b1) * g if m is None else b1 * m + (1 - b1) * g
        v = (1 - b2) * g * g if v is None else b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        return theta - lr * m_hat / (np.sqrt(v_hat) + self.eps), m, v
