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

The first three do not depend on B; the last two grow linearly with it. That is what is KEPT.
What a step NEEDS is its peak (``step_peak``), reached during the backward pass (or, at tiny B,
the optimizer step), where more than the kept tensors coexist: walking back through hidden layer
k, its saved output h_k and the gradient arriving for it (B x w_k) are joined by the activation's
backward result (B x w_k, tanh or ReLU backward) before the first two are freed; the weight
gradients of the layers already passed exist; the batch and the loss are still referenced. The
peak is computed by replaying, from the widths, every allocation and free torch makes in one
steady-state step (``optimizer.zero_grad()`` sets the gradients to None, as the exported script
does; the parameters and the optimizer state are held throughout), including the loss's and the
optimizer's small temporaries. tests/test_memory.py checks both counts against torch's CPU memory
profiler to the byte; benchmarks/gpu_memory.py measures the CUDA allocator's peak around one step.
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
    _sizes: tuple = ()
    _optimizer: str = "sgd"

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
        """Everything kept: parameters, gradients, state, the batch, the saved activations."""
        return self.fixed + self.per_batch

    @property
    def peak(self) -> int:
        """The most bytes alive at once during one step: what the step needs."""
        return step_peak(self._sizes, self.batch_size, self._optimizer)[0]

    @property
    def peak_at(self) -> str:
        """Where in the step the peak is reached."""
        return step_peak(self._sizes, self.batch_size, self._optimizer)[1]

    @property
    def transient(self) -> int:
        """Peak minus everything kept (negative when the kept parts never coexist: the
        gradients only exist once the activations are being freed)."""
        return self.peak - self.total


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
                      FLOAT_BYTES * b * (sizes[0] + sizes[-1]), FLOAT_BYTES * kept,
                      sizes, optimizer)


def _param_bytes(sizes) -> list[int]:
    """Bytes of each parameter tensor in ``model.parameters()`` order: W1, b1, W2, b2, ..."""
    out = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        out += [FLOAT_BYTES * a * b, FLOAT_BYTES * b]
    return out


def _optimizer_transient(optimizer: str, tensors: list[int]) -> int:
    """The most bytes the (single-tensor, CPU) optimizer step allocates at once on top of what
    it starts with: per-step 0-d temporaries (an 8-byte double and its 4-byte float copy) and
    per-parameter temporaries, the previous one still referenced by a loop variable."""
    scalar = 12
    if optimizer == "sgd":
        return 0
    if optimizer == "momentum":
        return scalar                                   # buf.mul_(momentum): 0-d temporaries
    if optimizer == "nesterov":
        return max(scalar, max(tensors))                # grad.add(buf): freed at once
    prev = [0] + tensors[:-1]
    if optimizer == "rmsprop":                          # avg = sqrt(v) (+eps in place)
        return max(max(p + t, t + scalar) for p, t in zip(prev, tensors))
    # adam: denom = sqrt(v) / bias_correction (two tensors) while the last denom lives
    return max(p + 2 * t + scalar for p, t in zip(prev, tensors))


def step_events(sizes, batch_size: int, optimizer: str = "sgd"):
    """The allocations (+bytes) and frees (-bytes) torch makes in one steady-state step, in
    order, with a label per phase: what ``step_peak`` replays."""
    sizes = tuple(int(s) for s in sizes)
    b, f, o = int(batch_size), FLOAT_BYTES, sizes[-1]
    ev = [("batch", f * b * sizes[0]), ("batch", f * b * o)]          # xb, yb
    for w in sizes[1:-1]:                     # Linear's output, the activation's output (kept)
        ev += [("forward", f * b * w), ("forward", f * b * w), ("forward", -f * b * w)]
    ev.append(("forward", f * b * o))                                    # the logits (kept)
    # BCEWithLogitsLoss: log_sigmoid's output and buffer, the elementwise loss, the mean (4 B)
    # and its 0-d divisor (8 B double, 4 B float copy); all but the mean freed
    ev += [("loss", f * b * o), ("loss", f * b * o), ("loss", -f * b * o), ("loss", f * b * o),
           ("loss", 4), ("loss", 8), ("loss", 4), ("loss", -4), ("loss", -8),
           ("loss", -f * b * o), ("loss", -f * b * o)]
    # backward: d loss (4 B), the logits' gradient (then the logits are freed)
    ev += [("backward", 4), ("backward", f * b * o), ("backward", 8), ("backward", 4),
           ("backward", -4), ("backward", -8), ("backward", -f * b * o)]
    layers = len(sizes) - 1
    for k in range(layers, 0, -1):
        w_in, w_out = sizes[k - 1], sizes[k]
        if k > 1:
            ev.append(("backward", f * b * w_in))          # gradient for the layer's input
        ev += [("backward", f * w_in * w_out), ("backward", f * w_out)]   # .grad of W, b
        ev.append(("backward", -f * b * w_out))            # the arriving gradient is freed
        if k > 1:                                          # tanh/ReLU backward of h_{k-1}
            ev += [("backward", f * b * w_in), ("backward", -f * b * w_in),
                   ("backward", -f * b * w_in)]            # its input gradient and h_{k-1}
    ev.append(("backward", -4))
    t = _optimizer_transient(optimizer, _param_bytes(sizes))
    ev += [("optimizer step", t), ("optimizer step", -t)]
    return ev


