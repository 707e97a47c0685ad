"""The cheat sheet (?, F1): every shortcut of the window, generated from its actions each time
it opens, grouped by the menu each sits in."""
from __future__ import annotations

import html
from typing import Callable

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont, QKeySequence, QPainter
from PySide6.QtWidgets import (QApplication, QFrame, QGridLayout, QLabel, QMenu, QScrollArea,
                               QVBoxLayout, QWidget)

SHEET_SCALE = 1.15        # the cheat sheet's type relative to body text
MIN_FIT = 0.6             # the smallest share of that type the sheet shrinks to, to fit
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

    shown_or_hidden = Signal()      # the Esc action follows it

    def __init__(self, window, scale: Callable[[], float] = lambda: 1.0):
        """*scale*: the type scale in force (presentation mode makes it larger)."""
        super().__init__(window)
        self.window_ = window
        self._scale = scale
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
        scale = max(1.0, self._scale()) * SHEET_SCALE
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
        self._fit_width(font)
        self._place()

    def _fit_width(self, font: QFont) -> None:
        """Type a little smaller (down to MIN_FIT of it) where the two columns would be wider
        than the window allows: at 1024x768 in presentation the right column ran behind a
        horizontal scroll bar ("real netwo")."""
        parent = self.parentWidget()
        if parent is None:
            return
        room = int(parent.width() * 0.92) - 60
        size = font.pointSizeF()
        floor = size * MIN_FIT
        while size > floor:
            self.grid.activate()
            if self.body.sizeHint().width() <= room:
                return
            size = max(floor, size * 0.92)
            smaller = QFont(font)
            smaller.setPointSizeF(size)
            self.panel.setFont(smaller)

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
        self.shown_or_hidden.emit()

    def hideEvent(self, event):
        super().hideEvent(event)
        self.shown_or_hidden.emit()

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


