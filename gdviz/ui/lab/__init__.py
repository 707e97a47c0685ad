"""The batch-size lab window (menu Lab, key B), fed by ``gdviz.core.lab`` in a worker thread."""
from __future__ import annotations


def make_lab(window, exporter=None):
    """The lab of *window* (made once by the window, when first opened)."""
    from gdviz.ui.lab.window import LabWindow
    return LabWindow(window, exporter=exporter)


def show_lab(lab, scenario):
    """Show *lab* for *scenario*; run it if it has not run on this scenario."""
    lab.show()
    lab.raise_()
    if lab.scenario is None:
        lab.start(scenario)
    elif lab.scenario != scenario:
        lab.offer_rerun(scenario)
    return lab


def close_lab(lab) -> None:
    """Close the lab with the main window and join its worker thread (idempotent)."""
    if lab is not None:
        lab.close()
        lab.shutdown()
