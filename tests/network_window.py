"""A small real-network window for the screen tests, built without a worker thread."""
from __future__ import annotations

import dataclasses


def small_network_window():
    """(window, simulation): mlp-moons with 120 examples and an 8-8 network on the CPU, five
    ticks in; the window is not yet fed (the tests hand it the landscape and snapshot)."""
    from gdviz.scenario import load
    from gdviz.ui.main_window import MainWindow
    s = load("mlp-moons").with_changes(n_examples=120, batch_size=16)
    s = s.with_changes(mlp=dataclasses.replace(s.mlp, device="cpu", hidden=(8, 8)))
    sim = s.build()
    sim.advance_to(5 * sim.tick_size())
    return MainWindow(s, start_worker=False), sim
