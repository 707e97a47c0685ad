"""gdviz from Python: the engine behind the ``gdviz`` command, as functions and result objects.

Import the names from the package, ``import gdviz``; everything not in ``gdviz.__all__`` is
private. Keyword arguments carry the command line's option names with underscores
(``--batch-size`` is ``batch_size=``), and go through the command line's own parser and checks,
so every option of ``gdviz simulate``, ``gdviz sweep`` and ``gdviz export`` is a keyword here, and
a bad value raises :class:`GdvizError` with the line the command would print. Scenario fields
that have no option (``noise``, ``momentum``, ``schedule``, ``starts``, ...) are keywords too.

>>> import gdviz
>>> run = gdviz.simulate("quick-example", epochs=2)
>>> run["mini_batch"].batch_size, len(run["mini_batch"].loss) == run["mini_batch"].updates
(32, True)
>>> run.to_json()[:12]
'{"scenario":'
"""
from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import html
import warnings
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np

from gdviz.scenario import MlpSettings, Scenario, ScenarioError

__all__ = ["GdvizError", "MethodResult", "Picture", "SimulationResult", "SweepResult",
           "export", "scenario", "show", "simulate", "sweep"]

_PLACEHOLDER = "_"   # the positional scenario while parsing; the real one is put in after


class GdvizError(ValueError):
    """Bad input, or a run that could not be done. ``str(error)`` is the line the ``gdviz``
    command prints after ``gdviz: error:``; ``status`` is the command's exit status (2: bad
    input, nothing done; 1: the environment or a file failed, e.g. torch missing).

    >>> import gdviz
    >>> try:
    ...     gdviz.simulate("quick-example", lr=-1)
    ... except gdviz.GdvizError as exc:
    ...     print(exc.status, exc)
    2 quick-example with command-line options: field 'lr' = -1.0: must be ≥ 0.0
    """

    def __init__(self, message: str, status: int = 2):
        super().__init__(message)
        self.status = status


@contextlib.contextmanager
def _errors() -> Iterator[None]:
    """Every refusal of the engine or the command line's parser as one GdvizError."""
    from gdviz.cli import UsageError
    from gdviz.core.expression import ExpressionError
    from gdviz.export.atomic import ExportError
    from gdviz.mlp import MlpUnavailable

    try:
        yield
    except GdvizError:
        raise
    except MlpUnavailable as exc:
        raise GdvizError(str(exc), 1) from exc
    except (UsageError, ScenarioError, ExpressionError, ExportError, ValueError) as exc:
        raise GdvizError(str(exc)) from exc


# keywords -> the command line's parser -----------------------------------------------------
def _verb_parser(verb: str) -> argparse.ArgumentParser:
    if verb == "export":
        from gdviz.cli.export import build_parser
        return build_parser()
    from gdviz.cli import build_parser
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[verb]


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {a.dest: a for a in parser._actions
            if a.option_strings and a.dest not in ("help", "json", "out")}


def _text(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)).lower()
    if isinstance(value, (float, np.floating)):
        return repr(float(value))       # round-trips exactly
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (list, tuple, np.ndarray)):
        return ",".join(_text(v) for v in value)
    return str(value)


def _parse(verb: str, changes: Mapping[str, Any], extra_argv: tuple[str, ...] = (),
           scenario_fields: bool = True) -> tuple[argparse.Namespace, dict[str, Any]]:
    """``changes`` through ``gdviz VERB``'s parser: (the namespace, the keywords that are not
    its options but scenario fields). Unknown keywords are refused."""
    parser = _verb_parser(verb)
    options = _options(parser)
    argv, flags, rest = [_PLACEHOLDER, *extra_argv], {}, {}
    fields = {f.name for f in dataclasses.fields(Scenario)} - {"source"}
    for key, value in changes.items():
        action = options.get(key)
        if action is None:
            if scenario_fields and key in fields:
                rest[key] = value
                continue
            known = sorted(options) + (sorted(fields) if scenario_fields else [])
            raise GdvizError(f"unknown setting {key!r} for {verb}: use one of "
                             + ", ".join(known))
        if value is None:
            continue
        if action.nargs == 0:          # a flag (--drop-last): True sets it, False clears it
            flags[action.dest] = bool(value)
            continue
        argv.append(f"{max(action.option_strings, key=len)}={_text(value)}")
    with _errors():
        args = parser.parse_args(argv)
    for dest, value in flags.items():
        setattr(args, dest, value)
    return args, rest


