"""The ``gdviz`` command: launch the window, or run a verb headless.

    gdviz [SCENARIO] [--present]        open the window
    gdviz scenarios                     list the built-in scenarios
    gdviz simulate SCENARIO [options]   run the three methods and print a table or JSON
    gdviz export SCENARIO --out FILE    render a still or a clip without a window
    gdviz sweep SCENARIO [options]      the batch-size lab: steps to a target over B, η, seeds
"""
from __future__ import annotations

import argparse
import json
import math
import sys

import numpy as np

# the parser and the options every verb shares: gdviz.cli.options, which the verbs' modules
# import too (none of them imports gdviz.cli back)
from gdviz.cli.options import Parser, UsageError, resolve_scenario, scenario_options
from gdviz.cli.options import say as _say

VERBS = ("scenarios", "simulate", "export", "sweep")
# gdviz simulate's stated limits: the updates of a run to the end (all three methods; about five
# minutes on a 2-core laptop), and the step records a real-network run keeps in memory.
MAX_SIMULATE_UPDATES = 10_000_000
MAX_MLP_RECORD_BYTES = 512 * 2**20
SPOOL_BYTES = 8 * 2**20   # a method's JSON steps stay in memory up to this, then go to a file

_Parser, _scenario_options = Parser, scenario_options   # the names they had


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="gdviz", description="How batch size shapes gradient descent.")
    sub = parser.add_subparsers(dest="verb", parser_class=Parser)
    sub.add_parser("scenarios", help="list the built-in scenarios")
    sim = sub.add_parser("simulate", help="run the three methods headless")
    scenario_options(sim)
    sim.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    sim.add_argument("--batch-indices", action="store_true", dest="batch_indices",
                     help="with --json: each step also lists, as \"batch_indices\", the example "
                          "indices it used, in the order drawn (what the data view lights)")
    from gdviz.cli import sweep as sweep_cli
    sweep_cli.add_parser(sub)
    return parser


# JSON ------------------------------------------------------------------------------------------
def _num(value):
    """A JSON-safe number: NaN and infinities become null (the status says why)."""
    value = float(value)
    return value if math.isfinite(value) else None


def _vec(values):
    return [_num(v) for v in np.asarray(values, float).ravel()]


def _step_json(r, mlp: bool, batch_indices: bool = False) -> dict:
    step = {
        "update": r.update, "epoch": r.epoch, "examples_seen": r.examples_seen,
        "clock": _num(r.clock), "theta_before": _vec(r.theta_before),
        "theta": _vec(r.theta), "loss": _num(r.loss),
        "batch_loss": _num(r.batch_loss), "grad_estimate": _vec(r.grad_estimate),
        "grad_full": _vec(r.grad_full), "batch": [int(i) for i in r.batch],
        "lr": _num(r.lr)}
    if mlp:
        step["val_loss"] = _num(r.val_loss)
    if batch_indices:
        step["batch_indices"] = step["batch"]
    return step


def _method_head(run) -> dict:
    return {"batch_size": run.batch_size, "updates_per_epoch": run.updates_per_epoch,
            "status": run.status, "start": {"theta": _vec(run.start), "loss": _num(run.start_loss)}}


def _dumps(value) -> str:
    return json.dumps(value, allow_nan=False, separators=(",", ":"))


def simulation_json(scenario, sim, records, batch_indices: bool = False) -> dict:
    """The run as JSON. MLP runs: theta and gradients are coordinates on the weight plane,
    each step adds "val_loss" and the top level "device" (and "notice", why not the GPU)."""
    mlp = sim.is_mlp
    methods = {}
    for run in sim.runs:
        methods[run.key] = _method_head(run) | {
            "steps": [_step_json(r, mlp, batch_indices) for r in records[run.key]]}
    out = {"scenario": scenario.to_dict(), "methods": methods}
    if mlp:
        out["device"] = sim.device_label
        out["notice"] = sim.notice
        out["plane_axes"] = list(sim.landscape.param_names)
    return out


def stream_simulation_json(scenario, sim, out, batch_indices: bool = False) -> None:
    """Run an analytic simulation to the end and write ``simulation_json``'s text (the same
    bytes) as it goes: each method's steps are spooled to a temporary file, not kept, since its
    status comes before them; memory stays flat for any run length."""
    import shutil
    import tempfile

    out.write('{"scenario":' + _dumps(scenario.to_dict()) + ',"methods":{')
    for i, run in enumerate(sim.runs):
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+",
                                           encoding="utf-8") as spool:
            sep = ""
            while run.status == "running":
                spool.write(sep + _dumps(_step_json(run.step(), False, batch_indices)))
                sep = ","
            sim.clock_value = max(sim.clock_value, run.clock)
            head = _dumps(_method_head(run))
            out.write(("," if i else "") + _dumps(run.key) + ":" + head[:-1] + ',"steps":[')
            spool.seek(0)
            shutil.copyfileobj(spool, out)
        out.write("]}")
    out.write("}}\n")


