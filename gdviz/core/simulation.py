"""Full batch, mini-batch and stochastic gradient descent advancing together on a stated clock."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gdviz.core import METHOD_KEYS
from gdviz.core import rules
from gdviz.core.batching import DeferredEpochSampler, budget_spent
from gdviz.core.clock import HardwareModel, cost_rule, step_cost, tick
from gdviz.core.fast_step import FLOAT_ERRORS, PYTHON_BATCH_LIMIT, float_pair, scalar_terms
from gdviz.core.landscapes import Landscape
from gdviz.core.optimizers import Optimizer
from gdviz.core.snapshot import MethodSnapshot, SimSnapshot
from gdviz.core.trail import Trail

# A loss this many times larger than at the start (or non-finite) counts as divergence.
DIVERGENCE_FACTOR = 1e6
CLOCK_EPS = 1e-9


@dataclass(frozen=True)
class StepRecord:
    """What one update did. ``theta_before``, ``batch_loss``, ``grad_estimate`` and
    ``grad_full`` belong to the point where the step began; ``theta`` and ``loss`` to where it
    ended; ``lr`` is the step's own eta."""

    method: str
    update: int
    epoch: float
    examples_seen: int
    clock: float
    theta_before: np.ndarray
    theta: np.ndarray
    loss: float
    batch_loss: float
    grad_estimate: np.ndarray
    grad_full: np.ndarray
    batch: np.ndarray
    lr: float


_new, _set, _isfinite = object.__new__, object.__setattr__, math.isfinite


@dataclass(frozen=True)
class PlanePoint:
    """A run's loss on a landscape of more than two parameters: its true J(θ) and the value
    of the plane the canvas shows at its projected point (the canvas writes both)."""

    true_loss: float
    plane_loss: float
    note_head: str = ("Parameters off the plane are drawn at their projection onto it.<br>"
                      "True loss J(θ) of each run | of the plane under its marker:<br>")


@dataclass(frozen=True)
class Hyper:
    """Settings shared by the three methods; changing them never resets a run."""

    lr: float = 0.1
    optimizer: str = "sgd"
    momentum: float = 0.9
    schedule: str = "constant"
    lr_scaling: str = "none"
    lr_reference_batch: int = 32
    epochs: float = 10.0


class RunBase:
    """What every run shares, NumPy or torch: the settings in force, its counters, the cost of
    its next update on the clock, and when it counts as diverged or finished.

    A subclass sets ``sampler``, ``hyper``, ``clock_kind``, ``hardware``, ``start_loss`` and
    the counters, and implements ``_set_optimizer(hyper)``.
    """

    key: str
    hyper: Hyper
    clock_kind: str
    hardware: HardwareModel
    start_loss: float
    updates: int
    examples_seen: int
    clock: float
    status: str

    # settings that apply from the next step ------------------------------------------------
    @property
    def batch_size(self) -> int:
        return self.sampler.batch_size

    def set_batch_size(self, batch_size: int) -> None:
        self.sampler.set_batch_size(batch_size)

    def set_hyper(self, hyper: Hyper) -> None:
        if hyper.optimizer != self.hyper.optimizer or hyper.momentum != self.hyper.momentum:
            self._set_optimizer(hyper)
        self.hyper = hyper

    def _set_optimizer(self, hyper: Hyper) -> None:
        raise NotImplementedError

    # derived counters ------------------------------------------------------------------------
    @property
    def epoch(self) -> float:
        return self.sampler.epochs_completed + self.sampler.position / self.sampler.n

    @property
    def updates_per_epoch(self) -> int:
        return self.sampler.updates_per_epoch

    def current_lr(self) -> float:
        """eta for the next update: scaled with B, then scheduled at the current epoch."""
        return rules.lr_at(self.hyper, self.batch_size, self.epoch)

    def next_cost(self) -> float:
        return step_cost(self.clock_kind, self.sampler.next_size(), self.hardware)

    # after an update ---------------------------------------------------------------------------
    def _count(self, batch_size: int) -> None:
        self.updates += 1
        self.examples_seen += batch_size
        self.clock += step_cost(self.clock_kind, batch_size, self.hardware)

    def divergence_bound(self) -> float:
        """|J| above this counts as divergence: DIVERGENCE_FACTOR times past the start."""
        return DIVERGENCE_FACTOR * (1.0 + abs(self.start_loss))

    def _settle(self, loss: float, batch_loss: float, params_finite: bool) -> None:
        """Diverged when the weights or a loss are not finite or the loss grew DIVERGENCE_FACTOR
        times past its start; finished once the epochs are spent."""
        if not (params_finite and math.isfinite(loss) and math.isfinite(batch_loss)
                and abs(loss) <= self.divergence_bound()):
            self.status = "diverged"
        elif budget_spent(self.sampler, self.examples_seen, self.hyper.epochs):
            self.status = "finished"


