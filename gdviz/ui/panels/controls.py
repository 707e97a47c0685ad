"""The control panel: run controls, batch size, learning rate, optimizer, landscape, clock.

The panel keeps no settings of its own: a user's change leaves as a dict of the scenario fields
it changes (``changes_requested``), and the panel shows whatever the experiment then accepted
(``set_scenario``).
"""
from __future__ import annotations

import math

from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QSlider, QSpinBox,
                               QStyle, QStyleOptionComboBox, QVBoxLayout, QWidget)

from gdviz.core import (CLOCK_LABELS, COMMON_BATCH_SIZES, MAX_SPEED, METHOD_KEYS, METHOD_LABELS,
                        MIN_SPEED)
from gdviz.core.batching import updates_per_epoch
from gdviz.core.landscapes import LANDSCAPES
from gdviz.core.optimizers import OPTIMIZER_LABELS, OPTIMIZERS
from gdviz.core.schedules import LR_SCALINGS, SCHEDULES
from gdviz.scenario import MAX_SEED, MLP, Scenario
from gdviz.ui.numbers import NumberBox, plain_numbers

SLIDER_STEPS = 1000
NETWORK_PRESET = "mlp-moons"     # choosing the real network opens this preset


def log_position(value: float, low: float, high: float) -> int:
    if high <= low:
        return 0
    return round(SLIDER_STEPS * math.log(value / low) / math.log(high / low))


def log_value(position: int, low: float, high: float) -> float:
    return low * (high / low) ** (position / SLIDER_STEPS)


class _TickLabels(QWidget):
    """Labels under the batch-size slider at the common sizes (16 … 512)."""

    def __init__(self, slider: QSlider):
        super().__init__()
        self.slider = slider
        self.n = 1000
        self.setMinimumHeight(self.fontMetrics().height() + 2)

    def set_n(self, n: int) -> None:
        self.n = n
        self.update()

    def paintEvent(self, _event):
        painter = QPainter(self)
        painter.setPen(self.palette().windowText().color())
        handle = 14  # roughly the slider handle width: positions run between handle centres
        usable = self.width() - handle
        metrics = self.fontMetrics()
        marks = [1, *[b for b in COMMON_BATCH_SIZES if b < self.n], self.n]
        last_right = -1e9
        for b in marks:
            x = handle / 2 + usable * log_position(b, 1, max(self.n, 2)) / SLIDER_STEPS
            text = "N" if b == self.n else str(b)
            w = metrics.horizontalAdvance(text)
            left = min(max(0, x - w / 2), self.width() - w)
            if left < last_right + 3:
                continue
            painter.drawText(int(left), metrics.ascent(), text)
            last_right = left + w


class _FittingCombo(QComboBox):
    """A combo box at least as wide as its current text: in a form laid out with
    ``WrapLongRows`` a long choice ("Least squares, d parameters") moves below its label and
    shows whole, instead of being cut in the narrow side column."""

    def __init__(self):
        super().__init__()
        self.currentIndexChanged.connect(self.updateGeometry)

    def minimumSizeHint(self) -> QSize:
        base = super().minimumSizeHint()
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        text = self.fontMetrics().horizontalAdvance(self.currentText())
        need = self.style().sizeFromContents(QStyle.ContentsType.CT_ComboBox, opt,
                                             QSize(text + 4, base.height()), self)
        return QSize(max(base.width(), need.width()), base.height())


def _wrapping_form(box: QGroupBox) -> QFormLayout:
    form = QFormLayout(box)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    return form