def _resolve(scenario_or_name: Scenario | str | Path, args: argparse.Namespace,
             fields: Mapping[str, Any]) -> Scenario:
    """The scenario as the command line resolves it, then the scenario fields applied."""
    from gdviz.cli import resolve_scenario

    if isinstance(scenario_or_name, Path):
        scenario_or_name = str(scenario_or_name)
    if not isinstance(scenario_or_name, (str, Scenario)):
        raise GdvizError(f"expected a scenario name, a .toml path or a gdviz scenario, not "
                         f"{type(scenario_or_name).__name__}")
    args.scenario = scenario_or_name
    with _errors():
        s = resolve_scenario(args)
        if fields:
            fields = dict(fields)
            if isinstance(fields.get("mlp"), Mapping):
                fields["mlp"] = dataclasses.replace(s.mlp or MlpSettings(), **fields["mlp"])
            s = s.with_changes(source=f"{s.name} with changes", **fields)
    return s


def scenario(name_or_path: Scenario | str | Path, /, **changes: Any) -> Scenario:
    """The validated scenario: a built-in name (``gdviz scenarios``) or a .toml path, with
    changes. Keywords: the options of ``gdviz simulate`` (``lr``, ``batch_size``, ``epochs``,
    ``clock``, ``device``, ...) and the scenario's TOML fields (``noise``, ``momentum``, ...).

    >>> import gdviz
    >>> s = gdviz.scenario("quick-example", batch_size=8, lr=0.05)
    >>> s.batch_size, s.lr, s.landscape
    (8, 0.05, 'regression')
    """
    args, fields = _parse("simulate", changes)
    return _resolve(name_or_path, args, fields)


# simulate ---------------------------------------------------------------------------------
class MethodResult:
    """One method's run: per update, NumPy arrays (row i is update i + 1), and its summary.

    ``theta`` (updates × 2) is where each update ended and ``theta_before`` where it began;
    ``loss`` is the full loss J(θ) after it, ``batch_loss`` the batch's loss before it;
    ``grad_estimate`` the batch gradient used, ``grad_full`` the full gradient at the same
    point; ``lr`` the step's η; ``update``, ``epoch``, ``examples`` (examples processed) and
    ``clock`` count where the run stood after it; ``batches`` the example indices of each
    update. Real-network runs add ``val_loss``; their θ are coordinates on the weight plane.
    ``columns`` holds every field of the engine's step records by its own name.
    """

    def __init__(self, run: Any, records: list, label: str):
        self.key: str = run.key
        self.label: str = label
        self.batch_size: int = run.batch_size
        self.updates_per_epoch: int = run.updates_per_epoch
        self.status: str = run.status
        self.start: np.ndarray = np.asarray(run.start, float).copy()
        self.start_loss: float = float(run.start_loss)
        self.updates: int = run.updates
        self.epochs: float = float(run.epoch)
        self.final_clock: float = float(run.clock)
        self.final_loss: float = float(run.loss)
        self._record_type = type(records[0]) if records else None
        self._constants: dict[str, Any] = {}
        self.columns: dict[str, Any] = _columns(records, self._constants)
        c = self.columns
        self.theta: np.ndarray = c.get("theta", np.empty((0, 2)))
        self.theta_before: np.ndarray = c.get("theta_before", np.empty((0, 2)))
        self.loss: np.ndarray = c.get("loss", np.empty(0))
        self.batch_loss: np.ndarray = c.get("batch_loss", np.empty(0))
        self.grad_estimate: np.ndarray = c.get("grad_estimate", np.empty((0, 2)))
        self.grad_full: np.ndarray = c.get("grad_full", np.empty((0, 2)))
        self.lr: np.ndarray = c.get("lr", np.empty(0))
        self.update: np.ndarray = c.get("update", np.empty(0, int))
        self.epoch: np.ndarray = c.get("epoch", np.empty(0))
        self.examples: np.ndarray = c.get("examples_seen", np.empty(0, int))
        self.clock: np.ndarray = c.get("clock", np.empty(0))
        self.batches: list[np.ndarray] = c.get("batch", [])
        self.val_loss: np.ndarray | None = c.get("val_loss")

    def records(self) -> list:
        """The engine's step records again (the objects the command line serialises)."""
        if self._record_type is None:
            return []
        exact = self._constants.get("_exact", {})
        rows = {name: exact.get(name, col if isinstance(col, list) else col.tolist())
                for name, col in self.columns.items()}
        matrix = {n for n, col in self.columns.items()
                  if isinstance(col, np.ndarray) and col.ndim > 1}
        out = []
        for i in range(self.updates_recorded):
            values = {n: (np.asarray(col[i], float) if n in matrix else col[i])
                      for n, col in rows.items()}
            out.append(self._record_type(**values, **{k: v for k, v in self._constants.items()
                                                       if k != "_exact"}))
        return out

    @property
    def updates_recorded(self) -> int:
        return len(self.update)

    def __repr__(self) -> str:
        return (f"<MethodResult {self.key}: B = {self.batch_size}, {self.updates} updates, "
                f"final loss {self.final_loss:.6g}, {self.status}>")