class MethodRun(RunBase):
    """One method on an analytic landscape: its batches, optimizer state, counters, history."""

    def __init__(self, key: str, landscape: Landscape, batch_size: int, start, hyper: Hyper,
                 rng: np.random.Generator, drop_last: bool = False, clock_kind: str = "examples",
                 hardware: HardwareModel = HardwareModel(), trail_capacity: int = 4096):
        self.key = key
        self.landscape = landscape
        self.n = landscape.n
        self.hyper = hyper
        self.clock_kind = clock_kind
        self.hardware = hardware
        self._cost = cost_rule(clock_kind, hardware)     # step_cost on this run's clock
        self.sampler = DeferredEpochSampler(self.n, batch_size, rng, drop_last)
        self._terms = scalar_terms(landscape)
        self._all_indices = np.arange(self.n)
        self._all_indices.flags.writeable = False
        self.optimizer = Optimizer(hyper.optimizer, momentum=hyper.momentum)
        self.start = np.array(start, dtype=float)
        self.theta = self.start.copy()
        self.theta_before = self.start.copy()
        self.loss = float(landscape.loss(self.theta))
        self.grad_full = np.asarray(landscape.grad(self.theta), float)
        with np.errstate(all="ignore"):   # a start far out: inf, and the run diverges at once
            self.loss = float(landscape.loss(self.theta))
            self.grad_full = np.asarray(landscape.grad(self.theta), float)
        self.start_loss = self.loss
        self._loss_bound = self.divergence_bound()        # the start is fixed: worked out once
        self.batch_loss = float("nan")
        self.grad_estimate = np.zeros(landscape.dim)
        # a landscape of more than two parameters is drawn on its plane: the trail holds that
        self._plane = getattr(landscape, "to_plane", None) if landscape.dim != 2 else None
        self.step_lr = float("nan")
        self.last_batch = None            # read-only indices the last step used
        self.updates = 0
        self.examples_seen = 0
        self.clock = 0.0
        self.status = "finished" if budget_spent(self.sampler, 0, hyper.epochs) else "running"
        self.trail = Trail(2, trail_capacity)
        self.trail.append(self._on_plane(self.theta))
        self.loss_curve = Trail(2, trail_capacity)
        self.loss_curve.append((0.0, self.loss))

    def _set_optimizer(self, hyper: Hyper) -> None:
        self.optimizer = Optimizer(hyper.optimizer, momentum=hyper.momentum)

    def next_cost(self) -> float:
        return self._cost(self.sampler.upcoming_size)

    # the update -----------------------------------------------------------------------------
    _bound_hyper = _bound_b = None     # the settings _fixed_lr and _spent were worked out for

    def _bind_rules(self, hyper: Hyper, batch_size: int) -> None:
        """The rules (gdviz.core.rules) a run's steps apply, worked out for the settings in
        force: η where the schedule does not move it, and the budget's test."""
        self._fixed_lr = rules.fixed_lr(hyper, batch_size)
        self._spent = rules.budget_rule(self.n, hyper.epochs)
        self._bound_hyper, self._bound_b = hyper, batch_size

    def step(self) -> StepRecord:
        """Take one update on the next batch and return its record.

        Where the landscape has a float mirror and the batch is whole or small, the step runs on
        Python floats (gdviz.core.fast_step): the operations of ``_step_arrays`` in the same
        order, so the same numbers; where Python raises (NumPy would give inf or nan) before
        any state changed, ``_step_arrays`` takes the step. The record shares its arrays with
        the run (each step makes new ones; none is ever changed in place) instead of copying
        them. (One function, not two: a call is a noticeable part of a float step.)
        """
        h, b = self.hyper, self.sampler.batch_size
        if h is not self._bound_hyper or b != self._bound_b:
            self._bind_rules(h, b)
        lr = self._fixed_lr
        if lr is None:       # the schedule moves η with the epoch
            lr = self.current_lr()
        perm, perm_list, start, end = self.sampler.next_span()
        terms = self._terms
        if terms is None or not (perm is None or end - start <= PYTHON_BATCH_LIMIT):
            return self._step_arrays(lr, self._all_indices if perm is None else perm[start:end])
        before = self.theta
        opt = self.optimizer
        m0, v0, t0 = opt._m, opt._v, opt.t
        try:
            x, y = before.tolist()
            if perm is None:
                gx, gy, batch_loss = terms.whole(x, y)
                fx, fy = gx, gy      # over every example the estimate is the full gradient
            else:
                if end - start == 1:
                    gx, gy, batch_loss = terms.single(x, y, perm_list[start])
                else:
                    gx, gy, batch_loss = terms.batch(x, y, perm_list[start:end])
                fx, fy = terms.grad(x, y)
            if m0 is not None and type(m0) is not tuple:
                m0 = float_pair(m0)
            if v0 is not None and type(v0) is not tuple:
                v0 = float_pair(v0)
            nx, ny, m, v = opt.spec.pair_update(m0, v0, t0 + 1, x, y, gx, gy, lr)  # rule_step
            loss = terms.loss(nx, ny)
        except FLOAT_ERRORS:
            # Python raised where NumPy gives inf or nan: the array path takes the step
            return self._step_arrays(lr, self._all_indices if perm is None else perm[start:end])
        # nothing raised: commit
        opt._before = (m0, v0, t0)
        opt._m, opt._v, opt.t = m, v, t0 + 1
        theta = np.array((nx, ny))
        g = np.array((gx, gy))
        grad_full = g if perm is None else np.array((fx, fy))
        size = end - start
        self.theta = theta
        self.theta_before = before
        self.loss = loss
        self.grad_full = grad_full
        self.grad_estimate = g
        self.batch_loss = batch_loss
        self.step_lr = lr
        # RunBase._count
        self.updates = updates = self.updates + 1
        self.examples_seen = seen = self.examples_seen + size
        self.clock = clock = self.clock + self._cost(size)      # step_cost
        finite = _isfinite(nx) and _isfinite(ny)
        sampler = self.sampler
        epoch = sampler.epochs_completed + sampler.position / self.n    # RunBase.epoch
        # RunBase._settle with the epoch computed once
        loss_finite = _isfinite(loss)
        if not (finite and loss_finite and _isfinite(batch_loss)
                and abs(loss) <= self._loss_bound):
            self.status = "diverged"
        elif self._spent(epoch, seen, sampler.upcoming_size):     # rules.budget_spent
            self.status = "finished"
        if finite:
            self.trail.append_owned(theta)
        if loss_finite:
            self.loss_curve.append_pair(clock, loss)
        # the epoch's permutation is read-only and never changed: its slice is kept, not copied
        self.last_batch = batch = self._all_indices if perm is None else perm[start:end]
        # StepRecord(...) without the frozen dataclass's per-field object.__setattr__, which
        # costs more than the rest of a float step
        record = _new(StepRecord)
        _set(record, "__dict__", {
            "method": self.key, "update": updates, "epoch": epoch, "examples_seen": seen,
            "clock": clock, "theta_before": before, "theta": theta, "loss": loss,
            "batch_loss": batch_loss, "grad_estimate": g, "grad_full": grad_full,
            "batch": batch, "lr": lr})
        return record

    def _step_arrays(self, lr: float, batch: np.ndarray) -> StepRecord:
        """The step with NumPy arrays: any landscape, any batch."""
        whole = len(batch) == self.n
        if whole:
            batch = self._all_indices  # a whole-dataset batch sums in index order, as full batch does
        landscape = self.landscape
        before = self.theta
        with np.errstate(all="ignore"):
            g = landscape.batch_grad(before, batch)
            batch_loss = float(landscape.batch_loss(before, batch))
            # The gradient over every example is the full gradient: the very same numbers, so
            # full batch's estimate and truth agree exactly, not to rounding.
            grad_full = g if whole else np.asarray(landscape.grad(before), float)
            self.theta = self.optimizer.step(before, g, lr)
            self.loss = float(landscape.loss(self.theta))
        self.theta_before = before
        self.grad_full = grad_full
        self.grad_estimate = g
        self.batch_loss = batch_loss
        self.step_lr = lr
        kept = batch.copy()
        kept.flags.writeable = False
        self.last_batch = kept
        self._count(len(batch))
        finite = bool(np.all(np.isfinite(self.theta)))
        self._settle(self.loss, batch_loss, finite)
        if finite:
            self.trail.append(self._on_plane(self.theta))
        if np.isfinite(self.loss):
            self.loss_curve.append((self.clock, self.loss))
        return StepRecord(self.key, self.updates, self.epoch, self.examples_seen, self.clock,
                          before.copy(), self.theta.copy(), self.loss, batch_loss, g.copy(),
                          grad_full.copy(), kept, lr)

    def true_step(self) -> np.ndarray:
        """The displacement the last step would have made with the full gradient in place of
        its estimate: same rule, same optimizer state, same eta (zeros before the first)."""
        if self.updates == 0:
            return np.zeros(self.landscape.dim)
        with np.errstate(all="ignore"):
            return self.optimizer.step_instead(self.theta_before, self.grad_full,
                                               self.step_lr) - self.theta_before

    def _on_plane(self, theta: np.ndarray) -> np.ndarray:
        """θ itself, or its point on the plane the canvas shows (more than two parameters)."""
        return theta if self._plane is None else self._plane(theta)

    def _plane_vector(self, v: np.ndarray) -> np.ndarray:
        """A step or gradient as seen on the plane (its components along the plane's axes)."""
        if self._plane is None:
            return np.array(v, float)
        return np.asarray(v, float) @ self.landscape.plane_axes.T

    def snapshot(self) -> MethodSnapshot:
        """The run for the view; with more than two parameters θ, the start and the vectors
        are their points and components on the landscape's plane (``loss`` stays the true J)."""
        point, vector = self._on_plane, self._plane_vector
        extra = None
        if self._plane is not None:
            with np.errstate(all="ignore"):
                extra = PlanePoint(self.loss, float(self.landscape.plane_loss(
                    self._plane(self.theta))))
        return MethodSnapshot(
            key=self.key, batch_size=self.batch_size, updates_per_epoch=self.updates_per_epoch,
            updates=self.updates, epoch=self.epoch, examples_seen=self.examples_seen,
            clock=self.clock, loss=self.loss, batch_loss=self.batch_loss,
            theta=point(self.theta.copy()), start=point(self.start.copy()),
            grad_estimate=vector(self.grad_estimate), grad_full=vector(self.grad_full),
            lr=self.current_lr(), status=self.status, trail=self.trail.array(),
            loss_curve=self.loss_curve.array(), theta_before=point(self.theta_before.copy()),
            step_lr=self.step_lr, true_step=vector(self.true_step()), rule=self.optimizer.state(),
            extra=extra, batch=self.last_batch)


