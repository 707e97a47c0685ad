"""Enforced limits on work and memory (docs/limits.md), checked before any work starts.

Every estimate here is an upper bound computed from the settings alone (no data built): a sweep
whose runs stop early (reached or diverged) costs less. The figures were measured on a 2-core
laptop (benchmarks/limits.py prints them again): the lab's lockstep loop costs about
``LAB_STEP_S`` per update plus ``LAB_ELEMENT_S`` per run and example touched.
"""
from __future__ import annotations

MAX_LAB_SECONDS = 900            # a sweep's estimated time on a 2-core laptop (15 minutes)
MAX_LAB_BYTES = 2 * 2**30        # a sweep's estimated memory (2 GiB)
LAB_STEP_S = 25e-6               # per lockstep update (Python loop, a few small array ops)
LAB_ELEMENT_S = 0.2e-6           # per run × example that an update touches
LAB_SEED_LOSS_S = 150e-6         # logistic regression: per seed's loss call at every update
LAB_LOSS_ELEMENT_S = 0.03e-6     # ... and per run × example in it
MLP_START_S = 10.0               # the real network's lab: torch.func's first calls
MLP_STEP_S = 0.5e-3              # per update
# per run × example × weight of the stacked, batched runs (forward and backward, CPU): the
# default `gdviz sweep mlp-moons` (6 B × 8 η × 8 seeds, 80 epochs) used 31–37 s of CPU on the
# 2-core machine, and this estimates about 60 s with every run to its budget
MLP_ELEMENT_S = 0.3e-9
LAB_PER_EXAMPLE_BYTES = 96       # a seed's data: per-example arrays, kept twice (own + stacked)


# One seed range everywhere (gdviz.scenario.MAX_SEED is this): the window's seed box is a 32-bit
# spin box; a sweep's derived seeds (seed + k) must stay in it too (``check_seed_range``).
MAX_SEED = 2**31 - 1


class LimitError(ValueError):
    """Work or memory beyond a documented limit, refused before it starts (one line)."""


def check_seed_range(first: int, count: int, field: str, what: str) -> None:
    """Refuse a sweep whose derived seeds (*first* + k, k < *count*) would pass the largest seed
    a scenario accepts (``gdviz.scenario.MAX_SEED``): every run the sweep counts must be one that
    ``gdviz simulate … --seed/--shuffle-seed`` reproduces, so none may wrap or be refused there.
    *field*: the scenario field the seeds start from; *what*: the runs counted (seeds, copies)."""
    last = int(first) + int(count) - 1
    if last > MAX_SEED:
        raise LimitError(
            f"{field} = {first} with {count} {what}: the last would be {field} {last}, past "
            f"{MAX_SEED} (the largest seed); lower the {field} to at most "
            f"{max(MAX_SEED - count + 1, 0)} or the number of {what}")


def _lab_line(what: str, seconds: float, nbytes: float, shape: str, advice: str) -> str:
    return (f"this {what} would take about {_duration(seconds)} and {_size(nbytes)} of memory "
            f"({shape}); the limits are {_duration(MAX_LAB_SECONDS)} and {_size(MAX_LAB_BYTES)} "
            f"(docs/limits.md): {advice}")


def _shape(n, sizes, lr_count, seed_count, max_epochs) -> str:
    k = len(sizes)
    return (f"{k} batch size{'s' * (k != 1)} × {lr_count} η × {seed_count} "
            f"seed{'s' * (seed_count != 1)}, {max_epochs:g} epochs of N = {n:,}")


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:,.0f} days"


def _size(nbytes: float) -> str:
    if nbytes < 2**30:
        return f"{nbytes / 2**20:,.0f} MiB"
    return f"{nbytes / 2**30:,.1f} GiB"


def lab_estimate(n: int, batch_sizes, lr_count: int, seed_count: int, max_epochs: float,
                 drop_last: bool, loss_per_example: bool) -> tuple[float, float]:
    """(seconds, bytes) of an analytic lab, at most.

    ``loss_per_example``: the landscape's loss sums over the examples at every update (logistic
    regression) rather than a closed form (the tilted landscapes, linear regression).
    """
    from gdviz.core.rules import budget_steps
    runs = lr_count * seed_count
    seconds = 0.0
    for b in batch_sizes:
        steps = budget_steps(n, int(b), drop_last, max_epochs)
        step = LAB_STEP_S + runs * (b + 1) * LAB_ELEMENT_S
        if loss_per_example:
            step += seed_count * LAB_SEED_LOSS_S + runs * n * LAB_LOSS_ELEMENT_S
        seconds += steps * step
    # every seed's data (own and stacked), one epoch's permutations per seed, and one block's
    # orders and whole-data indices (runs × N, twice while the B = 1 block transposes them)
    nbytes = seed_count * n * (LAB_PER_EXAMPLE_BYTES + 8) + 3 * runs * n * 8
    return seconds, nbytes


