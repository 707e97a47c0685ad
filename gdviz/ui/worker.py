"""The simulation thread: paces the experiment's engine by elapsed time and emits snapshots.

The settings and the engine belong to :class:`gdviz.experiment.Experiment`; this worker only
decides when to step and when to hand a frozen snapshot to the GUI. The GUI talks to the worker
through queued signals and receives only immutable objects, so the GUI thread never waits on
the simulation and the simulation rate is independent of the frame rate.
"""
from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QThread, QTimer, Qt, Signal, Slot

from gdviz.core import MAX_SPEED, MIN_SPEED
from gdviz.experiment import Experiment, NoiseInfo

FRAME_INTERVAL_MS = 16          # the frame timer; emission itself is capped below
# At most 36 snapshots a second: smooth to the eye and to a 30 fps screen recording, and each
# one drawn leaves the GUI thread idle most of the time (issue 16).
MIN_SNAPSHOT_INTERVAL_S = 1 / 36
WORK_BUDGET_S = 0.006           # simulation time per 16 ms frame: the rest of the GIL is the GUI's
NOISE_INTERVAL_S = 0.25         # measured-noise refresh for the lesson panel
# a network's measurement holds the worker ~30 ms (a dropped frame), and while playing the
# window shows the measured noise at most once a second
MLP_NOISE_INTERVAL_S = 1.0
ASPECT_SLACK = 0.005            # the plane is drawn again for a view reshaped this much (~3 px of 600)
CLOUD_INTERVAL_S = 0.1          # the gradient cloud: at most 10 Hz, only while it is shown
ENSEMBLE_INTERVAL_S = 1 / 30    # the seed ensemble: stepped every frame, sent at most 30 Hz
BEHIND_HOLD_S = 0.5             # "can't keep up" turns on or off only after holding this long
UPDATES_PER_CHECK = 256         # updates between looks at the clock (an analytic one is ~µs)
MLP_UPDATES_PER_CHECK = 2       # a real network's update costs ~0.5 ms on a CPU core

