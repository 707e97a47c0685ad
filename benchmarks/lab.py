"""Lab benchmark: the default batch-size lab against a plain per-run loop, in the same run.

    .venv/bin/python benchmarks/lab.py                  # the default lab on the lesson preset
    .venv/bin/python benchmarks/lab.py --plain-runs 120 # time more plain runs (default 60)
    .venv/bin/python benchmarks/lab.py --mlp            # also the real-network lab (torch),
                                                        # on the CPU and on CUDA when present

The lab (``gdviz.core.lab``) runs every (B, η, seed) of the lesson preset
``lesson-7-critical-batch`` (N = 1000: 11 batch sizes x 16 learning rates x 8 seeds) in
lockstep with early stopping. The plain loop is what a student would write: one
``Simulation`` per run, its mini-batch method stepped until the loss reaches the target, it
diverges or the budget ends. Timing all 1408 plain runs would take minutes, so a random
subsample of runs is timed and the total extrapolated run by run (each run's time is scaled by
the steps the lab says it takes, the plain loop's cost being nearly proportional to its steps);
the table says so. The plain runs also check the lab's step counts exactly.

With ``--mlp`` it also times the real-network lab (``gdviz.mlp.lab``: every (η, seed) run of
one B trained together with torch.func) on ``mlp-moons`` with its default grid, against
training a random subsample of the same runs one by one with the engine's own trainer
(``MlpSimulation``'s mini-batch run, evaluated every update as the lab is), extrapolated per
update the same way; on the CPU and, when torch sees one, on CUDA.

Exits with status 1 if a goal is missed or a step count differs (the MLP rows report figures
and carry no goal).
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import statistics
import sys
import time

import numpy as np

from gdviz.core.lab import STATUS_NAMES, Lab, LabSettings
from gdviz.scenario import load

SCENARIO = "lesson-7-critical-batch"
GOAL_SECONDS = 5.0
GOAL_SPEEDUP = 30.0
GOAL_FIRST = 0.5
REPEATS = 3


def plain_run(scenario, b, lr, seed, target, arrays=True):
    """One run the plain way; (status, steps, seconds). *arrays*: each step on NumPy arrays,
    as a plain loop is written (the engine's array step); False: on simulate's own engine,
    which steps a 2-D landscape on Python floats (issue 16), far faster per step."""
    t0 = time.perf_counter()
    run = scenario.with_changes(batch_size=b, lr=lr, seed=seed).build().run("mini_batch")
    if arrays:
        run._terms = None     # the float fast path off: the same numbers, NumPy's way
    status, steps = "not_reached", None
    while run.status == "running":
        rec = run.step()
        if run.status != "diverged" and rec.loss <= target:
            status, steps = "reached", rec.update
            break
    if status != "reached":
        status, steps = ("diverged" if run.status == "diverged" else "not_reached"), run.updates
    return status, steps, time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--scenario", default=SCENARIO)
    parser.add_argument("--plain-runs", type=int, default=60,
                        help="plain runs timed (a random subsample of the lab's runs)")
    parser.add_argument("--mlp", action="store_true",
                        help="also the real-network lab against its runs trained one by one")
    parser.add_argument("--mlp-runs", type=int, default=12,
                        help="real-network runs trained one by one and timed (default 12)")
    args = parser.parse_args()

    scenario = load(args.scenario)
    # The lab is timed REPEATS times, interleaved with thirds of the plain runs, and its median
    # time is used, so a busy shared machine weighs on both sides alike.
    lab_times, first_times, result, lab = [], [], None, None
    plain_seconds, plain_steps, mismatches, picks = 0.0, 0, 0, None
    engine_seconds = 0.0
    for rep in range(REPEATS):
        first = []
        t0 = time.perf_counter()
        lab = Lab(scenario, LabSettings())
        result = lab.run(progress=lambda r: first.append(time.perf_counter() - t0)
                         if not first else None)
        lab_times.append(time.perf_counter() - t0)
        first_times.append(first[0])
        k, l, s = result.status.shape
        if picks is None:
            rng = np.random.default_rng(0)
            picks = rng.choice(k * l * s, size=min(args.plain_runs, k * l * s), replace=False)
        for flat in picks[rep::REPEATS]:
            i, j, m = np.unravel_index(flat, (k, l, s))
            status, steps, seconds = plain_run(lab.scenario, int(result.batch_sizes[i]),
                                               float(result.lrs[j]), result.seeds[m],
                                               result.targets[m].loss)
            plain_seconds += seconds
            plain_steps += steps
            engine_seconds += plain_run(lab.scenario, int(result.batch_sizes[i]),
                                        float(result.lrs[j]), result.seeds[m],
                                        result.targets[m].loss, arrays=False)[2]
            if (status, steps) != (STATUS_NAMES[result.status[i, j, m]],
                                   int(result.steps[i, j, m])):
                mismatches += 1
    lab_seconds = statistics.median(lab_times)
    per_step = plain_seconds / max(plain_steps, 1)
    plain_total = per_step * int(result.steps.sum())
    speedup = plain_total / lab_seconds
    engine_total = engine_seconds / max(plain_steps, 1) * int(result.steps.sum())

    print(f"gdviz lab benchmark: {args.scenario}, N = {lab.n}, {k} B x {l} eta x {s} seeds = "
          f"{k * l * s} runs, budget {lab.max_epochs:g} epochs, {result.optimizer}")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, NumPy {np.__version__}; one process, one thread "
          "of NumPy work; the machine is shared with other engineers' jobs while this runs, "
          "so times are noisy")
    print(f"runs: {int((result.status == 0).sum())} reached, "
          f"{int((result.status == 1).sum())} not reached, {int((result.status == 2).sum())} "
          f"diverged; {int(result.steps.sum()):,} updates in all")
    print(f"plain loop: {len(picks)} random runs timed ({plain_steps:,} updates, "
          f"{plain_seconds:.2f} s, {per_step * 1e6:.1f} µs per update), extrapolated to all "
          f"{int(result.steps.sum()):,} updates of the lab: {plain_total:.1f} s (estimate)")
    print(f"the same runs on simulate's own engine (2-D steps on Python floats): "
          f"{engine_seconds:.2f} s, extrapolated {engine_total:.1f} s: the lab is "
          f"{engine_total / lab_seconds:.1f}x that (for information; no goal)")
    print(f"lab: timed {REPEATS} times, interleaved with the plain runs: "
          + ", ".join(f"{t:.2f}" for t in lab_times) + " s; the median is used")
    rows = [
        ("lab, all runs (s, median)", lab_seconds, f"≤ {GOAL_SECONDS:g}", lab_seconds <= GOAL_SECONDS),
        ("speed-up over the NumPy loop", speedup, f"≥ {GOAL_SPEEDUP:g}×", speedup >= GOAL_SPEEDUP),
        ("first partial result (s)", max(first_times), f"≤ {GOAL_FIRST:g}",
         max(first_times) <= GOAL_FIRST),
        ("plain runs whose steps differ", mismatches, "0", mismatches == 0),
    ]
    print(f"{'figure':<32} {'value':>10} {'goal':>8}  result")
    for name, value, goal, ok in rows:
        print(f"{name:<32} {value:>10.3g} {goal:>8}  {'PASS' if ok else 'FAIL'}")
    fit = result.fit
    print(f"fit: S_min = {fit.s_min}, E_min = {fit.e_min}, B_crit = {fit.b_crit}")
    if args.mlp:
        mlp_rows(args.mlp_runs)
    return 0 if all(ok for *_, ok in rows) else 1


def mlp_rows(plain_runs: int) -> None:
    """The real-network lab against training its runs one by one, per device."""
    import torch

    from gdviz.mlp.lab import MlpLab
    scenario = load("mlp-moons")
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:
        t0 = time.perf_counter()
        lab = MlpLab(scenario.with_changes(mlp=scenario.mlp), LabSettings(), device=device)
        result = lab.run()
        if device == "cuda":
            torch.cuda.synchronize()
        lab_seconds = time.perf_counter() - t0
        k, l, s = result.status.shape
        # the lab trains every run for the whole budget (the target is known at the end)
        updates = sum(int(lab_budget(lab, int(b))) * l * s for b in result.batch_sizes)
        rng = np.random.default_rng(0)
        picks = rng.choice(k * l * s, size=min(plain_runs, k * l * s), replace=False)
        seconds, steps = 0.0, 0
        for flat in picks:
            i, j, m = np.unravel_index(flat, (k, l, s))
            mlp = dataclasses.replace(scenario.mlp, device=device)
            one = scenario.with_changes(batch_size=int(result.batch_sizes[i]),
                                        lr=float(result.lrs[j]), seed=result.seeds[m],
                                        epochs=result.max_epochs, mlp=mlp)
            run = one.build().run("mini_batch")   # the plane's grid is not timed
            t1 = time.perf_counter()
            while run.status == "running":
                run.step()
            if device == "cuda":
                torch.cuda.synchronize()
            seconds += time.perf_counter() - t1
            steps += run.updates
        plain_total = seconds / max(steps, 1) * updates
        print(f"real network ({device}): mlp-moons N = {lab.n}, {k} B x {l} eta x {s} seeds = "
              f"{k * l * s} runs, {updates:,} updates; lab {lab_seconds:.2f} s; one by one: "
              f"{len(picks)} random runs timed ({steps:,} updates, {seconds:.2f} s), "
              f"extrapolated {plain_total:.1f} s (estimate): {plain_total / lab_seconds:.1f}x")


def lab_budget(lab, b: int) -> int:
    from gdviz.core.lab import budget_steps
    return budget_steps(lab.n, b, lab.drop_last, lab.max_epochs)


if __name__ == "__main__":
    sys.exit(main())
