"""Scenarios: validated, frozen settings read from TOML files."""
from __future__ import annotations

import dataclasses
import math
import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gdviz.core import CLOCK_KINDS, METHOD_KEYS
from gdviz.core.clock import HardwareModel
from gdviz.core.expression import ExpressionError, check_on_view
from gdviz.core.landscapes import LANDSCAPES, Landscape, make_landscape
from gdviz.core.optimizers import OPTIMIZERS
from gdviz.core.schedules import LR_SCALINGS, SCHEDULES
from gdviz.core.messages import clip, echo
from gdviz.core.simulation import Hyper, Simulation
# The real-network mode's choices come from gdviz.mlp's __init__, which imports no torch.
from gdviz.mlp import (
    ACTIVATIONS as MLP_ACTIVATIONS, CLASSIFICATION_DATASETS as MLP_CLASSIFICATION,
    DATASETS as MLP_DATASETS, DEVICES as MLP_DEVICES, LOSSES as MLP_LOSSES,
    MAX_EXAMPLES as MLP_MAX_EXAMPLES, MIN_EXAMPLES as MLP_MIN_EXAMPLES, PLANES as MLP_PLANES)
from gdviz.resources import resources_dir

MAX_EXAMPLES = 100_000
MAX_EPOCHS = 10_000
MAX_DIMS = 1000               # the least-squares landscape's parameters at most
MAX_FILE_BYTES = 1 << 20      # a scenario file is a few hundred bytes; refuse anything past 1 MiB
MAX_VIEW = 1e6                # |xlim|, |ylim| at most this, and a view at least MIN_VIEW wide
MIN_VIEW = 1e-6
DEFAULT_VIEW = ((-5.0, 5.0), (-5.0, 5.0))   # the custom landscape's view without [view]

# One seed range everywhere: the window's seed box is a 32-bit spin box, so the CLI, the files and
# the window all accept 0 … 2³¹ − 1 (a larger seed was accepted by simulate and crashed the window).
# (defined in gdviz.core.limits: the labs check their derived seeds, seed + k, against it too)
from gdviz.core.limits import MAX_SEED  # noqa: E402
# Text fields are shown as plain text (never Qt rich text) and capped: the built-ins use a fifth.
TEXT_LIMITS = {"name": 255, "title": 200, "description": 1000, "note": 2000}

MLP = "mlp"   # the landscape value that selects the real-network mode
MAX_HIDDEN_LAYERS = 4
MAX_HIDDEN_WIDTH = 256
HYPER_FIELDS = tuple(f.name for f in dataclasses.fields(Hyper))   # Scenario holds them all


class ScenarioError(ValueError):
    """A scenario the app refuses; the message names the source, the field and the value."""

    def __init__(self, source: str, field_name: str | None, value, reason: str):
        self.source, self.field, self.value, self.reason = source, field_name, value, reason
        shown = "" if value is None else f" = {echo(value)}"   # TOML has no null: None is "not shown"
        where = f"field '{clip(field_name, 40)}'{shown}: " if field_name else ""
        super().__init__(f"{clip(source)}: {where}{reason}")


@dataclass(frozen=True)
class MlpSettings:
    """The [mlp] table: the real-network mode's data set and network.

    ``val_fraction`` of N validation points are drawn in addition to the N training points, so
    n_examples stays the N of ⌈N/B⌉.
    """

    dataset: str = "moons"
    noise: float = 0.2
    val_fraction: float = 0.2
    hidden: tuple[int, ...] = (16, 16)
    activation: str = "tanh"
    loss: str = "bce"
    device: str = "auto"          # auto: CUDA when present and working, else the CPU
    plane: str = "trajectories"   # or "random": filter-normalised random directions


