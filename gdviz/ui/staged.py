"""Spreading a window's repaint over turns of the event loop.

Entering or leaving presentation mode changes every font and size at once; the window's next
paint then drew its dozen pyqtgraph views in one turn (about 250 ms of the 400–650 ms that F5
held the GUI thread, issue 25 F). ``stagger_paints`` holds the views' painting back and lets
them paint one per turn, the most important first; what they show is unchanged, only when.

The change of layout itself (title bars, every font, the window's new size: about 150 ms in the
key's turn and 250 ms of relayout and paint in the next) is split too: ``in_turns`` runs the
steps of ``Presentation`` one per turn with the window's painting held back, so nothing
half-scaled is shown, and lets the window paint once, then the views, after the last."""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QGraphicsView, QWidget

STAGE_MS = 10    # between two views' paints: the event loop handles input in between


def stagger_paints(window: QWidget, first: QWidget | None = None,
                   delay_ms: int = 0) -> list[QWidget]:
    """Hold back the painting of *window*'s visible graphics views (pyqtgraph plots) and let
    them paint again one per event-loop turn: *first* (the main canvas) in the next turn, then
    the others in their order in the window. Returns the views held back, in that order.

    A view already held back (a second F5 within the stagger) is left to its running schedule.
    *delay_ms*: before the first view's paint (the window's own paint has its turn first).
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
        QTimer.singleShot(delay_ms, release)
    return views


class InTurns:
    """Steps (a generator: each ``yield`` ends one) run one per event-loop turn, *window*'s
    painting held back from the first to the last; then the window paints, and its views a turn
    each (``stagger_paints``, *first* first). ``finish()`` runs what is left now."""

    def __init__(self, steps, window: QWidget, first: QWidget | None = None):
        self._steps = steps
        self._window = window
        self._first = first
        self.done = False
        self._settle = False      # the next turn lays out what the last step changed
        self._last = False        # the steps are all done
        self._held = window.updatesEnabled()
        if self._held:
            window.setUpdatesEnabled(False)
        self._timer = QTimer(window)        # (dies with the window: no step after it)
        self._timer.setSingleShot(True)
        self._timer.setInterval(STAGE_MS)
        self._timer.timeout.connect(self._step)

    def _step(self) -> None:
        if self.done:
            return
        if self._settle:
            # what the last step changed laid out, unpainted, in a turn of its own
            self._settle = False
            settle_layouts()
            if self._last:
                self._end()      # the window paints in the next turn
            else:
                self._timer.start()
            return
        try:
            next(self._steps)
        except StopIteration:
            self._last = True
        except BaseException:
            self._end()
            raise
        self._settle = self._held
        if self._last and not self._settle:
            self._end()
            return
        self._timer.start()

    def finish(self) -> None:
        """The remaining steps, now (a second F5, a synchronous call, closing the window)."""
        if self.done:
            return
        self._timer.stop()
        try:
            for _ in self._steps:
                pass
        finally:
            self._end()

    def _end(self) -> None:
        self.done = True
        self._timer.stop()
        if self._held:
            # the window paints once in the next turn; its views (held back before that paint,
            # nothing is painted in between) a turn each after it
            self._window.setUpdatesEnabled(True)
            stagger_paints(self._window, first=self._first, delay_ms=STAGE_MS)


def in_turns(steps, window: QWidget, first: QWidget | None = None) -> InTurns:
    """Run *steps*' first step now and the others one per event-loop turn (``InTurns``)."""
    run = InTurns(steps, window, first)
    run._step()
    return run


def settle_layouts() -> None:
    """The layouts that posted requests wait for, done now (each may post the next level's)."""
    from PySide6.QtCore import QCoreApplication, QEvent
    for _ in range(4):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
