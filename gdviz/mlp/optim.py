"""torch.optim's update rules applied in place to one flat weight tensor.

One tensor instead of one per layer means a handful of kernels per update. The torch backend of
``gdviz.core.rules``: the rule, its constants and Adam's bias corrections come from its
``RuleSpec``; the arithmetic is torch.optim's own (SGD with momentum/nesterov, RMSprop, Adam:
in-place ``lerp``, ``addcmul``, ``addcdiv``), so a step agrees with torch.optim bit for bit and
with ``RuleSpec.update`` to rounding (both tested). Two ways to pass the step's scalars: Python floats (torch.optim's own
arithmetic, bit for bit) or a small device tensor (what a CUDA graph replays with new values).
"""
from __future__ import annotations

import copy
import math

from gdviz.core.optimizers import OptimizerSettings
from gdviz.mlp import require_torch

torch = require_torch()


class FlatOptimizer(OptimizerSettings):
    def __init__(self, name: str, params, **constants):
        super().__init__(name, **constants)
        # State made up front (zeros), so a CUDA graph can capture it; the first update still
        # equals torch.optim's (momentum: 0 * m + g = g; Adam: lerp(0, g, w) = w g exactly).
        self.m = torch.zeros_like(params)
        self.v = torch.zeros_like(params)

    def to(self, device) -> None:
        self.m, self.v = self.m.to(device), self.v.to(device)

    def saved_state(self):
        """A copy of (m, v, t) to ask later what the next step would have done otherwise."""
        spec = self.spec    # SGD keeps no state: nothing to copy on every update
        return (self.m.clone() if spec.keeps_m else None,
                self.v.clone() if spec.keeps_v else None, self.t)

    def step_instead(self, state, p, g, lr: float, tensor_scalars: bool = False):
        """The weights one update from ``p`` with gradient ``g`` would give, starting from a
        ``saved_state()``; the live state is untouched. ``tensor_scalars``: the arithmetic of
        ``step_tensor`` (what a CUDA graph replays) instead of ``step``'s."""
        m, v, t = state
        twin = copy.copy(self)
        twin.m = m.clone() if m is not None else torch.zeros_like(p)
        twin.v = v.clone() if v is not None else torch.zeros_like(p)
        twin.t = t
        q = p.clone()
        if tensor_scalars:
            twin.step_tensor(q, g, torch.tensor(twin.scalars(lr), dtype=p.dtype, device=p.device))
        else:
            twin.step(q, g, lr)
        return q

    def scalars(self, lr: float) -> tuple[float, float]:
        """(step size, sqrt of Adam's second bias correction) for the next update."""
        if self.name == "adam":
            c1, c2 = self.spec.bias_corrections(self.t + 1)
            return lr / c1, math.sqrt(c2)
        return lr, 1.0

    def step(self, p, g, lr: float) -> None:
        """One update with Python-float scalars (torch.optim's arithmetic)."""
        step_size, bc2_sqrt = self.scalars(lr)
        self.t += 1
        name, m, v = self.name, self.m, self.v
        if name == "sgd":
            p.add_(g, alpha=-lr)
        elif name in ("momentum", "nesterov"):
            m.mul_(self.momentum).add_(g)
            d = g.add(m, alpha=self.momentum) if name == "nesterov" else m
            p.add_(d, alpha=-lr)
        elif name == "rmsprop":
            v.mul_(self.alpha).addcmul_(g, g, value=1 - self.alpha)
            p.addcdiv_(g, v.sqrt().add_(self.eps), value=-lr)
        else:
            b1, b2 = self.betas
            m.lerp_(g, 1 - b1)
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            p.addcdiv_(m, (v.sqrt() / bc2_sqrt).add_(self.eps), value=-step_size)

    def step_tensor(self, p, g, scal) -> None:
        """The same update with ``scal`` = tensor [step size, bc2 sqrt] on p's device."""
        self.t += 1
        name, m, v = self.name, self.m, self.v
        step_size = scal[0]
        if name == "sgd":
            p.sub_(g * step_size)
        elif name in ("momentum", "nesterov"):
            m.mul_(self.momentum).add_(g)
            d = g.add(m, alpha=self.momentum) if name == "nesterov" else m
            p.sub_(d * step_size)
        elif name == "rmsprop":
            v.mul_(self.alpha).addcmul_(g, g, value=1 - self.alpha)
            p.sub_(g / v.sqrt().add_(self.eps) * step_size)
        else:
            b1, b2 = self.betas
            m.lerp_(g, 1 - b1)
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            p.sub_(m / (v.sqrt() / scal[1]).add_(self.eps) * step_size)