def _columns(records: list, constants: dict[str, Any]) -> dict[str, Any]:
    """Each record field as one array (a list of arrays where rows differ in length); a text
    field that is the same in every record (the method's key) goes to ``constants``."""
    if not records:
        return {}
    out: dict[str, Any] = {}
    for f in dataclasses.fields(records[0]):
        values = [getattr(r, f.name) for r in records]
        first = values[0]
        if isinstance(first, np.ndarray):
            if all(v.shape == first.shape for v in values):
                out[f.name] = np.stack(values)
            else:
                out[f.name] = [np.asarray(v) for v in values]
        elif isinstance(first, str) and all(v == first for v in values):
            constants[f.name] = first
        else:
            out[f.name] = np.asarray(values)
            ints = [isinstance(v, (int, np.integer)) for v in values]
            if any(ints) and not all(ints):
                # ints and floats mixed: JSON writes 1 and 1.0, so keep what each record held
                constants.setdefault("_exact", {})[f.name] = values
    return out


class SimulationResult:
    """The three methods run to the end: ``result["mini_batch"]`` (or ``.methods``) holds each
    method's arrays, ``summary`` the rows of the command line's table, ``table()`` its text,
    ``to_json()`` the text of ``gdviz simulate … --json``."""

    def __init__(self, scenario: Scenario, sim: Any, records: Mapping[str, list]):
        from gdviz.core import METHOD_LABELS

        self.scenario: Scenario = scenario
        self._sim = sim
        self.methods: dict[str, MethodResult] = {
            run.key: MethodResult(run, list(records[run.key]), METHOD_LABELS[run.key])
            for run in sim.runs}

    def __getitem__(self, key: str) -> MethodResult:
        return self.methods[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.methods)

    @property
    def summary(self) -> list[dict[str, Any]]:
        """Per method, what the command line's table prints."""
        from gdviz.core.clock import CLOCK_UNITS

        rows = []
        for m in self.methods.values():
            row = {"method": m.label, "key": m.key, "batch_size": m.batch_size,
                   "updates_per_epoch": m.updates_per_epoch, "updates": m.updates,
                   "epochs": m.epochs, "clock": m.final_clock,
                   "clock_unit": CLOCK_UNITS[self.scenario.clock], "final_loss": m.final_loss,
                   "status": m.status}
            run = next(r for r in self._sim.runs if r.key == m.key)
            if self._sim.is_mlp:
                row["val_loss"] = float(run.val_loss)
            rows.append(row)
        return rows

    def table(self) -> str:
        """The table ``gdviz simulate`` prints (without its final newline)."""
        from gdviz.cli import _table
        return _table(self.scenario, self._sim)

    def to_json(self) -> str:
        """Exactly the text ``gdviz simulate … --json`` prints for the same arguments."""
        from gdviz.cli import _dumps, simulation_json
        records = {key: m.records() for key, m in self.methods.items()}
        return _dumps(simulation_json(self.scenario, self._sim, records)) + "\n"

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return (f"<SimulationResult {self.scenario.name}: "
                + ", ".join(f"{k} {m.updates} updates" for k, m in self.methods.items()) + ">")

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.table())}</pre>"


def simulate(scenario_or_name: Scenario | str | Path, /, **changes: Any) -> SimulationResult:
    """Run the three methods (full batch, mini-batch, stochastic) to the end, as
    ``gdviz simulate`` does; keywords as for :func:`scenario`.

    >>> import gdviz
    >>> run = gdviz.simulate("quick-example", epochs=1, batch_size=100)
    >>> [row["updates"] for row in run.summary]
    [1, 10, 1000]
    >>> run["stochastic"].theta.shape
    (1000, 2)
    """
    from gdviz.cli import check_run_length

    args, fields = _parse("simulate", changes)
    s = _resolve(scenario_or_name, args, fields)
    with _errors():
        if s.is_mlp:
            from gdviz.mlp import require_torch
            require_torch()
            from gdviz.mlp.device import prefer_one_thread
            prefer_one_thread()
        check_run_length(s)
        sim = s.build()
        records = sim.run_to_end()
    return SimulationResult(s, sim, records)