class ClockedRuns:
    """Three runs advanced together on one clock; shared by the analytic and the MLP engines.

    Subclasses set ``runs`` (objects with ``key, status, clock, next_cost(), step()``),
    ``clock_kind``, ``hardware`` and ``clock_value``.
    """

    is_mlp = False      # the real network (MlpSimulation) or an analytic landscape
    runs: tuple
    clock_kind: str
    hardware: HardwareModel
    clock_value: float

    def run(self, key: str):
        return self.runs[METHOD_KEYS.index(key)]

    @property
    def running(self) -> bool:
        return any(r.status == "running" for r in self.runs)

    def _step(self, run) -> StepRecord:
        return run.step()

    def set_batch_size(self, batch_size: int) -> None:
        """The mini-batch's B, from its next update on."""
        self.run("mini_batch").set_batch_size(batch_size)

    def set_hyper(self, hyper: Hyper) -> None:
        """Learning rate, optimizer, schedule or run length, from the next update on."""
        for r in self.runs:
            r.set_hyper(hyper)
            if r.status == "finished" and not budget_spent(r.sampler, r.examples_seen,
                                                           hyper.epochs):
                r.status = "running"

    def advance_to(self, clock_value: float, max_updates: int | None = None) -> list[StepRecord]:
        """Step the running methods, always the one whose next update ends first, until every
        update that ends by ``clock_value`` is taken or ``max_updates`` is spent.

        Records come back in clock order. With a budget the methods stay level with each other,
        and the shared clock only moves as far as the updates actually taken.
        """
        records: list[StepRecord] = []
        budget = -1 if max_updates is None else max_updates
        running = [r for r in self.runs if r.status == "running"]
        limit = clock_value + CLOCK_EPS
        # Only the run that stepped changes its next end: the others' are kept, not recomputed.
        ends = [r.clock + r.next_cost() for r in running]
        step = self._step
        while running and budget != 0:
            i, end = 0, ends[0]
            for j in range(1, len(ends)):      # the first of the earliest, as min() picks
                if ends[j] < end:
                    i, end = j, ends[j]
            if end > limit:
                break
            run = running[i]
            records.append(step(run))
            budget -= 1
            if run.status != "running":
                running.pop(i)
                ends.pop(i)
            else:
                ends[i] = run.clock + run.next_cost()
        if budget == 0 and records:
            clock_value = min(clock_value, max(rec.clock for rec in records))
        self.clock_value = max(self.clock_value, clock_value)
        return records

    def advance_by(self, delta: float, max_updates: int | None = None) -> list[StepRecord]:
        return self.advance_to(self.clock_value + delta, max_updates)

    def next_event(self) -> float | None:
        """Clock value at which the next update of any running method ends."""
        ends = [r.clock + r.next_cost() for r in self.runs if r.status == "running"]
        return min(ends) if ends else None

    def step_tick(self) -> list[StepRecord]:
        """Advance to the next update of any method (one update per update clock tick)."""
        target = self.next_event()
        return [] if target is None else self.advance_to(target)

    def tick_size(self) -> float:
        return tick(self.clock_kind, self.hardware)


