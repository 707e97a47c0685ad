"""Enforced limits on work and memory (docs/limits.md), checked before any work starts.

Every estimate here is an upper bound computed from the settings alone (no data built): a sweep
whose runs stop early (reached or diverged) costs less. The mean-of-copies lab also counts, with
the same model, the work it actually does and stops at the limits (``CopiesWork``). The figures
were measured on a 2-core laptop: the single-run lab's lockstep loop costs about ``LAB_STEP_S``
per update plus ``LAB_ELEMENT_S`` per run and example touched; the copies lab's model
(``COPIES_*``) is printed beside fresh measurements by benchmarks/limits.py.
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


# The mean-of-copies lab (issue 25), measured on the 2-core machine (benchmarks/limits.py prints
# these beside fresh measurements): seconds per lockstep update =
#     COPIES_STEP_S + runs × (COPIES_RUN_S + gradient terms × g + loss terms × l)
# with (g, l) per kind of landscape (COPIES_COSTS). A least-squares loss is a quadratic form,
# J* + ½ eᵀHe, d² terms per run whatever N (not N × d); its gradient a matmul over the batch. A
# 2-D landscape's batch gradient is elementwise (far slower per term); logistic regression's loss
# sums all N examples at every update; the others have a closed-form J.
COPIES_STEP_S = 0.2e-3           # per lockstep update: the Python loop, the log's row
COPIES_RUN_S = 1.2e-6            # per run: its optimizer step, loss and bookkeeping
COPIES_COSTS = {                 # (g per gradient term, l per loss term), each per run
    "quadratic": (1.5e-9, 0.35e-9),      # least squares: terms B × d and d × d
    "closed": (40e-9, 0.0),              # tilted landscapes, regression: B × 2 and none
    "per_example": (200e-9, 30e-9),      # logistic regression: B × 2 and N × 2
}
COPIES_EXPRESSION_S = 0.1e-6     # custom function: per run × character of its expression
COPIES_ROW_BYTES = 120           # per update: the log row's array header and list slot
# Up front the worst case (no run stopping early) is refused past this many times the limits:
# the lessons' runs stop at their target (lesson 7's worst case is about 1,100 s; its sweep
# counts about 20 s); within it, the work the sweep actually does is counted as it runs and the
# sweep stops at the limits themselves (CopiesWork).
COPIES_WORST_FACTOR = 4


def copies_kind(landscape: str) -> str:
    """The cost kind (a key of COPIES_COSTS) of a scenario's landscape key."""
    if landscape == "least_squares":
        return "quadratic"
    return "per_example" if landscape == "logistic" else "closed"


def copies_run_cost(kind: str, batch: int, n: int, dims: int, expression: int = 0) -> float:
    """Seconds per run of one lockstep update on a batch of *batch* examples (of *n*)."""
    grad, loss = COPIES_COSTS[kind]
    if kind == "quadratic":        # a full batch's gradient is θH − Xᵀy/N: d × d terms
        terms = ((batch if batch < n else max(batch, dims)) * dims, dims * dims)
    else:
        terms = (batch * dims, n * dims if kind == "per_example" else 0)
    return COPIES_RUN_S + terms[0] * grad + terms[1] * loss + expression * COPIES_EXPRESSION_S


def copies_data_bytes(n: int, dims: int) -> float:
    """The data a mean-of-copies lab keeps (features, targets, their products)."""
    return 2.0 * n * (dims + 1) * 8 + 2.0 * dims * dims * 8


def copies_lab_estimate(n: int, batch_sizes, lr_count: int, copies: int, max_epochs: float,
                        drop_last: bool, dims: int, kind: str = "quadratic",
                        expression: int = 0) -> tuple[float, float]:
    """(seconds, bytes) of the mean-of-copies lab if no run ever stopped early (its worst case:
    every run reaches or diverges long before, in practice): each update steps every copy on its
    batch and evaluates its loss (COPIES_COSTS); the losses are kept per update, every batch
    size's, and the block running holds its rows once more while it builds its array. An upper
    bound of what ``CopiesWork`` counts during the sweep (same model, fewer runs and updates)."""
    from gdviz.core.rules import budget_steps
    runs = lr_count * copies
    seconds = kept = block = 0.0
    for b in batch_sizes:
        steps = budget_steps(n, int(b), drop_last, max_epochs)
        seconds += steps * (COPIES_STEP_S + runs * copies_run_cost(kind, int(b), n, dims,
                                                                    expression))
        kept += (steps + 1) * runs * 8.0
        block = max(block, (steps + 1) * (runs * 8.0 + COPIES_ROW_BYTES))
    return seconds, copies_data_bytes(n, dims) + kept + block


