"""Three trainers of one MLP (full batch, mini-batch, stochastic) on one stated clock.

The surface matches gdviz.core.simulation.Simulation, so the window, the worker and the CLI
drive either mode alike; positions (``theta``) are coordinates on the shared weight plane.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from gdviz.core import METHOD_KEYS
from gdviz.core.batching import budget_spent
from gdviz.core.clock import HardwareModel
from gdviz.core.optimizers import RuleState
from gdviz.core.rules import check_batch_size
from gdviz.core.simulation import ClockedRuns, Hyper, RunBase, StepRecord
from gdviz.core.snapshot import MethodSnapshot, SimSnapshot
from gdviz.core.trail import Trail
from gdviz.mlp import require_torch
from gdviz.mlp.datasets import Dataset
from gdviz.mlp.device import device_label, is_device_failure, resolve_device, short_error
from gdviz.mlp.model import MlpSpec, evaluate, forward, init_weights, loss_and_grad
from gdviz.mlp.plane import PlaneLandscape, make_plane, plane_bounds
from gdviz.mlp.trainer import Trainer

torch = require_torch()

EVAL_EXAMPLES = 1024   # per update, evaluate the full loss at most ~this many examples' worth
BOUNDARY_RESOLUTION = 64
CURVE_POINTS = 256
NAN2 = np.full(2, np.nan)


@dataclass(frozen=True)
class MlpStepRecord(StepRecord):
    """A StepRecord (theta and gradients in plane coordinates) plus the validation loss.

    ``loss``, ``val_loss`` and ``grad_full`` are NaN on updates where the full data were not
    evaluated (only when N is large; see MlpSimulation.eval_every).
    """

    val_loss: float = math.nan


@dataclass(frozen=True)
class MlpMethodExtra:
    """One method's network: what the view draws beside the plane."""

    boundary: np.ndarray          # (G, G) P(class 1) on the input grid, row = y; or (C,) curve
    val_loss: float               # latest validation loss (nan without a validation set)
    val_loss_curve: np.ndarray    # (m, 2) decimated (clock, validation loss)
    plane_distance: float         # distance of the current weights from the plane
    true_loss: float = math.nan   # training loss of the current weights (the network itself)
    plane_loss: float = math.nan  # loss the drawn surface shows under the marker (projected)


@dataclass(frozen=True)
class MlpSimExtra:
    """The run as a whole: device, data and plane."""

    device: str
    notice: str | None            # why the device is not the one asked for, or None
    dataset: str
    task: str                     # "classification" | "regression"
    architecture: str             # e.g. "2-16-16-1, tanh, BCE"
    n_params: int
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    grid_xs: np.ndarray           # input-space axes of MlpMethodExtra.boundary
    grid_ys: np.ndarray | None    # None for the 1-D curve
    plane_version: int            # bumped on every new plane: re-read landscape.loss_grid
    plane_axes: tuple[str, str]


