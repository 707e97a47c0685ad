"""A last resort for Ctrl+C, SIGTERM and SIGHUP: the process ends within a second in every state.

Python runs a signal handler only between two bytecodes of the main thread, so a main thread
inside one long C call (a real network's full-batch update takes seconds at the largest accepted
sizes) would act on the signal only after it. ``signal.set_wakeup_fd`` has the C-level handler
write the signal's number to a pipe at once; a daemon thread reads it and gives the main thread
``GRACE_S`` to stop by itself (removing its partial file); if it has not, the thread removes the
partial file it is told of, says so in one line and ends the process with status 130.
"""
from __future__ import annotations

import os
import signal
import sys
import threading

GRACE_S = 0.7
SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


class Watchdog:
    def __init__(self, describe=lambda: "", part=lambda: None, grace: float = GRACE_S):
        self.describe = describe          # a one-line note of what was not written
        self.part = part                  # the partial file to remove (a Path or None), now
        self.grace = grace
        self.done = threading.Event()
        self._previous_fd = None
        self._r = self._w = -1

    def start(self) -> "Watchdog":
        """Needs Python handlers for the signals (else no byte is written); main thread only."""
        self._r, self._w = os.pipe()
        os.set_blocking(self._w, False)
        try:
            self._previous_fd = signal.set_wakeup_fd(self._w, warn_on_full_buffer=False)
        except ValueError:                # not the main thread: nothing to watch
            os.close(self._r)
            os.close(self._w)
            return self
        threading.Thread(target=self._watch, name="gdviz-watchdog", daemon=True).start()
        return self

    def stop(self) -> None:
        """The main thread is done (normally or after a signal): the watchdog stands down."""
        self.done.set()
        if self._previous_fd is not None:
            signal.set_wakeup_fd(self._previous_fd)
            self._previous_fd = None
            try:
                os.write(self._w, b"\0")  # wake the thread so it sees `done` and ends
            except OSError:
                pass
            os.close(self._w)

    def _watch(self) -> None:
        try:
            self._watch_pipe()
        finally:
            os.close(self._r)

    def _watch_pipe(self) -> None:
        wanted = {int(getattr(signal, name)) for name in SIGNALS if hasattr(signal, name)}
        while not self.done.is_set():
            try:
                data = os.read(self._r, 64)
            except OSError:
                return
            if not data or self.done.is_set():
                return
            hit = [b for b in data if b in wanted]
            if not hit:
                continue
            if self.done.wait(self.grace):
                return
            try:
                part = self.part()
            except Exception:   # noqa: BLE001 - read from another thread: best effort
                part = None
            if part is not None:
                try:
                    os.unlink(part)
                except OSError:
                    pass
            name = signal.Signals(hit[0]).name
            try:
                sys.stderr.write(f"gdviz: {name} received; stopped{self.describe()}\n")
                sys.stderr.flush()
            except Exception:   # noqa: BLE001 - the process ends below in any case
                pass
            os._exit(130)
