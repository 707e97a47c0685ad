"""Event-loop stall probe: how long the GUI thread is held by a key, a preset change or a dialog.

A 5 ms QTimer records the gaps between its ticks while the window runs (offscreen, playing);
each action (a key press) is sent, and the largest gap in the 3 s after it is its stall. The
issue-25 target is no stall above 200 ms. Figures depend on the machine's load: the table prints
a baseline row (no action) measured in the same run.

With ``--startup`` it measures instead the keys pressed right after start-up: a fresh window is
shown, the key is pressed ``--at`` seconds later (before or just after its first snapshot),
and the largest gap from the press to 3 s after it is its stall; the baseline row is a fresh
window with nothing pressed, over the same span.

The last two rows switch to a real-network preset (``mlp-moons``), as from the Lessons menu (in
the first round of a process it also imports torch in the simulation thread), and back. ``--startup
--scenario mlp-moons`` opens the window on a real network instead.

    QT_QPA_PLATFORM=offscreen python benchmarks/stalls.py [--rounds 3] [--only B] [--startup]
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

EAGER = "B (the lab built at once, as before)"
ACTIONS = [("baseline (nothing pressed)", None), (EAGER, "B"), ("B (the lab)", "B"),
           ("Page Down (next lesson)", "PgDown"), ("Page Up (previous lesson)", "PgUp"),
           ("F5 (presentation)", "F5"), ("F5 again (back)", "F5"), ("Ctrl+E (export dialog)", "Ctrl+E"),
           ("Space (play/pause)", "Space"), ("R (reset)", "R"),
           ("Lessons: mlp-moons (real network)", "preset:mlp-moons"),
           ("Lessons: default (from the network)", "preset:default")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--settle", type=float, default=3.0, help="seconds watched after each")
    parser.add_argument("--only", metavar="KEY", action="append", default=[],
                        help="only the actions of this key (repeatable; e.g. --only B); the "
                             "baseline row is always measured")
    parser.add_argument("--startup", action="store_true",
                        help="keys pressed right after the window shows (see above)")
    parser.add_argument("--at", type=float, default=0.3,
                        help="with --startup: seconds after the window shows")
    parser.add_argument("--scenario", default="default",
                        help="with --startup: the scenario the window opens on (e.g. mlp-moons)")
    parser.add_argument("--startup-one", metavar="KEY", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.startup_one is not None:
        startup_one(args.startup_one, args)
        return
    if args.startup:
        startup(args)
        return
    actions = [(name, key) for name, key in ACTIONS
               if key is None or not args.only or key in args.only]
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QKeySequence
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from gdviz.scenario import load
    from gdviz.ui.app import make_application
    from gdviz.ui.main_window import MainWindow
    app = make_application()
    ticks: list[float] = []
    probe = QTimer()
    probe.setInterval(5)
    probe.timeout.connect(lambda: ticks.append(time.perf_counter()))
    import gdviz.ui.lab.window as lab_window
    staged_figure = lab_window.LabFigure
    results: dict[str, list[float]] = {name: [] for name, _ in actions}

    def fresh_window():
        w = MainWindow(load("default"))
        w.resize(1280, 800)
        w.show()
        t0 = time.perf_counter()
        while w.snapshot is None and time.perf_counter() - t0 < 20:
            app.processEvents()
        w.cmd_play.emit()
        return w

    for _ in range(args.rounds):
        w = fresh_window()
        probe.start()
        for name, key in actions:
            if name == EAGER:       # the baseline of the fix: six plots built and updated at once
                lab_window.LabFigure = (lambda *a, staged=True, **k:
                                        staged_figure(*a, staged=False, **k))
            elif name == "B (the lab)":   # a new window: its lab is made anew, staged
                lab_window.LabFigure = staged_figure
                w.close()
                w = fresh_window()
            ticks.clear()
            start = time.perf_counter()
            ticks.append(start)
            if key is not None and key.startswith("preset:"):
                # a preset from the menus (as Lessons ▸ or File ▸ Open built-in): the first
                # real network of the process also imports torch in the simulation thread
                w.load_preset(key.split(":", 1)[1])
            elif key is not None:
                seq = QKeySequence(key)
                combo = seq[0]
                target = QApplication.focusWidget() or w
                QTest.keyClick(target, combo.key(), combo.keyboardModifiers())
            while time.perf_counter() - start < args.settle:
                app.processEvents()
                time.sleep(0.001)
            gaps = [b - a for a, b in zip(ticks, ticks[1:])]
            results[name].append(max(gaps) if gaps else float("nan"))
            dialog = QApplication.activeModalWidget()
            if dialog is not None:
                dialog.close()
        probe.stop()
        w.close()
    print(f"{'action':<30} " + " ".join(f"{'run ' + str(i + 1):>8}" for i in range(args.rounds))
          + f" {'worst':>8}")
    for name, values in results.items():
        print(f"{name:<30} " + " ".join(f"{v * 1000:7.0f}ms" for v in values)
              + f" {max(values) * 1000:7.0f}ms")


STARTUP = [("start-up: baseline (nothing pressed)", None), ("start-up: B (the lab)", "B"),
           ("start-up: F5 (presentation)", "F5"), ("start-up: Page Down", "PgDown"),
           ("start-up: Space (play/pause)", "Space")]


def startup(args) -> None:
    """Each row in a fresh process: the first window of a process pays what no later one does
    (imports, caches, the first typesetting)."""
    import subprocess
    import sys
    rows = [(name, key) for name, key in STARTUP
            if key is None or not args.only or key in args.only]
    results: dict[str, list[float]] = {name: [] for name, _ in rows}
    firsts: list[float] = []
    for _ in range(args.rounds):
        for name, key in rows:
            out = subprocess.run(
                [sys.executable, __file__, "--startup-one", key or "", "--at", str(args.at),
                 "--settle", str(args.settle), "--scenario", args.scenario], capture_output=True, text=True, timeout=120,
                env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
            line = [ln for ln in out.stdout.splitlines() if ln.startswith("stall ")]
            if not line:
                raise SystemExit(f"stalls.py: the start-up probe of {name!r} failed: "
                                 f"{out.stderr.strip().splitlines()[-1:]}")
            _, stall, first = line[-1].split()
            results[name].append(float(stall))
            if first != "nan":
                firsts.append(float(first))
    if firsts:
        print(f"keys pressed {args.at:g} s after the window shows, each in a fresh process as "
              f"`gdviz {args.scenario}` opens (first frame {min(firsts):.2f}–{max(firsts):.2f} s after show)")
    print(f"{'action':<38} " + " ".join(f"{'run ' + str(i + 1):>8}" for i in range(args.rounds))
          + f" {'worst':>8}")
    for name, values in results.items():
        print(f"{name:<38} " + " ".join(f"{v * 1000:7.0f}ms" for v in values)
              + f" {max(values) * 1000:7.0f}ms")


def startup_one(key: str, args) -> None:
    """One fresh window opened as ``run_app`` opens it (formulas held until the first frame),
    *key* pressed ``--at`` s after it shows; prints ``stall <s> <first frame s>``."""
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QKeySequence
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from gdviz.scenario import load
    from gdviz.ui import formula
    from gdviz.ui.app import _after_first_frame, make_application
    from gdviz.ui.main_window import MainWindow
    app = make_application()
    ticks: list[float] = []
    probe = QTimer()
    probe.setInterval(5)
    probe.timeout.connect(lambda: ticks.append(time.perf_counter()))
    formula.defer_typesetting()
    w = MainWindow(load(args.scenario))
    first: list[float] = []
    _after_first_frame(w, lambda: (first.append(time.perf_counter()),
                                   formula.resume_typesetting()))
    w.resize(1280, 800)
    shown = time.perf_counter()
    w.show()
    probe.start()
    while time.perf_counter() - shown < args.at:
        app.processEvents()
        time.sleep(0.001)
    ticks.clear()
    start = time.perf_counter()
    ticks.append(start)
    if key:
        combo = QKeySequence(key)[0]
        target = QApplication.focusWidget() or w
        QTest.keyClick(target, combo.key(), combo.keyboardModifiers())
    while time.perf_counter() - start < args.settle:
        app.processEvents()
        time.sleep(0.001)
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    probe.stop()
    print(f"stall {max(gaps):.4f} {first[0] - shown if first else float('nan'):.4f}",
          flush=True)
    w.close()
    w.shutdown()

if __name__ == "__main__":
    main()
