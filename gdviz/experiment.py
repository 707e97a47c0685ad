"""The settings in force and the engine that runs them: one owner, no Qt.

Every change of a setting goes through :meth:`Experiment.apply`: the changed fields are applied
to the scenario in force, the result is validated once and then accepted whole, or refused with
a ScenarioError and nothing changes. Nobody else keeps a copy, so a later change (a new seed, a
reset) always starts from what was last accepted.

Threads: the window calls ``apply`` (``load`` goes through it too), ``reset`` and ``set_start``
(validation and bookkeeping only, quick); the simulation thread calls :meth:`sync` before it steps, which brings
the engine in line with the accepted scenario: B and the optimizer's settings from the next
update on, anything else by building a new run. An engine that cannot be built (torch missing)
rolls the accepted scenario back to the one that runs, and ``sync`` says why.
"""
from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass

import numpy as np

from gdviz import scenario as sc
from gdviz.core.noise import measure_noise
from gdviz.scenario import Scenario

# applied to the running engine from its next update on; any other field starts a new run
HYPER_FIELDS = frozenset(sc.HYPER_FIELDS)
LIVE_FIELDS = HYPER_FIELDS | {"batch_size"}
MLP_TRAIL_CAPACITY = 1024      # trail points a method keeps in the window's real-network mode
# no effect on the engine at all
VIEW_FIELDS = frozenset({"name", "title", "description", "note", "speed", "source"})
# the data behind the landscape: a change needs a new landscape (and a new contour grid)
DATA_FIELDS = frozenset({"landscape", "function", "n_examples", "noise", "seed", "xlim", "ylim",
                         "mlp"})
MLP_START_NOTICE = ("In the real-network mode all three methods start from the same initial "
                    "weights, the origin of the plane.")


@dataclass(frozen=True)
class NoiseInfo:
    """Gradient noise at the selected method's current position."""

    method: str
    batch_size: int
    measured: float             # mean over ``draws`` sampled batches, ± ``stderr``
    predicted: float
    trace_sigma: float
    stderr: float | None = None
    draws: int | None = None
    grad_norm2: float | None = None   # |grad J|^2, for the noise scale tr Sigma / |grad J|^2


@dataclass(frozen=True)
class EngineChange:
    """What :meth:`Experiment.sync` did to the engine."""

    restarted: bool = False         # a new run (new generation): trails start again
    new_landscape: bool = False     # the landscape to draw changed
    keep_playing: bool = False      # a moved start point keeps a playing run playing
    error: str | None = None        # the engine refused the scenario; it was rolled back


