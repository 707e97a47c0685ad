"""The lab window: four plots fed by the lab runner, a progress bar, Cancel and Run again."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from gdviz.ui.lab.figure import LabFigure
from gdviz.ui.lab.runner import LabRunner


class LabWindow(QWidget):
    """The batch-size lab for the main window's scenario; the sweep runs in a worker thread."""

    def __init__(self, main_window=None):
        super().__init__(None, Qt.WindowType.Window)
        self.main_window = main_window
        self.setWindowTitle("gdviz — batch-size lab")
        self.scenario = None
        self.result = None
        self.running = False
        self.runner = LabRunner()
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.cancelled.connect(self._on_cancelled)
        self.runner.failed.connect(self._on_failed)

        self.header = QLabel("")
        self.header.setWordWrap(True)
        self.figure = LabFigure()
        self.plots = self.figure.plots
        self.summary = self.figure.summary
        self.plots[4].on_pick = self.load_run
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.run_button = QPushButton("Run again")
        self.run_button.clicked.connect(self.rerun)
        row = QHBoxLayout()
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.run_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.figure, 1)
        layout.addLayout(row)
        self.resize(1280, 1000)

    # running -------------------------------------------------------------------------------
    def start(self, scenario, settings=None) -> None:
        from gdviz.core.lab import LabSettings
        if self.running:
            self.runner.cancel()
        self.scenario = scenario
        self.running = True
        self.bar.setValue(0)
        self.cancel_button.setEnabled(True)
        self.header.setText(f"<b>{scenario.title or scenario.name}</b> — the mini-batch "
                            "method over batch sizes, learning rates and seeds; each run is "
                            f"<code>gdviz simulate {scenario.name} --batch-size B --lr η "
                            "--seed s</code>. Running…")
        self.runner.start(scenario, settings or LabSettings())

    def cancel(self) -> None:
        self.runner.cancel()

    def rerun(self) -> None:
        scenario = getattr(self.main_window, "scenario", None) or self.scenario
        if scenario is not None:
            self.start(scenario)

    def offer_rerun(self, scenario) -> None:
        """The main window's scenario changed: say so, and let Run again take the new one."""
        if self.scenario is not None and scenario != self.scenario and self.isVisible():
            self.header.setText(self.header.text().split(" — ")[0] + " — the scenario in the "
                                "main window has changed: <b>Run again</b> to sweep it.")

    def load_run(self, batch_size: int, lr: float, seed: int) -> None:
        """Open run (B, η, seed) in the main window: the scenario swept, with that batch size,
        learning rate and seed, and the lab's budget as its epochs."""
        if self.main_window is None or self.scenario is None or self.result is None:
            return
        scenario = self.scenario.with_changes(batch_size=batch_size, lr=lr, seed=seed,
                                              epochs=self.result.max_epochs)
        self.main_window.load_scenario(scenario)
        self.main_window.statusBar().showMessage(
            f"Loaded the lab's run B = {batch_size}, η = {lr:g}, seed {seed}: the green "
            "mini-batch path is that run.")

    def _on_progress(self, result, fraction) -> None:
        self.result = result
        self.bar.setValue(int(round(100 * fraction)))
        self.figure.update_result(result)

    def _on_finished(self, result) -> None:
        self._on_progress(result, 1.0)
        self.running = False
        self.cancel_button.setEnabled(False)
        self.header.setText(self.header.text().replace("Running…", "Done."))

    def _on_cancelled(self) -> None:
        self.running = False
        self.cancel_button.setEnabled(False)
        self.header.setText(self.header.text().replace("Running…",
                                                       "Cancelled: the plots show the batch "
                                                       "sizes finished so far."))

    def _on_failed(self, message) -> None:
        self.running = False
        self.cancel_button.setEnabled(False)
        self.header.setText(f"The lab cannot run this scenario: {message}")

    def shutdown(self) -> None:
        self.runner.stop()

    def closeEvent(self, event) -> None:
        self.runner.cancel()
        super().closeEvent(event)
