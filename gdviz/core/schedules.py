"""Learning-rate schedules (functions of the fractional epoch) and scaling of eta with B."""
from __future__ import annotations

import math

SCHEDULES = ("constant", "step", "exponential", "cosine")
LR_SCALINGS = ("none", "linear", "sqrt")


def scheduled_lr(base_lr: float, schedule: str, epoch: float, total_epochs: float,
                 gamma: float = 0.5, step_epochs: float | None = None,
                 min_lr_ratio: float = 0.0) -> float:
    """eta at a (fractional) epoch: constant, step decay, exponential decay or cosine annealing."""
    if schedule == "constant":
        return base_lr
    if schedule == "step":
        every = step_epochs or max(total_epochs / 3.0, 1.0)
        return base_lr * gamma ** math.floor(epoch / every)
    if schedule == "exponential":
        # gamma per epoch chosen so eta falls to 10 % over the run
        rate = 0.1 ** (1.0 / max(total_epochs, 1e-9))
        return base_lr * rate**epoch
    if schedule == "cosine":
        progress = min(epoch / max(total_epochs, 1e-9), 1.0)
        low = base_lr * min_lr_ratio
        return low + 0.5 * (base_lr - low) * (1.0 + math.cos(math.pi * progress))
    raise ValueError(f"unknown schedule '{schedule}'; choose one of {', '.join(SCHEDULES)}")


def scaled_lr(base_lr: float, scaling: str, batch_size: int, reference_batch: int) -> float:
    """eta for batch size B when eta was tuned at ``reference_batch`` (linear or sqrt rule)."""
    ratio = batch_size / reference_batch
    if scaling == "none":
        return base_lr
    if scaling == "linear":
        return base_lr * ratio
    if scaling == "sqrt":
        return base_lr * math.sqrt(ratio)
    raise ValueError(f"unknown learning-rate scaling '{scaling}'; choose one of {', '.join(LR_SCALINGS)}")