def _copies_shape(n, batch_sizes, lr_count, copies, max_epochs, dims) -> str:
    k = len(batch_sizes)
    return (f"{k} batch size{'s' * (k != 1)} × {lr_count} η × {copies} copies, "
            f"{max_epochs:g} epochs of N = {n:,}, {dims} parameters")


def check_copies_lab(n, batch_sizes, lr_count, copies, max_epochs, drop_last, dims,
                     kind: str = "quadratic", expression: int = 0) -> None:
    """Refuse, before any data is made, a mean-of-copies lab whose worst case (no run stopping
    early) is past COPIES_WORST_FACTOR × the limits, at every budget. Below that the sweep runs
    and ``CopiesWork`` stops it at the limits themselves if its runs do not stop early."""
    seconds, nbytes = copies_lab_estimate(n, batch_sizes, lr_count, copies, max_epochs,
                                          drop_last, dims, kind, expression)
    f = COPIES_WORST_FACTOR
    if seconds > f * MAX_LAB_SECONDS or nbytes > f * MAX_LAB_BYTES:
        shape = _copies_shape(n, batch_sizes, lr_count, copies, max_epochs, dims)
        raise LimitError(
            f"this sweep would take about {_duration(seconds)} and {_size(nbytes)} of memory "
            f"with no run stopping early ({shape}); the limits are {_duration(MAX_LAB_SECONDS)} "
            f"and {_size(MAX_LAB_BYTES)}, and past {f} × them a sweep is refused before it "
            f"starts (docs/limits.md): lower the epochs, the copies, N or the batch sizes")


class CopiesWork:
    """The work a mean-of-copies lab has done, counted update by update with the estimate's
    model (deterministic: the same settings count the same, whatever the machine's load), and
    the memory its loss logs hold. ``add`` raises LimitError, in one line, once either passes
    the limits (MAX_LAB_SECONDS, MAX_LAB_BYTES)."""

    def __init__(self, kind: str, n: int, dims: int, copies: int, expression: int = 0):
        self.kind, self.n, self.dims, self.copies = kind, n, dims, copies
        self.expression = expression
        self.seconds = 0.0
        self.kept = copies_data_bytes(n, dims)      # the data and the finished blocks' logs
        self.nbytes = self.peak = self.kept

    def run_cost(self, batch: int) -> float:
        return copies_run_cost(self.kind, batch, self.n, self.dims, self.expression)

    def add(self, runs: int, run_cost: float, rows: int, width: int, batch_size: int) -> None:
        """One update of *runs* runs at *run_cost* seconds each; the block's log now holds
        *rows* rows of *width* losses (held twice while its array is built)."""
        self.seconds += COPIES_STEP_S + runs * run_cost
        self.nbytes = self.kept + rows * (2 * width * 8.0 + COPIES_ROW_BYTES)
        self.peak = max(self.peak, self.nbytes)
        if self.seconds > MAX_LAB_SECONDS or self.nbytes > MAX_LAB_BYTES:
            raise LimitError(
                f"this sweep stopped at batch size {batch_size:,}: its runs had not stopped "
                f"early and its work so far is estimated at {_duration(self.seconds)} and "
                f"{_size(self.nbytes)} of memory; the limits are {_duration(MAX_LAB_SECONDS)} "
                f"and {_size(MAX_LAB_BYTES)} (docs/limits.md): lower the epochs, the copies, "
                f"N or the batch sizes")

    def keep(self, rows: int, width: int) -> None:
        """A block finished: its log (rows × width losses) is kept."""
        self.kept += rows * width * 8.0
        self.nbytes = self.kept


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

