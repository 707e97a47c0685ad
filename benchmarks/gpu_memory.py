"""On a GPU: the CUDA allocator's peak around one training step against B, beside the peak gdviz
computes from the layer widths (gdviz.mlp.memory.step_peak). For the lead to run where CUDA is:

    PYTHONPATH=. python3 -m pytest -q -o addopts="" tests/test_memory.py -k cuda
    PYTHONPATH=. python3 benchmarks/gpu_memory.py

Per network and B: the computed peak, the measured peak, and what is comparable: their growth
from B = 1 (measured peak(B) - peak(1) vs computed peak(B) - peak(1)) and its ratio. The fixed
overhead (measured peak(1) - computed peak(1): cuBLAS's workspace, the allocator's 512-byte
rounding of small tensors) is printed once per network, with what the allocator held just
before the step beyond the parameters and the optimizer state.
"""
from __future__ import annotations

from gdviz.mlp.memory import format_bytes, step_memory, step_peak
from gdviz.mlp.memory_probe import cuda_step_peak


def main() -> None:
    import torch
    if not torch.cuda.is_available():
        print("no CUDA device here: the measured figures are owed (run this on a GPU)")
        return
    print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}")
    for sizes, opt in (((2, 16, 16, 1), "adam"), ((2, 256, 256, 1), "sgd"),
                       ((784, 1024, 1024, 10), "adam")):
        m1 = step_memory(sizes, 1, opt)
        peak1, before1 = cuda_step_peak(sizes, 1, opt)
        comp1 = step_peak(sizes, 1, opt)[0]
        print(f"network {'-'.join(map(str, sizes))}, {opt}: fixed overhead "
              f"{format_bytes(peak1 - comp1)} (peak at B = 1 {format_bytes(peak1)} vs computed "
              f"{format_bytes(comp1)}; held before the step beyond parameters + state: "
              f"{format_bytes(before1 - m1.params - m1.optimizer_state)})")
        print(f"{'B':>8} {'computed peak':>14} {'where':>15} {'measured peak':>14} "
              f"{'computed growth':>16} {'measured growth':>16} {'ratio':>7}")
        for b in (1, 32, 1024, 32768, 262144):
            comp, where = step_peak(sizes, b, opt)
            peak, _ = cuda_step_peak(sizes, b, opt, n=max(4096, b))
            grown, cgrown = peak - peak1, comp - comp1
            ratio = f"{grown / cgrown:7.3f}" if cgrown > 0 else f"{'-':>7}"
            print(f"{b:>8} {format_bytes(comp):>14} {where:>15} {format_bytes(peak):>14} "
                  f"{cgrown:>16,} {grown:>16,} {ratio}")
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
