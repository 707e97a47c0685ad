"""The simulation thread: owns the engine, paces itself by elapsed time, emits snapshots.

The GUI talks to the worker only through queued signals and receives only immutable objects, so
the GUI thread never waits on the simulation and the simulation rate is independent of the frame
rate.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, replace

import numpy as np
from PySide6.QtCore import QObject, QThread, QTimer, Qt, Signal, Slot

from gdviz.core.noise import measured_noise, noise_stats
from gdviz.core.scenario import Scenario
from gdviz.core.simulation import Hyper

FRAME_INTERVAL_MS = 16          # the frame timer; emission itself is capped below
MIN_SNAPSHOT_INTERVAL_S = 1 / 60  # never more than 60 snapshots per second
WORK_BUDGET_S = 0.006           # simulation time per 16 ms frame: the rest of the GIL is the GUI's
NOISE_INTERVAL_S = 0.25         # measured-noise refresh for the lesson panel
MAX_SPEED = 20_000.0            # clock ticks per second
PLANE_INTERVAL_S = 3.0          # MLP mode: the loss plane is laid anew at most this often


@dataclass(frozen=True)
class NoiseInfo:
    """Gradient noise at the selected method's current position."""

    method: str
    batch_size: int
    measured: float
    predicted: float
    trace_sigma: float


@dataclass(frozen=True)
class WorkerState:
    playing: bool
    speed: float
    generation: int
    behind: bool = False        # True while the simulation cannot keep up with the speed asked


