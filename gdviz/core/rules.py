"""The training rules, each written once: every engine is a backend of this module.

- **The optimizers.** ``RuleSpec`` holds a rule's name and torch.optim's constants (the only
  place they are written); ``RuleSpec.update`` is the update itself, written once with plain
  arithmetic and a ``sqrt`` handed in, so the same lines run elementwise on NumPy arrays
  (``gdviz.core.optimizers``), on Python floats (``gdviz.core.fast_step``, one coordinate at a
  time) and on torch tensors. The torch backend (``gdviz.mlp.optim``) uses torch.optim's own
  fused arithmetic, to agree with torch.optim bit for bit, and takes its constants and bias
  corrections from here; ``tests/test_rules.py`` holds every backend against ``update``.
  ``RuleSpec.pair_update`` is ``update`` on two float coordinates, bound once per spec, for the
  float step's hot loop.
- **The learning rate.** ``lr_at(hyper, B, epoch)``: η scaled with B (none, linear, √), then the
  schedule at the fractional epoch; ``fixed_lr`` is it where the schedule does not move it.
- **The epoch walk and the budget.** A run reshuffles every epoch and walks it in batches of B:
  ⌈N/B⌉ updates, the last one short, or ⌊N/B⌋ with ``drop_last``. ``next_span`` is one step of
  that walk; ``budget_spent`` says when E epochs are spent (every method
  stops within the same E × N examples, full batch never taking part of a step), and
  ``budget_rule`` is it with its limits worked out once; ``budget_steps`` counts the updates
  that fit, and ``examples_after`` the examples a run has seen after k updates.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

# the optimizers --------------------------------------------------------------------------------
OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adam")
OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov",
                    "rmsprop": "RMSProp", "adam": "Adam"}


def _sgd(c, m, v, t, theta, g, lr, sqrt):
    return theta - lr * g, m, v


def _momentum(c, m, v, t, theta, g, lr, sqrt):
    m = g if m is None else c.momentum * m + g
    return theta - lr * m, m, v


def _nesterov(c, m, v, t, theta, g, lr, sqrt):
    m = g if m is None else c.momentum * m + g
    return theta - lr * (g + c.momentum * m), m, v


def _rmsprop(c, m, v, t, theta, g, lr, sqrt):
    alpha = c.alpha
    sq = g * g
    v = (1 - alpha) * sq if v is None else alpha * v + (1 - alpha) * sq
    return theta - lr * g / (sqrt(v) + c.eps), m, v


def _adam(c, m, v, t, theta, g, lr, sqrt):
    b1, b2 = c.betas
    m = (1 - b1) * g if m is None else b1 * m + (1 - b1) * g
    v = (1 - b2) * g * g if v is None else b2 * v + (1 - b2) * g * g
    c1, c2 = c.bias_corrections(t)
    return theta - lr * (m / c1) / (sqrt(v / c2) + c.eps), m, v


_UPDATES = {"sgd": _sgd, "momentum": _momentum, "nesterov": _nesterov, "rmsprop": _rmsprop,
            "adam": _adam}


@dataclass(frozen=True)
class RuleSpec:
    """One optimizer: its name and torch.optim's default constants.

    ``update(m, v, t, theta, g, lr, sqrt)`` is step number ``t`` (from 1) from the state
    (``m``, ``v``; None before the first step): it returns (new theta, new m, new v) and
    changes nothing. SGD with momentum or Nesterov keeps m (torch's momentum buffer: the first
    is g itself), RMSProp keeps v, Adam both, with bias corrections.
    """

    name: str
    momentum: float = 0.9
    betas: tuple[float, float] = (0.9, 0.999)
    alpha: float = 0.99
    eps: float = 1e-8

    def __post_init__(self):
        if self.name not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer '{self.name}'; choose one of "
                             f"{', '.join(OPTIMIZERS)}")
        object.__setattr__(self, "betas", tuple(self.betas))

    @property
    def rule(self):
        """The update as a plain function ``rule(spec, m, v, t, theta, g, lr, sqrt)``."""
        return _UPDATES[self.name]

    def update(self, m, v, t: int, theta, g, lr, sqrt=math.sqrt):
        return _UPDATES[self.name](self, m, v, t, theta, g, lr, sqrt)

    @cached_property
    def pair_update(self):
        """``update`` on two scalar coordinates at once, with ``math.sqrt``: a function
        ``(m, v, t, x, y, gx, gy, lr) -> (new x, new y, new m, new v)``, m and v pairs (or
        None). Built once per spec and kept, so a hot loop (the float step,
        ``gdviz.core.fast_step``) fetches it once instead of looking the rule up each step."""
        return _pair_update(self)

    @property
    def keeps_m(self) -> bool:
        return self.name in ("momentum", "nesterov", "adam")

    @property
    def keeps_v(self) -> bool:
        return self.name in ("rmsprop", "adam")

    def bias_corrections(self, t: int) -> tuple[float, float]:
        """Adam's 1 − β₁ᵗ and 1 − β₂ᵗ for step t."""
        b1, b2 = self.betas
        return 1 - b1**t, 1 - b2**t


