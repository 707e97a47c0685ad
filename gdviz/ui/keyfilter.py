"""Lecture keys work while a field has the focus.

An event filter on the window's fields (not application-wide: that would run Python for every
event of the whole app):

* a focused button, check box, slider or tab never eats Space or the arrows (Qt already gives
  shortcuts priority there);
* in a number field (spin box) the keys that cannot be typed into a number (Space, letters,
  [ ], ?) still reach their shortcuts; digits, signs and the arrows edit the number;
* Enter in a field applies the value and gives the keyboard back to the canvas, Esc leaves the
  field, so the lecture keys work again at once.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLineEdit, QWidget

_NUMBER_TEXT = set("0123456789.,+-eE")
_EDIT_KEYS = {Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down,
              Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_Backspace, Qt.Key.Key_Delete,
              Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab, Qt.Key.Key_Backtab}


class KeyFilter(QObject):
    """Event filter on the window's fields: lecture keys work while one has the focus."""

    def __init__(self, window, home: QWidget):
        """*home*: the widget that gets the keyboard back (the canvas)."""
        super().__init__(window)
        self.window_ = window
        self.home = home

    def _field(self, obj):
        focus = QApplication.focusWidget()
        if focus is None or obj is not focus or focus.window() is not self.window_:
            return None, None
        spin = focus if isinstance(focus, QAbstractSpinBox) else None
        if spin is None and isinstance(focus.parentWidget(), QAbstractSpinBox):
            spin = focus.parentWidget()
        if spin is not None:
            return spin, "number"
        if isinstance(focus, QLineEdit):
            return focus, "text"
        return None, None

    def eventFilter(self, obj, event):
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        field, what = self._field(obj)
        if field is None:
            return False
        key = event.key()
        mods = event.modifiers() & (Qt.KeyboardModifier.ControlModifier
                                    | Qt.KeyboardModifier.AltModifier
                                    | Qt.KeyboardModifier.MetaModifier)
        if kind == QEvent.Type.ShortcutOverride:
            if what == "number" and not mods and key not in _EDIT_KEYS \
                    and not (event.text() and event.text() in _NUMBER_TEXT) \
                    and key != Qt.Key.Key_Escape:
                event.ignore()      # not typeable in a number: let the shortcut have it
                return True
            return False
        if key == Qt.Key.Key_Escape and not mods:
            self.home.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return False
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not mods:
            # let the field apply its value first, then hand the keyboard back to the lecture
            QTimer.singleShot(0, lambda: self._release(field))
        return False

    def _release(self, field) -> None:
        try:
            if field.hasFocus():
                self.home.setFocus(Qt.FocusReason.OtherFocusReason)
        except RuntimeError:        # the field was deleted meanwhile
            pass


def install(window, home: QWidget) -> KeyFilter:
    """Filter the keys of every number and text field of *window*."""
    key_filter = KeyFilter(window, home)
    for field in window.findChildren(QAbstractSpinBox) + window.findChildren(QLineEdit):
        field.installEventFilter(key_filter)
    return key_filter