class Experiment:
    """Owns the accepted scenario and the engine (a Simulation or an MlpSimulation)."""

    def __init__(self, scenario: Scenario, trail_capacity: int = 4096):
        self._lock = threading.Lock()
        self._scenario = scenario
        self._dirty = True              # the engine is behind the accepted scenario
        self._reset_asked = False
        self._moved_start = False
        self.trail_capacity = trail_capacity
        # the simulation thread's side: the engine and the scenario it was built from
        self.sim = None
        self.generation = 0
        self._running: Scenario | None = None
        self._starts: dict[str, tuple[float, float]] = {}   # the running engine's start points
        self._plane_time = 0.0
        self._ensemble = None           # (generation, SeedEnsemble) while the ensemble is shown

    # the settings (any thread) ----------------------------------------------------------------
    @property
    def scenario(self) -> Scenario:
        """The scenario in force: what was last accepted."""
        return self._scenario

    def apply(self, changes: dict, restart: bool = False) -> Scenario:
        """Accept *changes* (Scenario field -> value) on top of the scenario in force.

        Validated once; raises ScenarioError and changes nothing when refused. A new landscape
        comes with its own bounds and start points, and a smaller N takes B down with it.
        *restart*: the run starts again from its start points (as Reset does), also where the
        changes alone would reach the running engine from its next update on (a run loaded
        from the lab).
        """
        return self._apply(changes, restart=restart)

    def _apply(self, changes: dict, moved_start: bool = False, restart: bool = False) -> Scenario:
        with self._lock:
            base = self._scenario
            # the one validation of this change (called through the module: tests count it)
            try:
                candidate = sc.validate(dataclasses.replace(base, **_completed(base, changes)))
            except sc.ScenarioError as exc:
                # the user's change is at fault, not the file the scenario came from
                raise sc.ScenarioError(CHANGE_SOURCE, exc.field, exc.value, exc.reason) from None
            self._scenario = candidate
            self._dirty = True
            self._reset_asked = self._reset_asked or restart
            self._moved_start = self._moved_start or moved_start
            return candidate

    def load(self, scenario: Scenario) -> Scenario:
        """Put a whole scenario in force (a file, a preset, a lesson): a change of every field,
        through :meth:`apply` like any other, and the run starts again."""
        return self.apply({name: getattr(scenario, name) for name in sc.FIELDS}, restart=True)

    def reset(self) -> None:
        """Start the run again from the start points, with the settings in force."""
        with self._lock:
            self._dirty = self._reset_asked = True

    def set_start(self, key: str, x: float, y: float) -> Scenario:
        """Move one method's start point; the others stay where they start now.

        Raises ValueError in the real-network mode (one common start), ScenarioError for a
        point that is not finite.
        """
        current = self._scenario
        if current.is_mlp:
            raise ValueError(MLP_START_NOTICE)
        with self._lock:
            same_data = (self._running is not None
                         and _data(self._running) == _data(self._scenario))
            starts = (dict(self._starts) if same_data else {}) | dict(self._scenario.starts)
        starts[key] = (float(x), float(y))
        return self._apply({"starts": starts}, moved_start=True)

    def scenario_with_starts(self) -> Scenario:
        """The scenario in force with every method's start point written out (also those the
        engine placed by the landscape's bounds), so that it builds this very run again."""
        with self._lock:
            s = self._scenario
            if s.is_mlp or self._running is None or _data(self._running) != _data(s):
                return s
            starts = dict(self._starts) | dict(s.starts)
        return dataclasses.replace(s, starts=starts)

    # the engine (simulation thread) -----------------------------------------------------------
    def sync(self) -> EngineChange | None:
        """Bring the engine in line with the accepted scenario; None when it already is."""
        with self._lock:
            if not self._dirty and self.sim is not None:
                return None
            target, reset, moved = self._scenario, self._reset_asked, self._moved_start
            self._dirty = self._reset_asked = self._moved_start = False
        running = self._running
        changed = _changed(running, target) if running is not None else set(sc.FIELDS)
        structural = changed - LIVE_FIELDS - VIEW_FIELDS
        if self.sim is None or reset or structural:
            new_landscape = (self.sim is None or target.is_mlp or running.is_mlp
                             or bool(changed & DATA_FIELDS))
            try:
                sim = self._build(target, reuse_landscape=not new_landscape)
            except Exception as exc:  # noqa: BLE001 - whatever the engine refuses, the run stays
                with self._lock:
                    if running is not None:
                        self._scenario = running
                    self._dirty = False
                return EngineChange(error=f"Could not start {target.name}: {exc}")
            with self._lock:
                self.sim = sim
                self.generation += 1
                self._running = target
                self._starts = {r.key: (float(r.start[0]), float(r.start[1])) for r in sim.runs}
                self._plane_time = 0.0
            keep_playing = moved and not reset and structural <= {"starts"}
            return EngineChange(True, new_landscape, keep_playing)
        if "batch_size" in changed:
            self.sim.set_batch_size(target.batch_size)
        if changed & HYPER_FIELDS:
            self.sim.set_hyper(target.hyper())
        self._running = target
        return EngineChange(keep_playing=True)

    def _build(self, scenario: Scenario, reuse_landscape: bool):
        if scenario.is_mlp:
            from gdviz.mlp import require_torch
            require_torch()
            from gdviz.mlp.device import prefer_one_thread
            prefer_one_thread()
            # every new plane re-projects, and the canvas restrokes, the whole trail: 1024
            # points a method keep that frame short (4096 took 15-30 ms of stroking)
            return scenario.build(trail_capacity=min(self.trail_capacity, MLP_TRAIL_CAPACITY))
        landscape = self.sim.landscape if reuse_landscape else None
        return scenario.build(landscape, self.trail_capacity)

    def measure_noise(self, key: str, rng: np.random.Generator) -> NoiseInfo | None:
        """Gradient noise of method *key* at its current θ: the scatter of sampled batches'
        gradients around the full gradient, ± its standard error, beside the prediction from
        all N per-example gradients (the real network measures its own)."""
        sim = self.sim
        if sim is None:
            return None
        run = sim.run(key)
        if sim.is_mlp:
            m = sim.measure_noise(run.key, rng)
        elif np.all(np.isfinite(run.theta)):
            m = measure_noise(sim.landscape, run.theta, run.batch_size, rng)
        else:
            m = None
        if m is None:
            return None
        return NoiseInfo(run.key, run.batch_size, m.measured, m.predicted, m.stats.trace_sigma,
                         m.stderr, m.draws, m.stats.grad_norm2)

    def gradient_cloud(self, key: str):
        """Every example's gradient at method *key*'s θ, its next batch and Cov(g_B)
        (``gdviz.core.gradient_cloud``); None in the real-network mode."""
        sim = self.sim
        if sim is None or sim.is_mlp:
            return None
        from gdviz.core.gradient_cloud import gradient_cloud
        return gradient_cloud(sim.run(key))

    def ensemble_snapshot(self, copies: int, budget_s: float | None = 0.004):
        """The seed ensemble of the mini-batch run (``gdviz.core.ensemble``), brought level with
        the live run (as far as ``budget_s`` seconds allow; None: all the way); built anew with
        each new run. None in the real-network mode."""
        sim = self.sim
        if sim is None or sim.is_mlp or self._running is None:
            self._ensemble = None
            return None
        from gdviz.core.ensemble import SeedEnsemble
        held = self._ensemble
        run = sim.run("mini_batch")
        if held is None or held[0] != self.generation or held[1].k != copies:
            seed = self._running.seed
            # from the run's own start with the settings in force now (one from the start
            # of the run replays it exactly: copy 0 is the run itself)
            ensemble = SeedEnsemble(sim.landscape, run.start, self._running.batch_size,
                                    self._running.hyper(), range(seed, seed + copies),
                                    self._running.drop_last)
            held = self._ensemble = (self.generation, ensemble)
        held[1].follow(run, budget_s=budget_s)
        snap = held[1].snapshot(behind=run.updates - held[1].updates)
        if sim.landscape.dim != 2:
            # d parameters: the copies drawn where the canvas's plane sees them (the spread
            # stays their RMS distance in all d directions)
            import dataclasses
            plane = sim.landscape.to_plane
            snap = dataclasses.replace(snap, thetas=plane(snap.thetas), centre=plane(snap.centre))
        return snap

    def drop_ensemble(self) -> None:
        self._ensemble = None

    def recompute_plane(self) -> bool:
        """MLP mode: lay the loss plane through the current weights again."""
        if self.sim is None or not self.sim.is_mlp:
            return False
        self.sim.recompute_plane()
        return True

    def propose_plane(self, snapshot, now: float):
        """MLP mode: the plane to lay anew when the weights have left the drawn one far behind
        (gdviz.mlp.plane_policy's rule, shared with export; at most every RELAY_INTERVAL_S:
        each new plane costs a grid), proposed but not yet in use
        (``MlpSimulation.propose_plane``: its picture is drawn while the runs go on); None
        when none is due."""
        from gdviz.mlp.plane_policy import RELAY_INTERVAL_S, plane_needs_relay   # numpy only
        if self.sim is None or not self.sim.is_mlp or now - self._plane_time < RELAY_INTERVAL_S:
            return None
        if not plane_needs_relay(snapshot):
            return None
        self._plane_time = now
        return self.sim.propose_plane()


