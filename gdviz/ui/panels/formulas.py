"""The eight formulas, each with its meaning, its symbols and a line of live numbers."""
from __future__ import annotations

import html
import math

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from gdviz.lesson import Lesson, LiveValues, default_lesson, live_latex
from gdviz.lesson.content import Formula
from gdviz.lesson.live import noise_scale
from gdviz.ui.formula import FormulaWidget
from gdviz.ui.panels._common import (
    FontScaled, LiveThrottle, SymbolList, heading, label, rich, scroll, tinted)

FORMULA_SCALE = 1.3     # the formula itself is the eye-catcher of each card
LIVE_SCALE = 1.0


class _FormulaCard(QWidget):
    def __init__(self, number: int, formula: Formula):
        super().__init__()
        self.formula = formula
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 6, 0, 10)
        lay.addWidget(heading(f"{number}. {formula.name}"))
        self.display = FormulaWidget(formula.latex, scale=FORMULA_SCALE)
        lay.addWidget(self.display)
        lay.addWidget(label(rich(formula.meaning)))
        # Live numbers in a tinted box, one formula line each.
        box = QVBoxLayout()
        box.setContentsMargins(8, 4, 8, 4)
        box.addWidget(label("<i>now:</i>"))
        self.live = [FormulaWidget(scale=LIVE_SCALE) for _ in formula.live]
        for w in self.live:
            box.addWidget(w)
        lay.addWidget(tinted(box))
        self.symbols = SymbolList(formula.symbols)
        lay.addWidget(self.symbols)


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
        return tuple(w.latex() for w in self.cards[key].live)

    def _apply(self, values: LiveValues) -> None:
        m = self.lesson.method(values.selected)
        scale = noise_scale(values.trace_sigma, values.grad_norm2)
        beside = "" if scale is None else (
            f" (noise scale B<sub>simple</sub> = {scale:.3g})" if math.isfinite(scale)
            else " (noise scale B<sub>simple</sub> = ∞: no gradient here)")
        self.status.setText(
            f'Numbers for <b style="color:{m.color}">{html.escape(m.name)}</b>: '
            f"N = {values.n_examples}, B = {values.batch_size}{beside}, η = {values.lr:g}")
        for card in self.cards.values():
            for widget, tex in zip(card.live, live_latex(card.formula, values)):
                # Only formulas whose numbers moved are rendered again, and only those in
                # sight; the others render when they are scrolled into view.
                self.renders += widget.set_latex(tex, lazy=True)

    def showEvent(self, event):
        super().showEvent(event)
        self._throttle.flush()