@dataclass(frozen=True)
class Scenario:
    name: str = "custom"
    title: str = ""
    description: str = ""
    note: str = ""
    landscape: str = "regression"
    function: str | None = None
    n_examples: int = 1000
    noise: float = 1.0
    seed: int = 0
    # the shuffles' own seed (None: the seed draws data and shuffles alike, as before); the lab's
    # copy k is the run with shuffle seed k on the data of ``seed``
    shuffle_seed: int | None = None
    # the least-squares landscape's parameter count d and feature spread κ (None: its defaults)
    dims: int | None = None
    kappa: float | None = None
    batch_size: int = 32
    # the optimizer's settings: Hyper's fields, with Hyper's defaults
    epochs: float = Hyper.epochs
    lr: float = Hyper.lr
    optimizer: str = Hyper.optimizer
    momentum: float = Hyper.momentum
    schedule: str = Hyper.schedule
    lr_scaling: str = Hyper.lr_scaling
    lr_reference_batch: int = Hyper.lr_reference_batch
    clock: str = "examples"
    drop_last: bool = False
    overhead_ms: float = 2.0
    throughput: float = 50_000.0
    starts: dict = field(default_factory=dict, hash=False)   # method key -> (x, y)
    xlim: tuple[float, float] | None = None
    ylim: tuple[float, float] | None = None
    speed: float = 0.0            # suggested clock ticks per second in the window (0: auto)
    mlp: MlpSettings | None = None   # set (defaults filled in) exactly when landscape = "mlp"
    source: str = "<scenario>"

    @property
    def is_mlp(self) -> bool:
        """The real network (torch) rather than an analytic landscape."""
        return self.landscape == MLP

    # building the engine -------------------------------------------------------------------
    def bounds(self):
        return (tuple(self.xlim), tuple(self.ylim)) if self.xlim and self.ylim else None

    def make_landscape(self) -> Landscape:
        if self.is_mlp:
            raise ValueError("the MLP mode's landscape is a plane through weight space: "
                             "use build().landscape")
        return make_landscape(self.landscape, self.n_examples, self.seed, self.noise,
                              self.function, self.bounds(), dims=self.dims, kappa=self.kappa)

    def hyper(self) -> Hyper:
        return Hyper(**{name: getattr(self, name) for name in HYPER_FIELDS})

    def hardware(self) -> HardwareModel:
        return HardwareModel(self.overhead_ms, self.throughput)

    def resolved_starts(self, landscape: Landscape) -> dict[str, np.ndarray]:
        if getattr(landscape, "dim", 2) != 2:      # d parameters: every method starts at the landscape's start
            return {k: np.array(landscape.start, float) for k in METHOD_KEYS}
        (x0, x1), (y0, y1) = landscape.bounds
        defaults = {  # seed 001's picture: upper left, below, right
            "full_batch": (x0 + 0.15 * (x1 - x0), y0 + 0.85 * (y1 - y0)),
            "mini_batch": (x0 + 0.55 * (x1 - x0), y0 + 0.08 * (y1 - y0)),
            "stochastic": (x0 + 0.92 * (x1 - x0), y0 + 0.55 * (y1 - y0)),
        }
        return {k: np.array(self.starts.get(k, defaults[k]), float) for k in METHOD_KEYS}

    def build(self, landscape: Landscape | None = None, trail_capacity: int = 4096) -> Simulation:
        """The engine for this scenario; an MlpSimulation (imports torch) when landscape = "mlp".

        Raises gdviz.mlp.MlpUnavailable when the MLP mode is asked for without torch.
        """
        if self.is_mlp:
            from gdviz.mlp.simulation import from_scenario
            return from_scenario(self, trail_capacity)
        landscape = landscape or self.make_landscape()
        return Simulation(landscape, self.batch_size, self.resolved_starts(landscape),
                          self.hyper(), self.seed, self.clock, self.drop_last, self.hardware(),
                          trail_capacity, shuffle_seed=self.shuffle_seed)

    def with_changes(self, source: str | None = None, **changes) -> "Scenario":
        """A validated copy with some fields replaced (None values are ignored); a smaller N takes
        B down with it (:func:`fit_batch_to_n`, the rule the window's changes follow too).

        ``source`` names where the changes came from, for error messages.
        """
        changes = {k: v for k, v in changes.items() if v is not None}
        if isinstance(changes.get("function"), str) and "landscape" not in changes:
            changes["landscape"] = "custom"
        changes = fit_batch_to_n(self, changes)
        changed = dataclasses.replace(self, **changes)
        return validate(dataclasses.replace(changed, source=source or self.source))

    def to_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out.pop("source")
        for name in ("shuffle_seed", "dims", "kappa"):   # absent when unset: older files' bytes
            if out[name] is None:
                out.pop(name)
        if self.mlp is None:
            out.pop("mlp")
        else:
            out["mlp"]["hidden"] = list(self.mlp.hidden)
        out["starts"] = {k: [float(v) for v in self.starts[k]] for k in self.starts}
        return out


