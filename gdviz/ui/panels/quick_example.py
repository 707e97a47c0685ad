"""The quick example, N = 1000, made interactive: pick B, see the updates per epoch, the noise
relative to one example, and which of the three methods that batch size is."""
from __future__ import annotations

import html
import math
import string

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QFrame, QHBoxLayout, QProgressBar, QPushButton, QSlider, QSpinBox, QVBoxLayout, QWidget)

from gdviz.lesson import (
    Lesson, default_lesson, method_for_batch, relative_noise, updates_per_epoch)
from gdviz.ui.numbers import plain_numbers
from gdviz.ui.panels._common import FontScaled, heading, hue, label, rich, scroll

SLIDER_STEPS = 300      # the slider is logarithmic in B: small batches get most of its travel


class _CaseFrame(QFrame):
    """A rounded box; the case matching the chosen B gets a thick border in its colour.
    Painted by hand: a style sheet here would stop the font scale reaching the text."""

    def __init__(self):
        super().__init__()
        self._color: str | None = None

    def set_highlight(self, color: str | None) -> None:
        self._color = color
        self.update()

    def paintEvent(self, event):
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._color:
            pen = QPen(QColor(hue(self._color, self)), 2.5)
        else:
            pen = QPen(self.palette().color(QPalette.ColorRole.Mid), 1)
        p.setPen(pen)
        p.drawRoundedRect(QRectF(self.rect()).adjusted(1.5, 1.5, -1.5, -1.5), 4, 4)


class QuickExamplePanel(FontScaled, QWidget):
    """N = 1000 and a batch size to play with. ``batch_changed(int)`` reports the user's B."""

    batch_changed = Signal(int)

    def __init__(self, lesson: Lesson | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.lesson = lesson or default_lesson()
        q = self.lesson.quick_example
        self.n = q.n
        content = QWidget()
        lay = QVBoxLayout(content)
        lay.addWidget(heading(q.title))
        lay.addWidget(label(rich(q.intro)))

        row = QHBoxLayout()
        row.addWidget(label("Batch size B:"), 1)
        self.spin = QSpinBox()
        plain_numbers(self.spin)
        self.spin.setRange(1, self.n)
        row.addWidget(self.spin)
        lay.addLayout(row)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        lay.addWidget(self.slider)
        presets = QHBoxLayout()
        for b in (1, 32, self.n):
            button = QPushButton(f"B = {b}")
            button.clicked.connect(lambda _=False, b=b: self.set_batch(b))
            presets.addWidget(button)
        lay.addLayout(presets)

        self.method_label = label()
        self.updates_label = label()
        self.noise_label = label()
        self.noise_bar = QProgressBar()
        self.noise_bar.setRange(0, 1000)
        self.noise_bar.setTextVisible(False)
        self.noise_bar.setMaximumHeight(12)
        for w in (self.method_label, self.updates_label, self.noise_label, self.noise_bar):
            lay.addWidget(w)

        # The three cases of the lesson; the one matching B gets a coloured frame.
        self.cases: dict[str, _CaseFrame] = {}
        for key in ("stochastic", "mini_batch", "full_batch"):
            frame = _CaseFrame()
            fl = QVBoxLayout(frame)
            fl.setContentsMargins(8, 6, 8, 6)
            fl.addWidget(label(rich(getattr(q, key))))
            self.cases[key] = frame
            lay.addWidget(frame)
        lay.addWidget(label(rich(q.balance)))
        lay.addStretch(1)

        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll(content))
        self.spin.valueChanged.connect(self.set_batch)
        self.slider.valueChanged.connect(self._from_slider)
        self._b = 0
        self.set_batch(32)

    def batch(self) -> int:
        return self._b

    def set_batch(self, b: int) -> None:
        b = max(1, min(int(b), self.n))
        if b == self._b:
            return
        self._b = b
        for w, v in ((self.spin, b), (self.slider, self._to_slider(b))):
            w.blockSignals(True)
            w.setValue(v)
            w.blockSignals(False)
        n, upe = self.n, updates_per_epoch(self.n, b)
        m = self.lesson.method(method_for_batch(n, b))
        self.method_label.setText(
            f'B = {b} is <b style="color:{m.color}">{html.escape(m.name.lower())}</b>'
            f" ({html.escape(m.batch)}).")
        live = string.Template(self.lesson.quick_example.live).safe_substitute(
            B=b, updates=upe, N=n)
        self.updates_label.setText(f'<span style="font-size:large">{rich(live)}</span>')
        rel = relative_noise(n, b)
        self.noise_label.setText(
            f"Gradient noise (variance) relative to B = 1: <b>{rel:.3g}</b>"
            f" &nbsp;(spread ×{math.sqrt(rel):.2g}); (N−B)/(B(N−1)).")
        self.noise_bar.setValue(round(1000 * math.sqrt(rel)))   # spread reads more naturally
        for key, frame in self.cases.items():
            frame.set_highlight(self.lesson.method(key).color if key == m.key else None)
        self.batch_changed.emit(b)

    def _to_slider(self, b: int) -> int:
        return round(SLIDER_STEPS * math.log(b) / math.log(self.n))

    def _from_slider(self, pos: int) -> None:
        self.set_batch(round(self.n ** (pos / SLIDER_STEPS)))
