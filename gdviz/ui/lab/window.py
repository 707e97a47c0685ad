"""The lab window: six plots fed by the lab runner, a progress bar, Cancel and Run again,
exports, and a bar that offers a rerun when the main window's scenario changes."""
from __future__ import annotations

import html

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QFileDialog, QFrame, QHBoxLayout, QLabel, QMenu, QProgressBar,
                               QPushButton, QToolButton, QVBoxLayout, QWidget)

from gdviz.ui.lab.cloud_inset import CloudInset
from gdviz.ui.lab.figure import LabFigure
from gdviz.ui.lab.runner import LabRunner

# changes that leave the sweep as it was: the swept settings and what only names or paces it
NOT_SWEPT = frozenset({"batch_size", "lr", "name", "title", "description", "note", "speed",
                       "source"})
PREFERRED_SIZE = (1580, 1000)   # px, on a screen that has room for it
CLOUD_WIDTH = 300               # px of the gradient cloud beside the plots
CLOUD_MIN_WIDTH = 1300          # px: narrower windows open with the cloud folded
EXPORT_KINDS = {"csv": "Runs as CSV", "json": "Runs as JSON (as gdviz sweep --json)",
                "figure-png": "All six plots as PNG", "figure-svg": "All six plots as SVG"}


def sweep_key(scenario) -> tuple:
    """What of a scenario the sweep depends on."""
    from gdviz import scenario as sc
    return tuple(repr(getattr(scenario, name)) for name in sc.FIELDS if name not in NOT_SWEPT)


def plot_title(plot) -> str:
    text = plot.widget.getPlotItem().titleLabel.text
    return re.sub(r"<[^>]+>", "", text).strip()