def fit_batch_to_n(base: "Scenario", changes: dict) -> dict:
    """The one rule for an N that shrinks below B: a change that makes N smaller than the batch
    size in force, and names no batch size of its own, takes B down to N (a batch holds at most
    N examples). *changes* with ``batch_size`` added where the rule applies; the window says so
    (``MainWindow.apply_changes``), the command line too (``cli.options.resolve_scenario``)."""
    n = changes.get("n_examples")
    if (isinstance(n, int) and not isinstance(n, bool) and changes.get("batch_size") is None
            and isinstance(base.batch_size, int) and 1 <= n < base.batch_size):
        return dict(changes, batch_size=n)
    return changes


def lowered_batch_note(before: "Scenario", after: "Scenario") -> str:
    """What :func:`fit_batch_to_n` did, in one line, for the window and the command line."""
    return (f"B lowered from {before.batch_size} to N = {after.n_examples}: a batch holds at most "
            "N examples.")


# validation -------------------------------------------------------------------------------
def _finite(v) -> bool:
    """math.isfinite that says False for an integer beyond a float (OverflowError before)."""
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


def _to_float(source: str, name: str, value):
    """A TOML integer as a float; ScenarioError naming the field when it is beyond a float."""
    try:
        return float(value)
    except OverflowError:
        raise ScenarioError(source, name, value, "is too large a number") from None


def _fail(s: Scenario, name: str, reason: str):
    raise ScenarioError(s.source, name, getattr(s, name), reason)


def _finite_number(s, name, low=None, high=None, low_inclusive=True):
    v = getattr(s, name)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not _finite(v):
        _fail(s, name, "must be a finite number")
    if low is not None and (v < low or (v == low and not low_inclusive)):
        _fail(s, name, f"must be {'≥' if low_inclusive else '>'} {low}")
    if high is not None and v > high:
        _fail(s, name, f"must be ≤ {high}")


def _integer(s, name, low, high):
    v = getattr(s, name)
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        _fail(s, name, "must be a whole number")
    if not low <= v <= high:
        _fail(s, name, f"must be between {low} and {high}")


def _choice(s, name, options):
    if getattr(s, name) not in options:
        _fail(s, name, f"must be one of {', '.join(options)}")


def _validate_mlp(s: Scenario) -> Scenario:
    """The [mlp] table and the ranges of the real-network mode; fills in the defaults."""
    m = s.mlp or MlpSettings()
    if not isinstance(m, MlpSettings):
        _fail(s, "mlp", "must be a table")

    def bad(name, reason):
        raise ScenarioError(s.source, f"mlp.{name}", getattr(m, name), reason)

    for name, options in (("dataset", MLP_DATASETS), ("activation", MLP_ACTIVATIONS),
                          ("loss", MLP_LOSSES), ("device", MLP_DEVICES), ("plane", MLP_PLANES)):
        if getattr(m, name) not in options:
            bad(name, f"must be one of {', '.join(options)}")
    for name, high in (("noise", 10.0), ("val_fraction", 0.5)):
        v = getattr(m, name)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not _finite(v):
            bad(name, "must be a finite number")
        if not 0.0 <= v <= high:
            bad(name, f"must be between 0 and {high}")
    if (not isinstance(m.hidden, tuple) or not 1 <= len(m.hidden) <= MAX_HIDDEN_LAYERS
            or not all(isinstance(h, int) and not isinstance(h, bool)
                       and 1 <= h <= MAX_HIDDEN_WIDTH for h in m.hidden)):
        bad("hidden", f"must be a list of 1 to {MAX_HIDDEN_LAYERS} layer widths, "
                      f"each between 1 and {MAX_HIDDEN_WIDTH}")
    if m.loss == "bce" and m.dataset not in MLP_CLASSIFICATION:
        bad("loss", f"bce needs a classification data set; '{m.dataset}' is regression: use mse")
    if not MLP_MIN_EXAMPLES <= s.n_examples <= MLP_MAX_EXAMPLES:
        _fail(s, "n_examples", f"must be between {MLP_MIN_EXAMPLES} and {MLP_MAX_EXAMPLES} "
                               "for the MLP mode")
    return dataclasses.replace(s, mlp=m)


