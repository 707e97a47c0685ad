"""Fixtures the GUI tests share: a shown contour canvas, and windows made, shown and closed.

Qt is imported inside the fixtures, so the engine's tests never load it.
"""
from __future__ import annotations

import pytest

WAIT_MS = 10_000


@pytest.fixture
def canvas(request, qtbot):
    """A shown, exposed ``ContourCanvas``; a test module sets ``CANVAS_SIZE = (w, h)`` to change
    its size from 700 × 500."""
    from gdviz.ui.canvas import ContourCanvas

    c = ContourCanvas()
    qtbot.addWidget(c)
    c.resize(*getattr(request.module, "CANVAS_SIZE", (700, 500)))
    c.show()
    qtbot.waitExposed(c)
    return c


@pytest.fixture
def make_window(qtbot, tmp_path, monkeypatch):
    """``make_window(scenario="default", size=(1280, 860), show=True, wait_snapshot=True,
    **MainWindow options)``: a main window on a scenario (a name or a Scenario), with its
    settings in a temporary folder; shown and exposed, and by default holding its first
    snapshot. Every window made is closed afterwards, which must join its worker thread."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from gdviz.scenario import load
    from gdviz.ui.main_window import MainWindow
    from gdviz.ui.settings import ENV_DIR

    monkeypatch.setenv(ENV_DIR, str(tmp_path / "settings"))
    windows = []

    def make(scenario="default", *, size=(1280, 860), show=True, wait_snapshot=True, **options):
        w = MainWindow(load(scenario) if isinstance(scenario, str) else scenario, **options)
        windows.append(w)
        w.resize(*size)
        if show:
            w.show()
            qtbot.waitExposed(w)
            if wait_snapshot:
                qtbot.waitUntil(lambda: w.snapshot is not None, timeout=WAIT_MS)
        return w

    yield make
    for w in windows:
        w.close()               # joins the worker thread
        assert w.worker_thread is None
        w.deleteLater()         # a closed window would still follow palette changes
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
