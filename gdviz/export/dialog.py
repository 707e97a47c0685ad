"""File ▸ Export (Ctrl+E): a still or a clip of the current scenario, rendered offline.

The frames are rendered on the GUI thread from a zero-interval QTimer, one per turn of the event
loop (a few while a turn stays under 12 ms); FFmpeg's libraries (PyAV) encode them in a writer
thread. So the window keeps animating and Cancel answers at once. Cancel, an error or a
full disk leave no file behind; the dialog says what happened.
"""
from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLabel, QLineEdit, QProgressBar,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from gdviz.core import MAX_SPEED, MIN_SPEED
from gdviz.ui.numbers import NumberBox, plain_numbers
from gdviz.export.atomic import ExportError
from gdviz.export.job import (DEFAULT_FPS, DEFAULT_SECONDS, DEFAULT_SIZE, MAX_FPS, MAX_SECONDS,
                              MAX_SIDE, MIN_SIDE, ExportJob, ExportSpec)
from gdviz.scenario import Scenario

SLICE_S = 0.012          # render more than one frame per turn only while under this (s)
FILTERS = ("MP4 video (*.mp4);;GIF animation (*.gif);;PNG image (*.png);;"
           "SVG drawing, canvas only (*.svg)")


class ExportDialog(QDialog):
    """Settings, a progress bar and cancel for one export at a time."""

    finished_export = Signal(str)       # the path written
    failed_export = Signal(str)         # what happened (nothing was written)

    def __init__(self, scenario: Scenario, parent: QWidget | None = None, theme: str = "light",
                 speed: float | None = None, directory: str | Path | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export a video or an image")
        self.setMinimumWidth(560)   # room for a whole path
        self.scenario = scenario
        self.job: ExportJob | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._work)

        default_dir = Path(directory) if directory else Path.home()
        self.path_edit = QLineEdit(str(default_dir / f"gdviz-{scenario.name}.mp4"))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)

        self.what_combo = QComboBox()
        self.what_combo.addItem("The contour canvas", "canvas")
        self.what_combo.addItem("The whole window", "window")
        self.width_spin = _spin(MIN_SIDE, MAX_SIDE, DEFAULT_SIZE[0], " px")
        self.height_spin = _spin(MIN_SIDE, MAX_SIDE, DEFAULT_SIZE[1], " px")
        size_row = QHBoxLayout()
        size_row.addWidget(self.width_spin)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self.height_spin)
        size_row.addStretch(1)
        self.seconds_spin = NumberBox()
        self.seconds_spin.setRange(0.0, MAX_SECONDS)
        self.seconds_spin.setDecimals(1)
        self.seconds_spin.setValue(DEFAULT_SECONDS)
        self.seconds_spin.setSuffix(" s")
        self.seconds_spin.setToolTip("Length of a clip; a still shows the moment at its end.")
        self.fps_spin = _spin(1, int(MAX_FPS), int(DEFAULT_FPS), " fps")
        self.speed_spin = NumberBox()
        self.speed_spin.setRange(MIN_SPEED, MAX_SPEED)
        self.speed_spin.setDecimals(1)
        self.speed_spin.setValue(float(speed or scenario.speed or 20.0))
        self.speed_spin.setSuffix(" ticks/s")
        self.speed_spin.setToolTip("Clock ticks per second of video (the window's speed now).")
        self.theme_combo = QComboBox()
        self.theme_combo.addItem("Light", "light")
        self.theme_combo.addItem("Dark", "dark")
        self.theme_combo.setCurrentIndex(max(0, self.theme_combo.findData(theme)))

        form = QFormLayout()
        form.addRow("File", path_row)
        form.addRow("Show", self.what_combo)
        form.addRow("Size", size_row)
        form.addRow("Duration", self.seconds_spin)
        form.addRow("Frame rate", self.fps_spin)
        form.addRow("Speed", self.speed_spin)
        form.addRow("Theme", self.theme_combo)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status = QLabel("The kind follows the extension: .mp4 and .gif are clips, .png and "
                             ".svg a still. Frames are computed, not screen-captured.")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button.clicked.connect(self.cancel_export)
        self.close_button.clicked.connect(self.close)
        self.cancel_button.setEnabled(False)

        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        lay.addWidget(self.buttons)
        self._inputs = (self.path_edit, browse, self.what_combo, self.width_spin,
                        self.height_spin, self.seconds_spin, self.fps_spin, self.speed_spin,
                        self.theme_combo)

    # settings -----------------------------------------------------------------------------------
    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path_edit.text(), FILTERS)
        if path:
            self.path_edit.setText(path)

    def spec(self) -> ExportSpec:
        scenario = dataclasses.replace(self.scenario, speed=float(self.speed_spin.value()))
        return ExportSpec(scenario, Path(self.path_edit.text().strip()).expanduser(),
                          self.what_combo.currentData(),
                          (self.width_spin.value(), self.height_spin.value()),
                          float(self.seconds_spin.value()), float(self.fps_spin.value()),
                          self.theme_combo.currentData())

    @property
    def running(self) -> bool:
        return self.job is not None

    # the export ---------------------------------------------------------------------------------
    def start_export(self) -> None:
        if self.running:
            return
        try:
            job = ExportJob(self.spec())        # refuses a bad path or setting before any work
        except (ExportError, ValueError) as exc:
            self._fail(str(exc), started=False)
            return
        self._set_running(True)
        self.status.setText("Preparing…" + "".join(f"\nNote: {n}" for n in job.notes))
        try:
            job.start()
        except Exception as exc:  # noqa: BLE001 - anything here leaves no file; say it
            self._set_running(False)
            self._fail(str(exc))
            return
        self.job = job
        self.progress.setRange(0, job.total)
        self.progress.setValue(0)
        self.status.setText(f"Rendering {job.total} frame{'s' if job.total != 1 else ''} of "
                            f"{job.spec.out.name}…" + "".join(f"\nNote: {n}" for n in job.notes))
        self._timer.start()

    def _work(self) -> None:
        job = self.job
        if job is None:
            self._timer.stop()
            return
        deadline = time.perf_counter() + SLICE_S
        try:
            done = job.frames_done >= job.total
            while not done and time.perf_counter() < deadline and job.ready():
                done = job.step()
            self.progress.setValue(job.frames_done)
            if not done:
                return
            self._timer.stop()
            self.status.setText(f"Finishing {job.spec.out.name}…")
            target = job.finish()
        except Exception as exc:  # noqa: BLE001 - the job already removed its partial file
            self._timer.stop()
            self.job = None
            job.cancel()
            self._set_running(False)
            self._fail(str(exc))
            return
        self.job = None
        self._set_running(False)
        notes = "".join(f"\nNote: {n}" for n in job.notes)
        self.status.setText(f"Wrote {target}{notes}")
        self.finished_export.emit(str(target))

    def cancel_export(self) -> None:
        job, self.job = self.job, None
        self._timer.stop()
        if job is not None:
            job.cancel()
            self.progress.setValue(0)
            self.status.setText(f"Cancelled: {job.spec.out} was not written.")
        self._set_running(False)

    def _fail(self, message: str, started: bool = True) -> None:
        tail = " Nothing was written." if started else ""
        self.status.setText(f"Could not export: {message}.{tail}".replace("..", "."))
        self.progress.setValue(0)
        self.failed_export.emit(message)

    def _set_running(self, running: bool) -> None:
        for w in self._inputs:
            w.setEnabled(not running)
        self.export_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def closeEvent(self, event) -> None:
        self.cancel_export()
        super().closeEvent(event)

    def reject(self) -> None:  # Escape: cancel a running export, else close
        if self.running:
            self.cancel_export()
        else:
            super().reject()


def _spin(low: int, high: int, value: int, suffix: str) -> QSpinBox:
    spin = QSpinBox()
    plain_numbers(spin)
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    return spin


def scenario_for_export(window) -> Scenario:
    """The scenario the window runs now, with the start points the user dragged."""
    return window.experiment.scenario_with_starts()


def open_export_dialog(window, dialog: ExportDialog | None = None) -> ExportDialog:
    """Show (or raise) the window's export dialog: *dialog*, the one it opened before (the
    window keeps it), or a new one."""
    if dialog is None:
        dialog = ExportDialog(scenario_for_export(window), window, window.view.theme.name,
                              window.view.worker_state.speed)
        dialog.finished_export.connect(
            lambda path: window.statusBar().showMessage(f"Exported {path}", 8_000))
    elif not dialog.running:
        dialog.scenario = scenario_for_export(window)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