class MlpMethodRun(RunBase):
    """One trainer with its counters, clock, evaluation and history."""

    def __init__(self, key: str, sim: "MlpSimulation", trainer: Trainer, hyper: Hyper,
                 trail_capacity: int):
        self.key = key
        self.sim = sim
        self.trainer = trainer
        self.hyper = hyper
        self.updates = 0
        self.examples_seen = 0
        self.clock = 0.0
        self.status = "running"
        self.start = np.zeros(2)          # the plane's origin is the common start
        self.w = trainer.w.double().cpu().numpy()
        self.w_before = self.w
        self.loss, self._grad_here, self.val_loss = sim.evaluate(trainer.w)
        self._loss_at = 0                 # the update count at which self.loss was evaluated
        # the full gradient where the last step began; None where it was not evaluated
        self.grad_full_w: np.ndarray | None = self._grad_here
        self.start_loss = self.loss
        self.batch_loss = math.nan
        self.step_lr = math.nan
        self.last_batch = None            # read-only indices the last step used
        self.grad_w = np.zeros_like(self.w)
        self.saved_state = None           # optimizer state before the last step
        self._instead = (-1, None)        # (update, weights the true gradient would have given)
        self.weights = Trail(len(self.w), trail_capacity)   # decimated history, re-projected
        self.coords = Trail(2, trail_capacity)              # on every new plane
        self.weights.append(self.w)
        self.coords.append(np.zeros(2))
        self.loss_curve = Trail(2, trail_capacity)
        self.val_curve = Trail(2, trail_capacity)
        self.loss_curve.append((0.0, self.loss))
        self.val_curve.append((0.0, self.val_loss))
        self._boundary = (-1, None)
        self._marker_losses = (None, (math.nan, math.nan))

    # counters --------------------------------------------------------------------------------
    @property
    def sampler(self):
        return self.trainer.sampler

    @property
    def clock_kind(self) -> str:
        return self.sim.clock_kind

    @property
    def hardware(self) -> HardwareModel:
        return self.sim.hardware

    @property
    def theta(self) -> np.ndarray:
        return self.coords.last.copy()

    def _set_optimizer(self, hyper: Hyper) -> None:
        self.trainer.set_optimizer(hyper.optimizer, hyper.momentum)

    # the update ------------------------------------------------------------------------------
    def step(self) -> MlpStepRecord:
        sim = self.sim
        lr = self.current_lr()
        epochs_before = self.sampler.epochs_completed
        w_before, grad_here = self.w, self._grad_here
        idx, self.batch_loss, self.grad_w, w, self.saved_state = sim._guarded(
            lambda: self._update(lr))
        # The gradient over every example is the full gradient: the same numbers, so full
        # batch's estimate and truth agree exactly.
        self.grad_full_w = self.grad_w if len(idx) == sim.n else grad_here
        self._count(len(idx))
        self.w_before, self.w, self.step_lr = w_before, w, lr
        batch = idx.numpy().copy()
        batch.flags.writeable = False
        self.last_batch = batch
        finite = bool(np.all(np.isfinite(self.w)))
        done = budget_spent(self.sampler, self.examples_seen, self.hyper.epochs)
        due = (self.updates % sim.eval_every(len(idx)) == 0 or done or not finite
               or self.sampler.epochs_completed != epochs_before)
        loss = val_loss = math.nan
        self._grad_here = None
        if due and finite:
            loss, self._grad_here, val_loss = sim._guarded(lambda: sim.evaluate(self.trainer.w))
            self.loss, self.val_loss, self._loss_at = loss, val_loss, self.updates
        self._settle(self.loss, self.batch_loss, finite)
        if not finite:
            self.loss = math.nan
        plane = sim.plane
        theta = plane.coords(self.w) if finite else NAN2
        if finite:
            self.weights.append(self.w)
            self.coords.append(theta)
        if math.isfinite(loss):
            self.loss_curve.append((self.clock, loss))
        if math.isfinite(val_loss):
            self.val_curve.append((self.clock, val_loss))
        return MlpStepRecord(
            self.key, self.updates, self.epoch, self.examples_seen, self.clock,
            plane.coords(w_before), theta, loss, self.batch_loss,
            plane.vector_coords(self.grad_w), self._grad_full_coords(plane),
            batch, lr, val_loss)

    def _update(self, lr: float):
        """The trainer's update and the host copies the record needs. Committed only once the
        copies (where asynchronous CUDA errors surface) succeed, so a retry after a GPU
        failure redoes the same batch."""
        saved = self.trainer.optimizer.saved_state()
        idx, loss = self.trainer.step(lr, commit=False)
        out = (idx, float(loss), self.trainer.g.double().cpu().numpy(),
               self.trainer.w.double().cpu().numpy(), saved)
        self.trainer.commit()
        return out

    def _grad_full_coords(self, plane) -> np.ndarray:
        return NAN2 if self.grad_full_w is None else plane.vector_coords(self.grad_full_w)

    def weights_instead(self) -> np.ndarray | None:
        """The weights the last step would have reached with the full gradient in place of its
        estimate (same rule, state and eta); None before the first step or where the full
        gradient is not known."""
        if self.updates == 0 or self.grad_full_w is None or self.saved_state is None:
            return None
        if self._instead[0] != self.updates:
            t = self.trainer
            as_t = lambda a: torch.tensor(a, dtype=t.w.dtype, device=t.w.device)
            q = t.optimizer.step_instead(self.saved_state, as_t(self.w_before),
                                         as_t(self.grad_full_w), self.step_lr, t.use_graphs)
            self._instead = (self.updates, q.double().cpu().numpy())
        return self._instead[1]

    # the plane -------------------------------------------------------------------------------
    def reproject(self, plane) -> None:
        """Plane coordinates of every kept weight vector, for a new plane.

        The two trails were appended in lockstep, so they keep the same points.
        """
        kept = len(self.weights)
        self.coords._data[:kept] = plane.coords(self.weights._data[:kept])
        self.coords.last = plane.coords(self.weights.last)

    def coords_on(self, plane) -> np.ndarray:
        """``coords.array()`` as it would be after ``reproject(plane)``, computed the same way
        (the same numbers), the run's own plane left as it is."""
        kept = len(self.weights)
        out = plane.coords(self.weights._data[:kept])
        last = plane.coords(self.weights.last)
        if kept == 0 or not np.array_equal(out[-1], last):
            out = np.vstack([out, last[None]])
        return out

    # the view --------------------------------------------------------------------------------
    def boundary(self) -> np.ndarray:
        """The network's output over the input grid; recomputed only after new updates."""
        if self._boundary[0] != self.updates:
            self._boundary = (self.updates, self.sim.predict_grid(self.trainer.w))
        return self._boundary[1]

    def marker_losses(self) -> tuple[float, float]:
        """(training loss of the current weights, loss the plane shows where they project);
        recomputed only after new updates or on a new plane."""
        key = (self.updates, self.sim.plane_version)
        if self._marker_losses[0] != key:
            w = self.weights.last
            if np.all(np.isfinite(w)):
                sim = self.sim
                # the loss the last update evaluated is this very number (same weights, same
                # kernels): no second pass over the data for each snapshot
                true = (self.loss if self._loss_at == self.updates
                        else float(evaluate(sim.spec, self.trainer.w, sim.x, sim.y)))
                on_plane = float(sim.landscape.loss(sim.plane.coords(w)))
            else:
                true = on_plane = math.nan
            self._marker_losses = (key, (true, on_plane))
        return self._marker_losses[1]

    def snapshot(self) -> MethodSnapshot:
        plane = self.sim.plane
        w = self.weights.last
        true_loss, plane_loss = self.marker_losses()
        extra = MlpMethodExtra(self.boundary(), self.val_loss, self.val_curve.array(),
                               float(plane.distance(w)), true_loss=true_loss,
                               plane_loss=plane_loss)
        theta_before = plane.coords(self.w_before)
        instead = self.weights_instead()
        true_step = NAN2 if instead is None else plane.coords(instead) - theta_before
        return MethodSnapshot(
            key=self.key, batch_size=self.batch_size, updates_per_epoch=self.updates_per_epoch,
            updates=self.updates, epoch=self.epoch, examples_seen=self.examples_seen,
            clock=self.clock, loss=self.loss, batch_loss=self.batch_loss, theta=self.theta,
            start=self.start.copy(), grad_estimate=plane.vector_coords(self.grad_w),
            grad_full=self._grad_full_coords(plane), lr=self.current_lr(),
            status=self.status, trail=self.coords.array(), loss_curve=self.loss_curve.array(),
            extra=extra, theta_before=theta_before, step_lr=self.step_lr, true_step=true_step,
            rule=self.rule_state(plane), batch=self.last_batch)

    def rule_state(self, plane) -> RuleState:
        """The optimizer's state on the plane: m projects (it is a sum of gradients); v, one
        value per weight, does not, so it is left out."""
        opt = self.trainer.optimizer
        m = plane.vector_coords(opt.m.double().cpu().numpy()) if opt.name != "sgd" else None
        return RuleState(opt.name, opt.t, opt.momentum, tuple(opt.betas), opt.alpha, opt.eps,
                         m, None)


