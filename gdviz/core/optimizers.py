"""The NumPy backend of the optimizers (``gdviz.core.rules``), on arrays of shape (..., 2):
one run or many."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdviz.core.rules import OPTIMIZER_LABELS, OPTIMIZERS, RuleSpec  # noqa: F401 (named here too)


class OptimizerSettings:
    """A rule (``gdviz.core.rules.RuleSpec``: its name and constants) and its step count,
    shared by the NumPy and the torch optimizers. ``constants``: momentum, betas, alpha, eps,
    where a run changes torch.optim's defaults (the scenarios change momentum only)."""

    def __init__(self, name: str, **constants):
        self.spec = RuleSpec(name, **constants)
        self.t = 0

    name = property(lambda self: self.spec.name)
    momentum = property(lambda self: self.spec.momentum)
    betas = property(lambda self: self.spec.betas)
    alpha = property(lambda self: self.spec.alpha)
    eps = property(lambda self: self.spec.eps)


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

    The update is ``RuleSpec.update`` on arrays: torch.optim's rules (SGD with
    momentum/nesterov, RMSprop, Adam with its defaults), so the analytic mode and the
    real-network mode mean the same thing by each name.
    """

    def __init__(self, name: str, **constants):
        super().__init__(name, **constants)
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
        theta, m_new, v_new = self.spec.update(m, v, t, theta, g, lr, np.sqrt)
        if m_new is g:      # the first momentum buffer is g itself: keep a copy of it
            m_new = g.copy()
        return theta, m_new, v_new
