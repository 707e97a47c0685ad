"""Export benchmark: a 10 s, 30 fps, 1280x720 MP4 of the default scenario against real time.

    .venv/bin/python benchmarks/export.py                 # the table, a few seconds
    .venv/bin/python benchmarks/export.py --what window   # the whole window instead of the canvas
    .venv/bin/python benchmarks/export.py --repeat 3      # best of 3

Renders frame by frame on the fixed export clock (as ``gdviz export default --out x.mp4``
does) into a temporary directory and prints: frames, seconds spent rendering (GUI thread),
seconds spent encoding (PyAV's encoder thread, which runs alongside the rendering), the wall-clock
time of the whole export, how many times faster than real time (the clip's own 10 s) that is,
and PASS/FAIL against the goal (>= 2x faster than real time). Exits with status 1 on FAIL.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from gdviz.scenario import load
from gdviz.export.job import ExportJob, ExportSpec
from gdviz.export.render import ensure_application

GOAL = 2.0


def one_run(args, out: Path) -> dict:
    spec = ExportSpec(load(args.scenario), out, args.what, (args.width, args.height),
                      args.seconds, args.fps, "light")
    t0 = time.perf_counter()
    job = ExportJob(spec)
    job.start()
    setup = time.perf_counter() - t0
    job.run()
    wall = time.perf_counter() - t0
    return {"frames": job.total, "setup": setup, "render": job.render_seconds,
            "encode_cpu": job.encode_stats.get("write_s", 0.0),
            "tail": job.encode_stats.get("finish_s", 0.0),
            "wall": wall, "bytes": out.stat().st_size}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    p.add_argument("--scenario", default="default")
    p.add_argument("--what", default="canvas", choices=("canvas", "window"))
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--fps", type=float, default=30.0)
    p.add_argument("--width", type=int, default=1280)
    p.add_argument("--height", type=int, default=720)
    p.add_argument("--repeat", type=int, default=1)
    args = p.parse_args(argv)

    ensure_application()
    results = []
    with tempfile.TemporaryDirectory(prefix="gdviz-bench-") as tmp:
        for i in range(args.repeat):
            results.append(one_run(args, Path(tmp) / f"bench{i}.mp4"))
    best = min(results, key=lambda r: r["wall"])
    speedup = args.seconds / best["wall"]
    verdict = "PASS" if speedup >= GOAL else "FAIL"
    print(f"gdviz export benchmark: {args.scenario}, {args.what}, {args.width}x{args.height}, "
          f"{args.seconds:g} s at {args.fps:g} fps, MP4 (libx264 veryfast, yuv420p)")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; best of {len(results)}")
    head = (f"{'frames':>6} {'setup s':>8} {'render s':>9} {'ms/frame':>9} {'encode s':>9} "
            f"{'wait s':>7} {'total s':>8} {'real s':>7} {'x real':>7} {'goal':>6} {'MB':>6}  result")
    print(head)
    print("-" * len(head))
    r = best
    print(f"{r['frames']:>6} {r['setup']:>8.2f} {r['render']:>9.2f} "
          f"{1000 * r['render'] / r['frames']:>9.1f} {r['encode_cpu']:>9.2f} {r['tail']:>7.2f} "
          f"{r['wall']:>8.2f} {args.seconds:>7.1f} {speedup:>7.2f} {GOAL:>5.1f}x "
          f"{r['bytes'] / 1e6:>6.2f}  {verdict}")
    print("render s: GUI-thread time painting frames; encode s: the encoder thread's time "
          "converting and\nencoding (alongside the rendering); wait s: time spent waiting for "
          "the encoder after "
          "the last frame;\ntotal s: wall clock of the whole export, setup included; x real: "
          "clip length / total s.")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
