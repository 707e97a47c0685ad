"""The lab's worker: the sweep runs in its own QThread; partial results come back by signal."""
from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QThread, Signal, Slot


class LabRunner(QObject):
    """Runs ``gdviz.core.lab`` for one scenario at a time, off the GUI thread.

    ``progress(result, fraction)`` after each batch size (the result summarised: best η per B,
    fit, noise path), ``finished(result)`` at the end, ``cancelled()`` after Cancel,
    ``failed(message)`` for a scenario the lab refuses, ``stopped(message)`` for a sweep stopped
    at the documented limits on its work (one line; the batch sizes finished stay shown).
    """

    progress = Signal(object, float)
    finished = Signal(object)
    cancelled = Signal()
    failed = Signal(str)
    stopped = Signal(str)
    _start = Signal(object, object)

    def __init__(self):
        super().__init__()
        self._cancel = threading.Event()
        self.thread = QThread()
        self.thread.setObjectName("gdviz-lab")
        self.moveToThread(self.thread)
        self._start.connect(self._run)
        self.thread.start()

    def start(self, scenario, settings) -> None:
        self._cancel.clear()
        self._start.emit(scenario, settings)

    def cancel(self) -> None:
        self._cancel.set()

    def stop(self, timeout_ms: int | None = None) -> bool:
        """Cancel what runs, quit the thread and wait for it, at most *timeout_ms* (the sweep
        looks at the cancel at every update; closing the window must not wait for more)."""
        from gdviz.ui.worker import STOP_WAIT_MS, STRAGGLERS
        self._cancel.set()
        self.thread.quit()
        if self.thread.wait(STOP_WAIT_MS if timeout_ms is None else timeout_ms):
            return True
        STRAGGLERS.append(self)
        return False

    @Slot(object, object)
    def _run(self, scenario, settings) -> None:
        from gdviz.core.lab import Lab, summarize
        try:
            if scenario.is_mlp:     # the real network: torch.func over η and seeds
                from gdviz.mlp.lab import MlpLab, summarize_mlp
                lab = MlpLab(scenario, settings)
                summary = summarize_mlp
            else:
                lab = Lab(scenario, settings)
                summary = lambda result: summarize(lab, result)   # noqa: E731
        except (ValueError, ImportError) as exc:   # ImportError: torch missing (MLP)
            self.failed.emit(str(exc))
            return
        count = len(lab.batch_sizes)

        def partial(result):
            self.progress.emit(summary(result), float(result.done.sum()) / count)

        from gdviz.core.limits import LimitError
        try:
            result = lab.run(progress=partial, cancelled=self._cancel.is_set)
        except LimitError as exc:     # its runs did not stop early: stopped at the limits
            self.stopped.emit(str(exc))
            return
        if result is None:
            self.cancelled.emit()
        else:
            self.finished.emit(result)