def validate(s: Scenario) -> Scenario:
    """Check every field; raise ScenarioError naming the first bad one."""
    _choice(s, "landscape", tuple(LANDSCAPES) + (MLP,))
    if s.mlp is not None and not s.is_mlp:
        _fail(s, "landscape", f"an [mlp] table needs landscape = \"{MLP}\"")
    if s.function is not None and s.landscape != "custom":
        _fail(s, "function", f"a function needs landscape = \"custom\" (this scenario's "
                             f"landscape is '{clip(s.landscape, 20)}'): drop one of the two")
    _validate_view(s)
    if s.landscape == "custom":
        if not isinstance(s.function, str) or not s.function.strip():
            _fail(s, "function", "the custom landscape needs a function of x and y")
        try:
            check_on_view(s.function, s.bounds() or DEFAULT_VIEW)
        except ExpressionError as exc:
            _fail(s, "function", str(exc))
    _integer(s, "n_examples", 1, MAX_EXAMPLES)
    if s.landscape == "regression" and s.n_examples < 2:
        # one point leaves the least-squares line undetermined (its landscape has no minimum)
        _fail(s, "n_examples", "must be at least 2 for linear regression: one example does not "
                               "determine a line")
    _integer(s, "batch_size", 1, s.n_examples)
    _integer(s, "seed", 0, MAX_SEED)
    if s.shuffle_seed is not None:
        _integer(s, "shuffle_seed", 0, MAX_SEED)
    if s.landscape != "least_squares":
        for name in ("dims", "kappa"):
            if getattr(s, name) is not None:
                _fail(s, name, "applies only to landscape = \"least_squares\"")
    else:
        if s.dims is not None:
            _integer(s, "dims", 1, MAX_DIMS)
        if s.kappa is not None:
            _finite_number(s, "kappa", 1.0, 1e6)
        if s.starts:
            _fail(s, "starts", "the least-squares landscape starts every method at θ = 0 "
                               "(its d parameters are not a point [x, y])")
    _integer(s, "lr_reference_batch", 1, MAX_EXAMPLES)
    _finite_number(s, "noise", 0.0, 1e6)
    _finite_number(s, "epochs", 0.0, MAX_EPOCHS, low_inclusive=False)
    _finite_number(s, "lr", 0.0, 1e6)
    _finite_number(s, "momentum", 0.0, 0.9999)
    _finite_number(s, "overhead_ms", 0.0, 1e6)
    _finite_number(s, "throughput", 0.0, 1e12, low_inclusive=False)
    _finite_number(s, "speed", 0.0, 1e9)
    _choice(s, "optimizer", OPTIMIZERS)
    _choice(s, "schedule", SCHEDULES)
    _choice(s, "lr_scaling", LR_SCALINGS)
    _choice(s, "clock", CLOCK_KINDS)
    if not isinstance(s.drop_last, bool):
        _fail(s, "drop_last", "must be true or false")
    for key, point in s.starts.items():
        if key not in METHOD_KEYS:
            raise ScenarioError(s.source, f"starts.{key}", point,
                                f"unknown method; use {', '.join(METHOD_KEYS)}")
        if (not isinstance(point, (list, tuple, np.ndarray)) or len(point) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                           and _finite(v) for v in point)):
            raise ScenarioError(s.source, f"starts.{key}", point, "must be two finite numbers [x, y]")
    for name, limit in TEXT_LIMITS.items():
        v = getattr(s, name)
        if not isinstance(v, str):
            _fail(s, name, "must be text")
        if len(v) > limit:
            _fail(s, name, f"is {len(v):,} characters long; at most {limit:,}")
    if s.is_mlp:
        return _validate_mlp(s)
    return s