class MlpSimulation(ClockedRuns):
    """The three trainers, advanced together on one clock; the same surface as Simulation.

    All three start from bit-identical weights. ``recompute_plane()`` re-aims the drawn plane
    at the current weights (it is also called once when every run has stopped).
    """

    is_mlp = True

    def __init__(self, dataset: Dataset, batch_size: int, hyper: Hyper = Hyper(),
                 hidden: tuple[int, ...] = (16, 16), activation: str = "tanh",
                 loss: str = "bce", seed: int = 0, clock_kind: str = "examples",
                 drop_last: bool = False, hardware: HardwareModel = HardwareModel(),
                 device: str = "auto", plane: str = "trajectories", trail_capacity: int = 2048):
        self.dataset = dataset
        self.spec = MlpSpec((dataset.n_inputs, *hidden, 1), activation, loss)
        self.seed = seed
        self.clock_kind = clock_kind
        self.hardware = hardware
        self.clock_value = 0.0
        self.plane_mode = plane
        self.plane_version = 0
        self.sequence = 0
        n = dataset.n_train
        check_batch_size(batch_size, n)
        self.device, self.notice = resolve_device(device)
        w0 = init_weights(self.spec, seed)
        self.origin = w0.double().numpy()
        sizes = {"full_batch": n, "mini_batch": batch_size, "stochastic": 1}
        seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(3)]

        def build():
            self._data_to(self.device)
            return [Trainer(self.spec, w0, self.x, self.y, sizes[k], s, hyper.optimizer,
                            hyper.momentum, drop_last) for k, s in zip(METHOD_KEYS, seeds)]

        trainers = self._guarded(build)
        self.plane = make_plane(self.spec, self.origin, {}, "random", seed)
        self.runs = tuple(self._guarded(lambda: MlpMethodRun(k, self, t, hyper, trail_capacity))
                          for k, t in zip(METHOD_KEYS, trainers))
        self.recompute_plane()

    # data and device ---------------------------------------------------------------------
    def _data_to(self, device) -> None:
        ds = self.dataset
        as_t = lambda a: torch.tensor(np.asarray(a), dtype=torch.float32, device=device)
        self.x, self.y = as_t(ds.x_train), as_t(ds.y_train)
        self.x_val, self.y_val = as_t(ds.x_val), as_t(ds.y_val)
        (x0, x1), *rest = ds.input_bounds()
        if rest:
            (y0, y1), = rest
            self.grid_xs = np.linspace(x0, x1, BOUNDARY_RESOLUTION)
            self.grid_ys = np.linspace(y0, y1, BOUNDARY_RESOLUTION)
            gx, gy = np.meshgrid(self.grid_xs, self.grid_ys)
            self.grid_inputs = as_t(np.stack([gx.ravel(), gy.ravel()], axis=1))
        else:
            self.grid_xs, self.grid_ys = np.linspace(x0, x1, CURVE_POINTS), None
            self.grid_inputs = as_t(self.grid_xs[:, None])
        for a in (self.grid_xs, self.grid_ys):
            if a is not None:
                a.flags.writeable = False   # shared with every snapshot
        self._gbuf = torch.zeros(self.spec.n_params, device=device)

    def _guarded(self, fn):
        """Run ``fn``; on a GPU failure (out of memory, CUDA error) move to the CPU and retry."""
        try:
            return fn()
        except Exception as exc:
            if self.device.type == "cpu" or not is_device_failure(exc):
                raise
            self._fall_back(exc)
            return fn()

    def _fall_back(self, exc: BaseException) -> None:
        what = "ran out of memory" if isinstance(exc, torch.cuda.OutOfMemoryError) else "failed"
        self.notice = f"The GPU {what} ({short_error(exc)}): moved to the CPU and carried on."
        self.device = torch.device("cpu")
        self._data_to(self.device)
        for r in getattr(self, "runs", ()):
            r.saved_state, r._instead = None, (-1, None)   # they lived on the failed device
            try:
                r.trainer.to(self.device, self.x, self.y)
            except Exception:   # the GPU's memory is unreadable: go on from the last good weights
                r.trainer.restart_on(self.device, self.x, self.y, torch.tensor(r.w))
                self.notice += " Optimizer state was restarted."
        if getattr(self, "landscape", None) is not None:
            self._new_landscape()

    def evaluate(self, w) -> tuple[float, np.ndarray, float]:
        """(training loss, its gradient (P,), validation loss) at weights w."""
        loss = loss_and_grad(self.spec, w, self.x, self.y, self._gbuf)
        val = evaluate(self.spec, w, self.x_val, self.y_val)
        return float(loss), self._gbuf.double().cpu().numpy(), float(val)

    def predict_grid(self, w) -> np.ndarray:
        out = forward(self.spec, w, self.grid_inputs)
        if self.dataset.task == "classification":
            out = torch.sigmoid(out) if self.spec.loss == "bce" else out.clamp(0.0, 1.0)
        out = out.double().cpu().numpy()
        return out.reshape(len(self.grid_ys), len(self.grid_xs)) if self.grid_ys is not None \
            else out.ravel()

    def eval_every(self, batch_size: int) -> int:
        """Evaluate the full loss every k-th update so that it costs at most ~EVAL_EXAMPLES
        examples' worth per update: every update unless N is large and B small."""
        n = self.dataset.n_train
        return 1 if n <= EVAL_EXAMPLES else math.ceil(n / (EVAL_EXAMPLES * batch_size))

    @property
    def device_label(self) -> str:
        return device_label(self.device)

    # the plane -----------------------------------------------------------------------------
    def recompute_plane(self) -> None:
        """Re-aim the plane at the three methods' current weights (their best 2-D fit),
        re-project all trails, and bump ``plane_version`` (the view then re-reads
        ``landscape.loss_grid``)."""
        ends = {r.key: r.weights.last for r in self.runs}
        self.plane = make_plane(self.spec, self.origin, ends, self.plane_mode, self.seed)
        for r in self.runs:
            r.reproject(self.plane)
        self._new_landscape()

    def propose_plane(self) -> PlaneLandscape:
        """The plane ``recompute_plane`` would lay now, with its landscape, not yet in use: its
        picture can be drawn in another thread while the runs go on, then ``adopt_plane``."""
        ends = {r.key: r.weights.last for r in self.runs}
        plane = make_plane(self.spec, self.origin, ends, self.plane_mode, self.seed)
        points = np.vstack([r.coords_on(plane) for r in self.runs])
        return PlaneLandscape(self.spec, plane, self.x, self.y,
                              plane_bounds(points, plane.scale), self.plane_version + 1,
                              self.dataset.n_train)

    def adopt_plane(self, landscape: PlaneLandscape) -> bool:
        """Put a plane from ``propose_plane`` in use, the trails re-projected onto it; False
        (nothing changed) when another plane was laid since it was proposed."""
        if landscape.version != self.plane_version + 1:
            return False
        self.plane = landscape.plane
        for r in self.runs:
            r.reproject(self.plane)
        self.plane_version = landscape.version
        self.landscape = landscape
        return True

    def _new_landscape(self) -> None:
        points = np.vstack([r.coords.array() for r in self.runs])
        self.plane_version += 1
        self.landscape = PlaneLandscape(self.spec, self.plane, self.x, self.y,
                                        plane_bounds(points, self.plane.scale),
                                        self.plane_version, self.dataset.n_train)

    def measure_noise(self, key: str, rng: np.random.Generator):
        """Gradient noise of method ``key``'s batches at its current weights (a
        gdviz.core.noise.NoiseMeasurement over the full weight vector), or None once diverged."""
        from gdviz.mlp.noise import measure_noise
        r = self.run(key)
        if not np.all(np.isfinite(r.w)):
            return None
        return self._guarded(lambda: measure_noise(self.spec, r.trainer.w, self.x, self.y,
                                                   r.batch_size, rng))

    # the Simulation surface -----------------------------------------------------------------
    @property
    def n(self) -> int:
        return self.dataset.n_train

    def _step(self, r: MlpMethodRun) -> MlpStepRecord:
        was_running = self.running
        rec = r.step()
        if was_running and not self.running:
            self.recompute_plane()   # every run has stopped: aim the plane at where they ended
        return rec

    def run_to_end(self) -> dict[str, list[MlpStepRecord]]:
        """Run every method until it finishes or diverges; records per method, with theta and
        the gradients in coordinates of the final plane (aimed at where the runs ended)."""
        raw: dict[str, list] = {}
        for r in self.runs:
            raw[r.key] = []
            while r.status == "running":
                rec = self._step(r)
                raw[r.key].append((rec, r.w_before, r.w, r.grad_w, r.grad_full_w))
            self.clock_value = max(self.clock_value, r.clock)
        plane = self.plane
        out = {}
        for key, steps in raw.items():
            out[key] = [dataclasses.replace(
                rec, theta_before=plane.coords(wb),
                theta=plane.coords(w) if np.all(np.isfinite(w)) else NAN2,
                grad_estimate=plane.vector_coords(g),
                grad_full=NAN2 if gf is None else plane.vector_coords(gf))
                for rec, wb, w, g, gf in steps]
        return out

    def snapshot(self, generation: int = 0) -> SimSnapshot:
        self.sequence += 1
        methods = self._guarded(lambda: tuple(r.snapshot() for r in self.runs))
        ds = self.dataset
        sizes = "-".join(str(s) for s in self.spec.sizes)
        extra = MlpSimExtra(
            device=self.device_label, notice=self.notice, dataset=ds.name, task=ds.task,
            architecture=f"{sizes}, {self.spec.activation}, {self.spec.loss.upper()}",
            n_params=self.spec.n_params, x_train=ds.x_train, y_train=ds.y_train,
            x_val=ds.x_val, y_val=ds.y_val, grid_xs=self.grid_xs, grid_ys=self.grid_ys,
            plane_version=self.plane_version, plane_axes=self.plane.axes)
        return SimSnapshot(self.clock_kind, self.clock_value, self.n, methods, self.sequence,
                           generation, extra)


def from_scenario(scenario, trail_capacity: int = 4096) -> MlpSimulation:
    """The MlpSimulation a validated scenario with landscape = "mlp" describes."""
    from gdviz.mlp.datasets import make_dataset

    m = scenario.mlp
    dataset = make_dataset(m.dataset, scenario.n_examples, m.noise, scenario.seed, m.val_fraction)
    return MlpSimulation(dataset, scenario.batch_size, scenario.hyper(), m.hidden, m.activation,
                         m.loss, scenario.seed, scenario.clock, scenario.drop_last,
                         scenario.hardware(), m.device, m.plane, min(trail_capacity, 4096))
