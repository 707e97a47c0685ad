"""The batch-size lab window (menu Lab, key B), fed by ``gdviz.core.lab`` in a worker thread."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence


class _CloseWithMain(QObject):
    """Closing the main window closes the lab and joins its worker thread."""

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Close and getattr(obj, "lab_window", None) is not None:
            obj.lab_window.close()
            obj.lab_window.shutdown()
        return False


def install(window) -> None:
    """Add the Lab menu to the main window; the lab window is made when first opened."""
    menu = window.menuBar().addMenu("La&b")
    action = QAction("Batch-size lab…", window)
    action.setShortcut(QKeySequence("B"))
    action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
    action.triggered.connect(lambda: open_lab(window))
    menu.addAction(action)
    window.addAction(action)
    window.lab_action = action
    window.lab_window = None
    window._lab_close_filter = _CloseWithMain(window)
    window.installEventFilter(window._lab_close_filter)


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