class SimulationWorker(QObject):
    """Lives in its own QThread; every slot runs there."""

    snapshot_ready = Signal(object)     # SimSnapshot
    landscape_ready = Signal(object)    # LandscapeView
    noise_ready = Signal(object)        # NoiseInfo
    state_changed = Signal(object)      # WorkerState
    error = Signal(str)                 # a message for the status bar; the run is left as it was
    scenario_ready = Signal(object)     # the scenario now running, after every accepted change
    notice = Signal(str)

    def __init__(self, scenario: Scenario, speed: float | None = None):
        super().__init__()
        self._scenario = scenario
        self._speed = float(speed or scenario.speed or 20.0)
        self._playing = False
        self._sim = None
        self._timer = None
        self._generation = 0
        self._dirty = False
        self._last_time = 0.0
        self._selected = "mini_batch"
        self._last_noise = 0.0
        self._noise_rng = np.random.default_rng(0)
        self._behind = False
        self._plane_version = None
        self._plane_time = 0.0
        self._view_ready = threading.Event()
        self._view_ready.set()
        self._last_emit = -1.0
        self.snapshots_emitted = 0
        self.emit_times: deque[float] = deque(maxlen=600)  # for tests and benchmarks

    # life cycle -----------------------------------------------------------------------------
    @Slot()
    def start(self):
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._on_frame)
        self._build(self._scenario)
        self._timer.start(FRAME_INTERVAL_MS)

    @Slot()
    def shutdown(self):
        if self._timer is not None:
            self._timer.stop()
        self._playing = False

    def frame_drawn(self):
        """Called from the GUI thread once it has drawn a snapshot: the next one may come."""
        self._view_ready.set()

    # commands -------------------------------------------------------------------------------
    @Slot()
    def play(self):
        if self._sim is not None and not self._sim.running:
            self.notice.emit("All methods have finished; press Reset to run again.")
            return
        self._playing = True
        self._last_time = time.perf_counter()
        self._emit_state()

    @Slot()
    def pause(self):
        self._playing = False
        self._emit_state()

    @Slot()
    def toggle(self):
        self.pause() if self._playing else self.play()

    @Slot()
    def step(self):
        """One clock tick: up to the next update of any method."""
        self._playing = False
        if self._sim is not None:
            self._sim.step_tick()
            self._dirty = True
        self._emit_state()

    @Slot()
    def reset(self):
        self._build(self._scenario, keep_landscape=True)

    @Slot(float)
    def set_speed(self, ticks_per_second: float):
        self._speed = float(min(max(ticks_per_second, 0.1), MAX_SPEED))
        self._emit_state()

    @Slot(int)
    def set_batch_size(self, batch_size: int):
        try:
            self._scenario = self._scenario.with_changes(batch_size=int(batch_size))
        except ValueError as exc:
            self.error.emit(str(exc))
            return
        self._sim.set_batch_size(int(batch_size))
        self.scenario_ready.emit(self._scenario)
        self._dirty = True
        self._last_noise = 0.0

    @Slot(object)
    def set_hyper(self, changes: dict):
        """Learning rate, optimizer, schedule, scaling: applied from the next step, no reset."""
        try:
            self._scenario = self._scenario.with_changes(**changes)
        except ValueError as exc:
            self.error.emit(str(exc))
            return
        self._sim.set_hyper(self._scenario.hyper())
        self.scenario_ready.emit(self._scenario)
        self._dirty = True

    @Slot(object)
    def set_scenario(self, scenario: Scenario):
        """A new landscape, data, seed or clock: the run starts again."""
        landscape_changed = _data_fields(scenario) != _data_fields(self._scenario)
        self._build(scenario, keep_landscape=not landscape_changed)

    @Slot(str, float, float)
    def set_start(self, key: str, x: float, y: float):
        if not (np.isfinite(x) and np.isfinite(y)):
            return
        if self._scenario.landscape == "mlp":
            self.notice.emit("In the real-network mode all three methods start from the same "
                             "initial weights, the origin of the plane.")
            return
        starts = dict(self._scenario.starts) if self._scenario.starts else {}
        if self._sim is not None:
            starts = {r.key: tuple(map(float, r.start)) for r in self._sim.runs} | starts
        starts[key] = (float(x), float(y))
        self._build(replace(self._scenario, starts=starts), keep_landscape=True,
                    keep_playing=True)

    @Slot()
    def recompute_plane(self):
        """MLP mode: lay the loss plane through the current weights again."""
        if self._sim is not None and hasattr(self._sim, "recompute_plane"):
            self._sim.recompute_plane()
            self._dirty = True

    @Slot(str)
    def set_selected(self, key: str):
        self._selected = key
        self._last_noise = 0.0

    # internals ------------------------------------------------------------------------------
    def _build(self, scenario: Scenario, keep_landscape: bool = False, keep_playing: bool = False):
        mlp = scenario.landscape == "mlp"
        try:
            if mlp:
                from gdviz.mlp import require_torch
                require_torch()
                from gdviz.mlp.device import prefer_one_thread
                prefer_one_thread()
                sim = scenario.build()
            else:
                reuse = keep_landscape and self._sim is not None and \
                    hasattr(self._sim.landscape, "example_grads")
                sim = scenario.build(self._sim.landscape if reuse else None)
        except Exception as exc:  # a scenario the engine refuses leaves the current run as it was
            self.error.emit(f"Could not start {scenario.name}: {exc}")
            return
        first = self._sim is None
        self._sim = sim
        self._scenario = scenario
        self.scenario_ready.emit(scenario)
        self._generation += 1
        self._playing = self._playing and (keep_playing or first)  # a play sent before start
        self._dirty = True
        self._last_noise = 0.0
        self._plane_version = None
        if first or not keep_landscape or mlp:
            self._emit_landscape()
        self._emit_state()

    def _emit_landscape(self):
        from gdviz.ui.contours import landscape_view
        sim = self._sim
        self._plane_version = getattr(sim, "plane_version", None)
        # the MLP plane costs a batched forward pass per grid point: a coarser grid keeps it quick
        from gdviz.mlp.plane_policy import PLANE_GRID
        resolution = PLANE_GRID if self._plane_version is not None else 220
        self.landscape_ready.emit(landscape_view(sim.landscape, resolution, self._generation))

    def _emit_state(self):
        self.state_changed.emit(WorkerState(self._playing, self._speed, self._generation,
                                            self._behind))

    @Slot()
    def _on_frame(self):
        sim = self._sim
        if sim is None:
            return
        now = time.perf_counter()
        if self._playing and not self._view_ready.is_set():
            # The GUI is still drawing the last snapshot. Python code on both threads takes
            # turns on the GIL, so simulating now would slow every paint: wait for it instead.
            self._last_time = now
        elif self._playing:
            elapsed = min(now - self._last_time, 0.25)
            self._last_time = now
            target = sim.clock_value + elapsed * self._speed * sim.tick_size()
            deadline = now + WORK_BUDGET_S
            while time.perf_counter() < deadline:
                if not sim.advance_to(target, max_updates=256):
                    break
            # no backlog piles up: a budget-limited advance leaves the clock where the runs are
            behind = time.perf_counter() >= deadline
            if behind != self._behind:
                self._behind = behind
                self._emit_state()
            self._dirty = True
            if not sim.running:
                self._playing = False
                self.notice.emit("All methods have finished their epochs.")
                self._emit_state()
        if getattr(sim, "plane_version", None) != self._plane_version:
            self._emit_landscape()
        if now - self._last_noise > NOISE_INTERVAL_S:
            self._last_noise = now
            self._emit_noise()
        emit_time = time.perf_counter()
        # Latest-only hand-off: while the GUI has not drawn the last snapshot, newer states wait
        # here (and replace each other) instead of piling up in the GUI's event queue.
        if (self._dirty and self._view_ready.is_set()
                and emit_time - self._last_emit >= MIN_SNAPSHOT_INTERVAL_S):
            self._view_ready.clear()
            self._dirty = False
            self._last_emit = emit_time
            self.snapshots_emitted += 1
            self.emit_times.append(emit_time)
            snapshot = sim.snapshot(self._generation)
            self.snapshot_ready.emit(snapshot)
            self._maybe_realign_plane(snapshot, emit_time)

    def _maybe_realign_plane(self, snapshot, now: float) -> None:
        """MLP mode: when the weights have left the drawn plane far behind, lay it anew through
        where the runs are now (at most every few seconds: each new plane costs a grid)."""
        from gdviz.mlp.plane_policy import relay_if_needed   # (numpy only: no torch import)
        if not hasattr(self._sim, "recompute_plane") or now - self._plane_time < PLANE_INTERVAL_S:
            return
        if relay_if_needed(self._sim, snapshot):
            self._plane_time = now
            self._dirty = True

    def _emit_noise(self):
        sim = self._sim
        landscape = sim.landscape
        if not hasattr(landscape, "example_grads"):
            return  # the MLP mode measures its own noise
        run = sim.run(self._selected)
        theta = run.theta
        if not np.all(np.isfinite(theta)):
            return
        stats = noise_stats(landscape, theta)
        measured = measured_noise(landscape, theta, run.batch_size, self._noise_rng, draws=200)
        self.noise_ready.emit(NoiseInfo(run.key, run.batch_size, measured,
                                        stats.predicted(landscape.n, run.batch_size),
                                        stats.trace_sigma))


def _data_fields(s: Scenario):
    return (s.landscape, s.function, s.n_examples, s.noise, s.seed, s.xlim, s.ylim)


class WorkerThread(QObject):
    """Starts the worker in a long-lived QThread and stops and joins it on ``stop``."""

    def __init__(self, worker: SimulationWorker, parent=None):
        super().__init__(parent)
        self.worker = worker
        self.thread = QThread()
        self.thread.setObjectName("gdviz-simulation")
        worker.moveToThread(self.thread)
        self.thread.started.connect(worker.start)
        self.thread.finished.connect(worker.deleteLater)

    def start(self):
        self.thread.start()

    def stop(self, timeout_ms: int = 5000) -> bool:
        """Stop the timer in the worker's own thread, quit its loop and wait for it."""
        if not self.thread.isRunning():
            return True
        from PySide6.QtCore import QMetaObject
        QMetaObject.invokeMethod(self.worker, "shutdown", Qt.ConnectionType.BlockingQueuedConnection)
        self.thread.quit()
        return self.thread.wait(timeout_ms)
