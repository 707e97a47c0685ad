"""Engine benchmark: stepping speed per method, and a batch-size sweep against a plain loop.

    .venv/bin/python benchmarks/engine.py                   # the full table, about 15 s
    .venv/bin/python benchmarks/engine.py --plain-seeds 4   # plain loop on 4 seeds, scaled

(a) ``MethodRun.step()`` steps per second for each method of the ``quick-example`` scenario, the
    same through ``Simulation.advance_to``, and the peak memory one ``step()`` allocates
    (tracemalloc), to back "no per-step allocation of large arrays".
(c) The float step against today's design (the NumPy array step, a permutation every epoch),
    measured in the same run, rounds interleaved: goals >= 150k updates/s for a stochastic
    step on N = 1000 and >= 50k for full batch (scenario quick-example).
(b) A sweep of 9 batch sizes x 16 seeds x 20 epochs (linear regression, N = 1000) done by
    ``gdviz.core.sweep.sweep`` against the per-step Python loop a student would write, timed in
    the same run, with the speed-up against the goal (>= 20x) and a check that both give the
    same final parameters (same permutations) to 1e-9.

Exits with status 1 if a goal or the equality check fails. ``--goals-only`` runs (c) alone.
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
from gdviz.core.landscapes import make_landscape
from gdviz.scenario import load
from gdviz.core.sweep import run_rng, sweep

SCENARIO = "quick-example"
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 1000)
SEEDS = tuple(range(16))
EPOCHS = 20
GOAL = 20.0
TOLERANCE = 1e-9


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


# (b) the sweep -------------------------------------------------------------------------------
def plain_loop(x, y, batch_sizes, seeds, epochs, lr, start):
    """What a student would write: one Python-level step per batch, per seed and batch size."""
    n = len(x)
    thetas = np.empty((len(batch_sizes), len(seeds), 2))
    losses = np.empty((len(batch_sizes), len(seeds), epochs + 1))
    for j, seed in enumerate(seeds):
        for i, b in enumerate(batch_sizes):
            rng = run_rng(seed)
            theta = np.array(start, dtype=float)
            losses[i, j, 0] = 0.5 * np.mean((theta[0] * x + theta[1] - y) ** 2)
            for epoch in range(epochs):
                perm = rng.permutation(n)
                for lo in range(0, n, b):
                    idx = perm[lo:lo + b]
                    if len(idx) == n:
                        idx = np.sort(idx)       # the whole dataset, summed in index order
                    xb, yb = x[idx], y[idx]
                    r = theta[0] * xb + theta[1] - yb
                    g = np.stack([r * xb, r], axis=1).mean(axis=0)   # mean per-example gradient
                    theta = theta - lr * g
                losses[i, j, epoch + 1] = 0.5 * np.mean((theta[0] * x + theta[1] - y) ** 2)
            thetas[i, j] = theta
    return thetas, losses


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--plain-seeds", type=int, default=len(SEEDS),
                        help="time the plain loop on this many of the 16 seeds and scale "
                             "(default: all)")
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
    plain_seeds = SEEDS[:max(1, min(args.plain_seeds, len(SEEDS)))]

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

    # (b) the sweep
    landscape = make_landscape("regression", 1000, scenario.seed, scenario.noise)
    n, lr, start = landscape.n, scenario.lr, tuple(scenario.starts["mini_batch"])
    per_run = [EPOCHS * -(-n // b) for b in BATCH_SIZES]
    total_updates = sum(per_run) * len(SEEDS)
    print()
    print(f"(b) Sweep: linear regression, N = {n}, batch sizes {' '.join(map(str, BATCH_SIZES))} "
          f"x {len(SEEDS)} seeds x {EPOCHS} epochs, lr = {lr}, start {start}, plain SGD")
    print(f"    {len(BATCH_SIZES) * len(SEEDS)} runs, {total_updates:,} updates; both paths return "
          f"final parameters and the loss after every epoch")

    cold = time.perf_counter()
    result = sweep(landscape, BATCH_SIZES, SEEDS, EPOCHS, lr, start)
    cold = time.perf_counter() - cold
    # The machine may be shared: one sweep is timed after each seed of the plain loop, so both
    # are measured under the same conditions; the sweep's time is the median of those runs.
    times = []
    t_plain_measured = 0.0
    parts = []
    for seed in plain_seeds:
        t0 = time.perf_counter()
        parts.append(plain_loop(landscape.x, landscape.y, BATCH_SIZES, (seed,), EPOCHS, lr, start))
        t_plain_measured += time.perf_counter() - t0
        t0 = time.perf_counter()
        result = sweep(landscape, BATCH_SIZES, SEEDS, EPOCHS, lr, start)
        times.append(time.perf_counter() - t0)
    t_sweep = statistics.median(times)
    plain_thetas = np.concatenate([p[0] for p in parts], axis=1)
    plain_losses = np.concatenate([p[1] for p in parts], axis=1)
    scale = len(SEEDS) / len(plain_seeds)
    t_plain = t_plain_measured * scale

    print(f"{'path':<50} {'time (s)':>9} {'updates/s':>12}")
    label = f"engine: sweep(), median of {len(times)} (min {min(times):.3f} s)"
    print(f"{label:<50} {t_sweep:>9.3f} {total_updates / t_sweep:>12,.0f}")
    print(f"{'engine: sweep(), first (cold) call':<50} {cold:>9.3f} "
          f"{total_updates / cold:>12,.0f}")
    label = "plain per-step Python loop"
    if scale != 1:
        label += f" ({len(plain_seeds)} seeds x {scale:g})"
    print(f"{label:<50} {t_plain:>9.3f} {total_updates / t_plain:>12,.0f}")
    if scale != 1:
        print(f"    the plain loop was timed on seeds {plain_seeds[0]}..{plain_seeds[-1]} only "
              f"({t_plain_measured:.3f} s) and scaled by {scale:g} to all {len(SEEDS)} seeds")
    ratio = t_plain / t_sweep
    speed_ok = ratio >= GOAL
    print(f"speed-up: {ratio:.1f}x   goal: >= {GOAL:g}x   {'PASS' if speed_ok else 'FAIL'}")

    k = len(plain_seeds)
    diff = np.abs(result.final_thetas[:, :k] - plain_thetas)
    close = np.allclose(result.final_thetas[:, :k], plain_thetas, rtol=TOLERANCE, atol=TOLERANCE)
    curve_diff = np.max(np.abs(result.loss_curves[:, :k] - plain_losses)
                        / np.maximum(1.0, np.abs(plain_losses)))
    curves_ok = curve_diff <= TOLERANCE
    print(f"same permutations, same results: final thetas max |diff| = {diff.max():.1e}, "
          f"loss curves max rel. diff = {curve_diff:.1e} (tolerance {TOLERANCE:g}, "
          f"{len(BATCH_SIZES) * k} runs compared): {'PASS' if close and curves_ok else 'FAIL'}")

    print()
    logistic = make_landscape("logistic", 1000, scenario.seed, 1.0)
    t0 = time.perf_counter()
    sweep(logistic, BATCH_SIZES, SEEDS, EPOCHS, 0.5, (0.0, 0.0))
    t_log = time.perf_counter() - t0
    print(f"for information: the same sweep on logistic regression (no batch features, so the "
          f"per-batch-size path vectorised over seeds): {t_log:.3f} s")
    return 0 if speed_ok and close and curves_ok and goals_ok else 1


if __name__ == "__main__":
    sys.exit(main())