CHANGE_SOURCE = "your change"   # what a refusal of a change made in the window names


def changes_between(current: Scenario, target: Scenario) -> dict:
    """The fields in which *target* differs from *current*: what ``apply`` takes to put
    *target* in force (a run the lab hands back to the window)."""
    return {name: getattr(target, name) for name in sc.FIELDS
            if name != "source" and getattr(target, name) != getattr(current, name)}


def _data(s: Scenario) -> tuple:
    return tuple(getattr(s, name) for name in sorted(DATA_FIELDS))


def _changed(a: Scenario, b: Scenario) -> set[str]:
    return {name for name in sc.FIELDS if getattr(a, name) != getattr(b, name)}


def _completed(base: Scenario, changes: dict) -> dict:
    """*changes* with what follows from them: the rules of the settings, in one place."""
    changes = dict(changes)
    unknown = set(changes) - set(sc.FIELDS) - {"source"}
    if unknown:
        name = sorted(unknown)[0]
        raise sc.ScenarioError(base.source, name, changes[name], "unknown field")
    landscape = changes.get("landscape", base.landscape)
    if landscape != base.landscape or changes.get("function", base.function) != base.function:
        # another surface has its own bounds and start points (and leaves the MLP table)
        changes.setdefault("starts", {})
        changes.setdefault("xlim", None)
        changes.setdefault("ylim", None)
        if landscape != sc.MLP:
            changes.setdefault("mlp", None)
        if landscape != "custom":
            changes.setdefault("function", None)
    return sc.fit_batch_to_n(base, changes)
