"""Memory of one training step against B: computed from the layer widths (gdviz.mlp.memory) and
counted by torch's CPU memory profiler (the first step of a plain nn.Sequential + torch.optim).

    PYTHONPATH=. python benchmarks/memory.py            # the built-in network, 2-16-16-1, Adam

Prints, per B: the computed parts (what is kept), the profiler's count after the forward pass and
after the (first) step, the computed peak during a (steady-state) step and where it is reached,
the profiler's peak of the same step, and whether all agree to the byte. benchmarks/gpu_memory.py measures the CUDA peak.
"""
from __future__ import annotations

import argparse

from gdviz.mlp.memory import format_bytes, largest_batch, step_memory
from gdviz.mlp.memory_probe import profiled_peak, profiled_step


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="2,16,16,1")
    p.add_argument("--optimizer", default="adam")
    args = p.parse_args()
    sizes = tuple(int(s) for s in args.sizes.split(","))
    import torch
    torch.set_num_threads(1)
    print(f"network {'-'.join(map(str, sizes))}, {args.optimizer}, float32, torch "
          f"{torch.__version__}, 1 thread")
    print(f"{'B':>7} {'fixed':>10} {'batch+act':>10} {'kept':>10} {'profiler fwd':>13} "
          f"{'profiler step':>14} {'peak':>12} {'where':>15} {'profiler peak':>14} {'agree':>6}")
    for b in (1, 8, 32, 128, 512, 2048, 8192):
        m = step_memory(sizes, b, args.optimizer)
        fwd, step = profiled_step(sizes, b, args.optimizer, n=max(8192, b))
        peak, _ = profiled_peak(sizes, b, args.optimizer, n=max(8192, b))
        agree = (fwd == m.per_batch and step == m.batch + 4 + m.grads + m.optimizer_state
                 and peak == m.peak)
        print(f"{b:>7} {format_bytes(m.fixed):>10} {format_bytes(m.per_batch):>10} "
              f"{format_bytes(m.total):>10} {fwd:>13,} {step:>14,} {m.peak:>12,} "
              f"{m.peak_at:>15} {peak:>14,} {'yes' if agree else 'NO':>6}")
    for limit in (2**20, 4 * 2**30):
        print(f"largest B whose peak fits within {format_bytes(limit)}: "
              f"{largest_batch(sizes, args.optimizer, limit):,}")


if __name__ == "__main__":
    main()
