"""The memory one training step holds, as a function of the batch size B (no torch import).

Counted for the plain PyTorch step that ``gdviz export SCENARIO --out run.py`` writes (an
``nn.Sequential`` of Linear layers and activations, autograd, a ``torch.optim`` optimizer), in
float32, from the layer widths alone:

* parameters: P numbers (the weights and biases of every layer);
* gradients: P numbers (each parameter's ``.grad``, kept between steps);
* optimizer state: none (SGD), P (momentum, Nesterov: the momentum buffer; RMSprop: the running
  square) or 2P (Adam: both moments), plus one step counter per parameter tensor (Adam, RMSprop);
* the batch: B inputs and B targets;
* activations kept for the backward pass: each hidden layer's output (B × width, what the next
  layer's weight gradient needs) and the network's output (B × 1, what the loss's gradient
  needs), plus the loss itself.

The first three do not depend on B; the last two grow linearly with it. The count is checked
against torch's CPU memory profiler in tests/test_memory.py; benchmarks/gpu_memory.py measures
the CUDA allocator's peak around one step.
"""
from __future__ import annotations

from dataclasses import dataclass

FLOAT_BYTES = 4
STATE_COPIES = {"sgd": 0, "momentum": 1, "nesterov": 1, "rmsprop": 1, "adam": 2}
STEP_COUNTERS = {"sgd": 0, "momentum": 0, "nesterov": 0, "rmsprop": 1, "adam": 1}


@dataclass(frozen=True)
class StepMemory:
    """Bytes one step holds, by part."""

    batch_size: int
    params: int
    grads: int
    optimizer_state: int
    batch: int
    activations: int

    @property
    def fixed(self) -> int:
        """What does not depend on B: parameters, gradients, optimizer state."""
        return self.params + self.grads + self.optimizer_state

    @property
    def per_batch(self) -> int:
        """What grows with B: the batch and the activations kept for the backward pass."""
        return self.batch + self.activations

    @property
    def total(self) -> int:
        return self.fixed + self.per_batch


def n_params(sizes) -> int:
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


def step_memory(sizes, batch_size: int, optimizer: str = "sgd") -> StepMemory:
    """The memory of one step of the network with layer widths ``sizes`` (inputs, hidden...,
    outputs) at batch size B, in bytes (float32)."""
    sizes = tuple(int(s) for s in sizes)
    b = int(batch_size)
    p = n_params(sizes)
    tensors = 2 * (len(sizes) - 1)                    # a weight and a bias per layer
    state = STATE_COPIES[optimizer] * p + STEP_COUNTERS[optimizer] * tensors
    kept = b * (sum(sizes[1:-1]) + sizes[-1]) + 1     # hidden outputs, network output, loss
    return StepMemory(b, FLOAT_BYTES * p, FLOAT_BYTES * p, FLOAT_BYTES * state,
                      FLOAT_BYTES * b * (sizes[0] + sizes[-1]), FLOAT_BYTES * kept)


def largest_batch(sizes, optimizer: str, limit_bytes: float, n: int | None = None) -> int:
    """The largest B whose step fits in ``limit_bytes`` (0: not even B = 1), at most ``n``."""
    one = step_memory(sizes, 1, optimizer)
    per = step_memory(sizes, 2, optimizer).total - one.total      # bytes per extra example
    if one.total > limit_bytes:
        return 0
    b = 1 + int((limit_bytes - one.total) // per)
    return min(b, n) if n is not None else b


def format_bytes(n: float) -> str:
    """1,234 B, 12.3 KB, 4.5 MB, 1.2 GB (powers of 1024)."""
    for unit, size in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:,.0f} B"


def analytic_step_text(batch_size: int) -> str:
    """What a step on a two-parameter landscape holds, and why it is tiny."""
    b = int(batch_size)
    return (f"{b:,} per-example gradients of 2 numbers ({format_bytes(16 * b)} in float64), "
            f"then their mean: 2 numbers. Two parameters make any B tiny; a network with "
            f"millions of weights and wide layers is where B decides the memory.")


def network_sizes(scenario) -> tuple[int, ...]:
    """The layer widths of a real-network scenario: inputs, hidden..., one output."""
    inputs = 1 if scenario.mlp.dataset == "curve" else 2
    return (inputs, *scenario.mlp.hidden, 1)


def memory_label(scenario, batch_size: int) -> tuple[str, str]:
    """(the counters' short figure, its longer explanation) for one method's step at B."""
    if scenario.is_mlp:
        sizes = network_sizes(scenario)
        m = step_memory(sizes, batch_size, scenario.optimizer)
        return (format_bytes(m.total),
                f"One step at B = {batch_size:,} holds {format_bytes(m.total)}: parameters, "
                f"gradients and {scenario.optimizer} state {format_bytes(m.fixed)} (fixed) + the "
                f"batch and the activations kept for the backward pass "
                f"{format_bytes(m.per_batch)} (grows with B), float32, plain PyTorch.")
    return format_bytes(16 * batch_size), analytic_step_text(batch_size)
