"""GPU check of the real-network lab (issue 21, point 6): the default ``gdviz sweep mlp-moons``
on CUDA within 10 s, and the same step counts as on the CPU where runs are not chaotic.

    python benchmarks/gpu_mlp_lab.py            # needs a CUDA GPU; about a minute in all

Prints a table (figures against goals) and exits 1 when a goal is missed, 2 without CUDA.
Timed from the lab's construction (its reference run included) to the end of the sweep, after a
tiny sweep that pays CUDA's start-up; torch's import is printed apart. The baseline measured in
the same run is the same default sweep on this machine's CPU with one torch thread, limited to
the batch sizes B >= 16 (the CPU's B = 1 and 4 would take most of the device time); the CUDA
sweep of those batch sizes is timed too, so the two are compared on equal work.

On CUDA the lab runs each B that divides N in chunks of 32 updates captured once as a CUDA graph
and replayed (``MlpLab._block_static``); the table says which batch sizes did. A last check
runs B = 1 and 4 (10 epochs) both ways on CUDA, replayed graphs against the same chunks stepped
eagerly: the same kernels, so the step counts must agree exactly.
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np

GOAL_SECONDS = 10.0
GOAL_FIRST = 2.0


def timed(scenario, settings, device, graphs=True):
    """(result, seconds, first result's seconds, the B whose chunks replayed a graph)."""
    import torch

    from gdviz.mlp.lab import MlpLab
    first = []
    t0 = time.perf_counter()
    lab = MlpLab(scenario, settings, device=device)
    if not graphs:
        lab._capture = lambda *a: None         # the same chunks, stepped eagerly
    result = lab.run(progress=lambda r: first.append(time.perf_counter() - t0)
                     if not first else None)
    if device == "cuda":
        torch.cuda.synchronize()
    return result, time.perf_counter() - t0, first[0], lab.graphed


def main() -> int:
    t0 = time.perf_counter()
    import torch
    import_seconds = time.perf_counter() - t0
    if not torch.cuda.is_available():
        print("no CUDA GPU: nothing to check")
        return 2
    from gdviz.core.lab import REACHED, LabSettings
    from gdviz.scenario import load
    scenario = load("mlp-moons")
    timed(scenario, LabSettings(batch_sizes=(400,), lrs=(1.0,), seeds=1, max_epochs=1), "cuda")
    result, seconds, first, graphed = timed(scenario, LabSettings(), "cuda")
    large = LabSettings(batch_sizes=tuple(int(b) for b in result.batch_sizes if b >= 16))
    cuda_large, cuda_large_s, _, _ = timed(scenario, large, "cuda")
    cpu_large, cpu_large_s, _, _ = timed(scenario, large, "cpu")
    small = LabSettings(batch_sizes=(1, 4), max_epochs=10)
    replayed, replayed_s, _, _ = timed(scenario, small, "cuda")
    eager, eager_s, _, _ = timed(scenario, small, "cuda", graphs=False)
    graph_same = float(np.mean((replayed.steps == eager.steps) & (replayed.status == eager.status)))
    reached = np.array([p.steps_median is not None for p in result.best])
    # step counts of the B >= 16 runs: CUDA against the CPU (rounding may part chaotic runs)
    same = float(np.mean(cuda_large.steps == cpu_large.steps))
    print(f"gdviz real-network lab on {torch.cuda.get_device_name(0)}: mlp-moons, "
          f"B = {', '.join(str(int(b)) for b in result.batch_sizes)}, {len(result.lrs)} eta x "
          f"{len(result.seeds)} seeds, budget {result.max_epochs:g} epochs; "
          f"{os.cpu_count()} CPU cores; torch {torch.__version__}")
    rows = [
        ("import torch (s, not counted)", import_seconds, "—", None),
        ("first partial result on CUDA (s)", first, f"≤ {GOAL_FIRST:g}", first <= GOAL_FIRST),
        ("whole default sweep on CUDA (s)", seconds, f"≤ {GOAL_SECONDS:g}",
         seconds <= GOAL_SECONDS),
        ("B ≥ 16 on CUDA (s)", cuda_large_s, "—", None),
        ("B ≥ 16 on the CPU, 1 thread (s) [baseline]", cpu_large_s, "—", None),
        ("speed-up of CUDA over the CPU on B ≥ 16", cpu_large_s / cuda_large_s, "—", None),
        ("B ≥ 16 runs with the CPU's step count (share)", same, "≥ 0.9", same >= 0.9),
        ("batch sizes whose median run reached the target", int(reached.sum()),
         f"= {len(reached)}", bool(reached.all())),
        ("B = 1, 4 (10 epochs), CUDA graphs replayed (s)", replayed_s, "—", None),
        ("B = 1, 4 (10 epochs), the same chunks eagerly (s)", eager_s, "—", None),
        ("B = 1, 4 runs: graphs give the eager step count (share)", graph_same, "= 1",
         graph_same == 1.0),
    ]
    print("batch sizes whose chunks replayed a CUDA graph: "
          + (", ".join(str(b) for b in graphed) or "none (capture failed or not eligible)"))
    print(f"{'figure':<56} {'value':>9} {'goal':>7}  result")
    for name, value, goal, ok in rows:
        print(f"{name:<56} {value:>9.3g} {goal:>7}  "
              + ("" if ok is None else "PASS" if ok else "FAIL"))
    print("steps to target (median at the best η): " + ", ".join(
        f"B={p.batch_size}: {p.steps_median:g}" if p.steps_median is not None
        else f"B={p.batch_size}: not reached" for p in result.best)
        + f"; B_crit = {result.fit.b_crit}; reached runs {int((result.status == REACHED).sum())}")
    return 0 if all(ok is not False for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
