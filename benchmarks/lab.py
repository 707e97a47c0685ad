"""Lab benchmark: the default batch-size lab against a plain per-run loop, in the same run.

    .venv/bin/python benchmarks/lab.py                  # the default lab on the lesson preset
    .venv/bin/python benchmarks/lab.py --single-run     # the single-run lab on a 2-D preset
    .venv/bin/python benchmarks/lab.py --plain-runs 120 # time more plain runs (default 60)
    .venv/bin/python benchmarks/lab.py --mlp            # also the real-network lab (torch),
                                                        # on the CPU and on CUDA when present

Default (issue 21): ``gdviz sweep lesson-7-critical-batch`` as the CLI runs it (least squares,
d = 100, N = 16,384: 15 batch sizes x 16 learning rates x 16 shuffle-copies, the mean-of-copies
criterion and the moment recursion's theory included), timed whole, against the same copies
run one by one as ``gdviz simulate … --shuffle-seed k`` runs (``Simulation``'s mini-batch
method stepped as many updates as the lab stepped that copy); a random subsample of them is
timed and extrapolated per update, and each one's losses are checked against the lab's
(relative 1e-9). Goals: ≤ 20 s, first partial result ≤ 1 s.

``--single-run`` times the single-run lab (``gdviz.core.lab``, every (B, η, seed) of the 2-D
preset ``default``... in lockstep with early stopping) as before issue 21. The plain loop is what a student would write: one
``Simulation`` per run, its mini-batch method stepped until the loss reaches the target, it
diverges or the budget ends. Timing all 1408 plain runs would take minutes, so a random
subsample of runs is timed and the total extrapolated run by run (each run's time is scaled by
the steps the lab says it takes, the plain loop's cost being nearly proportional to its steps);
the table says so. The plain runs also check the lab's step counts exactly.

With ``--mlp`` it also times the real-network lab (``gdviz.mlp.lab``: every (η, seed) run of
one B trained together as a stack of weight vectors) on ``mlp-moons`` with its default grid and
budget, against training a random subsample of the same runs one by one with the engine's own
trainer (``MlpSimulation``'s mini-batch run, evaluated every update as the lab is), extrapolated
per update the same way; on the CPU and, when torch sees one, on CUDA. Its goals (issue 21):
the whole default sweep within 60 s on a 2-core CPU, the first partial result within 2 s (from
the lab's construction, torch already imported; the import is printed apart). ``--mlp-only``
skips the analytic lab. The machine here is shared: the table prints the load average and the
process's CPU time beside the wall time, and a busy machine can fail the wall-time goals.

Exits with status 1 if a goal is missed or a step count differs.
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
SINGLE_RUN_SCENARIO = "default"
COPIES_GOAL_SECONDS = 20.0
COPIES_GOAL_FIRST = 1.0
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
    parser.add_argument("--scenario", default=None,
                        help=f"default: {SCENARIO} ({SINGLE_RUN_SCENARIO} with --single-run)")
    parser.add_argument("--single-run", action="store_true", dest="single_run",
                        help="the single-run lab (each run's first passage) instead")
    parser.add_argument("--plain-runs", type=int, default=60,
                        help="plain runs timed (a random subsample of the lab's runs)")
    parser.add_argument("--mlp", action="store_true",
                        help="also the real-network lab against its runs trained one by one")
    parser.add_argument("--mlp-runs", type=int, default=12,
                        help="real-network runs trained one by one and timed (default 12)")
    parser.add_argument("--mlp-only", action="store_true",
                        help="only the real-network lab (implies --mlp)")
    args = parser.parse_args()
    if args.mlp_only:
        return 0 if mlp_rows(args.mlp_runs) else 1
    if not args.single_run:
        ok = copies_rows(load(args.scenario or SCENARIO), args.plain_runs)
        if args.mlp:
            ok = mlp_rows(args.mlp_runs) and ok
        return 0 if ok else 1
    args.scenario = args.scenario or SINGLE_RUN_SCENARIO

    scenario = load(args.scenario)
    # The lab is timed REPEATS times, interleaved with thirds of the plain runs, and its median
    # time is used, so a busy shared machine weighs on both sides alike.
    lab_times, first_times, result, lab = [], [], None, None
    plain_seconds, plain_steps, mismatches, picks = 0.0, 0, 0, None
    engine_seconds = 0.0
    for rep in range(REPEATS):
        first = []
        t0 = time.perf_counter()
        lab = Lab(scenario, LabSettings(criterion="single_run"))
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
    mlp_ok = mlp_rows(args.mlp_runs) if args.mlp else True
    return 0 if all(ok for *_, ok in rows) and mlp_ok else 1


def copies_rows(scenario, plain_runs: int) -> bool:
    """The mean-of-copies lab against its copies run one by one; True when every goal holds."""
    lab_times, first_times = [], []
    for _ in range(REPEATS):
        first = []
        t0 = time.perf_counter()
        lab = Lab(scenario, LabSettings())
        result = lab.run(progress=lambda r: first.append(time.perf_counter() - t0)
                         if not first else None)
        lab_times.append(time.perf_counter() - t0)
        first_times.append(first[0])
    k, l, _ = result.steps.shape
    copies = result.copies
    per_run = result.steps[:, :, 0]                  # updates each (B, η)'s copies were stepped
    updates = int(per_run.sum()) * copies
    rng = np.random.default_rng(0)
    picks = rng.choice(k * l * copies, size=min(plain_runs, k * l * copies), replace=False)
    seconds, steps, mismatches = 0.0, 0, 0
    for flat in picks:
        i, j, c = np.unravel_index(flat, (k, l, copies))
        b, lr, n_steps = int(result.batch_sizes[i]), float(result.lrs[j]), int(per_run[i, j])
        t1 = time.perf_counter()
        run = lab.scenario.with_changes(batch_size=b, lr=lr,
                                        shuffle_seed=result.shuffle_seeds[c]).build() \
            .run("mini_batch")
        losses = [run.loss] + [run.step().loss for _ in range(n_steps)]
        seconds += time.perf_counter() - t1
        steps += n_steps
        mine = lab.logs[b][:n_steps + 1, c, j]
        if not np.allclose(losses, mine, rtol=1e-9, atol=0, equal_nan=True):
            mismatches += 1
    plain_total = seconds / max(steps, 1) * updates
    lab_seconds = statistics.median(lab_times)
    print(f"gdviz lab benchmark: {scenario.name}, N = {lab.n}, d = {lab.landscape.dim}, "
          f"{k} B x {l} eta x {copies} shuffle-copies, criterion {result.criterion}, "
          f"theory included; {updates:,} copy-updates in all")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, NumPy {np.__version__}; OpenBLAS on one thread "
          "in the lab (gdviz.core.blas); the machine is shared, so times are noisy")
    print(f"one by one: {len(picks)} random copies run as simulate --shuffle-seed runs "
          f"({steps:,} updates, {seconds:.2f} s, {seconds / max(steps, 1) * 1e6:.1f} µs per "
          f"update), extrapolated to all {updates:,}: {plain_total:.1f} s (estimate)")
    print("lab: " + ", ".join(f"{t:.2f}" for t in lab_times) + " s; first partial result "
          + ", ".join(f"{t:.2f}" for t in first_times) + " s; medians used")
    speedup = plain_total / lab_seconds
    rows = [
        ("lab, all runs (s, median)", lab_seconds, f"≤ {COPIES_GOAL_SECONDS:g}",
         lab_seconds <= COPIES_GOAL_SECONDS),
        ("first partial result (s)", statistics.median(first_times),
         f"≤ {COPIES_GOAL_FIRST:g}", statistics.median(first_times) <= COPIES_GOAL_FIRST),
        ("speed-up over one by one", speedup, "—", True),
        ("copies whose losses differ", mismatches, "0", mismatches == 0),
    ]
    print(f"{'figure':<32} {'value':>10} {'goal':>8}  result")
    for name, value, goal, ok in rows:
        print(f"{name:<32} {value:>10.3g} {goal:>8}  {'PASS' if ok else 'FAIL'}")
    fit = result.fit
    print(f"fit: S_min = {fit.s_min:.4g}, B_crit = {fit.b_crit:.4g}; path-mean B_noise = "
          f"{result.noise.b_noise_path_mean:.4g}")
    return all(ok for *_, ok in rows)


MLP_GOAL_SECONDS = {"cpu": 60.0, "cuda": 10.0}
MLP_GOAL_FIRST = 2.0


def mlp_rows(plain_runs: int) -> bool:
    """The real-network lab against training its runs one by one, per device; True when the
    goals are met."""
    t0 = time.perf_counter()
    import torch
    import_seconds = time.perf_counter() - t0

    from gdviz.mlp.lab import REFERENCE, MlpLab
    scenario = load("mlp-moons")
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    all_ok = True
    for device in devices:
        if device == "cuda":            # CUDA's start-up is not the lab's: a tiny lab first
            MlpLab(scenario, LabSettings(batch_sizes=(400,), lrs=(1.0,), seeds=1,
                                         max_epochs=1), device=device).run()
            torch.cuda.synchronize()
        load_before = os.getloadavg()[0]
        first = []
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        lab = MlpLab(scenario, LabSettings(), device=device)
        made = time.perf_counter() - t0
        result = lab.run(progress=lambda r: first.append(time.perf_counter() - t0)
                         if not first else None)
        if device == "cuda":
            torch.cuda.synchronize()
        lab_seconds = time.perf_counter() - t0
        cpu_seconds = time.process_time() - cpu0
        load_after = os.getloadavg()[0]
        k, l, s = result.status.shape
        updates = int(result.steps.sum())     # each run stops at the target (or budget, or
        rng = np.random.default_rng(0)         # divergence): the plain runs would too
        picks = rng.choice(k * l * s, size=min(plain_runs, k * l * s), replace=False)
        seconds, steps = 0.0, 0
        for flat in picks:
            i, j, m = np.unravel_index(flat, (k, l, s))
            mlp = dataclasses.replace(scenario.mlp, device=device)
            one = scenario.with_changes(batch_size=int(result.batch_sizes[i]),
                                        lr=float(result.lrs[j]), seed=result.seeds[m],
                                        epochs=min(result.max_epochs, 5.0), mlp=mlp)
            run = one.build().run("mini_batch")   # the plane's grid is not timed
            t1 = time.perf_counter()
            while run.status == "running":
                run.step()
            if device == "cuda":
                torch.cuda.synchronize()
            seconds += time.perf_counter() - t1
            steps += run.updates
        plain_total = seconds / max(steps, 1) * updates
        reached = np.array([p.steps_median is not None for p in result.best])
        goal = MLP_GOAL_SECONDS[device]
        print(f"\nreal network ({device}{', 1 torch thread' if device == 'cpu' else ''}): "
              f"mlp-moons N = {lab.n}, B = {', '.join(str(int(b)) for b in result.batch_sizes)}"
              f" x {l} eta x {s} seeds = {k * l * s} runs, budget {result.max_epochs:g} epochs, "
              f"{updates:,} updates to the target (or the budget); {REFERENCE.describe()}")
        print(f"machine: {os.cpu_count()} cores, load average {load_before:.1f} before and "
              f"{load_after:.1f} after (shared with other jobs: wall times are noisy; the "
              "process's CPU time is steadier)")
        rows = [
            ("import torch (s, not counted)", import_seconds, "—", None),
            ("lab made, J*_val found (s)", made, "—", None),
            ("first partial result (s)", first[0], f"≤ {MLP_GOAL_FIRST:g}",
             first[0] <= MLP_GOAL_FIRST),
            ("whole default sweep (s, wall)", lab_seconds, f"≤ {goal:g}", lab_seconds <= goal),
            ("  its CPU time (s, this process)", cpu_seconds, "—", None),
            (f"one by one, estimate (s) [{len(picks)} runs, {steps:,} updates timed]",
             plain_total, "baseline", None),
            ("speed-up over one by one", plain_total / lab_seconds, "—", None),
            ("batch sizes whose median run reached the target", int(reached.sum()), f"= {k}",
             bool(reached.all())),
        ]
        print(f"{'figure':<58} {'value':>9} {'goal':>9}  result")
        for name, value, goal_text, ok in rows:
            verdict = "" if ok is None else ("PASS" if ok else "FAIL")
            print(f"{name:<58} {value:>9.3g} {goal_text:>9}  {verdict}")
            all_ok &= ok is not False
        fit = result.fit
        print("steps to target (median at the best η): " + ", ".join(
            f"B={p.batch_size}: {p.steps_median:g}" if p.steps_median is not None
            else f"B={p.batch_size}: not reached" for p in result.best)
            + f"; B_crit = {fit.b_crit if fit.b_crit is None else round(fit.b_crit, 1)}")
    return all_ok


def lab_budget(lab, b: int) -> int:
    from gdviz.core.rules import budget_steps
    return budget_steps(lab.n, b, lab.drop_last, lab.max_epochs)


if __name__ == "__main__":
    sys.exit(main())
