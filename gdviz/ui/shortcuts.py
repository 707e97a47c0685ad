"""Keyboard control for a lecture, and the cheat sheet that lists it.

``install(window)`` adds the classroom actions (theme, presentation, show/hide panels and
methods, show everything, restore defaults, the cheat sheet), makes every shortcut of the window
application-wide (it works while a dock, a floating panel or a button has the focus, and with
the menu bar hidden), and installs a small key filter:

* a focused button, check box, slider or tab never eats Space or the arrows (Qt already gives
  shortcuts priority there);
* in a number field (spin box) the keys that cannot be typed into a number (Space, letters,
  [ ], ?) still reach their shortcuts; digits, signs and the arrows edit the number;
* Enter in a field applies the value and gives the keyboard back to the canvas, Esc leaves the
  field, so the lecture keys work again at once.

The cheat sheet (?, F1) is generated from the window's actions each time it opens.
"""
from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QColor, QFont, QKeySequence, QPainter
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QFrame, QGridLayout, QLabel,
                               QLineEdit, QMenu, QScrollArea, QVBoxLayout, QWidget)

from gdviz.core import METHOD_KEYS, METHOD_LABELS
from gdviz.ui.theme import DARK, LIGHT, THEMES

SHEET_SCALE = 1.15        # the cheat sheet's type relative to body text
_NUMBER_TEXT = set("0123456789.,+-eE")
_EDIT_KEYS = {Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down,
              Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_Backspace, Qt.Key.Key_Delete,
              Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab, Qt.Key.Key_Backtab}
_PRETTY = {"Space": "Space", "-": "−", "Right": "→", "Left": "←", "Up": "↑", "Down": "↓",
           "PgUp": "Page Up", "PgDown": "Page Down", "Esc": "Esc", "Del": "Delete"}


def _clean(text: str) -> str:
    return text.replace("&&", "\x00").replace("&", "").replace("\x00", "&")


def key_text(sequence: QKeySequence) -> str:
    text = sequence.toString(QKeySequence.SequenceFormat.NativeText)
    return "+".join(_PRETTY.get(part, part) for part in text.split("+")) if text != "+" else "+"


def _menu_title(menu: QMenu) -> str:
    return _clean(menu.title())


def collect_shortcuts(window) -> list[tuple[str, str, str]]:
    """(group, what it does, keys) for every action of *window* that has a shortcut, grouped by
    the menu it sits in, in menu order; actions in no menu come last under "Window"."""
    rows: list[tuple[str, str, str]] = []
    seen: set[int] = set()

    def visit(menu: QMenu, group: str):
        for action in menu.actions():
            if action.menu() is not None:
                visit(action.menu(), group)
                continue
            add(action, group)

    def add(action: QAction, group: str):
        if id(action) in seen or action.isSeparator():
            return
        seen.add(id(action))
        keys = [s for s in action.shortcuts() if not s.isEmpty()]
        if not keys:
            return
        text = action.property("cheat_text") or _clean(action.text())
        rows.append((group, str(text).rstrip(".…"),
                     ", ".join(key_text(k) for k in keys)))

    for top in window.menuBar().actions():
        if top.menu() is not None:
            visit(top.menu(), _menu_title(top.menu()))
    for action in window.actions():
        add(action, "Window")
    return rows


