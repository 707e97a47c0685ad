"""Learning-rate schedules and the scaling of η with B: defined in ``gdviz.core.rules`` (with
``lr_at``, which applies both), named here for the modules that import them from here."""
from gdviz.core.rules import LR_SCALINGS, SCHEDULES, lr_at, scaled_lr, scheduled_lr

__all__ = ["LR_SCALINGS", "SCHEDULES", "lr_at", "scaled_lr", "scheduled_lr"]
