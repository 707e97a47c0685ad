"""Engine benchmark: stepping speed per method, and the float step against the array step.

    .venv/bin/python benchmarks/engine.py                   # the full table, about 10 s
    .venv/bin/python benchmarks/engine.py --goals-only      # (c) alone

(a) ``MethodRun.step()`` steps per second for each method of the ``quick-example`` scenario, the
    same through ``Simulation.advance_to``, and the peak memory one ``step()`` allocates
    (tracemalloc), to back "no per-step allocation of large arrays".
(c) The float step against today's design (the NumPy array step, a permutation every epoch),
    measured in the same run, rounds interleaved: goals >= 150k updates/s for a stochastic
    step on N = 1000 and >= 50k for full batch (scenario quick-example).
Exits with status 1 if a goal fails. ``--goals-only`` runs (c) alone.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import tracemalloc

import numpy as np

from gdviz.core import METHOD_LABELS
from gdviz.core.batching import EpochSampler
from gdviz.core.simulation import MethodRun
from gdviz.scenario import load

SCENARIO = "quick-example"


# (a) stepping -------------------------------------------------------------------------------
def steps_per_second(run, seconds: float) -> tuple[float, int]:
    for _ in range(20):                      # warm up
        run.step()
    count, t0 = 0, time.perf_counter()
    while True:
        for _ in range(100):
            run.step()
        count += 100
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            return count / elapsed, count


def step_allocation(run, steps: int = 200) -> tuple[int, int]:
    """Peak bytes allocated during one step() (max and median over ``steps`` steps)."""
    peaks = []
    tracemalloc.start()
    try:
        for _ in range(steps):
            tracemalloc.reset_peak()
            before, _ = tracemalloc.get_traced_memory()
            record = run.step()
            _, peak = tracemalloc.get_traced_memory()
            del record
            peaks.append(peak - before)
    finally:
        tracemalloc.stop()
    return max(peaks), int(statistics.median(peaks))


def advance_rate(scenario) -> tuple[float, int, int, float]:
    """Updates per second through Simulation.advance_to, N ticks of the clock per call.

    On the examples clock (quick-example) N ticks are one epoch of every method.
    """
    sim = scenario.build()
    per_call = sim.n * sim.tick_size()
    updates = calls = 0
    target = 0.0
    t0 = time.perf_counter()
    while sim.running:
        target += per_call
        updates += len(sim.advance_to(target))
        calls += 1
    elapsed = time.perf_counter() - t0
    return updates / elapsed, updates, calls, elapsed


# (c) the float step against today's design ---------------------------------------------------
STEP_GOALS = {"stochastic": 150_000, "full_batch": 50_000}


class TodayRun(MethodRun):
    """The step as it was before the float path: NumPy arrays, a permutation every epoch."""

    def __init__(self, run: MethodRun, seed: int):
        super().__init__(run.key, run.landscape, run.batch_size, run.start, run.hyper,
                         np.random.default_rng(seed), clock_kind=run.clock_kind)
        self._terms = None
        self.sampler = EpochSampler(self.n, run.batch_size, np.random.default_rng(seed))

    def step(self):
        lr = self.current_lr()
        batch, _ = self.sampler.next_batch()
        return self._step_arrays(lr, batch)


def float_step_goals(rounds: int = 5, seconds: float = 0.25) -> bool:
    scenario = load(SCENARIO)
    sim = scenario.build()
    print(f"(c) The float step against today's array step, same run, {rounds} interleaved "
          f"rounds of {seconds:g} s each (median); scenario '{SCENARIO}', N = {sim.n}, "
          f"{scenario.optimizer}")
    print(f"{'method':<12} {'B':>5} {'today/s':>10} {'now/s':>10} {'ratio':>6} "
          f"{'goal':>10}  result")
    ok = True
    for key, goal in STEP_GOALS.items():
        run = sim.run(key)
        today = TodayRun(run, 1)
        rates_now, rates_today = [], []
        for _ in range(rounds):
            rates_today.append(steps_per_second(today, seconds)[0])
            rates_now.append(steps_per_second(run, seconds)[0])
        now, old = statistics.median(rates_now), statistics.median(rates_today)
        passed = now >= goal
        ok &= passed
        print(f"{METHOD_LABELS[key]:<12} {run.batch_size:>5} {old:>10,.0f} {now:>10,.0f} "
              f"{now / old:>5.1f}x {'>= ' + format(goal, ','):>10}  "
              f"{'PASS' if passed else 'FAIL'}")
    print("(bit-identical results: tests/test_fast_step.py)")
    return ok


def kb(nbytes: int) -> str:
    return f"{nbytes / 1024:.1f} kB"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--step-seconds", type=float, default=1.0,
                        help="seconds of stepping timed per method (default 1)")
    parser.add_argument("--goals-only", action="store_true",
                        help="only (c), the float step against today's design")
    args = parser.parse_args(argv)
    print(f"gdviz engine benchmark — Python {platform.python_version()}, NumPy {np.__version__}, "
          f"{os.cpu_count()} CPU cores, {platform.machine()}, load average "
          f"{os.getloadavg()[0]:.1f} (other processes share the machine when it is above 0)")
    print()
    goals_ok = float_step_goals()
    if args.goals_only:
        return 0 if goals_ok else 1
    print()

    scenario = load(SCENARIO)
    print(f"(a) Engine stepping: scenario '{SCENARIO}' ({scenario.landscape}, "
          f"N = {scenario.n_examples}, lr = {scenario.lr}, {scenario.optimizer}, "
          f"clock: {scenario.clock})")
    print(f"{'method':<12} {'B':>5} {'steps/s':>10} {'µs/step':>9}   "
          f"{'step() peak alloc, max / median':>32}")
    sim = scenario.build()
    for run in sim.runs:
        rate, _ = steps_per_second(run, args.step_seconds)
        peak, median = step_allocation(run)
        print(f"{METHOD_LABELS[run.key]:<12} {run.batch_size:>5} {rate:>10,.0f} "
              f"{1e6 / rate:>9.1f}   {kb(peak) + ' / ' + kb(median):>32}")
    rate, updates, calls, elapsed = advance_rate(scenario)
    print(f"Simulation.advance_to, N clock ticks (one epoch) per call, to the end: "
          f"{updates:,} updates in {calls} calls, {elapsed:.2f} s = {rate:,.0f} updates/s")
    print(f"(for scale: one float64 array of N = {scenario.n_examples} values is "
          f"{kb(8 * scenario.n_examples)})")

    return 0 if goals_ok else 1


if __name__ == "__main__":
    sys.exit(main())
