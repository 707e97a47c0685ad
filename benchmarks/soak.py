"""Soak test: the real window playing at full speed for a while; does resident memory grow?

    .venv/bin/python benchmarks/soak.py                 # 10 minutes (the issue's figure)
    .venv/bin/python benchmarks/soak.py --minutes 2     # shorter

Opens the MainWindow offscreen (1440x900) on the default scenario with 10,000 epochs, sets the
worker to its maximum speed and plays; whenever the run finishes it is reset and played again
(benchmarks/frame.py ``open_window``). A sampler thread reads this process's RSS from /proc every
``--interval`` seconds and prints it with the snapshots drawn so far. Growth is judged from the
end of a warm-up (``--warmup`` seconds; default: a quarter of the run, at most 60 s) to the end of
the run: RSS saw-tooths by several MB, so the judged figure is the median of the samples in the
last quarter of the post-warm-up time minus the median of those in its first quarter; the plain
end-minus-warm-up difference and the least-squares slope are printed too. Goals: growth <= 5 MB,
slope <= 0.5 MB per 10 minutes (issue 16).

The run is ended from the sampler thread with a queued call, not a QTimer: when the GUI thread is
saturated Qt can starve its timers. Exits with status 1 if the goal is missed.
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from frame import _versions, open_window, rss_mb  # noqa: E402

GOAL_GROWTH_MB = 5.0
GOAL_SLOPE_MB_PER_10_MIN = 0.5      # issue 16


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the run (10)")
    parser.add_argument("--interval", type=float, default=None,
                        help="seconds between RSS samples (default: run / 20, at least 5 s)")
    parser.add_argument("--warmup", type=float, default=None,
                        help="seconds before growth is counted (default: min(60, run / 4))")
    args = parser.parse_args()
    total = 60.0 * args.minutes
    interval = args.interval or max(5.0, total / 20)
    warmup = args.warmup if args.warmup is not None else min(60.0, total / 4)

    import gdviz.ui.main_window as mw
    from PySide6.QtCore import QMetaObject, Qt
    from gdviz.ui.app import make_application

    received = [0]

    class CountingWindow(mw.MainWindow):
        def on_snapshot(self, snap):
            super().on_snapshot(snap)
            received[0] += 1

    app = make_application()
    original, mw.MainWindow = mw.MainWindow, CountingWindow
    try:
        window, restarts = open_window(app)
    finally:
        mw.MainWindow = original
    samples = []         # (seconds since start, RSS MiB, snapshots drawn, restarts)
    t0 = time.perf_counter()
    done = threading.Event()

    def sampler():
        while True:
            now = time.perf_counter() - t0
            samples.append((now, rss_mb(), received[0], restarts()))
            print(f"{now:7.1f} s  RSS {samples[-1][1]:8.1f} MiB  snapshots {samples[-1][2]:7d}  "
                  f"restarts {samples[-1][3]}", flush=True)
            if now >= total:
                break
            done.wait(min(interval, max(total - now, 0.0)))
        QMetaObject.invokeMethod(app, "quit", Qt.ConnectionType.QueuedConnection)

    print(f"gdviz soak: {_versions()}, {args.minutes:g} min at full speed, sample every "
          f"{interval:g} s, warm-up {warmup:g} s", flush=True)
    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    app.exec()
    thread.join(5)
    window.close()
    window.shutdown()

    after = [s for s in samples if s[0] >= warmup]
    base = after[0] if after else samples[0]
    last = samples[-1]
    growth = last[1] - base[1]
    if len(after) >= 2:
        import numpy as np
        t = np.array([s[0] for s in after]) / 60.0
        r = np.array([s[1] for s in after])
        slope = float(np.polyfit(t, r, 1)[0])
    else:
        slope = float("nan")
    rate = (last[2] - base[2]) / max(last[0] - base[0], 1e-9)
    # RSS saw-tooths by several MB (trail decimation, allocator arenas): judge the median of the
    # last quarter of the post-warm-up samples against the median of the first quarter
    import statistics
    span = last[0] - base[0]
    first = [s[1] for s in after if s[0] <= base[0] + span / 4] or [base[1]]
    final = [s[1] for s in after if s[0] >= last[0] - span / 4] or [last[1]]
    judged = statistics.median(final) - statistics.median(first)
    rows = [
        ("RSS at start / end of warm-up / end", f"{samples[0][1]:.1f} / {base[1]:.1f} / "
         f"{last[1]:.1f} MiB", "", ""),
        (f"RSS growth after warm-up, median of last vs first quarter ({len(first)}, "
         f"{len(final)} samples)", f"{judged:+.1f} MiB",
         f"<= {GOAL_GROWTH_MB:g} MB", "PASS" if judged <= GOAL_GROWTH_MB else "FAIL"),
        (f"  end minus end of warm-up ({base[0]:.0f} s to {last[0]:.0f} s)", f"{growth:+.1f} MiB",
         "", ""),
        ("  slope after warm-up (least squares), per 10 minutes", f"{10 * slope:+.2f} MiB",
         f"<= {GOAL_SLOPE_MB_PER_10_MIN:g} MB", "PASS" if 10 * slope <= GOAL_SLOPE_MB_PER_10_MIN
         else "FAIL"),
        ("  peak RSS", f"{max(s[1] for s in samples):.1f} MiB", "", ""),
        ("snapshots drawn per second after warm-up", f"{rate:.1f}", "", ""),
        ("runs restarted (finished and reset)", str(last[3]), "", ""),
    ]
    w0, w1, w2 = (max(len(r[i]) for r in rows) for i in range(3))
    print(f"{'measure':<{w0}}  {'figure':<{w1}}  {'goal':<{w2}}  result")
    for r in rows:
        print(f"{r[0]:<{w0}}  {r[1]:<{w1}}  {r[2]:<{w2}}  {r[3]}".rstrip())
    return 1 if judged > GOAL_GROWTH_MB or 10 * slope > GOAL_SLOPE_MB_PER_10_MIN else 0


if __name__ == "__main__":
    sys.exit(main())