__all__ = ["MAX_SPEED", "NoiseInfo", "SimulationWorker", "WorkerState", "WorkerThread"]


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
    cloud_ready = Signal(object)        # GradientCloud (or None: nothing to show)
    ensemble_ready = Signal(object)     # EnsembleSnapshot (or None: nothing to show)
    state_changed = Signal(object)      # WorkerState
    error = Signal(str)                 # a message for the status bar; the run is left as it was
    rolled_back = Signal()              # the experiment went back to the scenario that runs
    notice = Signal(str)
    _drawn = Signal()                   # (frame_drawn, from the GUI thread, wakes this thread)

    def __init__(self, experiment: Experiment, speed: float | None = None):
        super().__init__()
        self.experiment = experiment
        self._speed = float(speed or experiment.scenario.speed or 20.0)
        self._playing = False
        self._timer = None
        self._emit_timer = None
        self._dirty = False
        self._last_time = 0.0
        self._selected = "mini_batch"
        self._last_noise = 0.0
        self._noise_rng = np.random.default_rng(0)
        self._noise_cost = 0.0           # seconds the last noise measurement took
        self._behind = False
        self._behind_change = None       # when the frames' verdict last differed from _behind
        self._cloud_wanted = False
        self._last_cloud = 0.0
        self._cloud_key = None
        self._ensemble_copies = 0        # 0: the ensemble is off
        self._last_ensemble = 0.0
        self._ensemble_key = None
        self._plane_version = None
        self._relay = None               # MLP: (sim, proposed plane, Future of its picture)
        self._relay_wanted = None        # MLP: (sim, proposed plane), started once drawn
        self._relay_pool = None
        # the canvas's view, width / height (set from the GUI thread): the network's plane is
        # drawn at equal scale, its grid widened to that shape so no empty band shows
        self._view_aspect = 0.0
        self._drawn_aspect = 0.0
        self._view_ready = threading.Event()
        self._view_ready.set()
        # set from the GUI thread: long preparations (a large landscape's grid) end early
        self._stop_requested = threading.Event()
        self._last_emit = -1.0
        self.snapshots_emitted = 0
        self.emit_times: deque[float] = deque(maxlen=600)  # for tests and benchmarks

    @property
    def _sim(self):
        return self.experiment.sim

    # life cycle -----------------------------------------------------------------------------
    @Slot()
    def start(self):
        np.seterr(all="ignore")   # this thread: a diverging run's overflow is shown, not warned
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._on_frame)
        # a snapshot due between two frames goes out when it is due, not at the next frame
        self._emit_timer = QTimer(self)
        self._emit_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._emit_timer.setSingleShot(True)
        self._emit_timer.timeout.connect(self._emit_if_due)
        # frame_drawn wakes this thread through a timer's own start slot, so no Python runs
        # here until the GUI thread is done: a Python slot woken straight away took the GIL
        # while the GUI thread was still returning, and it waited ~2 ms per frame for it back
        self._wake_timer = QTimer(self)
        self._wake_timer.setSingleShot(True)
        self._wake_timer.setInterval(1)
        self._wake_timer.timeout.connect(self._on_frame)
        self._drawn.connect(self._wake_timer.start)
        self.sync()
        self._timer.start(FRAME_INTERVAL_MS)

    @Slot()
    def shutdown(self):
        if self._timer is not None:
            self._timer.stop()
            self._emit_timer.stop()
            self._wake_timer.stop()
        self._playing = False
        if self._relay_pool is not None:   # a picture being drawn ends on its own (< 0.5 s)
            self._relay_pool.shutdown(wait=False, cancel_futures=True)
            self._relay_pool = None

    def request_stop(self):
        """Called from the GUI thread before ``shutdown``: a grid being computed now ends
        within a few milliseconds instead of running to its end."""
        self._stop_requested.set()

    def frame_drawn(self):
        """Called from the GUI thread once it has drawn a snapshot: the next one may come.
        The worker's thread works on it at once rather than at its next timer tick (on a
        loaded machine that wait was a third of every frame)."""
        self._view_ready.set()
        try:
            self._drawn.emit()
        except RuntimeError:        # the window closed after this frame: the worker is gone
            pass


    # commands -------------------------------------------------------------------------------
    @Slot()
    def play(self):
        self.sync()
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
        self.sync()
        self._playing = False
        if self._sim is not None:
            self._sim.step_tick()
            self._dirty = True
        self._emit_state()

    @Slot(float)
    def set_speed(self, ticks_per_second: float):
        self._speed = float(min(max(ticks_per_second, MIN_SPEED), MAX_SPEED))
        self._emit_state()

    @Slot()
    def recompute_plane(self):
        """MLP mode: lay the loss plane through the current weights again."""
        if self.experiment.recompute_plane():
            self._dirty = True

    @Slot(float)
    def set_view_aspect(self, aspect: float):
        """The canvas's view is *aspect* (width / height) now: the network's plane is drawn
        again at the next frame for that shape where it differs by more than ASPECT_SLACK."""
        self._view_aspect = float(aspect) if aspect > 0 else 0.0

    def _reshaped(self) -> bool:
        a, b = self._view_aspect, self._drawn_aspect
        return a > 0 and (b <= 0 or abs(a / b - 1.0) > ASPECT_SLACK)

    def _plane_bounds(self, landscape):
        """The part of *landscape* (a network's plane) to draw: its bounds widened about
        their centre to the view's shape (the equal-scale lock left a band beside them)."""
        from gdviz.ui.contours import fit_aspect
        self._drawn_aspect = self._view_aspect
        if self._view_aspect <= 0:
            return None
        return fit_aspect(landscape.bounds, self._view_aspect)

    @Slot(str)
    def set_selected(self, key: str):
        self._selected = key
        self._last_noise = 0.0

    @Slot(bool)
    def set_cloud(self, wanted: bool):
        """Compute the gradient cloud of the selected method (or stop computing it)."""
        self._cloud_wanted = bool(wanted)
        self._cloud_key = None

    @Slot(int)
    def set_ensemble(self, copies: int):
        """Run *copies* seed copies of the mini-batch run beside it (0: none)."""
        self._ensemble_copies = int(copies)
        self._last_ensemble = 0.0
        if not copies:
            self.experiment.drop_ensemble()

    @Slot()
    def sync(self):
        """Bring the engine in line with the settings the experiment accepted (now, not at the
        next frame: a change shows at once even while paused)."""
        first = self._sim is None
        change = self.experiment.sync()
        if change is None:
            return
        if change.error is not None:
            self.error.emit(change.error)
            self.rolled_back.emit()
            return
        self._dirty = True
        self._last_noise = 0.0
        if not change.restarted:
            return
        self._playing = self._playing and (change.keep_playing or first)  # a play sent before start
        self._plane_version = None
        if change.new_landscape:
            self._emit_landscape()
        self._emit_state()

    # internals ------------------------------------------------------------------------------
    def _emit_landscape(self):
        from gdviz.core.landscapes import GridCancelled
        from gdviz.ui.contours import landscape_view
        sim = self._sim
        self._plane_version = sim.plane_version if sim.is_mlp else None
        # the MLP plane costs a batched forward pass per grid point: a coarser grid keeps it quick
        from gdviz.mlp.plane_policy import PLANE_GRID   # (numpy only: no torch import)
        resolution = PLANE_GRID if sim.is_mlp else 220
        bounds = self._plane_bounds(sim.landscape) if sim.is_mlp else None
        try:
            view = landscape_view(sim.landscape, resolution, self.experiment.generation,
                                  should_stop=self._stop_requested.is_set, bounds=bounds)
        except GridCancelled:   # the window is closing
            return
        self.landscape_ready.emit(view)
        if view.note:
            self.notice.emit(view.note)

    def _start_relay(self, proposal) -> None:
        """MLP: draw a new plane's picture in another thread (~0.3 s of forward passes) while
        the runs go on, on the plane drawn now; ``_finish_relay`` puts both in use at once."""
        from concurrent.futures import ThreadPoolExecutor

        from gdviz.mlp.plane_policy import PLANE_GRID
        from gdviz.ui.contours import landscape_view
        self._relay_wanted = None
        if self._relay_pool is None:
            self._relay_pool = ThreadPoolExecutor(1, thread_name_prefix="gdviz-plane")
        future = self._relay_pool.submit(landscape_view, proposal, PLANE_GRID,
                                         self.experiment.generation,
                                         should_stop=self._stop_requested.is_set,
                                         bounds=self._plane_bounds(proposal))
        self._relay = (self._sim, proposal, future)

    def _finish_relay(self) -> None:
        sim, proposal, future = self._relay
        if not future.done():
            return
        self._relay = None
        from gdviz.core.landscapes import GridCancelled
        try:
            view = future.result()
        except GridCancelled:    # the window is closing
            return
        except Exception:        # noqa: BLE001 - drawn here instead, where errors surface
            if sim is self._sim:
                sim.recompute_plane()
            return
        # the new plane, its picture and the next snapshot reach the window together
        if sim is self._sim and sim.adopt_plane(proposal):
            self._plane_version = sim.plane_version
            self.landscape_ready.emit(view)
            self._dirty = True

    def _emit_cloud(self, now: float):
        """A new cloud when the selected run moved, changed B or η, or a new run began."""
        self._last_cloud = now
        sim = self._sim
        if sim.is_mlp:
            key = ("mlp", self.experiment.generation)
        else:
            run = sim.run(self._selected)
            key = (self.experiment.generation, self._selected, run.updates, run.batch_size,
                   run.current_lr())
        if key == self._cloud_key:
            return
        self._cloud_key = key
        self.cloud_ready.emit(self.experiment.gradient_cloud(self._selected))

    def _note_behind(self, behind: bool, now: float) -> None:
        """At full speed single frames fall behind and catch up many times a second; the
        window's "can't keep up" note (and a relayout of its banner) follows only a verdict
        that has held for BEHIND_HOLD_S."""
        if behind == self._behind:
            self._behind_change = None
        elif self._behind_change is None:
            self._behind_change = now
        elif now - self._behind_change >= BEHIND_HOLD_S:
            self._behind = behind
            self._behind_change = None
            self._emit_state()

    def _emit_state(self):
        self.state_changed.emit(WorkerState(self._playing, self._speed,
                                            self.experiment.generation, self._behind))

    @Slot()
    def _on_frame(self):
        if self._stop_requested.is_set():   # closing: nothing more to compute
            return
        self.sync()
        sim = self._sim
        if sim is None:
            return
        now = time.perf_counter()
        if self._playing and not self._view_ready.is_set():
            # The GUI is still drawing the last snapshot. Python code on both threads takes
            # turns on the GIL, so simulating (or measuring noise) now would slow every paint:
            # wait for it instead; frame_drawn wakes this thread.
            self._last_time = now
            return
        if self._playing:
            elapsed = min(now - self._last_time, 0.25)
            self._last_time = now
            target = sim.clock_value + elapsed * self._speed * sim.tick_size()
            deadline = now + WORK_BUDGET_S
            due = self._last_emit + MIN_SNAPSHOT_INTERVAL_S
            if now < due < deadline:
                # the next snapshot is due before this budget ends: stop then and send it on
                # time (stepping past it made every other frame late by up to the budget)
                deadline = due
            chunk = MLP_UPDATES_PER_CHECK if sim.is_mlp else UPDATES_PER_CHECK
            while time.perf_counter() < deadline:
                if not sim.advance_to(target, max_updates=chunk):
                    break
            # no backlog piles up: a budget-limited advance leaves the clock where the runs are
            self._note_behind(time.perf_counter() >= deadline, now)
            self._dirty = True
            if not sim.running:
                self._playing = False
                self.notice.emit("All methods have finished their epochs.")
                self._emit_state()
        if self._relay is not None:
            self._finish_relay()
        elif self._relay_wanted is not None and self._view_ready.is_set():
            wanted_sim, proposal = self._relay_wanted
            self._relay_wanted = None
            if wanted_sim is sim:
                self._start_relay(proposal)
        if sim.is_mlp and (sim.plane_version != self._plane_version or
                           (self._reshaped() and self._relay is None
                            and self._view_ready.is_set())):
            # (a picture for the view's new shape, ~0.3 s of forward passes, waits until the
            # window has drawn its last snapshot: a real network's first one reveals the
            # Network dock and reshapes the view, and drawn meanwhile, paused, it doubled the
            # window's next paint)
            self._emit_landscape()
        # a costly measurement (a big network) comes less often: at most ~10 % of the time
        interval = MLP_NOISE_INTERVAL_S if sim.is_mlp else NOISE_INTERVAL_S
        if now - self._last_noise > max(interval, 10 * self._noise_cost):
            self._last_noise = now
            noise = self.experiment.measure_noise(self._selected, self._noise_rng)
            self._noise_cost = time.perf_counter() - now
            if noise is not None:
                self.noise_ready.emit(noise)
        if self._cloud_wanted and now - self._last_cloud >= CLOUD_INTERVAL_S:
            self._emit_cloud(now)
        if self._ensemble_copies:
            ensemble = self.experiment.ensemble_snapshot(self._ensemble_copies)
            key = None if ensemble is None else (self.experiment.generation, ensemble.updates,
                                                 ensemble.batch_size, ensemble.lr)
            if now - self._last_ensemble >= ENSEMBLE_INTERVAL_S and (
                    key != self._ensemble_key or self._last_ensemble == 0.0):
                self._last_ensemble = now
                self._ensemble_key = key
                self.ensemble_ready.emit(ensemble)
        self._emit_if_due()

    @Slot()
    def _emit_if_due(self):
        """Latest-only hand-off: while the GUI has not drawn the last snapshot, newer states
        wait here (and replace each other) instead of piling up in the GUI's event queue."""
        sim = self._sim
        if sim is None or not (self._dirty and self._view_ready.is_set()):
            return
        emit_time = time.perf_counter()
        wait = MIN_SNAPSHOT_INTERVAL_S - (emit_time - self._last_emit)
        if wait > 0:
            if self._emit_timer is not None and not self._emit_timer.isActive():
                self._emit_timer.start(max(1, math.ceil(1000 * wait)))
            return
        self._view_ready.clear()
        self._dirty = False
        self._last_emit = emit_time
        self.snapshots_emitted += 1
        self.emit_times.append(emit_time)
        snapshot = sim.snapshot(self.experiment.generation)
        self.snapshot_ready.emit(snapshot)
        if sim.is_mlp and self._relay is None and self._relay_wanted is None:
            proposal = self.experiment.propose_plane(snapshot, emit_time)
            if proposal is not None:
                # its picture is drawn once the window has drawn this snapshot: drawn while
                # the window draws it, the two took turns on the GIL, a hand-over for each of
                # the window's calls into Qt (a run's first frame: 0.2 -> 0.45-0.6 s)
                self._relay_wanted = (sim, proposal)


STOP_WAIT_MS = 700      # closing waits at most this for the worker (all of it within 1 s)
STRAGGLERS: list = []   # worker threads still inside a computation when their window closed


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

    def stop(self, timeout_ms: int = STOP_WAIT_MS) -> bool:
        """Stop the timer in the worker's own thread, quit its loop and wait for it, at most
        *timeout_ms*: a worker inside one long computation (a real network's full-batch update
        takes seconds at the largest accepted sizes) must not hold the window open. False when
        it is still running; it is then kept (``STRAGGLERS``) and the process ends without
        joining it (``gdviz.ui.app.run_app``)."""
        if not self.thread.isRunning():
            return True
        self.worker.request_stop()
        from PySide6.QtCore import QMetaObject
        # queued, not blocking: a blocking call waited for the computation to end (minutes)
        QMetaObject.invokeMethod(self.worker, "shutdown", Qt.ConnectionType.QueuedConnection)
        self.thread.quit()
        if self.thread.wait(timeout_ms):
            return True
        STRAGGLERS.append(self)
        return False
