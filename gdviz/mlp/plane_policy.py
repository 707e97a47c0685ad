"""When the drawn loss plane is laid anew (real-network mode): one rule for the window and export.

The runs leave any plane they start on; once a method's weights are further from the plane than
half of how far the methods have moved along it, the picture no longer shows where they are, and
the plane is re-laid through the weights of the moment (``MlpSimulation.recompute_plane``).
NumPy only: it reads snapshots, never torch tensors.
"""
from __future__ import annotations

import numpy as np

RELAY_INTERVAL_S = 3.0     # at most this often (wall seconds in the window, clip seconds in a clip)
PLANE_GRID = 96           # grid points a side of the drawn plane (a forward pass per point)
OFF_PLANE_SHARE = 0.5      # relay when off-plane distance > this share of the in-plane spread


def relay_distance(snapshot) -> float | None:
    """The distance from the drawn plane beyond which it is laid anew: a share of how far the
    methods have moved along it; None before any method has stepped."""
    moved = [float(np.hypot(*m.theta)) for m in snapshot.methods
             if m.extra is not None and m.updates > 0]
    return OFF_PLANE_SHARE * max(max(moved), 1e-3) if moved else None


def plane_needs_relay(snapshot) -> bool:
    """True when *snapshot*'s methods have left the drawn plane far behind."""
    limit = relay_distance(snapshot)
    if limit is None:
        return False
    off_plane = max(m.extra.plane_distance for m in snapshot.methods
                    if m.extra is not None and m.updates > 0)
    return bool(np.isfinite(off_plane) and off_plane > limit)


def relay_if_needed(sim, snapshot) -> bool:
    """Lay *sim*'s plane anew when the rule says so; True when it did."""
    if not sim.is_mlp or not plane_needs_relay(snapshot):
        return False
    sim.recompute_plane()
    return True
