"""The selected method: what one of its updates looks at, how often it comes, why its path
looks the way it does, and its formula with the current numbers."""
from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QVBoxLayout, QWidget

from gdviz.lesson import Lesson, LiveValues, default_lesson, live_latex
from gdviz.ui.formula import FormulaWidget
from gdviz.ui.panels._common import (
    FontScaled, LiveThrottle, heading, label, rich, scroll, swatch, tinted)


class SelectedMethodPanel(FontScaled, QWidget):
    """Intuition and live formula of one method; ``set_method(key)`` switches it.
    ``method_selected(key)`` is emitted when the user picks a method in the panel's chooser."""

    method_selected = Signal(str)

    def __init__(self, lesson: Lesson | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.lesson = lesson or default_lesson()
        self._method = ""
        content = QWidget()
        lay = QVBoxLayout(content)

        # A combo box, not three buttons: it fits the narrowest dock at any font scale.
        self.chooser = QComboBox()
        for m in self.lesson.methods:
            self.chooser.addItem(m.name, m.key)
        self.chooser.activated.connect(self._chosen)
        choose_row = QHBoxLayout()
        choose_row.addWidget(label("Method:"), 1)
        choose_row.addWidget(self.chooser)
        lay.addLayout(choose_row)

        title_row = QHBoxLayout()
        self.bar = swatch("#000000", 8)
        title_row.addWidget(self.bar)
        self.title = heading("")
        title_row.addWidget(self.title, 1)
        lay.addLayout(title_row)
        self.batch = label()
        self.rhythm = label()
        lay.addWidget(self.batch)
        lay.addWidget(self.rhythm)

        self.texts = {}
        for key, caption in (("looks_at", "What one update looks at"),
                             ("how_often", "How often it updates"),
                             ("path", "Why the path looks like this")):
            lay.addWidget(heading(caption, "medium"))
            self.texts[key] = label()
            lay.addWidget(self.texts[key])

        lay.addWidget(heading("Its formula", "medium"))
        self.formula_name = label()
        lay.addWidget(self.formula_name)
        self.formula = FormulaWidget(scale=1.3)
        lay.addWidget(self.formula)
        self._box = box = QVBoxLayout()
        box.setContentsMargins(8, 4, 8, 4)
        box.addWidget(label("<i>now:</i>"))
        self.live: list[FormulaWidget] = []   # grown to the lines of the rule in force
        self.live_box = tinted(box)
        lay.addWidget(self.live_box)
        lay.addStretch(1)

        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll(content))
        self._throttle = LiveThrottle(self, self._apply)
        self.set_method("mini_batch")

    def _chosen(self, index: int) -> None:
        key = self.chooser.itemData(index)
        self.set_method(key)
        self.method_selected.emit(key)

    def method(self) -> str:
        return self._method

    def set_method(self, key: str) -> None:
        if key == self._method:
            return
        m = self.lesson.method(key)       # KeyError for an unknown method
        self._method = key
        self.chooser.setCurrentIndex(self.chooser.findData(key))
        self.bar.setStyleSheet(f"background:{m.color}; border-radius:2px;")
        self.title.setText(f'<span style="font-size:x-large;font-weight:600;color:{m.color}">'
                           f"{html.escape(m.name)}</span>")
        self.batch.setText(rich(m.batch))
        self.rhythm.setText(f"<i>Rhythm:</i> {rich(m.rhythm)}")
        for k, lab in self.texts.items():
            lab.setText(rich(getattr(m, k)))
        f = self.lesson.formula(m.formula)
        self.formula_name.setText(f"<b>{html.escape(f.name)}</b>: {rich(f.meaning)}")
        self.formula.set_latex(f.latex)
        latest = self._throttle.latest()
        if latest is not None and latest.selected == key:
            self._apply(latest)
        else:
            for w in self.live:               # numbers of another method would mislead
                w.set_latex("")
            self.live_box.setVisible(False)

    def update_live(self, values: LiveValues) -> None:
        """Show *values*; they describe ``values.selected``, which becomes the shown method."""
        self._throttle.push(values)
        if values.selected != self._method:
            self.set_method(values.selected)

    def live_latex(self) -> tuple[str, ...]:
        return tuple(w.latex() for w in self.live if w.latex())

    def _apply(self, values: LiveValues) -> None:
        if values.selected != self._method:
            return
        lines = live_latex(self.lesson.method(self._method), values, self.lesson)
        while len(self.live) < len(lines):
            self.live.append(FormulaWidget())
            self._box.addWidget(self.live[-1])
        for i, w in enumerate(self.live):
            w.set_latex(lines[i] if i < len(lines) else "", lazy=True)
            w.setVisible(i < len(lines))
        self.live_box.setVisible(True)

    def showEvent(self, event):
        super().showEvent(event)
        self._throttle.flush()