class CheatSheet(QWidget):
    """A translucent sheet over the whole window listing every shortcut; any key of its own
    (? or F1 again, Esc) or a click closes it."""

    def __init__(self, window):
        super().__init__(window)
        self.window_ = window
        self.setObjectName("cheatSheet")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, False)
        self.panel = QFrame(self)
        self.panel.setObjectName("cheatPanel")
        self.panel.setAutoFillBackground(True)
        self.panel.setFrameShape(QFrame.Shape.StyledPanel)
        outer = QVBoxLayout(self.panel)
        outer.setContentsMargins(18, 14, 18, 14)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        outer.addWidget(self.title)
        self.body = QWidget()
        self.grid = QGridLayout(self.body)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(28)
        self.grid.setVerticalSpacing(2)
        self.area = QScrollArea()
        self.area.setWidget(self.body)
        self.area.setWidgetResizable(True)
        self.area.setFrameShape(QFrame.Shape.NoFrame)
        self.area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        outer.addWidget(self.area, 1)
        self.rows: list[tuple[str, str, str]] = []
        self.labels: list[QLabel] = []
        window.installEventFilter(self)
        self.hide()

    def refresh(self) -> None:
        """Rebuild the list from the window's actions (and the current font size)."""
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.labels = []
        self.rows = collect_shortcuts(self.window_)
        # larger than the panels' text: it is read from a distance, at a glance
        presentation = getattr(self.window_, "presentation", None)
        scale = max(1.0, getattr(presentation, "scale", 1.0)) * SHEET_SCALE
        font = QFont(QApplication.font())
        font.setPointSizeF(font.pointSizeF() * scale)
        self.panel.setFont(font)
        self.title.setText('<span style="font-size:x-large;font-weight:600">Keyboard shortcuts'
                           '</span><br><i>press ? or Esc to close</i>')
        groups: dict[str, list[tuple[str, str]]] = {}
        for group, text, keys in self.rows:
            groups.setdefault(group, []).append((text, keys))
        # two columns of groups, balanced by length
        columns: list[list[str]] = [[], []]
        lengths = [0, 0]
        for name, items in groups.items():
            i = 0 if lengths[0] <= lengths[1] else 1
            columns[i].append(name)
            lengths[i] += len(items) + 2
        for c, names in enumerate(columns):
            row = 0
            for name in names:
                head = QLabel(f"<b>{html.escape(name)}</b>")
                head.setContentsMargins(0, 8 if row else 0, 0, 2)
                self.grid.addWidget(head, row, 2 * c, 1, 2)
                row += 1
                for text, keys in groups[name]:
                    k = QLabel(f"<b>{html.escape(keys)}</b>")
                    k.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    t = QLabel(html.escape(text))
                    self.grid.addWidget(k, row, 2 * c)
                    self.grid.addWidget(t, row, 2 * c + 1)
                    self.labels += [k, t]
                    row += 1
        self.grid.setRowStretch(max(lengths) + 1, 1)
        self._place()

    def entries(self) -> list[str]:
        """The action names listed (for tests)."""
        return [text for _group, text, _keys in self.rows]

    def toggle(self) -> None:
        self.set_shown(self.isHidden())

    def set_shown(self, on: bool) -> None:
        if on:
            self.refresh()
            self.show()
            self.raise_()
        else:
            self.hide()

    def showEvent(self, event):
        super().showEvent(event)
        self._changed()

    def hideEvent(self, event):
        super().hideEvent(event)
        self._changed()

    def _changed(self) -> None:
        actions = getattr(self.window_, "classroom", None)
        if actions is not None:
            actions.sync()

    def _place(self) -> None:
        parent = self.parentWidget()
        self.setGeometry(parent.rect())
        hint = self.panel.sizeHint()
        content = self.body.sizeHint()
        w = min(max(hint.width(), content.width() + 60), int(self.width() * 0.92))
        h = min(max(hint.height(), content.height() + self.title.sizeHint().height() + 60),
                int(self.height() * 0.92))
        self.panel.setGeometry((self.width() - w) // 2, (self.height() - h) // 2, w, h)

    def eventFilter(self, obj, event):
        if obj is self.parentWidget() and event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False

    def paintEvent(self, _event):
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(0, 0, 0, 120))

    def mousePressEvent(self, event):
        self.hide()
        event.accept()


class _KeyFilter(QObject):
    """Event filter on the window's fields: lecture keys work while one has the focus."""

    def __init__(self, window):
        super().__init__(window)
        self.window_ = window

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
            self.window_.canvas.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return False
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not mods:
            # let the field apply its value first, then hand the keyboard back to the lecture
            QTimer.singleShot(0, lambda: self._release(field))
        return False

    def _release(self, field) -> None:
        try:
            if field.hasFocus():
                self.window_.canvas.setFocus(Qt.FocusReason.OtherFocusReason)
        except RuntimeError:        # the field was deleted meanwhile
            pass


