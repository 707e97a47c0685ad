"""On a GPU: the CUDA allocator's peak around one training step against B, beside the memory
gdviz computes from the layer widths (gdviz.mlp.memory). For the lead to run where CUDA exists:

    PYTHONPATH=. python benchmarks/gpu_memory.py
    PYTHONPATH=. python -m pytest tests/test_memory.py -q      # its CUDA test runs there too

The peak counts parameters, gradients, optimizer state, the batch, the activations kept for the
backward pass and the backward pass's own temporaries, each rounded up by the allocator (512 B
blocks): at small B the rounding dominates, at large B the ratio shows the temporaries.
"""
from __future__ import annotations

from gdviz.mlp.memory import format_bytes, step_memory
from gdviz.mlp.memory_probe import cuda_step_peak


def main() -> None:
    import torch
    if not torch.cuda.is_available():
        print("no CUDA device here: the measured figures are owed (run this on a GPU)")
        return
    print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}")
    for sizes, opt in (((2, 16, 16, 1), "adam"), ((2, 256, 256, 1), "sgd"),
                       ((784, 1024, 1024, 10), "adam")):
        print(f"network {'-'.join(map(str, sizes))}, {opt}")
        print(f"{'B':>8} {'computed':>12} {'measured peak':>14} {'ratio':>7}")
        for b in (1, 32, 1024, 32768, 262144):
            m = step_memory(sizes, b, opt).total
            peak = cuda_step_peak(sizes, b, opt, n=max(4096, b))
            print(f"{b:>8} {format_bytes(m):>12} {format_bytes(peak):>14} {peak / m:>7.2f}")
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