# sweep ------------------------------------------------------------------------------------
class SweepResult:
    """The batch-size lab's result (``lab``: runs, best per B, fit, noise scale), with the
    command line's table, JSON and CSV, and its six plots."""

    def __init__(self, scenario: Scenario, lab: Any):
        self.scenario: Scenario = scenario
        self.lab = lab

    @property
    def best(self) -> list[dict[str, Any]]:
        """Per batch size, the best learning rate and its median steps (as in the JSON)."""
        from gdviz.core.lab_report import result_json
        return result_json(self.scenario, self.lab)["best"]

    @property
    def runs(self) -> list[dict[str, Any]]:
        """Every run (batch size, η, seed) as in the JSON and CSV."""
        from gdviz.core.lab_report import result_json_runs
        return result_json_runs(self.lab)

    def table(self) -> str:
        """The table ``gdviz sweep`` prints (without its final newline)."""
        from gdviz.cli.sweep import result_table
        return result_table(self.scenario, self.lab)

    def to_json(self) -> str:
        """Exactly the text ``gdviz sweep … --json`` prints."""
        from gdviz.core.lab_report import result_json_text
        return result_json_text(self.scenario, self.lab)

    def to_csv(self) -> str:
        """Exactly the file ``gdviz sweep … --out runs.csv`` writes."""
        from gdviz.core.lab_report import runs_csv
        return runs_csv(self.lab)

    def figure(self, path: str | Path) -> Path:
        """Write the six plots to ``path`` (.png or .svg), as ``gdviz sweep --out`` does."""
        from gdviz.cli.sweep import _export_plots
        from gdviz.export.atomic import check_target

        path = Path(path)
        with _errors():
            if path.suffix.lower() not in (".png", ".svg"):
                raise GdvizError(f"{path}: the file name must end in .png or .svg")
            check_target(str(path))
            try:
                _export_plots(self.scenario, self.lab, str(path))
            except OSError as exc:
                raise GdvizError(str(exc), 1) from exc
        return path

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        lab = self.lab
        return (f"<SweepResult {self.scenario.name}: {len(lab.batch_sizes)} batch sizes × "
                f"{len(lab.lrs)} learning rates × {len(lab.seeds)} seeds>")

    def _repr_html_(self) -> str:
        head = ("<tr><th>B</th><th>best η</th><th>steps (median)</th><th>IQR</th>"
                "<th>examples (median)</th></tr>")

        def cell(v: Any) -> str:
            return "—" if v is None else html.escape(format(v, ".4g"))

        rows = "".join(
            f"<tr><td>{p['batch_size']}</td><td>{cell(p['lr'])}</td>"
            f"<td>{cell(p['steps_median'])}</td>"
            f"<td>{cell(p['steps_q1'])}–{cell(p['steps_q3'])}</td>"
            f"<td>{cell(p['examples_median'])}</td></tr>" for p in self.best)
        fit = self.lab.fit
        out = (f"<p>{html.escape(self.scenario.name)}: best learning rate per batch size; "
               f"B_crit = E_min/S_min = {cell(fit.b_crit)}</p><table>{head}{rows}</table>")
        try:
            png = _figure_png(self)
        except Exception as exc:   # a notebook shows the table even where Qt cannot draw
            return out + f"<p>(no figure: {html.escape(str(exc))})</p>"
        return out + (f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}" '
                      'alt="the lab\'s six plots"/>')


def _figure_png(result: SweepResult) -> bytes:
    import tempfile
    with tempfile.TemporaryDirectory(prefix="gdviz-") as tmp:
        path = Path(tmp) / "lab.png"
        result.figure(path)
        return path.read_bytes()


def sweep(scenario_or_name: Scenario | str | Path, /, **options: Any) -> SweepResult:
    """The batch-size lab, as ``gdviz sweep``: steps to a target over batch sizes, learning
    rates and seeds. Keywords: its options (``batch_sizes=[1, 4, 16]`` or ``"auto"``,
    ``lrs=[...]``, ``seeds=K``, ``target_fraction``, ``optimizer``, ``max_epochs``, ...) and
    scenario fields.

    >>> import gdviz
    >>> lab = gdviz.sweep("quick-example", batch_sizes=[10, 100], lrs=[0.1, 0.3], seeds=2,
    ...                   max_epochs=20)
    >>> [p["batch_size"] for p in lab.best]
    [10, 100]
    >>> lab.to_csv().splitlines()[0]
    'batch_size,lr,seed,steps,examples,time,status'
    """
    from gdviz.cli import sweep as sweep_cli

    for key in ("batch_sizes", "lrs"):
        if options.get(key) is None and key in options:
            options[key] = "auto"
    args, fields = _parse("sweep", options)
    if isinstance(scenario_or_name, Path):
        scenario_or_name = str(scenario_or_name)
    args.scenario = scenario(scenario_or_name, **fields) if fields else scenario_or_name
    with _errors():
        s, lab = sweep_cli.compute(args)
    return SweepResult(s, lab)


