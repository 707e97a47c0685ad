"""The main window: the canvas in the middle, panels in docks, the worker behind signals."""
from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QCheckBox, QDockWidget, QHBoxLayout, QLabel, QMainWindow, QScrollArea,
                               QSplitter, QVBoxLayout, QWidget)

from gdviz.core import CLOCK_LABELS, METHOD_KEYS, METHOD_LABELS
from gdviz.core.batching import updates_per_epoch
from gdviz.core.scenario import Scenario
from gdviz.lesson.live import LiveValues
from gdviz.ui.canvas import ContourCanvas
from gdviz.ui.panels.controls import ControlPanel
from gdviz.ui.panels.counters import CounterCards
from gdviz.ui.panels.losses import LossCurves
from gdviz.ui.panels.rhythm import RhythmStrip
from gdviz.ui.theme import LIGHT
from gdviz.ui.worker import NoiseInfo, SimulationWorker, WorkerState, WorkerThread


class MainWindow(QMainWindow):
    # commands to the worker: queued across threads
    cmd_toggle = Signal()
    cmd_play = Signal()
    cmd_pause = Signal()
    cmd_step = Signal()
    cmd_reset = Signal()
    cmd_speed = Signal(float)
    cmd_batch_size = Signal(int)
    cmd_hyper = Signal(object)
    cmd_scenario = Signal(object)
    cmd_start = Signal(str, float, float)
    cmd_selected = Signal(str)
    cmd_recompute_plane = Signal()

    def __init__(self, scenario: Scenario, parent=None, start_worker: bool = True):
        super().__init__(parent)
        self.scenario = scenario
        self.theme = LIGHT
        self.selected = "mini_batch"
        self.snapshot = None
        self.landscape_view = None
        self.noise: NoiseInfo | None = None
        self._live_key, self._live_time = None, 0.0
        self.running_scenario: Scenario | None = None   # the last one the worker accepted
        self.state = WorkerState(False, scenario.speed or 20.0, 0)
        self.setWindowTitle(f"gdviz — {scenario.title or scenario.name}")
        self._build_views(scenario)
        self.alert_label = QLabel()
        self.alert_label.setStyleSheet("color: #C0392B; font-weight: bold; padding: 0 6px;")
        self.alert_label.hide()
        self.statusBar().addPermanentWidget(self.alert_label)
        self._build_menus()
        if start_worker:  # False: an offscreen copy fed snapshots by the caller (export)
            self._start_worker(scenario)
        self._build_classroom()

    # construction ---------------------------------------------------------------------------
    def _build_views(self, scenario: Scenario) -> None:
        from gdviz.lesson.content import default_lesson
        lesson = default_lesson()
        captions = {key: lesson.method(key).rhythm for key in METHOD_KEYS}

        self.canvas = ContourCanvas(theme=self.theme)
        self.canvas.method_clicked.connect(self.select_method)
        self.canvas.start_requested.connect(self.cmd_start)
        self.clock_banner = QLabel()
        self.clock_banner.setObjectName("clockBanner")
        self.clock_banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.clock_banner.setStyleSheet("font-weight: bold; padding: 3px;")
        self.note_label = QLabel()
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet("padding: 2px 6px;")
        self.rhythm = RhythmStrip(captions, theme=self.theme)
        self.rhythm.setMinimumHeight(160)
        self.counters = CounterCards(theme=self.theme)
        self.counters.method_clicked.connect(self.select_method)
        self.losses = LossCurves(theme=self.theme)
        self.losses.setMinimumHeight(120)
        self.log_check = QCheckBox("log scale")
        self.log_check.toggled.connect(self.losses.set_log_y)

        centre = QWidget()
        col = QVBoxLayout(centre)
        col.setContentsMargins(4, 4, 4, 4)
        col.setSpacing(2)
        col.addWidget(self.clock_banner)
        col.addWidget(self.note_label)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.canvas)
        split.addWidget(self.rhythm)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 0)
        split.setSizes([700, 160])
        self.centre_split = split
        col.addWidget(split, 1)
        self.setCentralWidget(centre)
        for corner in (Qt.Corner.TopLeftCorner, Qt.Corner.BottomLeftCorner):
            self.setCorner(corner, Qt.DockWidgetArea.LeftDockWidgetArea)
        for corner in (Qt.Corner.TopRightCorner, Qt.Corner.BottomRightCorner):
            self.setCorner(corner, Qt.DockWidgetArea.RightDockWidgetArea)

        self.controls = ControlPanel(scenario)
        scroll = QScrollArea()
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.controls_dock = self._dock("Controls", scroll, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.controls_dock.setMinimumWidth(290)

        progress = QWidget()
        prow = QHBoxLayout(progress)
        prow.setContentsMargins(4, 2, 4, 2)
        prow.addWidget(self.counters, 0, Qt.AlignmentFlag.AlignTop)
        loss_col = QVBoxLayout()
        loss_col.addWidget(self.losses, 1)
        loss_col.addWidget(self.log_check)
        prow.addLayout(loss_col, 1)
        self.progress_dock = self._dock("Counters and loss", progress,
                                        Qt.DockWidgetArea.BottomDockWidgetArea)
        self.resizeDocks([self.progress_dock], [175], Qt.Orientation.Vertical)

        from gdviz.ui.panels.dock import LessonDock
        self.lesson = LessonDock(lesson)
        self.lesson.method_selected.connect(self.select_method)
        self.lesson_dock = self._dock("Lesson", self.lesson, Qt.DockWidgetArea.RightDockWidgetArea)
        self.lesson_dock.setMinimumWidth(340)

        c = self.controls
        c.play_toggled.connect(self.cmd_toggle)
        c.step_requested.connect(self.cmd_step)
        c.reset_requested.connect(self.cmd_reset)
        c.fit_requested.connect(self.canvas.fit)
        c.speed_changed.connect(self.cmd_speed)
        c.batch_size_changed.connect(self._on_batch_size)
        c.hyper_changed.connect(self.cmd_hyper)
        c.scenario_changed.connect(self._on_scenario_changed)
        c.method_visibility_changed.connect(self.canvas.set_method_visible)
        c.arrows_toggled.connect(self.canvas.set_arrows_visible)
        c.set_speed(self.state.speed)
        self._show_note(scenario)
        self.select_method(self.selected)

    def _dock(self, title: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.replace(" ", "_").lower())
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        return dock

    def _build_menus(self) -> None:
        run = self.menuBar().addMenu("&Run")
        self._action(run, "Play / pause", "Space", self.cmd_toggle.emit)
        self._action(run, "Step one tick", "Right", self.cmd_step.emit)
        self._action(run, "Reset", "R", self.cmd_reset.emit)
        run.addSeparator()
        self._action(run, "Faster", "+", lambda: self.change_speed(2.0))
        self._action(run, "Slower", "-", lambda: self.change_speed(0.5))
        self._action(run, "Smaller batch", "[", lambda: self.step_batch_size(-1))
        self._action(run, "Larger batch", "]", lambda: self.step_batch_size(+1))
        view = self.view_menu = self.menuBar().addMenu("&View")
        for i, key in enumerate(METHOD_KEYS, start=1):
            self._action(view, f"Select {METHOD_LABELS[key]}", str(i),
                         lambda _checked=False, k=key: self.select_method(k))
        self._action(view, "Fit the landscape", "F", self.canvas.fit)
        self._action(view, "Recompute the loss plane (real network)", "P",
                     self.cmd_recompute_plane.emit)
        view.addSeparator()
        for dock in (self.controls_dock, self.progress_dock, self.lesson_dock):
            view.addAction(dock.toggleViewAction())
        self.file_menu = self.menuBar().addMenu("&File")
        self._action(self.file_menu, "Export video or image…", "Ctrl+E", self.open_export_dialog)
        self._action(self.file_menu, "Quit", QKeySequence.StandardKey.Quit, self.close)

    def open_export_dialog(self):
        """File ▸ Export: a still or a clip of the scenario as it runs now, rendered offline."""
        from gdviz.ui.export_dialog import open_export_dialog
        return open_export_dialog(self)

    def _action(self, menu, text, shortcut, slot) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut) if isinstance(shortcut, str) else shortcut)
        # application-wide: works while a dock (even a floating one) or a button has the focus
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)
        return action

    def _start_worker(self, scenario: Scenario) -> None:
        self.worker = SimulationWorker(scenario, speed=self.state.speed)
        w = self.worker
        self.cmd_toggle.connect(w.toggle)
        self.cmd_play.connect(w.play)
        self.cmd_pause.connect(w.pause)
        self.cmd_step.connect(w.step)
        self.cmd_reset.connect(w.reset)
        self.cmd_speed.connect(w.set_speed)
        self.cmd_batch_size.connect(w.set_batch_size)
        self.cmd_hyper.connect(w.set_hyper)
        self.cmd_scenario.connect(w.set_scenario)
        self.cmd_start.connect(w.set_start)
        self.cmd_selected.connect(w.set_selected)
        self.cmd_recompute_plane.connect(w.recompute_plane)
        w.snapshot_ready.connect(self.on_snapshot)
        w.landscape_ready.connect(self.on_landscape)
        w.noise_ready.connect(self.on_noise)
        w.state_changed.connect(self.on_state)
        # bound slots, not lambdas: a lambda would run in the worker's thread
        w.error.connect(self.show_error)
        w.scenario_ready.connect(self.on_scenario_ready)
        w.notice.connect(self.show_notice)
        self.worker_thread = WorkerThread(w, self)
        self.worker_thread.start()
        self.cmd_selected.emit(self.selected)

    # from the worker (GUI thread: draw only) ------------------------------------------------
    def on_landscape(self, view) -> None:
        self.landscape_view = view
        self.canvas.set_landscape(view)
        minima = view.minima
        if len(minima):
            from numpy import nanmin
            self.losses.set_minimum_loss(float(nanmin(view.Z)))

    def on_snapshot(self, snap) -> None:
        try:
            self._draw_snapshot(snap)
        finally:
            if getattr(self, "worker", None) is not None:  # none: an export's offscreen copy
                # after the repaint this snapshot caused: a zero timer runs once the paint
                # events already queued have been delivered
                QTimer.singleShot(0, self.worker.frame_drawn)

    def _draw_snapshot(self, snap) -> None:
        self.snapshot = snap
        self.canvas.show_snapshot(snap)
        self.rhythm.show_snapshot(snap, self.scenario.drop_last)
        self.counters.show_snapshot(snap)
        self.losses.show_snapshot(snap)
        self._update_banner(snap)
        self._update_live()
        self._report_divergence(snap)
        self._show_network(snap)

    def _show_network(self, snap) -> None:
        """The real-network dock: made the first time an MLP run reports, hidden otherwise."""
        is_mlp = snap.extra is not None and hasattr(snap.extra, "x_train")
        dock = getattr(self, "network_dock", None)
        if not is_mlp:
            if dock is not None and dock.isVisible():
                dock.hide()
            return
        if dock is None:
            from gdviz.ui.panels.mlp_view import MlpPanel
            self.network_panel = MlpPanel(theme=self.theme)
            self.network_panel.set_selected(self.selected)
            presentation = getattr(self, "presentation", None)
            if presentation is not None and presentation.active:
                self.network_panel.set_font_scale(presentation.scale)
            # tabified with the lesson before it is ever shown, so the window keeps its width
            self.network_dock = dock = QDockWidget("Network", self)
            dock.setObjectName("network")
            dock.setWidget(self.network_panel)
            dock.hide()
            self.tabifyDockWidget(self.lesson_dock, dock)
            self.view_menu.addAction(dock.toggleViewAction())
        if not dock.isVisible():
            dock.show()
            dock.raise_()
            if getattr(self, "screen_layout", None) is not None:
                self.screen_layout.widen_network(dock)
        self.network_panel.update_snapshot(snap)

    def _report_divergence(self, snap) -> None:
        """A lasting alert in the status bar until the next reset; transient notes can't hide it."""
        diverged = [m for m in snap.methods if m.status == "diverged"]
        if not diverged:
            self.alert_label.clear()
            self.alert_label.hide()
            return
        names = " and ".join(METHOD_LABELS[m.key] for m in diverged)
        verb = "diverges" if len(diverged) == 1 else "diverge"
        self.alert_label.setText(
            f"⚠ {names} {verb}: the loss blew up at η = {diverged[0].step_lr:g}. The others keep "
            f"going. Try a smaller learning rate η, then Reset.")
        self.alert_label.show()

    @Slot(str)
    def show_error(self, message: str) -> None:
        self.statusBar().showMessage(message, 10_000)
        # whatever was refused, the controls show what is actually running
        if self.running_scenario is not None and self.running_scenario != self.scenario:
            self.scenario = self.running_scenario
            self.controls.set_scenario(self.scenario)
            self._show_note(self.scenario)

    @Slot(object)
    def on_scenario_ready(self, scenario) -> None:
        self.running_scenario = scenario

    @Slot(str)
    def show_notice(self, message: str) -> None:
        self.statusBar().showMessage(message, 6_000)

    def on_noise(self, noise: NoiseInfo) -> None:
        self.noise = noise
        self._update_live()

    def on_state(self, state: WorkerState) -> None:
        self.state = state
        self.controls.set_playing(state.playing)
        self.controls.set_speed(state.speed)
        if self.snapshot is not None:
            self._update_banner(self.snapshot)

    # user actions ---------------------------------------------------------------------------
    def select_method(self, key: str) -> None:
        self.selected = key
        self.canvas.set_selected(key)
        self.counters.set_selected(key)
        self.lesson.set_method(key)
        if getattr(self, "network_panel", None) is not None:
            self.network_panel.set_selected(key)
        self.cmd_selected.emit(key)
        self.noise = None
        self._update_live()

    def change_speed(self, factor: float) -> None:
        speed = min(max(self.state.speed * factor, 0.5), 20_000.0)
        # noted at once, so a second + or − before the worker's reply builds on this one
        from dataclasses import replace
        self.state = replace(self.state, speed=speed)
        self.cmd_speed.emit(speed)

    def step_batch_size(self, direction: int) -> None:
        """[ and ]: through the common sizes 1, 16, 32, ..., 512 and N."""
        n = self.scenario.n_examples
        sizes = sorted({1, 16, 32, 64, 128, 256, 512, n} & set(range(1, n + 1)))
        b = self.scenario.batch_size
        if direction > 0:
            b = next((s for s in sizes if s > b), sizes[-1])
        else:
            b = next((s for s in reversed(sizes) if s < b), sizes[0])
        self.controls.set_batch_size(b)

    def _on_batch_size(self, b: int) -> None:
        self.scenario = self.scenario.with_changes(batch_size=b)
        self.cmd_batch_size.emit(b)
        self.noise = None
        self._update_live()

    def _on_scenario_changed(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._show_note(scenario)
        self.cmd_scenario.emit(scenario)

    def load_scenario(self, scenario: Scenario) -> None:
        """Open another scenario in this window (menus, presets)."""
        self.controls.set_scenario(scenario)
        self._on_scenario_changed(scenario)
        self.setWindowTitle(f"gdviz — {scenario.title or scenario.name}")
        if scenario.speed:
            self.cmd_speed.emit(scenario.speed)

    # classroom: themes, presentation, lessons, keyboard, settings ---------------------------
    def _build_classroom(self) -> None:
        from gdviz.ui import lessons_menu, presentation, settings, shortcuts
        self.note_wanted = True
        self.presentation = presentation.Presentation(self)
        self.lessons_menu = lessons_menu.LessonsMenu(self)
        self.classroom = shortcuts.install(self)
        self.window_settings = settings.WindowSettings(self)
        from gdviz.ui.layout import ScreenLayout
        self.screen_layout = ScreenLayout(self)   # docks fold on small screens
        self.apply_theme(self.theme)

    def apply_theme(self, theme) -> None:
        """A theme (gdviz.ui.theme LIGHT or DARK) for every view and the Qt palette."""
        from gdviz.ui.palette import apply_palette
        self.theme = theme
        for view in (self.canvas, self.rhythm, self.counters, self.losses,
                     getattr(self, "network_panel", None)):
            if view is not None:
                view.apply_theme(theme)
        # the app's palette for the window people use; a worker-less copy (export) keeps its own
        if getattr(self, "worker", None):
            apply_palette(theme, restyle=self)
        else:
            apply_palette(theme, widget=self)
        if getattr(self, "classroom", None) is not None:
            self.classroom.sync()

    def set_presentation(self, on: bool, size=None) -> None:
        """Presentation mode: full screen (or *size*, e.g. (1920, 1080)), large type, slim bar."""
        self.presentation.set_active(on, size)

    def restore_settings(self) -> None:
        """Apply the user's saved settings, and save them when the window closes."""
        self.window_settings.restore()

    # derived display ------------------------------------------------------------------------
    def _show_note(self, scenario: Scenario) -> None:
        text = f"<b>{scenario.title}</b> — {scenario.note}" if scenario.title else ""
        self.note_label.setText(text)
        self.note_label.setVisible(bool(text) and getattr(self, "note_wanted", True))

    def _update_banner(self, snap) -> None:
        state = "playing" if self.state.playing else "paused"
        behind = "  ·  can't keep up: showing as fast as it computes" if self.state.behind else ""
        self.clock_banner.setText(
            f"Clock in force: {CLOCK_LABELS[snap.clock_kind]}  ·  {state} at "
            f"{self.state.speed:g} ticks/s{behind}")

    def live_values(self) -> LiveValues | None:
        if self.snapshot is None:
            return None
        m = self.snapshot.method(self.selected)
        n = self.snapshot.n_examples
        noise = self.noise if (self.noise and self.noise.method == self.selected
                               and self.noise.batch_size == m.batch_size) else None
        # the numbers of the last step: its own eta and the displacement it really made
        stepped = m.updates > 0 and m.theta_before is not None
        return LiveValues(
            n_examples=n, batch_size=m.batch_size,
            updates_per_epoch=updates_per_epoch(n, m.batch_size, self.scenario.drop_last),
            lr=m.step_lr if stepped else m.lr, selected=self.selected,
            grad_estimate=(float(m.grad_estimate[0]), float(m.grad_estimate[1])),
            grad_full=(float(m.grad_full[0]), float(m.grad_full[1])),
            noise_measured=noise.measured if noise else None,
            noise_predicted=noise.predicted if noise else None,
            trace_sigma=noise.trace_sigma if noise else None,
            step=tuple(float(x) for x in m.theta - m.theta_before) if stepped else None,
            rule=m.rule if stepped else None)

    def _update_live(self) -> None:
        values = self.live_values()
        if values is None:
            return
        # Typesetting formulas is the GUI's most expensive job: while playing, the numbers refresh
        # once a second; a new B, N, selected method or update rule shows at once.
        key = (values.batch_size, values.selected, values.n_examples,
               getattr(values.rule, "name", None))
        now = time.perf_counter()
        if self.state.playing and key == self._live_key and now - self._live_time < 1.0:
            return
        self._live_key, self._live_time = key, now
        self.lesson.update_live(values)

    # shutting down --------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        if getattr(self, "window_settings", None) is not None:
            self.window_settings.save()
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop and join the worker thread (idempotent)."""
        if getattr(self, "worker_thread", None) is not None:
            self.worker_thread.stop()
            self.worker_thread = None