class Simulation(ClockedRuns):
    """The three methods on one landscape, advanced together on one clock.

    ``advance_to(T)`` lets each running method take every update that ends by clock value T, so
    at any moment all three have spent (nearly) the same amount of the clock in force.
    """

    def __init__(self, landscape: Landscape, batch_size: int, starts: dict[str, np.ndarray],
                 hyper: Hyper = Hyper(), seed: int = 0, clock_kind: str = "examples",
                 drop_last: bool = False, hardware: HardwareModel = HardwareModel(),
                 trail_capacity: int = 4096, shuffle_seed: int | None = None):
        self.landscape = landscape
        self.clock_kind = clock_kind
        self.hardware = hardware
        self.clock_value = 0.0
        n = landscape.n
        rules.check_batch_size(batch_size, n)
        sizes = {"full_batch": n, "mini_batch": batch_size, "stochastic": 1}
        # the shuffles come from the seed, or from their own seed where one is given
        streams = np.random.SeedSequence(seed if shuffle_seed is None
                                         else shuffle_seed).spawn(len(METHOD_KEYS))
        self.runs = tuple(
            MethodRun(key, landscape, sizes[key], starts[key], hyper,
                      np.random.default_rng(stream), drop_last, clock_kind, hardware,
                      trail_capacity)
            for key, stream in zip(METHOD_KEYS, streams))
        self.sequence = 0

    @property
    def n(self) -> int:
        return self.landscape.n

    def run_to_end(self) -> dict[str, list[StepRecord]]:
        """Run every method until it finishes or diverges; records per method."""
        out: dict[str, list[StepRecord]] = {}
        for r in self.runs:
            out[r.key] = []
            while r.status == "running":
                out[r.key].append(r.step())
            self.clock_value = max(self.clock_value, r.clock)
        return out

    def snapshot(self, generation: int = 0) -> SimSnapshot:
        self.sequence += 1
        return SimSnapshot(self.clock_kind, self.clock_value, self.n,
                           tuple(r.snapshot() for r in self.runs), self.sequence, generation)