def _validate_view(s: Scenario) -> None:
    """xlim and ylim: both or neither, each [low, high] of modest finite numbers, low < high."""
    for name in ("xlim", "ylim"):
        lim = getattr(s, name)
        if lim is None:
            continue
        if (not isinstance(lim, (tuple, list)) or len(lim) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                           and _finite(v) and abs(v) <= MAX_VIEW for v in lim)
                or not lim[1] - lim[0] >= MIN_VIEW):
            _fail(s, name, f"must be [low, high] with low < high, both between {-MAX_VIEW:g} "
                           f"and {MAX_VIEW:g}, at least {MIN_VIEW:g} apart")
    if (s.xlim is None) != (s.ylim is None):
        missing = "ylim" if s.ylim is None else "xlim"
        _fail(s, "xlim" if missing == "ylim" else "ylim",
              f"the view needs {missing} as well (both or neither)")


# reading files ---------------------------------------------------------------------------
FIELDS = {f.name: f for f in dataclasses.fields(Scenario)}
TEXT_FIELDS = ("name", "title", "description", "note", "landscape", "function", "optimizer",
               "schedule", "lr_scaling", "clock")


def from_mapping(data: dict, source: str) -> Scenario:
    """A validated Scenario from a parsed TOML mapping."""
    data = dict(data)
    hardware = data.pop("hardware", {})
    if not isinstance(hardware, dict):
        raise ScenarioError(source, "hardware", hardware, "must be a table")
    for key in ("overhead_ms", "throughput"):
        if key in hardware:
            data[key] = hardware.pop(key)
    if hardware:
        key = next(iter(hardware))
        raise ScenarioError(source, f"hardware.{key}", hardware[key],
                            "unknown field (use overhead_ms, throughput)")
    view = data.pop("view", {})
    if not isinstance(view, dict):
        raise ScenarioError(source, "view", view, "must be a table")
    for key, value in view.items():
        if key not in ("xlim", "ylim", "speed"):
            raise ScenarioError(source, f"view.{key}", value, "unknown field (use xlim, ylim, speed)")
        if key in data:
            raise ScenarioError(source, key, data[key], "given twice (also in [view])")
    data.update(view)
    if "landscape" not in data:   # a function or an [mlp] table says which landscape is meant
        if "function" in data:
            data["landscape"] = "custom"
        elif "mlp" in data:
            data["landscape"] = MLP
    if "mlp" in data and data.get("landscape") != MLP:
        raise ScenarioError(source, "landscape", data["landscape"],
                            f"an [mlp] table needs landscape = \"{MLP}\"")
    if "mlp" in data:
        data["mlp"] = _mlp_from_mapping(data["mlp"], source)
    if "starts" in data and not isinstance(data["starts"], dict):
        raise ScenarioError(source, "starts", data["starts"], "must be a table of [x, y] points")
    for key, value in data.items():
        if key not in FIELDS or key == "source":
            raise ScenarioError(source, key, value, "unknown field")
        if key in TEXT_FIELDS and not isinstance(value, str):
            raise ScenarioError(source, key, value, "must be text")
    for name in ("xlim", "ylim"):
        if name in data:
            value = data[name]
            if not isinstance(value, list) or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
                raise ScenarioError(source, name, value, "must be [low, high]")
            data[name] = tuple(_to_float(source, name, v) for v in value)
    for name in ("epochs", "lr", "noise", "momentum", "overhead_ms", "throughput", "speed",
                 "kappa"):
        if isinstance(data.get(name), int) and not isinstance(data.get(name), bool):
            data[name] = _to_float(source, name, data[name])
    return validate(Scenario(source=source, **data))


MLP_FIELDS = {f.name for f in dataclasses.fields(MlpSettings)}


def _mlp_from_mapping(table, source: str) -> MlpSettings:
    """MlpSettings from the [mlp] table (types checked here, values in validate)."""
    if not isinstance(table, dict):
        raise ScenarioError(source, "mlp", table, "must be a table")
    table = dict(table)
    for key, value in table.items():
        if key not in MLP_FIELDS:
            raise ScenarioError(source, f"mlp.{key}", value, "unknown field")
        if key in ("dataset", "activation", "loss", "device", "plane") and not isinstance(value, str):
            raise ScenarioError(source, f"mlp.{key}", value, "must be text")
    if "hidden" in table:
        if not isinstance(table["hidden"], list):
            raise ScenarioError(source, "mlp.hidden", table["hidden"], "must be a list of layer widths")
        table["hidden"] = tuple(table["hidden"])
    for key in ("noise", "val_fraction"):
        if isinstance(table.get(key), int) and not isinstance(table.get(key), bool):
            table[key] = _to_float(source, f"mlp.{key}", table[key])
    if table.get("dataset") in MLP_DATASETS and table["dataset"] not in MLP_CLASSIFICATION:
        table.setdefault("loss", "mse")   # a regression curve: mean squared error by default
    return MlpSettings(**table)


