"""The batch-size lab window (menu Lab, key B), fed by ``gdviz.core.lab`` in a worker thread."""
from __future__ import annotations


def open_lab(window):
    """Show the lab for the window's scenario; run it if it has not run on this scenario."""
    from gdviz.ui.lab.window import LabWindow
    if window.lab_window is None:
        window.lab_window = LabWindow(window)
    lab = window.lab_window
    lab.show()
    lab.raise_()
    if lab.scenario is None:
        lab.start(window.scenario)
    elif lab.scenario != window.scenario:
        lab.offer_rerun(window.scenario)
    return lab


def close_lab(window) -> None:
    """Close the lab with the main window and join its worker thread (idempotent)."""
    lab = window.lab_window
    if lab is not None:
        lab.close()
        lab.shutdown()
