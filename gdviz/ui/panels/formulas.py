"""The eight formulas, each with its meaning, its symbols and a line of live numbers."""
from __future__ import annotations

import html
import math

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from gdviz.lesson import Lesson, LiveValues, default_lesson, live_latex
from gdviz.lesson.content import Formula
from gdviz.lesson.live import noise_scale, rule_name
from gdviz.ui.formula import FormulaWidget
from gdviz.ui.panels._common import (
    FontScaled, LiveThrottle, SymbolList, heading, label, rich, scroll, tinted)

FORMULA_SCALE = 1.3     # the formula itself is the eye-catcher of each card
LIVE_SCALE = 1.0


class _FormulaCard(QWidget):
    def __init__(self, number: int, formula: Formula):
        super().__init__()
        self.number = number
        self.formula = formula
        self._layout = lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 6, 0, 10)
        self.title = heading(f"{number}. {formula.name}")
        lay.addWidget(self.title)
        self.display = FormulaWidget(formula.latex, scale=FORMULA_SCALE)
        lay.addWidget(self.display)
        self.meaning = label(rich(formula.meaning))
        lay.addWidget(self.meaning)
        # Live numbers in a tinted box, one formula line each.
        self._box = box = QVBoxLayout()
        box.setContentsMargins(8, 4, 8, 4)
        box.addWidget(label("<i>now:</i>"))
        self.live: list[FormulaWidget] = []
        self.shown = len(formula.live)       # live lines in use
        self._ensure_lines(self.shown)
        lay.addWidget(tinted(box))
        self.symbols = SymbolList(formula.symbols)
        lay.addWidget(self.symbols)

    def _ensure_lines(self, count: int) -> None:
        while len(self.live) < count:
            w = FormulaWidget(scale=LIVE_SCALE)
            self._box.addWidget(w)
            self.live.append(w)

    def show_formula(self, formula: Formula) -> None:
        """Show another formula in this card (the update step of another rule)."""
        if formula is self.formula:
            return
        self.formula = formula
        self.title.setText(heading(f"{self.number}. {formula.name}").text())
        self.display.set_latex(formula.latex)
        self.meaning.setText(rich(formula.meaning))
        symbols = SymbolList(formula.symbols)
        self._layout.replaceWidget(self.symbols, symbols)
        self.symbols.hide()
        self.symbols.deleteLater()
        self.symbols = symbols

    def show_lines(self, lines: tuple[str, ...]) -> int:
        """The live lines; returns how many formulas were rendered."""
        self._ensure_lines(len(lines))
        self.shown = len(lines)
        renders = 0
        for i, widget in enumerate(self.live):
            # Only formulas whose numbers moved are rendered again, and only those in sight;
            # the others render when they are scrolled into view.
            renders += widget.set_latex(lines[i] if i < len(lines) else "", lazy=True)
            widget.setVisible(i < len(lines))
        return renders


class FormulaPanel(FontScaled, QWidget):
    """All formulas of the lesson with live values. ``update_live`` may be called at frame
    rate; formulas re-render at most ~4×/s, and at once when N, B or the method changes."""

    def __init__(self, lesson: Lesson | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.lesson = lesson or default_lesson()
        content = QWidget()
        lay = QVBoxLayout(content)
        self.status = label()            # which method the numbers belong to
        lay.addWidget(self.status)
        self.cards: dict[str, _FormulaCard] = {}
        for i, f in enumerate(self.lesson.formulas, 1):
            self.cards[f.key] = _FormulaCard(i, f)
            lay.addWidget(self.cards[f.key])
        lay.addStretch(1)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll(content))
        self.renders = 0                 # formulas re-rendered so far (tests, profiling)
        self._throttle = LiveThrottle(self, self._apply)

    def update_live(self, values: LiveValues) -> None:
        self._throttle.push(values)

    def live_latex(self, key: str) -> tuple[str, ...]:
        """The live lines currently shown for formula *key*."""
        card = self.cards[key]
        return tuple(w.latex() for w in card.live[:card.shown])

    def _apply(self, values: LiveValues) -> None:
        m = self.lesson.method(values.selected)
        scale = noise_scale(values.trace_sigma, values.grad_norm2)
        beside = "" if scale is None else (
            f" (noise scale B<sub>simple</sub> = {scale:.3g})" if math.isfinite(scale)
            else " (noise scale B<sub>simple</sub> = ∞: no gradient here)")
        self.status.setText(
            f'Numbers for <b style="color:{m.color}">{html.escape(m.name)}</b>: '
            f"N = {values.n_examples}, B = {values.batch_size}{beside}, η = {values.lr:g}")
        for key, card in self.cards.items():
            if key == "update":     # the step as the rule in force takes it
                card.show_formula(self.lesson.update_formula(rule_name(values)))
            self.renders += card.show_lines(live_latex(card.formula, values, self.lesson))

    def showEvent(self, event):
        super().showEvent(event)
        self._throttle.flush()
