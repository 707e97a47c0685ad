"""``gdviz export SCENARIO --out FILE``: a still (.png, .svg) or a clip (.mp4, .gif), headless;
or, with ``--out run.py``, the scenario's mini-batch run as a plain PyTorch (NumPy) script.

Exit status: 0 written; 2 refused up front (bad option or scenario, unknown extension,
unwritable path), nothing written; 1 failed while exporting (ffmpeg, full disk), nothing written;
130 interrupted (Ctrl+C), nothing written.
"""
from __future__ import annotations

import sys
from pathlib import Path

from gdviz.core.landscapes import GridCancelled
from gdviz.core.messages import escape_controls
from gdviz.export.atomic import ExportError
from gdviz.export.job import (DEFAULT_FPS, DEFAULT_SECONDS, DEFAULT_SIZE, ExportCancelled,
                              ExportJob, ExportSpec, parse_size)


def _say(message: str) -> None:
    from gdviz.cli.options import say
    say(message)


def build_parser():
    from gdviz.cli.options import Parser, scenario_options

    p = Parser(prog="gdviz export",
                description="Render a scenario offline, frame by frame on a fixed clock, into a "
                            "still (.png, .svg) or a clip (.mp4, .gif); the kind follows the "
                            "extension. Works without a display.")
    scenario_options(p)
    p.add_argument("--out", required=True,
                   help="the file to write: .png, .svg, .mp4 or .gif; or .py for the mini-batch "
                        "run as a plain PyTorch script (NumPy for an analytic landscape)")
    p.add_argument("--what", choices=("canvas", "window"), default="canvas",
                   help="the contour canvas alone (default) or the whole window")
    p.add_argument("--size", default=f"{DEFAULT_SIZE[0]}x{DEFAULT_SIZE[1]}",
                   help="WIDTHxHEIGHT in pixels (default %(default)s)")
    p.add_argument("--seconds", type=float, default=DEFAULT_SECONDS,
                   help="clip length; a still shows the moment at its end (default %(default)g)")
    p.add_argument("--fps", type=float, default=DEFAULT_FPS,
                   help="frames per second of a clip (default %(default)g)")
    p.add_argument("--theme", choices=("light", "dark"), default="light",
                   help="canvas colours (default %(default)s)")
    return p


def _progress_printer():
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\rgdviz export: frame {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


class _StopFlag:
    """Ctrl+C, SIGTERM and SIGHUP stop an export between two frames: the partial file is removed.

    The handlers only set a flag that the frame loop reads: an exception raised by a handler
    could land inside a Qt paint callback, where PySide would print and swallow it.
    """

    def __init__(self):
        self.signal_name: str | None = None

    def __call__(self, signum, _frame):
        import signal
        self.signal_name = signal.Signals(signum).name

    def check(self, _done=None, _total=None) -> None:
        if self.signal_name is not None:
            raise KeyboardInterrupt(self.signal_name)


def _install(flag: _StopFlag) -> dict:
    import signal

    previous = {}
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            try:
                previous[sig] = signal.signal(sig, flag)
            except ValueError:  # not the main thread
                pass
    return previous


def _restore(previous: dict) -> None:
    import signal
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def _write_script(scenario, out: Path) -> int:
    """The mini-batch run as a script (gdviz.script), written whole or not at all."""
    from gdviz.script import ScriptError, script_for
    try:
        text = script_for(scenario)
    except ScriptError as exc:
        print(f"gdviz: error: {exc}; {out} was not written", file=sys.stderr)
        return 2
    if not out.parent.is_dir():
        print(f"gdviz: error: the folder {out.parent} does not exist; {out} was not written",
              file=sys.stderr)
        return 2
    tmp = out.with_name(f".{out.name}.partial")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        print(f"gdviz: error: {exc.strerror or exc}; {out} was not written", file=sys.stderr)
        return 1
    kind = "PyTorch" if scenario.is_mlp else "NumPy"
    print(f"gdviz: wrote {out} (the mini-batch run of {scenario.name} as a plain {kind} script, "
          f"B = {scenario.batch_size}, {scenario.epochs:g} epochs; run it with python)")
    return 0


def cmd_export(argv: list[str]) -> int:
    from gdviz.cli.options import resolve_scenario
    from gdviz.export.render import ensure_application, prepare_headless

    args = build_parser().parse_args(argv)   # UsageError: gdviz.cli.main says it, exit 2
    out = Path(args.out)
    if out.suffix.lower() == ".py":
        return _write_script(resolve_scenario(args), out)
    try:
        spec = ExportSpec(resolve_scenario(args), out, args.what, parse_size(args.size),
                          args.seconds, args.fps, args.theme)
        job = ExportJob(spec)                # checks everything, creates nothing
    except ExportError as exc:
        _say(f"gdviz: error: {exc}")
        return 2
    for note in job.notes:
        _say(f"gdviz: note: {note}")
    printed = len(job.notes)
    prepare_headless()
    ensure_application()
    stop = _StopFlag()
    previous = _install(stop)
    from gdviz.cli.watchdog import Watchdog
    watchdog = Watchdog(lambda: f"; {out} was not written",
                        lambda: getattr(job._part, "path", None)).start()
    job.should_stop = lambda: stop.signal_name is not None
    show = _progress_printer()

    def progress(done: int, total: int) -> None:
        if show is not None:
            show(done, total)
        stop.check()

    try:
        job.start()
        for note in job.notes[printed:]:
            _say(f"gdviz: note: {note}")
        stop.check()
        target = job.run(progress)
    except (KeyboardInterrupt, GridCancelled, ExportCancelled):
        job.cancel()
        why = f" ({stop.signal_name})" if stop.signal_name not in (None, "SIGINT") else ""
        _say(f"gdviz: export cancelled{why}; {out} was not written")
        return 130
    except (ExportError, OSError, ValueError, RuntimeError) as exc:
        # failed while exporting (not a usage error): status 1, so scripts can tell them apart
        job.cancel()
        _say(f"gdviz: error: {exc}; {out} was not written")
        return 1
    finally:
        watchdog.stop()
        _restore(previous)
    s = job.spec
    if job.kind in ("mp4", "gif"):
        what = f"{job.total} frames at {s.fps:g} fps ({job.total / s.fps:g} s)"
    else:
        what = f"the moment at {s.seconds:g} s"
    print(f"gdviz: wrote {escape_controls(str(target))} ({s.size[0]}x{s.size[1]} {job.kind.upper()} of the "
          f"{s.what}, {what}, {s.speed:g} ticks/s, scenario {s.scenario.name})")
    return 0