def _pair_update(spec: RuleSpec):
    """The rule bound to ``spec`` and ``math.sqrt``, called on each coordinate in turn.
    (Compiling the rule's lines once per coordinate saved about 3 % of a step's instructions,
    measured with callgrind: not worth a code generator.)"""
    rule, sqrt = _UPDATES[spec.name], math.sqrt

    def pair(m, v, t, x, y, gx, gy, lr):
        mx = my = vx = vy = None
        if m is not None:
            mx, my = m
        if v is not None:
            vx, vy = v
        nx, mx, vx = rule(spec, mx, vx, t, x, gx, lr, sqrt)
        ny, my, vy = rule(spec, my, vy, t, y, gy, lr, sqrt)
        return nx, ny, None if mx is None else (mx, my), None if vx is None else (vx, vy)
    return pair


# the learning rate -----------------------------------------------------------------------------
SCHEDULES = ("constant", "step", "exponential", "cosine")
LR_SCALINGS = ("none", "linear", "sqrt")


def scheduled_lr(base_lr, schedule: str, epoch: float, total_epochs: float,
                 gamma: float = 0.5, step_epochs: float | None = None,
                 min_lr_ratio: float = 0.0):
    """η at a (fractional) epoch: constant, step decay, exponential decay or cosine annealing.
    ``base_lr`` may be an array (one η per run)."""
    if schedule == "constant":
        return base_lr
    if schedule == "step":
        every = step_epochs or max(total_epochs / 3.0, 1.0)
        return base_lr * gamma ** math.floor(epoch / every)
    if schedule == "exponential":
        # gamma per epoch chosen so eta falls to 10 % over the run
        rate = 0.1 ** (1.0 / max(total_epochs, 1e-9))
        return base_lr * rate**epoch
    if schedule == "cosine":
        progress = min(epoch / max(total_epochs, 1e-9), 1.0)
        low = base_lr * min_lr_ratio
        return low + 0.5 * (base_lr - low) * (1.0 + math.cos(math.pi * progress))
    raise ValueError(f"unknown schedule '{schedule}'; choose one of {', '.join(SCHEDULES)}")


def scaled_lr(base_lr, scaling: str, batch_size: int, reference_batch: int):
    """η for batch size B when η was tuned at ``reference_batch`` (linear or √ rule)."""
    ratio = batch_size / reference_batch
    if scaling == "none":
        return base_lr
    if scaling == "linear":
        return base_lr * ratio
    if scaling == "sqrt":
        return base_lr * math.sqrt(ratio)
    raise ValueError(f"unknown learning-rate scaling '{scaling}'; choose one of "
                     f"{', '.join(LR_SCALINGS)}")


def lr_at(hyper, batch_size: int, epoch: float, lr=None):
    """η of the next update: ``hyper.lr`` (or ``lr``, e.g. an array of rates) scaled with B,
    then scheduled at the fractional ``epoch`` of a run of ``hyper.epochs`` epochs.

    ``hyper`` is anything with ``lr, lr_scaling, lr_reference_batch, schedule, epochs``
    (``Hyper``, ``Scenario``)."""
    base = hyper.lr if lr is None else lr
    return scheduled_lr(scaled_lr(base, hyper.lr_scaling, batch_size, hyper.lr_reference_batch),
                        hyper.schedule, epoch, hyper.epochs)