def _run_without_records(sim) -> None:
    for run in sim.runs:
        while run.status == "running":
            run.step()
        sim.clock_value = max(sim.clock_value, run.clock)


def planned_updates(scenario) -> int:
    """The updates the three methods take in a run to the end (without divergence)."""
    from gdviz.core.batching import updates_per_epoch

    n, total = scenario.n_examples, 0
    for b in (n, scenario.batch_size, 1):
        per_epoch = updates_per_epoch(n, b, scenario.drop_last)
        total += math.ceil(scenario.epochs * per_epoch - 1e-9)
    return total


def mlp_record_bytes(scenario) -> int:
    """About the memory an MLP run to the end keeps: every record holds the weights three times
    (position, batch and full gradient) and the batch's indices, until the final plane is known."""
    sizes = [2, *scenario.mlp.hidden, 1]
    params = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    n, total = scenario.n_examples, 0
    for b in (n, scenario.batch_size, 1):
        updates = math.ceil(scenario.epochs * math.ceil(n / b) - 1e-9)
        total += updates * (3 * 8 * params + 8 * b + 400)
    return total


def check_run_length(scenario) -> None:
    """Refuse, before any work, a run to the end longer than the stated limits."""
    updates = planned_updates(scenario)
    if updates > MAX_SIMULATE_UPDATES:
        raise UsageError(
            f"this run takes {updates:,} updates in all (N = {scenario.n_examples}, B = "
            f"{scenario.batch_size}, {scenario.epochs:g} epochs); gdviz simulate runs at most "
            f"{MAX_SIMULATE_UPDATES:,}: lower --epochs or --n-examples")
    if scenario.landscape == "mlp" and mlp_record_bytes(scenario) > MAX_MLP_RECORD_BYTES:
        raise UsageError(
            f"this real-network run keeps about {mlp_record_bytes(scenario) / 2**20:,.0f} MiB of "
            f"step records (N = {scenario.n_examples}, {scenario.epochs:g} epochs); gdviz "
            f"simulate keeps at most {MAX_MLP_RECORD_BYTES // 2**20} MiB: lower --epochs or "
            f"--n-examples")


def _table(scenario, sim) -> str:
    from gdviz.core import METHOD_LABELS
    from gdviz.core.clock import CLOCK_UNITS

    landscape = sim.landscape
    lines = [f"{scenario.name}: {landscape.title}, N = {sim.n}, eta = {scenario.lr:g}, "
             f"{scenario.optimizer}, {scenario.epochs:g} epochs, clock: {scenario.clock}",
             f"{'method':<12} {'B':>6} {'upd/epoch':>9} {'updates':>8} {'epochs':>7} "
             f"{'clock':>12} {'final loss':>12} {'status':>9}"]
    mlp = sim.is_mlp
    if mlp:
        lines[1] += f" {'val loss':>10}"
    for r in sim.runs:
        clock = f"{r.clock:.4g} {CLOCK_UNITS[scenario.clock]}"
        lines.append(f"{METHOD_LABELS[r.key]:<12} {r.batch_size:>6} {r.updates_per_epoch:>9} "
                     f"{r.updates:>8} {r.epoch:>7.2f} {clock:>12} {r.loss:>12.6g} {r.status:>9}"
                     + (f" {r.val_loss:>10.4g}" if mlp else ""))
    if mlp:
        lines.append(f"network {sim.spec.sizes} on {sim.dataset.name}, device: {sim.device_label}"
                     + (f" ({sim.notice})" if sim.notice else ""))
    if getattr(landscape, "dim", 2) != 2:     # the MLP's plane has no dim: two coordinates
        lines.append(f"minimum θ* ({landscape.dim} parameters), loss J* = {landscape.j_star:.6g}")
    elif len(landscape.minima):
        best = min(landscape.minima, key=lambda m: float(landscape.loss(m)))
        lines.append(f"minimum at ({best[0]:.4g}, {best[1]:.4g}), loss {float(landscape.loss(best)):.6g}")
    return "\n".join(lines)


def cmd_scenarios(args) -> int:
    from gdviz.scenario import builtin_scenarios

    scenarios = builtin_scenarios()
    width = max(len(s.name) for s in scenarios)
    for s in scenarios:
        print(f"{s.name:<{width}}  {s.description}")
    return 0