def read_text(path: str | Path) -> str:
    """A scenario file's text: a regular file of at most MAX_FILE_BYTES, UTF-8 (a BOM is fine).

    Never blocks on a FIFO or reads a device: ScenarioError names the file otherwise.
    """
    name = str(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise ScenarioError(name, None, None, "not a regular file")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):   # swapped since the check
                raise ScenarioError(name, None, None, "not a regular file")
            with os.fdopen(fd, "rb") as fh:
                fd = -1
                raw = fh.read(MAX_FILE_BYTES + 1)
        finally:
            if fd >= 0:
                os.close(fd)
    except FileNotFoundError:
        raise ScenarioError(name, None, None, "no such file") from None
    except OSError as exc:
        raise ScenarioError(name, None, None,
                            f"cannot read the file: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(name, None, None,
                            f"larger than {MAX_FILE_BYTES // 1024} KiB: not a scenario file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(name, None, None,
                            f"not UTF-8 text (byte {exc.start + 1})") from None


def _long_integer_field(text: str) -> str | None:
    """The key whose value is the first integer of more than 4,300 digits, where one is."""
    import re
    m = re.search(r"([A-Za-z0-9_.\-\"']+)\s*=\s*[+-]?[0-9_]{4300,}", text)
    return m.group(1).strip("\"'") if m else None


def load_file(path: str | Path) -> Scenario:
    path = Path(path)
    text = read_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(str(path), None, None, f"not valid TOML: {clip(str(exc))}") from None
    except RecursionError:      # arrays or tables nested hundreds deep (a 2 KB file)
        raise ScenarioError(str(path), None, None,
                            "not a scenario file: its arrays or tables are nested too deeply") from None
    except ValueError:          # Python's limit on integer digits (4,300), met while parsing
        raise ScenarioError(str(path), _long_integer_field(text), None,
                            "an integer with more than 4,300 digits: not a scenario value") from None
    data.setdefault("name", path.name.removesuffix(".toml").removesuffix(".gdviz"))
    return from_mapping(data, str(path))


def builtin_dir() -> Path:
    return resources_dir() / "scenarios"


def builtin_names() -> list[str]:
    """Built-in scenario names, in the order of the lesson (file names sort that way)."""
    files = sorted(builtin_dir().glob("*.toml"))
    return [load_file(p).name for p in files]


def builtin_scenarios() -> list[Scenario]:
    return [load_file(p) for p in sorted(builtin_dir().glob("*.toml"))]


def load(name_or_path: str) -> Scenario:
    """A built-in scenario by name, or a scenario file by path."""
    if not isinstance(name_or_path, str) or not name_or_path.strip():
        raise ScenarioError(repr(name_or_path), None, None,
                            "no scenario given: name a built-in scenario (gdviz scenarios) "
                            "or a .toml file")
    for scenario in builtin_scenarios():
        if scenario.name == name_or_path:
            return scenario
    path = Path(name_or_path)
    try:
        exists = path.exists()
    except OSError:          # e.g. a name longer than the file system allows: say so below
        exists = True
    if path.suffix == ".toml" or exists:
        return load_file(path)
    # the names are not listed: with every new preset the line would grow past a screen's width
    count = len(builtin_scenarios())
    raise ScenarioError(name_or_path, None, None,
                        f"no built-in scenario of that name and no such file (`gdviz scenarios` "
                        f"lists the {count} built-ins)")


# gdviz.scenario(name_or_path, **changes) is the API's function (gdviz.api.scenario)
import sys as _sys  # noqa: E402

from gdviz._callable import CallableModule  # noqa: E402

_sys.modules[__name__].__class__ = CallableModule
