"""Counter cards: each method's updates, epoch, examples seen, ⌈N/B⌉, loss and clock."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gdviz.core import METHOD_KEYS, METHOD_LABELS
from gdviz.core.clock import CLOCK_UNITS
from gdviz.core.snapshot import SimSnapshot
from gdviz.ui.theme import LIGHT, Theme

FIELDS = (("updates", "updates"), ("epoch", "epoch"), ("examples", "examples seen"),
          ("per_epoch", "updates / epoch"), ("loss", "loss J(θ)"), ("clock", "clock"))


class CounterCard(QFrame):
    clicked = Signal(str)

    def __init__(self, key: str, theme: Theme):
        super().__init__()
        self.key = key
        self.setObjectName("card")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(f"Click to select {METHOD_LABELS[key]}")
        col = QVBoxLayout(self)
        col.setContentsMargins(8, 4, 8, 4)
        col.setSpacing(2)
        head = QHBoxLayout()
        self.title = QLabel(METHOD_LABELS[key])
        self.title.setStyleSheet("font-weight: bold;")
        head.addWidget(self.title)
        head.addStretch(1)
        self.badge = QLabel("")
        self.badge.setStyleSheet("font-weight: bold; color: #C0392B;")
        head.addWidget(self.badge)
        col.addLayout(head)
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(0)
        self.values: dict[str, QLabel] = {}
        for i, (name, label) in enumerate(FIELDS):
            caption = QLabel(label)
            caption.setStyleSheet("color: palette(placeholder-text);")
            value = QLabel("–")
            value.setAlignment(Qt.AlignmentFlag.AlignRight)
            grid.addWidget(caption, i, 0)
            grid.addWidget(value, i, 1)
            self.values[name] = value
        grid.setColumnStretch(1, 1)
        col.addLayout(grid)
        self.selected = False
        self.setMaximumWidth(230)
        self.apply_theme(theme)

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self._restyle()

    def set_selected(self, selected: bool) -> None:
        self.selected = selected
        self._restyle()

    def _restyle(self) -> None:
        color = self.theme.color(self.key)
        width = 4 if self.selected else 2
        self.setStyleSheet(f"QFrame#card {{ border: {width}px solid {color}; border-radius: 6px; }}")
        self.title.setStyleSheet(f"font-weight: bold; color: {color};")

    def mousePressEvent(self, event):
        self.clicked.emit(self.key)
        super().mousePressEvent(event)


class CounterCards(QWidget):
    method_clicked = Signal(str)

    def __init__(self, parent=None, theme: Theme = LIGHT):
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.cards = {key: CounterCard(key, theme) for key in METHOD_KEYS}
        for card in self.cards.values():
            card.clicked.connect(self.method_clicked)
            row.addWidget(card)

    def apply_theme(self, theme: Theme) -> None:
        for card in self.cards.values():
            card.apply_theme(theme)

    def set_selected(self, key: str) -> None:
        for k, card in self.cards.items():
            card.set_selected(k == key)

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
            badge = {"diverged": "⚠ diverged", "finished": "✓ finished"}.get(m.status, "")
            self.cards[m.key].badge.setText(badge)
            color = "#C0392B" if m.status == "diverged" else "palette(text)"
            self.cards[m.key].badge.setStyleSheet(f"font-weight: bold; color: {color};")