def check_lab(n: int, batch_sizes, lr_count: int, seed_count: int, max_epochs: float,
              drop_last: bool, loss_per_example: bool) -> None:
    """Raise LimitError when the analytic lab's estimate exceeds a limit."""
    seconds, nbytes = lab_estimate(n, batch_sizes, lr_count, seed_count, max_epochs, drop_last,
                                   loss_per_example)
    if seconds > MAX_LAB_SECONDS or nbytes > MAX_LAB_BYTES:
        shape = _shape(n, batch_sizes, lr_count, seed_count, max_epochs)
        raise LimitError(_lab_line("sweep", seconds, nbytes, shape,
                                   "lower the seeds, the epochs, N or the batch sizes"))


# the mean-of-copies lab, measured on the 2-core machine: 0.36 ms per update on `default`
# (2 parameters, N = 256), 3.3–47 ms on lesson 7 (100 parameters, N = 16,384, 16–64 runs)
COPIES_STEP_S = 0.35e-3          # per lockstep update
COPIES_ELEMENT_S = 0.5e-9        # per run × (batch + examples of the loss) × parameter
COPIES_CHECKED_EPOCHS = 20.0     # a budget up to this is the built-in lessons': not estimated


def copies_lab_estimate(n: int, batch_sizes, lr_count: int, copies: int, max_epochs: float,
                        drop_last: bool, dims: int) -> tuple[float, float]:
    """(seconds, bytes) of the mean-of-copies lab if no run ever stopped early (its worst case:
    every run reaches or diverges long before, in practice): each update steps every copy on its
    batch and evaluates its loss on all N examples; the losses are kept per update."""
    from gdviz.core.rules import budget_steps
    runs = lr_count * copies
    seconds = nbytes = 0.0
    for b in batch_sizes:
        steps = budget_steps(n, int(b), drop_last, max_epochs)
        seconds += steps * (COPIES_STEP_S + runs * (b + n) * dims * COPIES_ELEMENT_S)
        nbytes = max(nbytes, (steps + 1) * runs * 8.0)
    return seconds, nbytes + 2.0 * n * (dims + 1) * 8


def check_copies_lab(n, batch_sizes, lr_count, copies, max_epochs, drop_last, dims) -> None:
    """Refuse a mean-of-copies lab whose budget is longer than the lessons' (20 epochs) when its
    worst case exceeds a limit; within 20 epochs its runs stop at the target (tested)."""
    seconds, nbytes = copies_lab_estimate(n, batch_sizes, lr_count, copies, max_epochs,
                                          drop_last, dims)
    if nbytes > MAX_LAB_BYTES or (max_epochs > COPIES_CHECKED_EPOCHS
                                  and seconds > MAX_LAB_SECONDS):
        k = len(batch_sizes)
        shape = (f"{k} batch size{'s' * (k != 1)} × {lr_count} η × {copies} copies, "
                 f"{max_epochs:g} epochs of N = {n:,}, {dims} parameters, no run stopping early")
        raise LimitError(_lab_line("sweep", seconds, nbytes, shape,
                                   "lower the epochs, the copies, N or the batch sizes"))


def mlp_lab_estimate(n: int, n_val: int, batch_sizes, lr_count: int, seed_count: int,
                     max_epochs: float, drop_last: bool, params: int,
                     inputs: int = 2) -> tuple[float, float]:
    """(seconds, bytes) of the real network's lab, at most: every update steps every run on its
    batch (forward and backward) and evaluates its validation loss (a batch of updates at a time;
    the training loss only where a bound says the run may have diverged), and each block keeps
    every run's validation loss after every update (budget × runs floats)."""
    from gdviz.core.rules import budget_steps
    runs = lr_count * seed_count
    seconds, history = MLP_START_S, 0
    for b in batch_sizes:
        steps = budget_steps(n, int(b), drop_last, max_epochs)
        seconds += steps * (MLP_STEP_S + runs * (2 * b + n_val) * params * MLP_ELEMENT_S)
        history += steps * runs * 8
    data = seed_count * (n + n_val) * (inputs + 1) * 4
    gathered = 2 * runs * (n + n_val) * (inputs + 1) * 4      # x[sidx], y[sidx] per update
    weights = 6 * runs * params * 4                           # weights, gradient, two moments
    activations = 2 * runs * (n + n_val) * (params // 4 + 4) * 4    # the losses' forward pass
    return seconds, history + data + gathered + weights + activations


def check_mlp_lab(*args, **kwargs) -> None:
    seconds, nbytes = mlp_lab_estimate(*args, **kwargs)
    if seconds > MAX_LAB_SECONDS or nbytes > MAX_LAB_BYTES:
        n, _, sizes, lr_count, seed_count, max_epochs = args[:6]
        shape = _shape(n, sizes, lr_count, seed_count, max_epochs)
        raise LimitError(_lab_line("real-network sweep", seconds, nbytes, shape,
                                   "lower the seeds, the epochs, N or the batch sizes"))


def mlp_params(sizes) -> int:
    """Weights and biases of an MLP with layer sizes ``sizes`` (inputs … outputs)."""
    return sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))