class LabWindow(QWidget):
    """The batch-size lab for the main window's scenario; the sweep runs in a worker thread."""

    def __init__(self, main_window=None, exporter=None):
        """*main_window*: the window whose scenario the lab sweeps, through its public surface
        only: ``view`` (the scenario in force and the theme, ``gdviz.ui.view_state``),
        ``apply_changes`` (a run loaded from the lab is a change of settings like any other),
        ``show_notice`` and ``set_lab_wants_cloud``. *exporter*:
        ``gdviz.export.lab_export.export_lab`` (export sits above ui); without one the Export
        button is disabled."""
        super().__init__(None, Qt.WindowType.Window)
        self.main_window = main_window
        self.exporter = exporter
        self.setWindowTitle("gdviz — batch-size lab")
        self.scenario = None
        self.result = None
        self.settings = None
        self.running = False
        self._start_token = None     # a sweep asked for, waiting for the plots to be built
        self.runner = LabRunner()
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.cancelled.connect(self._on_cancelled)
        self.runner.failed.connect(self._on_failed)
        self.runner.stopped.connect(self._on_stopped)

        self.header = QLabel("")
        self.header.setWordWrap(True)
        from gdviz.ui.lab.generalization_plot import GeneralizationPlot
        from gdviz.ui.lab.memory_plot import MemoryPlot
        # staged: the plots built, and each result shown, a plot per event-loop turn, so
        # neither pressing B nor a finished batch size holds the GUI thread; the memory and
        # generalization plots are of the scenario itself, after the sweep's six
        self.figure = LabFigure(scroll=True, staged=True, extra=(MemoryPlot, GeneralizationPlot))
        self.summary = self.figure.summary
        self.figure.set_pick_handler(self.load_run)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.run_button = QPushButton("Run again")
        self.run_button.clicked.connect(self.rerun)
        self.export_button = QToolButton()
        self.export_button.setText("Export")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.export_button.setMenu(self._export_menu())
        self.export_button.setEnabled(self.exporter is not None)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.rerun_bar = self._rerun_bar()
        self.inset = CloudInset()
        self.inset.setFixedWidth(CLOUD_WIDTH)
        self.cloud_button = QToolButton()
        self.cloud_button.setText("Gradient cloud")
        self.cloud_button.setCheckable(True)
        self.cloud_button.setToolTip("Show or fold the live gradient cloud beside the plots")
        self.cloud_button.toggled.connect(self.set_cloud_shown)
        row = QHBoxLayout()
        row.addWidget(self.bar, 1)
        row.addWidget(self.cloud_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.run_button)
        row.addWidget(self.export_button)
        middle = QHBoxLayout()
        middle.addWidget(self.figure, 1)
        middle.addWidget(self.inset)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.rerun_bar)
        layout.addLayout(middle, 1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self._known: set[tuple] = set()     # sweep keys of the scenario swept and runs loaded
        self.theme = None
        theme = self._host_view().theme if main_window is not None else None
        if main_window is not None:     # told of each change (it polled every 500 ms before)
            self._host_view().scenario_changed.connect(self._host_scenario_changed)
        if theme is not None:
            self.apply_theme(theme)
        self.fit_screen()

    def fit_screen(self, width: int | None = None, height: int | None = None) -> None:
        """Open at ``PREFERRED_SIZE`` or the screen's available size, whichever is smaller
        (*width* × *height*: a screen of that size); the cloud folds on narrow screens."""
        if width is None or height is None:
            from gdviz.ui.layout import available_size
            near = self.main_window if isinstance(self.main_window, QWidget) else self
            width, height = available_size(near)
        w, h = min(PREFERRED_SIZE[0], width), min(PREFERRED_SIZE[1], height)
        self.set_cloud_shown(w >= CLOUD_MIN_WIDTH)
        self.resize(w, h)

    def set_cloud_shown(self, shown: bool) -> None:
        """Show or fold the gradient cloud (the button beside the progress bar)."""
        self.inset.setVisible(shown)
        if self.cloud_button.isChecked() != shown:
            self.cloud_button.setChecked(shown)

    def apply_theme(self, theme) -> None:
        """Follow the main window's theme: the plots' colours and the window's own."""
        self.theme = theme
        self.figure.apply_theme(theme)
        self.inset.apply_theme(theme)

    def _export_menu(self) -> QMenu:
        menu = QMenu(self)
        for kind in ("csv", "json"):
            menu.addAction(EXPORT_KINDS[kind]).triggered.connect(
                lambda _c=False, k=kind: self.ask_and_export(k))
        menu.addSeparator()
        for kind in ("figure-png", "figure-svg"):
            menu.addAction(EXPORT_KINDS[kind]).triggered.connect(
                lambda _c=False, k=kind: self.ask_and_export(k))
        for suffix in ("png", "svg"):
            sub = menu.addMenu(f"One plot as {suffix.upper()}")
            sub.aboutToShow.connect(lambda sub=sub, suffix=suffix: self._fill_plot_menu(sub, suffix))
        return menu

    def _fill_plot_menu(self, sub: QMenu, suffix: str) -> None:
        """The plots' own titles, once they are built (the menu is made before them)."""
        if sub.actions():
            return
        for i, plot in enumerate(self.plots):
            action = QAction(plot_title(plot), sub)
            action.triggered.connect(
                lambda _c=False, k=f"plot-{suffix}", i=i: self.ask_and_export(k, i))
            sub.addAction(action)

    @property
    def memory_plot(self):
        return self.figure.plots[-2]

    @property
    def generalization_plot(self):
        return self.figure.plots[-1]

    def _stop_studies(self, close: bool) -> None:
        """The generalization study's thread, if its plot was built (building it to stop it
        would start nothing)."""
        for plot in self.figure.built_plots():
            if hasattr(plot, "cancel"):
                plot.close() if close else plot.cancel()

    @property
    def plots(self) -> list:
        """The sweep's six plots (built and up to date now if the staged steps have not
        finished), then the memory and generalization plots of the scenario itself."""
        self.figure.flush()
        return self.figure.plots

    def _rerun_bar(self) -> QFrame:
        bar = QFrame()
        bar.setObjectName("rerunBar")
        bar.setStyleSheet("#rerunBar { background: #FFF4CE; border: 1px solid #E0B000; "
                          "border-radius: 3px; } QLabel { color: #222; }")
        self.rerun_label = QLabel("The scenario in the main window has changed since this "
                                  "sweep: the plots show the old one.")
        self.rerun_label.setWordWrap(True)
        self.rerun_now = QPushButton("Sweep the new scenario")
        self.rerun_now.clicked.connect(self.rerun)
        dismiss = QPushButton("Keep these results")
        dismiss.clicked.connect(self.dismiss_rerun)
        row = QHBoxLayout(bar)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.rerun_label, 1)
        row.addWidget(self.rerun_now)
        row.addWidget(dismiss)
        bar.hide()
        return bar

    # running -------------------------------------------------------------------------------
    def start(self, scenario, settings=None) -> None:
        from gdviz.core.lab import LabSettings
        if self.running:
            self.runner.cancel()
        self._start_token = None
        self.scenario = scenario
        self.settings = settings
        self.result = None
        self._known = {sweep_key(scenario)}
        self.rerun_bar.hide()
        self.message.clear()
        self.running = True
        self.bar.setValue(0)
        self.cancel_button.setEnabled(True)
        self.header.setText(lab_header(scenario, settings or LabSettings()) + " Running…")
        self.figure.set_scenario(scenario)    # plots of the scenario itself (now or when built)
        # the sweep starts once the plots are built: its thread competing for the GIL made
        # each staged build turn several times longer
        self._start_token = token = object()
        self.figure.when_built(lambda: self._start_runner(token, scenario, settings))

    def _start_runner(self, token, scenario, settings) -> None:
        from gdviz.core.lab import LabSettings
        if token is self._start_token:     # not cancelled or restarted since
            self._start_token = None
            self.runner.start(scenario, settings or LabSettings())

    def cancel(self) -> None:
        if self._start_token is not None:     # the sweep had not started: it never will
            self._start_token = None
            self._on_cancelled()
            return
        self.runner.cancel()

    def rerun(self) -> None:
        scenario = self._host_scenario() or self.scenario
        if scenario is not None:
            self.start(scenario, self.settings)

    def offer_rerun(self, scenario) -> None:
        """The main window's scenario changed in what the sweep depends on: a bar says so and
        offers to sweep the new one (no dialog: the user may keep looking at these results)."""
        if self.scenario is None or sweep_key(scenario) in self._known:
            return
        self.rerun_label.setText(
            f"The scenario in the main window has changed since this sweep "
            f"(now <b>{html.escape(scenario.title or scenario.name)}</b>): the plots show the old one.")
        self.rerun_bar.show()

    def dismiss_rerun(self) -> None:
        scenario = self._host_scenario()
        if scenario is not None:
            self._known.add(sweep_key(scenario))
        self.rerun_bar.hide()

    def _host_view(self):
        return self.main_window.view

    def _host_scenario(self):
        """The main window's scenario in force (None without a main window)."""
        return self._host_view().scenario if self.main_window is not None else None

    def _host_scenario_changed(self, _scenario) -> None:
        self.check_scenario()

    def check_scenario(self) -> None:
        """While the lab is shown (called when the main window's scenario changes and when the
        lab shows): offer a rerun when that scenario moved from the one swept; take the offer
        back when it returns to one swept, loaded or kept."""
        scenario = self._host_scenario()
        if scenario is None or not self.isVisible() or self.scenario is None:
            return
        if sweep_key(scenario) in self._known:
            self.rerun_bar.hide()
        else:
            self.offer_rerun(scenario)

    # exports (the writing is the export package's, handed in) --------------------------------
    def plot_title(self, index: int) -> str:
        return plot_title(self.plots[index])

    def default_name(self, kind: str, index: int | None = None) -> str:
        name = self.scenario.name if self.scenario is not None else "lab"
        suffix = kind.rsplit("-", 1)[-1]
        if kind.startswith("plot"):
            slug = re.sub(r"[^a-z0-9]+", "-", plot_title(self.plots[index]).lower()).strip("-")
            return f"{name}-lab-{slug}.{suffix}"
        return f"{name}-lab{'-runs' if suffix in ('csv', 'json') else ''}.{suffix}"

    def ask_and_export(self, kind: str, index: int | None = None) -> None:
        suffix = kind.rsplit("-", 1)[-1]
        path, _ = QFileDialog.getSaveFileName(self, "Export from the lab",
                                              self.default_name(kind, index),
                                              f"{suffix.upper()} (*.{suffix})")
        if path:
            self.export(kind, path, index)

    def export(self, kind: str, path: str, index: int | None = None) -> bool:
        """Write one export (``csv``, ``json``, ``figure-png|svg``, ``plot-png|svg`` with the
        plot's index) whole or not at all; the outcome is said under the plots."""
        if self.exporter is None:
            problem = "exporting is not available here"
        else:
            problem = self.exporter(self, kind, str(path), index)
        if problem is not None:
            self.message.setStyleSheet("color: #C0392B;")
            self.message.setText(f"Export failed: {problem}")
            return False
        self.message.setStyleSheet("")
        self.message.setText(f"Saved {path}")
        return True

    def load_run(self, batch_size: int, lr: float, seed: int) -> None:
        """Open run (B, η, seed) in the main window: the scenario swept, with that batch size,
        learning rate and seed, and the lab's budget as its epochs."""
        if self.main_window is None or self.scenario is None or self.result is None:
            return
        from gdviz.experiment import changes_between
        scenario = self.scenario.with_changes(batch_size=batch_size, lr=lr, seed=seed,
                                              epochs=self.result.max_epochs)
        self._known.add(sweep_key(scenario))
        # a change of settings like any other (Experiment.apply), from the run's start
        if self.main_window.apply_changes(changes_between(self._host_scenario(), scenario),
                                          restart=True):
            self.main_window.show_notice(
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

    def _on_stopped(self, message) -> None:
        self.running = False
        self.cancel_button.setEnabled(False)
        self.header.setText(f"Stopped: {message}. The plots show the batch sizes finished "
                            "so far.")

    def shutdown(self) -> None:
        self.runner.stop()
        self._stop_studies(close=True)

    def show_cloud(self, cloud) -> None:
        """The main window's gradient cloud, for the inset (sent at most 10 times a second)."""
        self.inset.show_cloud(cloud)

    def _want_cloud(self, on: bool) -> None:
        if self.main_window is not None:
            self.main_window.set_lab_wants_cloud(on)

    def showEvent(self, event) -> None:
        self._want_cloud(True)
        super().showEvent(event)
        self.check_scenario()      # (changes while it was hidden)

    def closeEvent(self, event) -> None:
        self._want_cloud(False)
        if self._start_token is not None:
            self.cancel()
        self.runner.cancel()
        self._stop_studies(close=False)
        super().closeEvent(event)


def lab_header(scenario, settings) -> str:
    """What the lab sweeps and which `gdviz simulate` command each of its runs is."""
    name = html.escape(scenario.name)
    title = f"<b>{html.escape(scenario.title or scenario.name)}</b>"
    if scenario.is_mlp or settings.criterion == "single_run":
        return (f"{title} — the mini-batch method over batch sizes, learning rates and seeds; "
                f"each run is <code>gdviz simulate {name} --batch-size B --lr η --seed s</code>.")
    return (f"{title} — the mini-batch method over batch sizes and learning rates, "
            f"{settings.copies} shuffle-copies each, steps counted on their mean loss; copy k is "
            f"<code>gdviz simulate {name} --batch-size B --lr η --shuffle-seed {{seed + k}}"
            f"</code>.")
