"""Event-loop stall probe: how long the GUI thread is held by a key, a preset change or a dialog.

A 5 ms QTimer records the gaps between its ticks while the window runs (offscreen, playing);
each action (a key press) is sent, and the largest gap in the 3 s after it is its stall. The
issue-25 target is no stall above 200 ms. Figures depend on the machine's load: the table prints
a baseline row (no action) measured in the same run.

    QT_QPA_PLATFORM=offscreen python benchmarks/stalls.py [--rounds 3]
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
           ("Space (play/pause)", "Space"), ("R (reset)", "R")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--settle", type=float, default=3.0, help="seconds watched after each")
    parser.add_argument("--only", metavar="KEY", action="append", default=[],
                        help="only the actions of this key (repeatable; e.g. --only B); the "
                             "baseline row is always measured")
    args = parser.parse_args()
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
            if key is not None:
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


if __name__ == "__main__":
    main()