# export -----------------------------------------------------------------------------------
def export(scenario_or_name: Scenario | str | Path, path: str | Path, /,
           **options: Any) -> Path:
    """Write a still (.png, .svg) or a clip (.mp4, .gif) of the scenario, as ``gdviz export``
    does; returns the file. Keywords: its options (``seconds``, ``fps``, ``size=(w, h)`` or
    ``"WxH"``, ``what``, ``theme``) and those of :func:`scenario`. Notes the command prints
    (e.g. a size the codec rounds) come as warnings.

    >>> import gdviz, pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "end.png"
    >>> gdviz.export("quick-example", out, seconds=1, size=(320, 200)).stat().st_size > 1000
    True
    """
    from gdviz.export.job import ExportJob, ExportSpec, parse_size
    from gdviz.export.render import ensure_application, prepare_headless

    size = options.get("size")
    if isinstance(size, (tuple, list)):
        options["size"] = "x".join(_text(v) for v in size)
    out = Path(path)
    args, fields = _parse("export", options, (f"--out={out}",))
    s = _resolve(scenario_or_name, args, fields)
    with _errors():
        spec = ExportSpec(s, out, args.what, parse_size(args.size), args.seconds, args.fps,
                          args.theme)
        job = ExportJob(spec)
    prepare_headless()
    ensure_application()
    try:
        target = job.run()
    except (OSError, ValueError, RuntimeError) as exc:
        job.cancel()
        raise GdvizError(f"{exc}; {out} was not written", 1) from exc
    except BaseException:
        job.cancel()
        raise
    for note in job.notes:
        warnings.warn(note, stacklevel=2)
    return Path(target)


# pictures ---------------------------------------------------------------------------------
class Picture:
    """A PNG image: shown inline by a notebook, ``save(path)`` writes it, ``png`` holds the
    bytes."""

    def __init__(self, png: bytes, size: tuple[int, int]):
        self.png: bytes = png
        self.size: tuple[int, int] = size

    def _repr_png_(self) -> bytes:
        return self.png

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_bytes(self.png)
        return path

    def __repr__(self) -> str:
        return f"<Picture {self.size[0]}x{self.size[1]} PNG, {len(self.png)} bytes>"


def show(result: SimulationResult | SweepResult, size: tuple[int, int] = (960, 600),
         theme: str = "light") -> Picture:
    """The landscape with the three paths at their end (a sweep: the lab's six plots) as an
    inline image; drawn offscreen, no window opens. In a notebook, make it a cell's last
    line.

    >>> import gdviz
    >>> pic = gdviz.show(gdviz.simulate("quick-example", epochs=1), size=(400, 300))
    >>> pic.size, pic.png[:4]
    ((400, 300), b'\\x89PNG')
    """
    if isinstance(result, SweepResult):
        png = _figure_png(result)
        # a PNG's IHDR chunk holds its width and height, big-endian, at bytes 16-24
        return Picture(png, (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")))
    if not isinstance(result, SimulationResult):
        raise GdvizError(f"show() draws a simulate() or sweep() result, not "
                         f"{type(result).__name__}")
    if theme not in ("light", "dark"):
        raise GdvizError(f"theme {theme!r}: choose light or dark")
    from gdviz.export.job import png_bytes
    from gdviz.export.render import FrameRenderer, ensure_application, prepare_headless
    from gdviz.ui.contours import landscape_view

    prepare_headless()
    ensure_application()
    sim = result._sim
    if sim.is_mlp:
        from gdviz.export.render import trail_frame
        from gdviz.mlp.plane_policy import PLANE_GRID
        bounds = trail_frame(sim.snapshot(), sim.landscape.bounds)
        view = landscape_view(sim.landscape, PLANE_GRID, sim.plane_version, bounds=bounds)
    else:
        view = landscape_view(sim.landscape)
    renderer = FrameRenderer(result.scenario, view, size, "canvas", theme)
    try:
        png = png_bytes(renderer.render(sim.snapshot()))
    finally:
        renderer.close()
    return Picture(png, (int(size[0]), int(size[1])))
