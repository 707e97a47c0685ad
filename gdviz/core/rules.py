"""The training rules, each written once: every engine is a backend of this module.

- **The optimizers.** ``RuleSpec`` holds a rule's name and torch.optim's constants (the only
  place they are written); ``RuleSpec.update`` is the update itself, written once with plain
  arithmetic and a ``sqrt`` handed in, so the same lines run elementwise on NumPy arrays
  (``gdviz.core.optimizers``), on Python floats (``gdviz.core.fast_step``, one coordinate at a
  time) and on torch tensors. The torch backend (``gdviz.mlp.optim``) uses torch.optim's own
  fused arithmetic, to agree with torch.optim bit for bit, and takes its constants and bias
  corrections from here; ``tests/test_rules.py`` holds every backend against ``update``.
  ``RuleSpec.pair_update`` is ``update`` on two float coordinates, compiled once per spec from
  the rule's own lines, for the float step's hot loop.
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

import __future__
import ast
import copy
import inspect
import math
import textwrap
import types
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
    """``spec``'s update on two scalar coordinates: the rule's own lines, compiled once with
    each coordinate's names (``_inline_pair``), so a step costs no call per coordinate; where
    its source cannot be read (a frozen build), the rule called on each coordinate in turn."""
    try:
        return _inline_pair(spec)
    except (OSError, TypeError, SyntaxError):
        return _called_pair(spec)


def _called_pair(spec: RuleSpec):
    """The rule bound to ``spec`` and ``math.sqrt``, called on each coordinate in turn."""
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


class _PerCoordinate(ast.NodeTransformer):
    """Renames a rule's own variables (its state, θ, g and its locals) to one coordinate's."""

    def __init__(self, names, axis):
        self.names, self.axis = names, axis

    def visit_Name(self, node):
        if node.id in self.names:
            return ast.copy_location(ast.Name(f"{node.id}_{self.axis}", node.ctx), node)
        return node


def _source_of(rule) -> ast.FunctionDef:
    """The parsed source of ``rule``, checked to be the very function that runs: it must
    compile to the same bytecode (a file edited or replaced since import reads otherwise)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(rule)))
    func = tree.body[0] if len(tree.body) == 1 else None
    if not isinstance(func, ast.FunctionDef) or func.name != rule.__name__:
        raise TypeError(f"the source read for {rule.__name__} is not that function")
    module = compile(tree, "<rules>", "exec", flags=__future__.annotations.compiler_flag, dont_inherit=True)
    code = next((k for k in module.co_consts if isinstance(k, types.CodeType)), None)
    ran = rule.__code__
    if code is None or (code.co_code, code.co_consts, code.co_names, code.co_varnames) != (
            ran.co_code, ran.co_consts, ran.co_names, ran.co_varnames):
        raise TypeError(f"the source read for {rule.__name__} is not the code that runs")
    return func


def _inline_pair(spec: RuleSpec):
    """The rule's body written out twice, once per coordinate, in one function: the very
    expressions of the rule (so the very operations, in the same order), with its state, θ, g
    and locals renamed per coordinate and its ``return`` made an assignment.

    θ and g arrive under their per-coordinate names. A state the rule keeps (``keeps_m``,
    ``keeps_v``) is unpacked from its pair and packed again; one it does not keep must come back
    as it came (None), so it is neither read nor written. tests/test_rules.py holds the result
    against ``update`` on each coordinate."""
    rule = _UPDATES[spec.name]
    func = _source_of(rule)
    c, m, v, t, theta, g, lr, sqrt = (a.arg for a in func.args.args)
    *lines, last = func.body
    result = last.value if isinstance(last, ast.Return) else None
    if not (isinstance(result, ast.Tuple) and len(result.elts) == 3) or any(
            isinstance(node, ast.Return) for line in lines for node in ast.walk(line)):
        raise TypeError(f"rule {rule.__name__} does not end in its one return of 3 values")
    states = []                                  # (name, its new value, kept)
    for name, value, kept in zip((m, v), result.elts[1:], (spec.keeps_m, spec.keeps_v)):
        if not kept and not (isinstance(value, ast.Name) and value.id == name):
            raise TypeError(f"rule {rule.__name__} changes a state it does not keep")
        states.append((name, value, kept))
    own = {m, v, theta, g} | {node.id for node in ast.walk(func)
                              if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    read = {node.id for line in lines for node in ast.walk(line) if isinstance(node, ast.Name)}
    targets = [(theta, result.elts[0])] + [(name, value) for name, value, kept in states if kept]
    prelude = []
    for name, _, kept in states:
        if kept or name in read:
            prelude.append(f"    {name}_x = {name}_y = None")
        if kept:
            prelude.append(f"    if _{name} is not None:\n        {name}_x, {name}_y = _{name}")
    body = []
    for axis in ("x", "y"):
        rename = _PerCoordinate(own, axis)
        body += [rename.visit(copy.deepcopy(line)) for line in lines]
        names = [ast.Name(f"{name}_{axis}", ast.Store()) for name, _ in targets]
        values = [rename.visit(copy.deepcopy(value)) for _, value in targets]
        body.append(ast.Assign([ast.Tuple(names, ast.Store())], ast.Tuple(values, ast.Load()))
                    if len(targets) > 1 else ast.Assign(names, values[0]))
    packed = [f"({name}_x, {name}_y)" if kept else "None" for name, _, kept in states]
    code = "\n".join((
        f"def pair(_{m}, _{v}, {t}, {theta}_x, {theta}_y, {g}_x, {g}_y, {lr}, {c}=_spec,"
        f" {sqrt}=_sqrt):",
        *prelude,
        *("    " + ast.unparse(ast.fix_missing_locations(line)) for line in body),
        f"    return ({theta}_x, {theta}_y, {packed[0]}, {packed[1]})"))
    space = dict(rule.__globals__, _spec=spec, _sqrt=math.sqrt)
    exec(compile(code, f"<rules: {spec.name} on two coordinates>", "exec"), space)
    return space["pair"]


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
