"""The stated clock that makes comparisons between the three methods fair."""
from __future__ import annotations

from dataclasses import dataclass

from gdviz.core import CLOCK_KINDS


@dataclass(frozen=True)
class HardwareModel:
    """A batch of B examples costs ``overhead_ms + B / throughput`` of simulated time.

    The fixed overhead (kernel launches, data movement, the optimizer step) is why a batch of 64
    costs far less than 64 single-example steps on parallel hardware.
    """

    overhead_ms: float = 2.0
    throughput: float = 50_000.0  # examples per second once a batch runs

    def step_seconds(self, batch_size: int) -> float:
        return self.overhead_ms / 1000.0 + batch_size / self.throughput


def _one_update(batch_size: int) -> float:
    return 1.0


def cost_rule(kind: str, hardware: HardwareModel):
    """``step_cost`` for one clock, as a function of the batch size alone (a run binds it
    once): how far one update of B examples moves the clock of ``kind``."""
    if kind == "updates":
        return _one_update
    if kind == "examples":
        return float
    if kind == "hardware":
        return hardware.step_seconds
    raise ValueError(f"unknown clock '{kind}'; choose one of {', '.join(CLOCK_KINDS)}")


def step_cost(kind: str, batch_size: int, hardware: HardwareModel) -> float:
    """How far one update of ``batch_size`` examples moves the clock of ``kind``."""
    return cost_rule(kind, hardware)(batch_size)


def tick(kind: str, hardware: HardwareModel) -> float:
    """One clock tick: the cost of the cheapest possible update (a single example)."""
    return step_cost(kind, 1, hardware)


CLOCK_UNITS = {"updates": "updates", "examples": "examples", "hardware": "s"}
