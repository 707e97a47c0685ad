"""Counters: each method's updates, epoch, examples seen, ⌈N/B⌉, loss and clock, in one table."""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from gdviz.core import METHOD_KEYS, METHOD_LABELS
from gdviz.core.clock import CLOCK_UNITS
from gdviz.core.snapshot import SimSnapshot
from gdviz.ui.theme import LIGHT, Theme

FIELDS = (("updates", "updates"), ("epoch", "epoch"), ("examples", "examples seen"),
          ("per_epoch", "updates / epoch ⌈N/B⌉"), ("loss", "loss J(θ)"), ("clock", "clock"),
          ("memory", "memory / step"), ("status", "status"))


class _Header(QLabel):
    clicked = Signal(str)

    def __init__(self, key: str):
        super().__init__(METHOD_LABELS[key])
        self.key = key
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(f"Click to select {METHOD_LABELS[key]}")

    def mousePressEvent(self, event):
        self.clicked.emit(self.key)
        super().mousePressEvent(event)


class StableLabel(QLabel):
    """A label of a fixed size that only ever grows. A label that changes its text several
    times a second would otherwise make the window lay out every dock again each time (a
    widget of fixed size does not invalidate its parent's layout); it grows, and the layout
    runs, only when a text needs more room."""

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self._fit()

    def setText(self, text: str) -> None:
        if text == self.text():
            return
        super().setText(text)
        self._fit()

    def _fit(self, shrink: bool = False) -> None:
        if shrink:
            # QLabel's size hint is never below its minimum size: the fixed size of a larger
            # font (presentation on a 4K screen) kept the window that wide after leaving it
            self.setMinimumSize(0, 0)
        hint = self.sizeHint()
        width = hint.width() if shrink else max(hint.width(), self.minimumWidth())
        if width != self.minimumWidth() or width != self.maximumWidth() \
                or hint.height() != self.maximumHeight():
            self.setFixedSize(width, hint.height())

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit(shrink=True)    # (presentation mode: a new font size)


class CounterCard:
    """One method's column: its header and value labels."""

    def __init__(self, key: str, header: _Header, values: dict[str, QLabel]):
        self.key = key
        self.header = header
        self.values = values
        self.badge = values["status"]


class CounterCards(QWidget):
    method_clicked = Signal(str)

    def __init__(self, parent=None, theme: Theme = LIGHT):
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 2, 4, 2)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(1)
        self.captions: list[QLabel] = []
        for row, (_, label) in enumerate(FIELDS, start=1):
            caption = QLabel(label)
            grid.addWidget(caption, row, 0)
            self.captions.append(caption)
        self.cards: dict[str, CounterCard] = {}
        for col, key in enumerate(METHOD_KEYS, start=1):
            header = _Header(key)
            header.clicked.connect(self.method_clicked)
            grid.addWidget(header, 0, col)
            values = {}
            for row, (name, _) in enumerate(FIELDS, start=1):
                value = StableLabel("–")
                right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                value.setAlignment(right)
                # (a label of fixed size sits at the right of its cell: the column lines up)
                grid.addWidget(value, row, col, alignment=right)
                values[name] = value
            self.cards[key] = CounterCard(key, header, values)
        grid.setRowStretch(len(FIELDS) + 1, 1)
        self.selected = "mini_batch"
        # B -> (figure, explanation) of one step's memory (gdviz.mlp.memory.memory_label)
        self.memory_of = None
        self.apply_theme(theme)

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self._restyle()

    def set_selected(self, key: str) -> None:
        self.selected = key
        self._restyle()

    def _restyle(self) -> None:
        for key, card in self.cards.items():
            color = self.theme.color(key)
            underline = f"border-bottom: 3px solid {color};" if key == self.selected else \
                "border-bottom: 3px solid transparent;"
            card.header.setStyleSheet(f"font-weight: bold; color: {color}; {underline}")

    def show_snapshot(self, snap: SimSnapshot) -> None:
        unit = CLOCK_UNITS[snap.clock_kind]
        for m in snap.methods:
            v = self.cards[m.key].values
            v["updates"].setText(f"{m.updates:,}")
            v["epoch"].setText(f"{m.epoch:.2f}")
            v["examples"].setText(f"{m.examples_seen:,}")
            v["per_epoch"].setText(f"{m.updates_per_epoch:,}")
            v["loss"].setText(f"{m.loss:.5g}")
            v["clock"].setText(f"{m.clock:.4g} {unit}" if unit == "s" else f"{m.clock:,.0f} {unit}")
            if self.memory_of is not None:
                figure, why = self.memory_of(m.batch_size)
                v["memory"].setText(figure)
                if v["memory"].toolTip() != why:
                    v["memory"].setToolTip(why)
            text = {"diverged": "⚠ diverged", "finished": "✓ finished"}.get(m.status, "running")
            v["status"].setText(text)
            style = "font-weight: bold; color: #C0392B;" if m.status == "diverged" else ""
            if v["status"].styleSheet() != style:     # (a style sheet re-polishes the label)
                v["status"].setStyleSheet(style)