def fixed_lr(hyper, batch_size: int):
    """η of every update while ``hyper`` and B stay, where the schedule does not move it
    (``lr_at`` at any epoch); None where it changes with the epoch. A run computes it once."""
    if hyper.schedule != "constant":
        return None
    return lr_at(hyper, batch_size, 0.0)


# the epoch walk and the budget -------------------------------------------------------------------
def check_batch_size(batch_size: int, n: int) -> None:
    if not 1 <= batch_size <= n:
        raise ValueError(f"batch size {batch_size} must be between 1 and N = {n}")


def updates_per_epoch(n: int, batch_size: int, drop_last: bool = False) -> int:
    """⌈N/B⌉, or ⌊N/B⌋ when the short last batch is dropped."""
    b = min(batch_size, n)
    return n // b if drop_last else -(-n // b)


def epoch_sizes(n: int, batch_size: int, drop_last: bool = False) -> list[int]:
    """The batch sizes of one epoch's updates: B each, the last one short (N − (u−1)·B) unless
    it is dropped."""
    b = min(batch_size, n)
    u = updates_per_epoch(n, b, drop_last)
    return [b] * (u - 1) + [b if drop_last else n - (u - 1) * b]


def next_span(n: int, pos: int, batch_size: int, drop_last: bool) -> tuple[bool, int, int, bool]:
    """One step of the epoch walk from ``pos`` examples into the epoch: (fresh, start, end,
    completed). ``fresh``: the rest of the epoch is too short for a batch of B under drop_last
    (B grew mid-epoch), so a new permutation starts first; the batch is examples
    ``start:end`` of the epoch's order; ``completed``: it ends the epoch (the next batch
    starts a new permutation)."""
    fresh = drop_last and n - pos < batch_size
    if fresh:
        pos = 0
    end = pos + batch_size
    if end >= n:
        end = n
    return fresh, pos, end, end == n or (drop_last and n - end < batch_size)


def next_size(n: int, pos: int, batch_size: int, drop_last: bool) -> int:
    """The size of the batch ``next_span`` will give."""
    _, start, end, _ = next_span(n, pos, batch_size, drop_last)
    return end - start


def budget_rule(n: int, epochs: float):
    """``budget_spent`` for a run of ``epochs`` epochs over N examples, its two limits worked
    out once: a function ``spent(epoch, examples_seen, next_batch)``."""
    last_epoch, examples_limit = epochs - 1e-12, epochs * n * (1 + 1e-12)

    def spent(epoch: float, examples_seen: int, next_batch: int) -> bool:
        return epoch >= last_epoch or examples_seen + next_batch > examples_limit
    return spent


def budget_spent(epoch: float, examples_seen: int, next_batch: int, n: int,
                 epochs: float) -> bool:
    """A run of ``epochs`` epochs is over at fractional ``epoch``, having seen
    ``examples_seen`` examples, with a next batch of ``next_batch``: it has done its epochs, or
    that batch would take it past epochs × N examples. With a fractional count every method
    then stops within the same budget of examples (full batch cannot take part of a step), the
    equal compute of the clock."""
    return budget_rule(n, epochs)(epoch, examples_seen, next_batch)


def budget_steps(n: int, batch_size: int, drop_last: bool, epochs: float) -> int:
    """The updates a run of B takes before ``budget_spent`` ends it at ``epochs`` epochs."""
    sizes = epoch_sizes(n, batch_size, drop_last)
    u, per_epoch = len(sizes), sum(sizes)
    spent = budget_rule(n, epochs)
    steps = seen = done = 0
    while not spent(done + 1, seen, per_epoch):   # whole epochs at once
        done, steps, seen = done + 1, steps + u, seen + per_epoch
    pos = j = 0
    while not spent(done + pos / n, seen, sizes[j]):
        seen, steps, pos, j = seen + sizes[j], steps + 1, pos + sizes[j], j + 1
        if j == u:
            done, pos, j = done + 1, 0, 0
    return steps


def examples_after(steps, n: int, batch_size: int, drop_last: bool):
    """Examples a run of B has seen after ``steps`` updates (≥ 1; an int or an integer array)."""
    b = min(batch_size, n)
    u = updates_per_epoch(n, b, drop_last)
    per_epoch = u * b if drop_last else n
    e, j = divmod(steps - 1, u)
    last = (j + 1) * b
    return e * per_epoch + (min(last, n) if isinstance(last, int) else np.minimum(last, n))
