"""Spreading a window's repaint over turns of the event loop.

Entering or leaving presentation mode changes every font and size at once; the window's next
paint then drew its dozen pyqtgraph views in one turn (about 250 ms of the 400–650 ms that F5
held the GUI thread, issue 25 F). ``stagger_paints`` holds the views' painting back and lets
them paint one per turn, the most important first; what they show is unchanged, only when."""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QGraphicsView, QWidget

STAGE_MS = 10    # between two views' paints: the event loop handles input in between


def stagger_paints(window: QWidget, first: QWidget | None = None) -> list[QWidget]:
    """Hold back the painting of *window*'s visible graphics views (pyqtgraph plots) and let
    them paint again one per event-loop turn: *first* (the main canvas) in the next turn, then
    the others in their order in the window. Returns the views held back, in that order.

    A view already held back (a second F5 within the stagger) is left to its running schedule.
    """
    views = [v for v in window.findChildren(QGraphicsView)
             if v.isVisible() and v.updatesEnabled()]
    if first is not None:
        views.sort(key=lambda v: v is not first and not first.isAncestorOf(v))
    for view in views:
        view.setUpdatesEnabled(False)
    pending = list(views)

    def release() -> None:
        while pending:
            view = pending.pop(0)
            try:
                view.setUpdatesEnabled(True)   # (schedules the view's paint)
            except RuntimeError:               # deleted meanwhile
                continue
            break
        if pending:
            QTimer.singleShot(STAGE_MS, release)

    if pending:
        QTimer.singleShot(0, release)
    return views
