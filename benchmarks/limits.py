"""The mean-of-copies lab's cost model (gdviz.core.limits, issue 25) against fresh measurements.

    .venv/bin/python benchmarks/limits.py           # about a minute on 2 cores

For each case (a kind of landscape, N, parameters d, batch size B, runs = η × copies) it times
lockstep updates of the copies lab (``CopiesLab._batch`` with η so small that no run stops,
a few hundred updates, best of two), on one thread as the lab runs, and prints the seconds per
update beside the model's

    COPIES_STEP_S + runs × copies_run_cost(kind, B, N, d)

and their ratio. The model is meant to be at or above the measured time on a 2-core laptop
(ratio ≥ 1) without being far above it where the built-in lessons spend their time (least
squares at small B). A busy machine measures slower: the table prints the load average.
The constants themselves are in gdviz/core/limits.py; this script only reports.
"""
from __future__ import annotations

import math
import os
import time

from gdviz.core.blas import one_thread
from gdviz.core.lab import LabSettings
from gdviz.core.lab_copies import CopiesLab
from gdviz.core import limits
from gdviz.scenario import load

CASES = [  # landscape, N, d, B, η count, copies
    ("least_squares", 16384, 100, 1, 16, 16),
    ("least_squares", 16384, 100, 16, 16, 16),
    ("least_squares", 16384, 100, 256, 16, 16),
    ("least_squares", 16384, 20, 1, 16, 16),
    ("least_squares", 1024, 10, 1, 1, 1),
    ("ravine", 256, 2, 1, 16, 16),
    ("ravine", 256, 2, 64, 16, 16),
    ("ravine", 4096, 2, 1024, 16, 16),
    ("regression", 256, 2, 64, 16, 16),
    ("logistic", 1000, 2, 1, 16, 16),
    ("logistic", 4000, 2, 1, 16, 16),
    ("logistic", 1000, 2, 64, 16, 16),
    ("custom", 256, 2, 1, 16, 16),
]
FUNCTION = "sin(3*x)*cos(2*y)+0.1*(x*x+y*y)+exp(-x*x)"
STEPS = 300


def measure(landscape, n, d, b, lrs, copies) -> tuple[float, float]:
    if landscape == "least_squares":
        s = load("lesson-7-critical-batch").with_changes(n_examples=n, dims=d)
    elif landscape == "custom":
        s = load("default").with_changes(function=FUNCTION, n_examples=n)
    else:
        s = load("default").with_changes(landscape=landscape, n_examples=n)
    lab = CopiesLab(s, LabSettings(batch_sizes=(b,), lrs=tuple(1e-12 * (i + 1)
                                                               for i in range(lrs)),
                                   copies=copies,
                                   max_epochs=float(math.ceil(2 * STEPS * b / n)) or 1.0))
    best = float("inf")
    for _ in range(2):
        with one_thread():
            t = time.perf_counter()
            lab._batch(b, None, cap=STEPS)
            best = min(best, (time.perf_counter() - t) / STEPS)
    expression = len(FUNCTION) if landscape == "custom" else 0
    model = limits.COPIES_STEP_S + lrs * copies * limits.copies_run_cost(
        limits.copies_kind(s.landscape), b, n, d, expression)
    return best, model


def main() -> int:
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; constants: "
          f"step {limits.COPIES_STEP_S * 1e6:g} µs, run {limits.COPIES_RUN_S * 1e6:g} µs, "
          + ", ".join(f"{k} {g * 1e9:g}/{l * 1e9:g} ns" for k, (g, l)
                      in limits.COPIES_COSTS.items()))
    print(f"{'landscape':14s} {'N':>6s} {'d':>4s} {'B':>5s} {'runs':>5s} "
          f"{'measured µs':>12s} {'model µs':>10s} {'model/measured':>15s}")
    for case in CASES:
        measured, model = measure(*case)
        landscape, n, d, b, lrs, copies = case
        print(f"{landscape:14s} {n:6d} {d:4d} {b:5d} {lrs * copies:5d} {measured * 1e6:12.0f} "
              f"{model * 1e6:10.0f} {model / measured:15.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