class ClassroomActions(QObject):
    """The actions a lecture needs beyond Run: themes, presentation, panels, methods."""

    def __init__(self, window):
        super().__init__(window)
        self.window_ = w = window
        self.cheat_sheet = CheatSheet(w)
        menubar = w.menuBar()
        view = _find_menu(w, "View") or menubar.addMenu("&View")

        view.addSeparator()
        self.theme_menu = view.addMenu("&Theme")
        group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for theme in (LIGHT, DARK):
            a = QAction(theme.label or theme.name.capitalize(), w, checkable=True)
            a.triggered.connect(lambda _on=False, t=theme: self.set_theme(t.name))
            group.addAction(a)
            self.theme_menu.addAction(a)
            self.theme_actions[theme.name] = a
        self.theme_toggle = self._add(self.theme_menu, "Switch light / dark theme", "T",
                                      self.toggle_theme)
        self.presentation_action = self._add(view, "Presentation mode", ["F11", "F5"],
                                             lambda on: w.set_presentation(bool(on)),
                                             checkable=True)
        w.presentation_action = self.presentation_action
        self.escape_action = self._add(view, "Leave presentation / close the sheet", "Esc",
                                       self.escape)
        # the panels: the docks' own show/hide actions (already in View) get keys, and the two
        # parts of the centre that can be hidden join them
        self.panel_actions: dict[str, QAction] = {}
        for name, dock, key in (("controls", w.controls_dock, "C"),
                                ("progress", w.progress_dock, "G"),
                                ("lesson", w.lesson_dock, "L")):
            a = dock.toggleViewAction()
            a.setShortcut(QKeySequence(key))
            a.setProperty("cheat_text", f"Show / hide {_clean(dock.windowTitle()).lower()}")
            if a not in view.actions():
                view.addAction(a)
            w.addAction(a)
            self.panel_actions[name] = a
        self.panel_actions["rhythm"] = self._add(
            view, "Update rhythm strip", "Y", self._set_rhythm, checkable=True)
        self.panel_actions["note"] = self._add(
            view, "Title and note", "N", self._set_note, checkable=True)
        for name in ("rhythm", "note"):
            a = self.panel_actions[name]
            a.setProperty("cheat_text", f"Show / hide {a.text().lower()}")
        self.methods_menu = view.addMenu("&Methods shown")
        self.method_actions: dict[str, QAction] = {}
        for i, key in enumerate(METHOD_KEYS, start=1):
            self.method_actions[key] = self._add(
                self.methods_menu, f"Show {METHOD_LABELS[key]}", f"Ctrl+{i}",
                lambda on, k=key: self.set_method_shown(k, bool(on)), checkable=True)
            w.controls.visibility[key].toggled.connect(
                lambda on, k=key: self._method_visibility_changed(k, on))
        self.show_all_action = self._add(view, "Show everything", "A", self.show_everything)
        view.addSeparator()
        self.defaults_action = self._add(view, "Restore default layout and settings", None,
                                         self.restore_defaults)

        help_menu = _find_menu(w, "Help") or menubar.addMenu("&Help")
        self.cheat_action = self._add(help_menu, "Keyboard shortcuts", ["?", "F1"],
                                      self.cheat_sheet.toggle)

        # + is Shift+= on many keyboards: = works too (and the keypad's + and − already do)
        for action in _all_actions(w):
            if action.shortcuts() == [QKeySequence("+")]:
                action.setShortcuts([QKeySequence("+"), QKeySequence("=")])
        for action in _all_actions(w):
            if not action.shortcut().isEmpty():
                w.addAction(action)
                action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        # on the window's fields only (an application-wide filter would run Python for every
        # event of the whole app)
        self.key_filter = _KeyFilter(w)
        for field in w.findChildren(QAbstractSpinBox) + w.findChildren(QLineEdit):
            field.installEventFilter(self.key_filter)
        self.sync()

    def _add(self, menu, text, keys, slot, checkable: bool = False) -> QAction:
        a = QAction(text, self.window_)
        a.setCheckable(checkable)
        if keys:
            keys = [keys] if isinstance(keys, str) else keys
            a.setShortcuts([QKeySequence(k) for k in keys])
        a.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        (a.toggled if checkable else a.triggered).connect(slot)
        menu.addAction(a)
        self.window_.addAction(a)
        return a

    # themes -----------------------------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        theme = THEMES.get(name, LIGHT)
        if theme is not self.window_.theme:
            self.window_.apply_theme(theme)
        self.sync()

    def toggle_theme(self) -> None:
        self.set_theme("light" if self.window_.theme.name == "dark" else "dark")

    # presentation and the cheat sheet ---------------------------------------------------------
    def escape(self) -> None:
        if self.cheat_sheet.isVisible():
            self.cheat_sheet.hide()
        elif self.window_.presentation.active:
            self.window_.set_presentation(False)

    # panels and methods -----------------------------------------------------------------------
    def _set_rhythm(self, on: bool) -> None:
        self.window_.rhythm.setVisible(on)

    def _set_note(self, on: bool) -> None:
        w = self.window_
        w.note_wanted = on
        w.note_label.setVisible(on and bool(w.note_label.text()))

    def set_method_shown(self, key: str, on: bool) -> None:
        check = self.window_.controls.visibility[key]
        if check.isChecked() != on:
            check.setChecked(on)      # the control panel tells the canvas and the other views

    def _method_visibility_changed(self, key: str, on: bool) -> None:
        # the canvas hears the control panel directly; the other views that can hide a method
        for view in (self.window_.rhythm, self.window_.losses, self.window_.counters):
            if hasattr(view, "set_method_visible"):
                view.set_method_visible(key, on)
        self.sync()

    def show_everything(self) -> None:
        """Undo every 'hide': all panels (bar the controls while presenting) and all methods."""
        w = self.window_
        presenting = w.presentation.active
        for name, dock in (("controls", w.controls_dock), ("progress", w.progress_dock),
                           ("lesson", w.lesson_dock)):
            if name == "controls" and presenting:
                continue
            dock.show()
        w.rhythm.show()
        self._set_note(True)
        for key in METHOD_KEYS:
            self.set_method_shown(key, True)
        if w.controls.arrows_check is not None:
            w.controls.arrows_check.setChecked(True)
        self.sync()

    def restore_defaults(self) -> None:
        self.window_.window_settings.restore_defaults()

    def sync(self) -> None:
        """Check marks follow the window (theme, presentation, panels, methods)."""
        w = self.window_
        for name, a in self.theme_actions.items():
            a.setChecked(w.theme.name == name)
        for key, a in self.method_actions.items():
            _set_checked(a, w.controls.visibility[key].isChecked())
        _set_checked(self.panel_actions["rhythm"], not w.rhythm.isHidden())
        _set_checked(self.panel_actions["note"], getattr(w, "note_wanted", True))
        _set_checked(self.presentation_action, w.presentation.active)
        # Esc is only taken while there is something to leave (a popup or a field keeps it)
        self.escape_action.setEnabled(w.presentation.active or self.cheat_sheet.isVisible())


def _set_checked(action: QAction, on: bool) -> None:
    if action.isChecked() != on:
        action.blockSignals(True)
        action.setChecked(on)
        action.blockSignals(False)


def _find_menu(window, title: str) -> QMenu | None:
    for action in window.menuBar().actions():
        menu = action.menu()
        if menu is not None and _clean(menu.title()).lower() == title.lower():
            return menu
    return None


def _all_actions(window) -> list[QAction]:
    out, stack = list(window.actions()), [a.menu() for a in window.menuBar().actions() if a.menu()]
    while stack:
        menu = stack.pop()
        for a in menu.actions():
            if a.menu() is not None:
                stack.append(a.menu())
            else:
                out.append(a)
    return out


def install(window) -> ClassroomActions:
    return ClassroomActions(window)