def cmd_simulate(args) -> int:
    scenario = resolve_scenario(args)
    if scenario.is_mlp:
        from gdviz.mlp import require_torch
        require_torch()   # a clear message when torch is missing
        from gdviz.mlp.device import prefer_one_thread
        prefer_one_thread()
    check_run_length(scenario)
    if args.batch_indices and not args.json:
        raise UsageError("--batch-indices adds to the JSON output: use it with --json")
    sim = scenario.build()
    if scenario.landscape != "mlp":   # analytic: records are streamed or dropped, never kept
        if args.json:
            stream_simulation_json(scenario, sim, sys.stdout, args.batch_indices)
        else:
            _run_without_records(sim)
            print(_table(scenario, sim))
        return 0
    records = sim.run_to_end()        # the MLP's coordinates need the final plane
    if args.json:
        json.dump(simulation_json(scenario, sim, records, args.batch_indices), sys.stdout,
                  allow_nan=False,
                  separators=(",", ":"))
        sys.stdout.write("\n")
    else:
        print(_table(scenario, sim))
    return 0


def _launch(argv: list[str]) -> int:
    parser = Parser(prog="gdviz", description="Open the gdviz window.")
    parser.add_argument("scenario", nargs="?", default="default",
                        help="a built-in scenario name or a .toml path (default: 'default'; "
                             "File ▸ Reopen offers the one used last)")
    parser.add_argument("--present", action="store_true", help="start in presentation mode")
    args = parser.parse_args(argv)
    from gdviz.scenario import load

    scenario = load(args.scenario)  # refuse a bad scenario before any window appears
    from gdviz.ui.display import display_problem
    problem = display_problem()     # Qt would abort (134) with its plugin list
    if problem:
        _say(f"gdviz: error: {problem}")
        return 1
    from gdviz.export.dialog import open_export_dialog
    from gdviz.export.lab_export import export_lab
    from gdviz.ui.app import run_app

    return run_app(scenario, present=args.present, exporter=open_export_dialog,
                   lab_exporter=export_lab)


def _tolerant_streams() -> None:
    """Text the terminal's encoding cannot hold (η, —, … under PYTHONIOENCODING=ascii) is written
    as escapes rather than failing the whole command."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and getattr(stream, "errors", "") == "strict":
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


def _quiet_stdout() -> None:
    """A closed pipe (``gdviz scenarios | head -1``): stay quiet, at exit too."""
    import os
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: list[str] | None = None) -> int:
    """Run gdviz; the exit status. Output errors: a closed pipe is quiet (0), any other
    (a full disk, /dev/full) one line and status 1."""
    import errno
    _tolerant_streams()
    try:
        code = _main(argv)
        sys.stdout.flush()      # a full device fails here, not at exit with a traceback
        return code
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            _quiet_stdout()
            return 0
        if exc.errno in (errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG, errno.EBADF):
            _quiet_stdout()
            _say(f"gdviz: error: cannot write the output: {exc.strerror or exc}")
            return 1
        raise


def _main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from gdviz.core.expression import ExpressionError
    from gdviz.core.limits import LimitError
    from gdviz.scenario import ScenarioError
    from gdviz.mlp import MlpUnavailable

    try:
        if argv and argv[0] in ("-h", "--help"):
            build_parser().print_help()
            print("\nWithout a verb, gdviz opens the window: gdviz [SCENARIO] [--present]")
            return 0
        if not argv or argv[0] not in VERBS:
            return _launch(argv)
        if argv[0] == "export":
            from gdviz.cli.export import cmd_export
            with np.errstate(all="ignore"):
                return cmd_export(argv[1:])
        args = build_parser().parse_args(argv)
        from gdviz.cli.watchdog import Watchdog
        watchdog = Watchdog().start()     # Ctrl+C inside a long torch call: out within 1 s
        # overflow in a diverging run is an outcome the output states (diverged, null), not a
        # RuntimeWarning for the terminal
        errstate = np.errstate(all="ignore")
        errstate.__enter__()
        try:
            if args.verb == "sweep":
                from gdviz.cli import sweep as sweep_cli
                return sweep_cli.run(args)
            return {"scenarios": cmd_scenarios, "simulate": cmd_simulate}[args.verb](args)
        finally:
            errstate.__exit__(None, None, None)
            watchdog.stop()
    except MlpUnavailable as exc:   # the environment lacks torch: not bad input
        _say(f"gdviz: error: {exc}")
        return 1
    # what was asked for is refused (not any ValueError: an internal error is not bad input)
    except (UsageError, ScenarioError, ExpressionError, LimitError) as exc:
        _say(f"gdviz: error: {exc}")
        return 2
    except KeyboardInterrupt:
        _say("gdviz: interrupted")
        return 130