def step_peak(sizes, batch_size: int, optimizer: str = "sgd") -> tuple[int, str]:
    """(the peak bytes of one steady-state step, the phase where it is reached): the parameters
    and the optimizer state, plus the largest running sum of ``step_events``."""
    sizes = tuple(int(s) for s in sizes)
    p = n_params(sizes)
    tensors = 2 * (len(sizes) - 1)
    held = FLOAT_BYTES * (p + STATE_COPIES[optimizer] * p + STEP_COUNTERS[optimizer] * tensors)
    top, where = held, "start"
    for phase, delta in step_events(sizes, batch_size, optimizer):
        held += delta
        if held > top:
            top, where = held, phase
    return top, where


def largest_batch(sizes, optimizer: str, limit_bytes: float, n: int | None = None) -> int:
    """The largest B whose step's peak fits in ``limit_bytes`` (0: not even B = 1), at most
    ``n``. The peak grows with B without ever falling, so a bisection finds it."""
    if step_peak(sizes, 1, optimizer)[0] > limit_bytes:
        return 0
    lo, hi = 1, 2
    while step_peak(sizes, hi, optimizer)[0] <= limit_bytes and (n is None or hi < n):
        lo, hi = hi, 2 * hi
    while hi - lo > 1:                       # peak(lo) fits, peak(hi) does not (or hi >= n)
        mid = (lo + hi) // 2
        if step_peak(sizes, mid, optimizer)[0] <= limit_bytes:
            lo = mid
        else:
            hi = mid
    if n is not None and step_peak(sizes, hi, optimizer)[0] <= limit_bytes:
        lo = hi
    return min(lo, n) if n is not None else lo


def format_bytes(n: float) -> str:
    """1,234 B, 12.3 KB, 4.5 MB, 1.2 GB (powers of 1024)."""
    for unit, size in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:,.0f} B"


def analytic_dims(scenario) -> int:
    """How many parameters an analytic scenario's θ has (2, or the least-squares d)."""
    if scenario.landscape == "least_squares":
        from gdviz.core.landscapes import LeastSquares
        return int(scenario.dims or LeastSquares.DEFAULT_DIMS)
    return 2


def analytic_step_bytes(batch_size: int, dims: int = 2) -> int:
    """B per-example gradients of *dims* float64 numbers."""
    return 8 * dims * int(batch_size)


def analytic_step_text(batch_size: int, dims: int = 2) -> str:
    """What a step on an analytic landscape holds, and why it is small."""
    b = int(batch_size)
    return (f"{b:,} per-example gradients of {dims} numbers "
            f"({format_bytes(analytic_step_bytes(b, dims))} in float64), then their mean: "
            f"{dims} numbers. {dims} parameters keep any B small; a network with millions of "
            f"weights and wide layers is where B decides the memory.")


def network_sizes(scenario) -> tuple[int, ...]:
    """The layer widths of a real-network scenario: inputs, hidden..., one output."""
    inputs = 1 if scenario.mlp.dataset == "curve" else 2
    return (inputs, *scenario.mlp.hidden, 1)


def memory_label(scenario, batch_size: int) -> tuple[str, str]:
    """(the counters' short figure, its longer explanation) for one method's step at B."""
    if scenario.is_mlp:
        sizes = network_sizes(scenario)
        m = step_memory(sizes, batch_size, scenario.optimizer)
        return (format_bytes(m.peak),
                f"One step at B = {batch_size:,} needs {format_bytes(m.peak)} at its peak "
                f"(peak during a step, in the {m.peak_at}"
                f"{' pass' if m.peak_at in ('forward', 'backward') else ''}). It keeps parameters, gradients and "
                f"{scenario.optimizer} state {format_bytes(m.fixed)} (fixed) + the batch and the "
                f"activations kept for the backward pass {format_bytes(m.per_batch)} (grows with "
                f"B); the backward pass adds activation gradients on top. Float32, plain PyTorch.")
    dims = analytic_dims(scenario)
    return (format_bytes(analytic_step_bytes(batch_size, dims)),
            analytic_step_text(batch_size, dims))
