"""Start the Qt application: one window, clean exits on close, Ctrl+C and SIGTERM."""
from __future__ import annotations

import os
import signal
import sys

from gdviz.scenario import Scenario


_first_frame_filters: list = []     # held here until they fire (nothing is attached to a window)


def _after_first_frame(window, callback) -> None:
    """Call *callback* once the canvas has painted its first snapshot (after that paint)."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    view = window.view

    class FirstFrame(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and view.snapshot is not None:
                obj.removeEventFilter(self)
                if self in _first_frame_filters:
                    _first_frame_filters.remove(self)
                QTimer.singleShot(0, callback)  # runs once this paint has finished
            return False

    _first_frame_filters.append(FirstFrame(window))
    window.canvas.viewport().installEventFilter(_first_frame_filters[-1])


def _exit_after_first_frame(app, window) -> None:
    """Start-up benchmark hook (GDVIZ_EXIT_AFTER_FIRST_FRAME=1, see benchmarks/frame.py): once the
    canvas has painted a snapshot, print the wall-clock time and whether torch is loaded, quit."""
    import time

    def report():
        print(f"gdviz: first frame drawn at {time.time():.6f}; torch imported: "
              f"{'torch' in sys.modules}", flush=True)
        app.quit()

    _after_first_frame(window, report)


def make_application():
    from PySide6.QtWidgets import QApplication

    # The worker thread runs Python too: hand the GIL over every 1 ms rather than every 5 ms,
    # so a slot or paint in the GUI thread never waits long for its turn.
    sys.setswitchinterval(0.001)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("gdviz")
    app.setOrganizationName("gdviz")
    app.setApplicationDisplayName("gdviz")
    app.setDesktopFileName("io.github.gdviz.Gdviz")  # Wayland matches the window to the .desktop entry
    from gdviz.resources import resources_dir
    from PySide6.QtGui import QIcon
    icon = resources_dir() / "icons" / "gdviz.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    import pyqtgraph as pg
    pg.setConfigOptions(antialias=True, imageAxisOrder="row-major")
    return app


def run_app(scenario: Scenario | None, present: bool = False, exporter=None,
            lab_exporter=None) -> int:
    """Open the window on *scenario* (None: the one used last, else the default); *exporter*
    opens File ▸ Export (gdviz.export.dialog.open_export_dialog), *lab_exporter* writes the
    lab's exports (gdviz.export.lab_export.export_lab)."""
    from PySide6.QtCore import QTimer

    from gdviz.ui.main_window import MainWindow

    app = make_application()
    if scenario is None:
        from gdviz.ui.settings import startup_scenario
        scenario = startup_scenario()
    from gdviz.ui import formula
    formula.defer_typesetting()     # the lesson's formulas: after the first frame
    window = MainWindow(scenario, exporter=exporter, lab_exporter=lab_exporter)
    _after_first_frame(window, formula.resume_typesetting)
    window.fit_screen(1440, 900)   # never larger than the screen
    window.restore_settings()  # geometry, docks, theme; saved again on close
    if present:
        window.set_presentation(True)
    else:
        window.show()

    def close_from_signal(signum, _frame):
        print(f"gdviz: {signal.Signals(signum).name} received, closing", file=sys.stderr)
        window.close()

    # Python runs signal handlers only when the interpreter gets control: a no-op timer gives it
    # control every 200 ms, and the handler closes the window as the close button does.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, close_from_signal)
    wake = QTimer()
    wake.timeout.connect(lambda: None)
    wake.start(200)
    if os.environ.get("GDVIZ_EXIT_AFTER_FIRST_FRAME"):
        _exit_after_first_frame(app, window)
    code = app.exec()
    window.shutdown()
    from gdviz.ui.worker import STRAGGLERS
    if any(t.thread.isRunning() for t in STRAGGLERS):
        # a worker still inside one long computation (it stops at its end): do not wait for it,
        # and do not let Qt abort on a running thread at exit
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