class ControlPanel(QWidget):
    play_toggled = Signal()
    step_requested = Signal()
    reset_requested = Signal()
    fit_requested = Signal()
    speed_changed = Signal(float)
    changes_requested = Signal(object)       # dict of Scenario fields the user changed
    preset_requested = Signal(str)           # a built-in scenario to open (the real network)
    method_visibility_changed = Signal(str, bool)
    arrows_toggled = Signal(bool)

    def __init__(self, scenario: Scenario, parent=None):
        super().__init__(parent)
        self.shown = scenario        # the accepted scenario on display (never a base for changes)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self._run_box())
        layout.addWidget(self._batch_box())
        layout.addWidget(self._optim_box())
        layout.addWidget(self._data_box())
        layout.addWidget(self._view_box())
        layout.addStretch(1)
        self.set_scenario(scenario)

    # building -------------------------------------------------------------------------------
    def _run_box(self) -> QGroupBox:
        box = QGroupBox("Run")
        grid = QVBoxLayout(box)
        row = QHBoxLayout()
        self.play_button = QPushButton("▶ Play")
        self.play_button.setToolTip("Play or pause (Space)")
        self.play_button.clicked.connect(self.play_toggled)
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("Advance the clock to the next update (→)")
        self.step_button.clicked.connect(self.step_requested)
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Start again from the start points (R)")
        self.reset_button.clicked.connect(self.reset_requested)
        for b, longest in ((self.play_button, "❚❚ Pause"), (self.step_button, "Step"),
                           (self.reset_button, "Reset")):
            # as narrow as their words (the style asks 80 px of each, and the three widened
            # the side column past its width: its right edge was cut)
            b.setMinimumWidth(b.fontMetrics().horizontalAdvance(longest) + 18)
            row.addWidget(b)
        grid.addLayout(row)
        speed_row = QHBoxLayout()
        speed_row.addWidget(QLabel("Speed"))
        self.speed_slider = QSlider(Qt.Orientation.Horizontal)
        self.speed_slider.setRange(0, SLIDER_STEPS)
        self.speed_slider.valueChanged.connect(self._on_speed_slider)
        speed_row.addWidget(self.speed_slider, 1)
        self.speed_label = QLabel()
        self.speed_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("20000 ticks/s"))
        speed_row.addWidget(self.speed_label)
        grid.addLayout(speed_row)
        return box

    def _batch_box(self) -> QGroupBox:
        box = QGroupBox("Mini-batch size B")
        col = QVBoxLayout(box)
        row = QHBoxLayout()
        self.batch_slider = QSlider(Qt.Orientation.Horizontal)
        self.batch_slider.setRange(0, SLIDER_STEPS)
        self.batch_slider.setToolTip("Log scale from 1 (stochastic) to N (full batch)")
        self.batch_slider.valueChanged.connect(self._on_batch_slider)
        row.addWidget(self.batch_slider, 1)
        self.batch_spin = QSpinBox()
        self.batch_spin.setKeyboardTracking(False)
        self.batch_spin.valueChanged.connect(self._on_batch_spin)
        row.addWidget(self.batch_spin)
        col.addLayout(row)
        self.batch_ticks = _TickLabels(self.batch_slider)
        col.addWidget(self.batch_ticks)
        self.updates_label = QLabel()
        self.updates_label.setWordWrap(True)   # ⌈16384/64⌉ ... widened the narrow column
        col.addWidget(self.updates_label)
        return box

    def _optim_box(self) -> QGroupBox:
        box = QGroupBox("Optimizer")
        form = _wrapping_form(box)
        self.lr_spin = NumberBox()   # 0.12 is 0.12 under every locale
        self.lr_spin.setDecimals(5)
        self.lr_spin.setRange(0.0, 100.0)
        self.lr_spin.setKeyboardTracking(False)
        self.lr_spin.setStepType(NumberBox.StepType.AdaptiveDecimalStepType)
        self.lr_spin.valueChanged.connect(lambda v: self._request(lr=float(v)))
        form.addRow("Learning rate η", self.lr_spin)
        self.optimizer_combo = self._combo(OPTIMIZERS, OPTIMIZER_LABELS)
        self.optimizer_combo.currentIndexChanged.connect(
            lambda: self._request(optimizer=self.optimizer_combo.currentData()))
        form.addRow("Update rule", self.optimizer_combo)
        self.schedule_combo = self._combo(SCHEDULES, {s: s.capitalize() for s in SCHEDULES})
        self.schedule_combo.currentIndexChanged.connect(
            lambda: self._request(schedule=self.schedule_combo.currentData()))
        form.addRow("Schedule", self.schedule_combo)
        labels = {"none": "Same η for every B", "linear": "η ∝ B (linear rule)",
                  "sqrt": "η ∝ √B (square-root rule)"}
        self.scaling_combo = self._combo(LR_SCALINGS, labels)
        self.scaling_combo.currentIndexChanged.connect(
            lambda: self._request(lr_scaling=self.scaling_combo.currentData()))
        form.addRow("η vs B", self.scaling_combo)
        return box

    def _data_box(self) -> QGroupBox:
        box = QGroupBox("Landscape and clock")
        form = _wrapping_form(box)
        titles = {k: cls.title for k, cls in LANDSCAPES.items()} | {MLP: "Real network (MLP)"}
        self.landscape_combo = self._combo((*LANDSCAPES, MLP), titles)
        self.landscape_combo.activated.connect(self._on_landscape)
        form.addRow("Landscape", self.landscape_combo)
        self.function_edit = QLineEdit()
        self.function_edit.setPlaceholderText("your f(x, y), e.g. (x**2 + y - 11)**2 + (x + y**2 - 7)**2")
        self.function_edit.returnPressed.connect(self._on_function)
        form.addRow("f(x, y)", self.function_edit)
        self.function_error = QLabel()
        self.function_error.setWordWrap(True)
        self.function_error.setTextFormat(Qt.TextFormat.PlainText)   # echoes the user's text
        self.function_error.setStyleSheet("color: #C0392B;")
        self.function_error.hide()
        form.addRow(self.function_error)
        self.n_spin = QSpinBox()
        self.n_spin.setRange(2, 20_000)
        self.n_spin.setKeyboardTracking(False)
        self.n_spin.valueChanged.connect(lambda v: self._request(n_examples=int(v)))
        form.addRow("Examples N", self.n_spin)
        self.clock_combo = self._combo(("updates", "examples", "hardware"), CLOCK_LABELS)
        self.clock_combo.setToolTip("What the three methods share: one update each, the same "
                                    "number of examples, or the same simulated hardware time")
        self.clock_combo.activated.connect(
            lambda: self._request(clock=self.clock_combo.currentData()))
        form.addRow("Clock", self.clock_combo)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, MAX_SEED)   # the range validate accepts
        self.seed_spin.setKeyboardTracking(False)
        plain_numbers(self.batch_spin, self.n_spin, self.seed_spin)
        self.seed_spin.valueChanged.connect(lambda v: self._request(seed=int(v)))
        form.addRow("Seed", self.seed_spin)
        return box

    def _view_box(self) -> QGroupBox:
        box = QGroupBox("Show")
        col = QVBoxLayout(box)
        self.visibility: dict[str, QCheckBox] = {}
        for key in METHOD_KEYS:
            check = QCheckBox(METHOD_LABELS[key])
            check.setChecked(True)
            check.toggled.connect(lambda on, k=key: self.method_visibility_changed.emit(k, on))
            col.addWidget(check)
            self.visibility[key] = check
        self.arrows_check = QCheckBox("Step arrows (taken, and with ∇J)")
        self.arrows_check.setChecked(True)
        self.arrows_check.toggled.connect(self.arrows_toggled)
        col.addWidget(self.arrows_check)
        fit = QPushButton("Fit view")
        fit.clicked.connect(self.fit_requested)
        col.addWidget(fit)
        return box

    @staticmethod
    def _combo(keys, labels) -> QComboBox:
        combo = _FittingCombo()
        # size to a dozen characters, not the longest item: the dock stays narrow
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(12)
        for key in keys:
            combo.addItem(labels.get(key, key), key)
        return combo

    # syncing from the model -----------------------------------------------------------------
    def set_scenario(self, scenario: Scenario, keep_function_text: bool = False) -> None:
        """Show the accepted scenario's settings without emitting change signals (a refused
        function stays in its box, to be corrected)."""
        self.shown = scenario
        widgets = (self.batch_slider, self.batch_spin, self.lr_spin, self.optimizer_combo,
                   self.schedule_combo, self.scaling_combo, self.landscape_combo, self.n_spin,
                   self.clock_combo, self.seed_spin, self.function_edit)
        blockers = [QSignalBlocker(w) for w in widgets]
        n = scenario.n_examples
        self.batch_spin.setRange(1, n)
        self.batch_spin.setValue(scenario.batch_size)
        self.batch_slider.setValue(log_position(scenario.batch_size, 1, max(n, 2)))
        self.batch_ticks.set_n(n)
        self.lr_spin.setValue(scenario.lr)
        for combo, value in ((self.optimizer_combo, scenario.optimizer),
                             (self.schedule_combo, scenario.schedule),
                             (self.scaling_combo, scenario.lr_scaling),
                             (self.landscape_combo, scenario.landscape),
                             (self.clock_combo, scenario.clock)):
            combo.setCurrentIndex(max(combo.findData(value), 0))
        self.n_spin.setValue(n)
        self.seed_spin.setValue(scenario.seed)
        if not keep_function_text:
            self.function_edit.setText(scenario.function or "")
            self.function_error.hide()
        self.scaling_combo.setToolTip("Scale η with each method's batch size, relative to "
                                      f"B = {scenario.lr_reference_batch}")
        del blockers
        self._show_updates_per_epoch(scenario.batch_size)

    def set_playing(self, playing: bool) -> None:
        self.play_button.setText("❚❚ Pause" if playing else "▶ Play")

    def set_speed(self, speed: float) -> None:
        with QSignalBlocker(self.speed_slider):
            self.speed_slider.setValue(log_position(speed, MIN_SPEED, MAX_SPEED))
        self.speed_label.setText(_speed_text(speed))

    # reactions ------------------------------------------------------------------------------
    def _on_speed_slider(self, position: int) -> None:
        speed = log_value(position, MIN_SPEED, MAX_SPEED)
        speed = float(f"{speed:.2g}") if speed < 100 else round(speed, -int(math.log10(speed)) + 1)
        self.speed_label.setText(_speed_text(speed))
        self.speed_changed.emit(speed)

    def _on_batch_slider(self, position: int) -> None:
        n = self.shown.n_examples
        b = int(round(log_value(position, 1, max(n, 2))))
        b = min(max(b, 1), n)
        nearest = min(COMMON_BATCH_SIZES, key=lambda c: abs(math.log(c / b)))
        if nearest <= n and abs(math.log(nearest / b)) < 0.08:
            b = nearest  # the common sizes are easy to hit
        with QSignalBlocker(self.batch_spin):
            self.batch_spin.setValue(b)
        self._apply_batch(b)

    def _on_batch_spin(self, b: int) -> None:
        with QSignalBlocker(self.batch_slider):
            self.batch_slider.setValue(log_position(b, 1, max(self.shown.n_examples, 2)))
        self._apply_batch(b)

    def _apply_batch(self, b: int) -> None:
        if b != self.shown.batch_size:
            self._request(batch_size=b)

    def _show_updates_per_epoch(self, b: int) -> None:
        n, drop_last = self.shown.n_examples, self.shown.drop_last
        brackets = ("⌊", "⌋") if drop_last else ("⌈", "⌉")
        self.updates_label.setText(
            f"{brackets[0]}N/B{brackets[1]} = {brackets[0]}{n}/{b}{brackets[1]} = "
            f"{updates_per_epoch(n, b, drop_last)} updates per epoch")

    def _on_landscape(self) -> None:
        key = self.landscape_combo.currentData()
        if key == MLP:
            if not self.shown.is_mlp:
                self.preset_requested.emit(NETWORK_PRESET)
            return
        if key == "custom":
            self.function_edit.setFocus()
            if not self.function_edit.text().strip():
                self.show_function_error("Type a function of x and y, then press Enter.")
                return
            self._on_function()
            return
        self._request(landscape=key)

    def _on_function(self) -> None:
        self._request(landscape="custom", function=self.function_edit.text())

    def show_function_error(self, message: str) -> None:
        self.function_error.setText(message)
        self.function_error.show()

    def _request(self, **changes) -> None:
        self.changes_requested.emit(changes)


def _speed_text(speed: float) -> str:
    return f"{speed:g} ticks/s" if speed < 100 else f"{speed:,.0f} ticks/s"
