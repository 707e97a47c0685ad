"""The main window: the canvas in the middle, panels in docks, the worker behind signals.

The settings in force belong to the window's :class:`~gdviz.experiment.Experiment`; the window
hands it the user's changes and shows what it accepted.
"""
from __future__ import annotations

import html

import time

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (QCheckBox, QDockWidget, QHBoxLayout, QLabel, QMainWindow, QScrollArea,
                               QSplitter, QVBoxLayout, QWidget)

from gdviz.core import (CLOCK_LABELS, COMMON_BATCH_SIZES, MAX_SPEED, METHOD_KEYS, METHOD_LABELS,
                        MIN_SPEED)
from gdviz.experiment import Experiment, NoiseInfo
from gdviz.scenario import Scenario, ScenarioError, lowered_batch_note
from gdviz.lesson.live import LiveValues
from gdviz.ui.canvas import ContourCanvas
from gdviz.ui.formula import typeset_in_background
from gdviz.ui.panels.controls import ControlPanel
from gdviz.ui.panels.counters import CounterCards
from gdviz.ui.panels.losses import LossCurves
from gdviz.ui.panels.rhythm import RhythmStrip
from gdviz.ui.theme import LIGHT
from gdviz.ui.view_state import ViewState, WindowParts
from gdviz.ui.worker import SimulationWorker, WorkerState, WorkerThread

PANEL_HZ = 4.0      # panel redraws per second while playing (the canvas draws every snapshot)
PANEL_CATCH_UP_S = 0.1   # a snapshot that no other follows gets its panels this much later
NETWORK_HZ = 1.5         # the network panel's redraws per second while playing
NETWORK_AHEAD_MS = 3000  # after the window shows: the Network dock's plots made ahead (idle)


# What other modules may use of a MainWindow besides Qt's own QMainWindow API: the view state
# (gdviz.ui.view_state), the experiment, the canvas (pictures, the first paint) and these
# methods. Helpers get the widgets they arrange as WindowParts when they are made; none reads
# another attribute of the window or sets one (tests/test_window_surface.py).
PUBLIC_SURFACE = frozenset({
    "view", "experiment", "canvas",
    "apply_changes", "load_scenario", "show_notice", "show_error", "apply_theme",
    "set_presentation", "fit_screen", "restore_settings", "shutdown", "set_lab_wants_cloud",
    "on_landscape", "on_state", "on_snapshot",    # an export's worker-less copy is fed these
    "catch_up_panels",                            # ... and draws every frame's panels
})


def _panel_key(snap) -> tuple:
    """What must reach the panels at once: the run, each method's status and batch size."""
    return snap.generation, tuple((m.status, m.batch_size) for m in snap.methods)


class MainWindow(QMainWindow):
    # commands to the worker: queued across threads
    cmd_toggle = Signal()
    cmd_play = Signal()
    cmd_pause = Signal()
    cmd_step = Signal()
    cmd_reset = Signal()
    cmd_speed = Signal(float)
    cmd_sync = Signal()             # the experiment accepted a change: bring the engine in line
    cmd_selected = Signal(str)
    cmd_recompute_plane = Signal()
    cmd_cloud = Signal(bool)        # compute the gradient cloud (shown, or the lab's inset open)
    cmd_ensemble = Signal(int)      # run this many seed copies of the mini-batch run (0: none)

    def __init__(self, scenario: Scenario, parent=None, start_worker: bool = True,
                 exporter=None, lab_exporter=None, synchronous_formulas: bool = False):
        """*exporter*: a callable that opens File ▸ Export for this window (the export
        package's ``open_export_dialog``; the package sits above the window, so it is handed in).
        *synchronous_formulas*: formulas typeset at once, never in the background thread (an
        export's or a screenshot's copy: a frame never waits for a thread)."""
        super().__init__(parent)
        self.experiment = Experiment(scenario)
        # what the window shows, observed by its panels and helpers (gdviz.ui.view_state)
        self.view = ViewState(scenario, LIGHT, WorkerState(False, scenario.speed or 20.0, 0),
                              parent=self)
        self.view.note_wanted_changed.connect(lambda _on: self._show_note(self.scenario))
        self.exporter = exporter
        self.lab_exporter = lab_exporter    # the lab window's Export menu (export_lab)
        self.worker = None
        self.worker_thread = None
        self.lab_window = None   # the batch-size lab, made when first opened
        self._export_dialog = None   # File ▸ Export's dialog, made when first opened
        # exports and screenshots: formulas typeset at once, never in the background thread
        self.synchronous_formulas = synchronous_formulas
        self.classroom = None
        self.window_settings = None
        self.network_dock = None
        self._plots_ahead_asked = False
        self.network_panel = None
        self.presentation = None
        self.screen_layout = None
        self.landscape_view = None
        self.noise: NoiseInfo | None = None
        self._live_key, self._live_time = None, 0.0
        self._panels_time = float("-inf")
        self._panels_key = None
        self._network_time = 0.0
        self._new_picture = False
        self._network_stale = False
        self._panel_timer = QTimer(self)
        self._panel_timer.setSingleShot(True)
        self._panel_timer.timeout.connect(self._draw_panels)
        self.setWindowTitle(f"gdviz — {scenario.title or scenario.name}")
        self._build_views(scenario)
        from gdviz.ui.overlays import CanvasOverlays
        self.overlays = CanvasOverlays(
            self, self.canvas, self.view, ask_cloud=self.cmd_cloud.emit,
            ask_ensemble=self.cmd_ensemble.emit, notice=self.show_notice,
            lab_cloud=self._lab_cloud)
        self.alert_label = QLabel()
        self.alert_label.setStyleSheet("color: #C0392B; font-weight: bold; padding: 0 6px;")
        self.alert_label.hide()
        self.statusBar().addPermanentWidget(self.alert_label)
        if start_worker:  # False: an offscreen copy fed snapshots by the caller (export)
            self._start_worker()
        self._build_classroom()
        if scenario.is_mlp:
            self._ensure_network_panel()

    # construction ---------------------------------------------------------------------------
    def _build_views(self, scenario: Scenario) -> None:
        from gdviz.lesson.content import default_lesson
        lesson = default_lesson()
        captions = {key: lesson.method(key).rhythm for key in METHOD_KEYS}

        self.canvas = ContourCanvas(theme=self.theme)
        self.canvas.method_clicked.connect(self.select_method)
        self.canvas.start_requested.connect(self.move_start)
        self.clock_banner = QLabel()
        self.clock_banner.setObjectName("clockBanner")
        self.clock_banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # bold and margins without a style sheet: a style-sheet label keeps the app's palette,
        # not its window's (an export's dark window drew it black on dark grey)
        banner_font = self.clock_banner.font()
        banner_font.setBold(True)
        self.clock_banner.setFont(banner_font)
        self.clock_banner.setContentsMargins(3, 3, 3, 3)
        from gdviz.ui.note import NoteLabel
        self.note_label = NoteLabel()      # folded to a few lines where it would crowd the canvas
        self.note_label.setContentsMargins(6, 2, 6, 2)
        self.rhythm = RhythmStrip(captions, theme=self.theme)
        self.rhythm.setMinimumHeight(160)
        self.counters = CounterCards(theme=self.theme)
        self.counters.method_clicked.connect(self.select_method)
        self.losses = LossCurves(theme=self.theme)
        self.losses.setMinimumHeight(120)
        self.log_check = QCheckBox("log scale")
        self.log_check.toggled.connect(self.losses.set_log_y)
        # the loss starts in log scale where it spans more than a decade, until the user
        # chooses a scale (a click on the box)
        self.auto_log = True
        self.log_check.clicked.connect(lambda _on: setattr(self, "auto_log", False))

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

        from gdviz.ui.panels.data_view import DataView
        self.data_view = DataView(theme=self.theme)
        self.data_dock = self._dock("Data", self.data_view, Qt.DockWidgetArea.RightDockWidgetArea)
        self.data_dock.setObjectName("data_view")
        self.splitDockWidget(self.lesson_dock, self.data_dock, Qt.Orientation.Vertical)
        self.resizeDocks([self.lesson_dock, self.data_dock], [560, 300], Qt.Orientation.Vertical)
        self.data_dock.hide()             # shown by a landscape that has data (on_landscape)
        self._data_dock_wanted = True     # False once the user hides it

        c = self.controls
        c.play_toggled.connect(self.cmd_toggle)
        c.step_requested.connect(self.cmd_step)
        c.reset_requested.connect(self.reset)
        c.fit_requested.connect(self.canvas.fit)
        c.speed_changed.connect(self.cmd_speed)
        c.changes_requested.connect(self.apply_changes)
        c.preset_requested.connect(self.load_preset)
        c.method_visibility_changed.connect(self.canvas.set_method_visible)
        c.method_visibility_changed.connect(self.data_view.set_method_visible)
        c.arrows_toggled.connect(self.canvas.set_arrows_visible)
        c.set_speed(self.state.speed)
        self._show_note(scenario)
        self.select_method(self.selected)
        # the widgets the helpers arrange, handed to them (none reads the window's attributes)
        self.parts = WindowParts(
            canvas=self.canvas, rhythm=self.rhythm, losses=self.losses, controls=self.controls,
            lesson=self.lesson, data_view=self.data_view, note_label=self.note_label,
            clock_banner=self.clock_banner, centre_split=self.centre_split,
            controls_dock=self.controls_dock, progress_dock=self.progress_dock,
            lesson_dock=self.lesson_dock, data_dock=self.data_dock)

    def _dock(self, title: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.replace(" ", "_").lower())
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        return dock

    def copy_script(self) -> str | None:
        """File ▸ Copy as PyTorch script: the mini-batch run in force, as a plain script, on the
        clipboard (NumPy for an analytic landscape). Returns the text (None when refused)."""
        from PySide6.QtWidgets import QApplication

        from gdviz.script import ScriptError, script_for
        try:
            text = script_for(self.experiment.scenario_with_starts())
        except ScriptError as exc:
            self.show_error(str(exc))
            return None
        QApplication.clipboard().setText(text)
        kind = "PyTorch" if self.scenario.is_mlp else "NumPy"
        self.show_notice(f"Copied the mini-batch run as a plain {kind} script "
                         f"({text.count(chr(10))} lines): paste it into a file or a notebook.")
        return text

    def open_export_dialog(self):
        """File ▸ Export: a still or a clip of the scenario as it runs now, rendered offline."""
        if self.exporter is None:
            return None
        self._export_dialog = self.exporter(self, self._export_dialog)
        return self._export_dialog

    def _start_worker(self) -> None:
        self.worker = SimulationWorker(self.experiment, speed=self.state.speed)
        w = self.worker
        self.cmd_toggle.connect(w.toggle)
        self.cmd_play.connect(w.play)
        self.cmd_pause.connect(w.pause)
        self.cmd_step.connect(w.step)
        self.cmd_reset.connect(self.reset)
        self.cmd_speed.connect(w.set_speed)
        self.cmd_sync.connect(w.sync)
        self.cmd_selected.connect(w.set_selected)
        self.cmd_recompute_plane.connect(w.recompute_plane)
        self.canvas.view_aspect_changed.connect(w.set_view_aspect)
        w.set_view_aspect(self.canvas.view_aspect())   # (before its thread starts)
        self.cmd_cloud.connect(w.set_cloud)
        w.cloud_ready.connect(self.overlays.on_cloud)
        self.cmd_ensemble.connect(w.set_ensemble)
        w.ensemble_ready.connect(self.overlays.on_ensemble)
        w.snapshot_ready.connect(self.on_snapshot)
        w.landscape_ready.connect(self.on_landscape)
        w.noise_ready.connect(self.on_noise)
        w.state_changed.connect(self.on_state)
        # bound slots, not lambdas: a lambda would run in the worker's thread
        w.error.connect(self.show_error)
        w.rolled_back.connect(self.show_scenario)
        w.notice.connect(self.show_notice)
        self.worker_thread = WorkerThread(w, self)
        self.worker_thread.start()
        self.cmd_selected.emit(self.selected)

    # from the worker (GUI thread: draw only) ------------------------------------------------
    def on_landscape(self, view) -> None:
        self.landscape_view = view
        self._new_picture = True
        self.canvas.set_landscape(view)
        self._show_data(view.data)
        minima = view.minima
        if len(minima):
            from numpy import nanmin
            self.losses.set_minimum_loss(float(nanmin(view.Z)))

    def _show_data(self, space) -> None:
        """The data view: on by default for a landscape with data (unless the user hid it),
        off for one without (its text, from the View menu, says what its examples are)."""
        if space is self.data_view.space and space is not None:
            return
        self.data_view.set_data(space)
        has_data = space is not None and space.kind != "terms"
        self.data_dock.setVisible(has_data and self._data_dock_wanted)
        if self.snapshot is not None:
            self.data_view.show_snapshot(self.snapshot)

    def _show_memory(self) -> None:
        """One step's memory for the scenario in force: the counters and the lesson's table."""
        from functools import partial

        from gdviz.mlp.memory import memory_label
        scenario = self.scenario
        self.counters.memory_of = partial(memory_label, scenario)
        if self.snapshot is not None:
            sizes = [m.batch_size for m in self.snapshot.methods]
            self.lesson.show_memory([memory_label(scenario, b)[0] for b in sizes],
                                    scenario.is_mlp)

    def _data_dock_toggled(self, on: bool) -> None:
        self._data_dock_wanted = on

    def on_snapshot(self, snap) -> None:
        try:
            self._draw_snapshot(snap)
        finally:
            if self.worker is not None:  # none: an export's offscreen copy
                # after the repaint this snapshot caused: a zero timer runs once the paint
                # events already queued have been delivered
                QTimer.singleShot(0, self.worker.frame_drawn)

    def _draw_snapshot(self, snap) -> None:
        self.view.snapshot = snap
        self.canvas.show_snapshot(snap)
        # While playing, the panels (counters, loss curves, rhythm, formulas, the network's)
        # redraw at most PANEL_HZ times a second, the canvas every frame: the panels' text
        # relayouts and curves cost as much as the canvas. They redraw with a snapshot, in the
        # frame's turn while the simulation waits for it (from a timer of their own they
        # competed with the simulation for the GIL); the timer only catches a last snapshot
        # that no other follows. A new status, batch size or run shows at once. A frame that
        # brings a new picture of the landscape (a real network's plane moved) repaints the
        # whole canvas: its panels wait for the next frame, so no frame does both.
        wait = 1.0 / PANEL_HZ - (time.perf_counter() - self._panels_time)
        new_picture, self._new_picture = self._new_picture, False
        if (self.state.playing and (wait > 0 or new_picture)
                and _panel_key(snap) == self._panels_key):
            if not self._panel_timer.isActive():
                self._panel_timer.start(max(1, round(1000 * (max(wait, 0.0)
                                                              + PANEL_CATCH_UP_S))))
        else:
            self._draw_panels()
        self._report_divergence(snap)

    def _draw_panels(self) -> None:
        """The panels for the newest snapshot."""
        self._panel_timer.stop()
        snap = self.snapshot
        if snap is None:
            return
        now = time.perf_counter()
        new_run = _panel_key(snap) != self._panels_key
        self._panels_time = now
        self._panels_key = _panel_key(snap)
        self.rhythm.show_snapshot(snap, self.scenario.drop_last)
        if new_run:
            self._show_memory()
        self.counters.show_snapshot(snap)
        self.losses.show_snapshot(snap)
        if self.data_dock.isVisible():
            self.data_view.show_snapshot(snap)
        if self.auto_log and not self.log_check.isChecked() and self.losses.spans_decades(snap):
            self.log_check.setChecked(True)
        self._update_banner(snap)
        self._update_live()
        # the network's panel (three decision boundaries, six curves: ~10 ms) at most
        # NETWORK_HZ times a second while playing; paused, a new run or a new B: at once
        if (not self.state.playing or new_run or not snap.is_mlp
                or now - self._network_time >= 1.0 / NETWORK_HZ):
            self._network_time = now
            self._network_stale = False
            self._show_network(snap)
            if new_run and snap.is_mlp and self.worker is not None:
                # a network's first frame fills every plot of the window at once (0.15 s of
                # paint, 0.3 s beside the lab's sweep or torch's import): a plot per turn
                from gdviz.ui.staged import stagger_paints
                stagger_paints(self, first=self.canvas)
        else:
            self._network_stale = True

    def catch_up_panels(self) -> None:
        """Draw now what the panels' wall-clock throttle left for later (the panels, the
        network's): an export's frame shows every panel for its own snapshot, and its frames
        do not depend on how fast the machine renders them."""
        if self._panel_timer.isActive():
            self._network_time = float("-inf")
            self._draw_panels()
        elif self._network_stale and self.snapshot is not None:
            self._network_time = time.perf_counter()
            self._network_stale = False
            self._show_network(self.snapshot)

    def _show_network(self, snap) -> None:
        """The real-network dock: shown when an MLP run reports, hidden otherwise."""
        dock = self.network_dock
        if not snap.is_mlp:
            if dock is not None and dock.isVisible():
                dock.hide()
            return
        self._reveal_network()
        self.network_panel.update_snapshot(snap)

    def _reveal_network(self) -> None:
        dock = self._ensure_network_panel()
        if not dock.isVisible():
            dock.show()
            dock.raise_()
            if self.screen_layout is not None:
                self.screen_layout.widen_network(dock)
            if self.presentation is not None and self.presentation.active:
                from gdviz.ui.layout import present_network
                present_network(self, self.parts)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._plots_ahead_asked and self.worker is not None:
            self._plots_ahead_asked = True
            QTimer.singleShot(NETWORK_AHEAD_MS, self, self._make_network_plots_ahead)
        # A real-network scenario shows its dock with the window, not when the run first
        # reports (after torch has loaded): the window's layout and first paint of the dock
        # (~0.2 s) come before the run plays, not in one of its frames.
        if self.scenario.is_mlp and self.snapshot is None:
            self._reveal_network()

    def _make_network_plots_ahead(self) -> None:
        """An analytic window, idle a while after it shows: the Network dock's plot widgets
        made ahead, a turn each, so that a switch to a real network makes its dock in half the
        time (issue 25 F). Nothing where torch is missing or the dock is made already."""
        if self.network_dock is not None or self.scenario.is_mlp:
            return
        import importlib.util
        if importlib.util.find_spec("torch") is None:
            return
        from gdviz.ui.panels.mlp_view import make_plots_ahead
        make_plots_ahead(self)

    def _ensure_network_panel(self) -> QDockWidget:
        """The real-network dock (hidden), made once. Made with the window or when a real-network
        scenario is chosen, not by the first snapshot: building its six plots takes a few hundred
        milliseconds, which would stall a playing run's frames."""
        if self.network_dock is not None:
            return self.network_dock
        from gdviz.ui.panels.mlp_view import MlpPanel
        self.network_panel = MlpPanel(theme=self.theme)
        self.network_panel.set_selected(self.selected)
        presentation = self.presentation
        if presentation is not None and presentation.active:
            self.network_panel.set_font_scale(presentation.scale)
        # tabified with the lesson before it is ever shown, so the window keeps its width
        self.network_dock = dock = QDockWidget("Network", self)
        dock.setObjectName("network")
        from gdviz.ui.panels.mlp_view import NetworkScroll
        dock.setWidget(NetworkScroll(self.network_panel))
        dock.hide()
        self.parts.network_dock, self.parts.network_panel = dock, self.network_panel
        self.tabifyDockWidget(self.lesson_dock, dock)
        self.view_menu.addAction(dock.toggleViewAction())
        return dock

    def _report_divergence(self, snap) -> None:
        """A lasting alert in the status bar until the next reset; transient notes can't hide it."""
        diverged = [m for m in snap.methods if m.status == "diverged"]
        if not diverged:
            if self.alert_label.text():
                self.alert_label.clear()
                self.alert_label.hide()
            return
        names = " and ".join(METHOD_LABELS[m.key] for m in diverged)
        verb = "diverges" if len(diverged) == 1 else "diverge"
        text = (f"⚠ {names} {verb}: the loss blew up at η = {diverged[0].step_lr:g}. The others "
                f"keep going. Try a smaller learning rate η, then Reset.")
        if text != self.alert_label.text():     # unchanged text: no relayout of the status bar
            self.alert_label.setText(text)
        self.alert_label.show()

    @Slot(str)
    def show_error(self, message: str) -> None:
        self.statusBar().showMessage(message, 10_000)
        # a real network that cannot start says why where the network would be, not only in
        # the status bar (the dock stayed on "Starting the network…")
        if "PyTorch" in message or (self.network_dock is not None and self.scenario.is_mlp
                                    and self.snapshot is None):
            self._ensure_network_panel()
            self.network_panel.header.setText(html.escape(message))
            self.network_dock.show()
            self.network_dock.raise_()

    @Slot()
    def show_scenario(self) -> None:
        """The controls, the note and the title show the scenario in force."""
        scenario = self.view.scenario = self.scenario
        self.controls.set_scenario(scenario)
        self._show_note(scenario)
        self.setWindowTitle(f"gdviz — {scenario.title or scenario.name}")
        if scenario.is_mlp:
            self._ensure_network_panel()

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
        if (self._panel_timer.isActive() or self._network_stale) and not state.playing:
            self._draw_panels()              # paused: the panels show the last step at once
        if self.snapshot is not None:
            self._update_banner(self.snapshot)

    # user actions ---------------------------------------------------------------------------
    def select_method(self, key: str) -> None:
        self.view.selected = key
        self.canvas.set_selected(key)
        self.counters.set_selected(key)
        self.lesson.set_method(key)
        if self.network_panel is not None:
            self.network_panel.set_selected(key)
        self.cmd_selected.emit(key)
        self.noise = None
        self._update_live()

    def change_speed(self, factor: float) -> None:
        speed = min(max(self.state.speed * factor, MIN_SPEED), MAX_SPEED)
        # noted at once, so a second + or − before the worker's reply builds on this one
        from dataclasses import replace
        self.state = replace(self.state, speed=speed)
        self.cmd_speed.emit(speed)

    def step_batch_size(self, direction: int) -> None:
        """[ and ]: through the common sizes 1, 16, 32, ..., 512 and N."""
        n = self.scenario.n_examples
        sizes = sorted({1, *COMMON_BATCH_SIZES, n} & set(range(1, n + 1)))
        b = self.scenario.batch_size
        if direction > 0:
            b = next((s for s in sizes if s > b), sizes[-1])
        else:
            b = next((s for s in reversed(sizes) if s < b), sizes[0])
        # one path, as every change: the experiment accepts it and the controls show it
        if b != self.scenario.batch_size:
            self.apply_changes({"batch_size": b})

    @property
    def scenario(self) -> Scenario:
        """The scenario in force (the experiment's; the window keeps no copy)."""
        return self.experiment.scenario

    # the view state's fields, as the window reads them (tests and benchmarks read them too)
    theme = property(lambda self: self.view.theme)
    selected = property(lambda self: self.view.selected)
    snapshot = property(lambda self: self.view.snapshot)
    note_wanted = property(lambda self: self.view.note_wanted)

    @property
    def state(self) -> WorkerState:
        return self.view.worker_state

    @state.setter
    def state(self, value: WorkerState) -> None:
        self.view.worker_state = value

    def apply_changes(self, changes: dict, restart: bool = False) -> bool:
        """A user's change of some settings (a control, a key, the lab): accepted whole (the
        engine follows from its next update, or starts again; always again with *restart*) or
        refused with the reason shown; False when refused."""
        before = self.scenario
        try:
            scenario = self.experiment.apply(changes, restart=restart)
        except ScenarioError as exc:
            self._refused(exc)
            return False
        self.view.scenario = scenario
        if scenario.batch_size < before.batch_size and "batch_size" not in changes:
            self.show_notice(lowered_batch_note(before, scenario))
        self.controls.set_scenario(scenario)
        self._show_note(scenario)
        if scenario.is_mlp:
            self._ensure_network_panel()
        self.cmd_sync.emit()
        self.noise = None
        self._update_live()
        return True

    def _refused(self, exc: ScenarioError) -> None:
        if exc.field == "function":
            self.controls.show_function_error(exc.reason)
        else:
            self.statusBar().showMessage(str(exc), 10_000)
        # the refused value leaves its control; a refused function stays to be corrected
        self.controls.set_scenario(self.scenario, keep_function_text=exc.field == "function")

    def reset(self) -> None:
        """Start the run again from the start points, with the settings in force."""
        self.experiment.reset()
        self.cmd_sync.emit()

    def move_start(self, key: str, x: float, y: float) -> None:
        """A click or a drag on the canvas: method *key* starts at (x, y) from now on."""
        try:
            self.experiment.set_start(key, x, y)
        except ScenarioError:
            return                      # not a finite point: nothing to move
        except ValueError as exc:       # the real network: one common start
            self.show_notice(str(exc))
            return
        self.view.scenario = self.scenario
        self.cmd_sync.emit()

    def load_preset(self, name: str) -> None:
        from gdviz.scenario import load
        try:
            scenario = load(name)
        except ScenarioError as exc:
            self.show_error(str(exc))
            self.controls.set_scenario(self.scenario)
            return
        self.load_scenario(scenario)

    def load_scenario(self, scenario: Scenario) -> None:
        """Open another scenario in this window (menus, presets, File ▸ Reopen): a change of
        every setting through ``Experiment.apply``, the run started again."""
        if scenario.is_mlp:
            # the Network dock made before the run's thread starts importing torch: made
            # while the import competes for the GIL, its ~0.13 s took 0.8 s of this turn
            self._ensure_network_panel()
        try:
            self.experiment.load(scenario)
        except ScenarioError as exc:     # validated by its loader: only a hand-made one
            self.show_error(str(exc))
            return
        self.show_scenario()
        self.cmd_sync.emit()
        if scenario.speed:
            self.cmd_speed.emit(scenario.speed)

    # classroom: themes, presentation, lessons, keyboard, settings ---------------------------
    def _build_classroom(self) -> None:
        """Menus, shortcuts, presentation mode, lessons and settings, wired to each other here."""
        from gdviz.ui import actions, cheatsheet, classroom, keyfilter, lessons_menu, settings
        from gdviz.ui.presentation import Presentation
        self.cheat_sheet = cheatsheet.CheatSheet(self, scale=lambda: self.presentation.scale)
        self.presentation = Presentation(
            self, self.view, self.parts,
            {"toggle": self.cmd_toggle.emit, "step": self.cmd_step.emit, "reset": self.reset},
            show_cheat_sheet=self.cheat_sheet.toggle, on_change=lambda: self.classroom.sync(),
            relayout=self._relayout)
        self.classroom = classroom.Classroom(
            self, self.view, self.parts, self.presentation, self.cheat_sheet,
            restore_defaults=lambda: self.window_settings.restore_defaults())
        commands = self._commands() | self.classroom.commands()
        docks = {"controls": self.controls_dock, "progress": self.progress_dock,
                 "lesson": self.lesson_dock, "data_view": self.data_dock}
        self.actions_, menus = actions.build(self, commands, docks)
        self.view_menu, self.file_menu = menus["View"], menus["File"]
        self.actions_["data_view"].triggered.connect(self._data_dock_toggled)
        self.actions_["export"].setEnabled(self.exporter is not None)
        self.lessons_menu = lessons_menu.LessonsMenu(self, menus["Lessons"])
        self.classroom.attach(self.actions_)
        self.cheat_sheet.shown_or_hidden.connect(self.classroom.sync)
        self.window_settings = settings.WindowSettings(
            self, self.view, self.parts, self.presentation, self.file_menu, self.classroom)
        self.key_filter = keyfilter.install(self, home=self.canvas)
        from gdviz.ui.layout import ScreenLayout
        self.screen_layout = ScreenLayout(self, self.view, self.parts)   # docks fold on small screens
        self.apply_theme(self.theme)

    def _commands(self) -> dict:
        """The window's commands for the rows of the action table (gdviz.ui.actions)."""
        out = {
            "toggle": self.cmd_toggle.emit, "step": self.cmd_step.emit, "reset": self.reset,
            "faster": lambda: self.change_speed(2.0), "slower": lambda: self.change_speed(0.5),
            "smaller_batch": lambda: self.step_batch_size(-1),
            "larger_batch": lambda: self.step_batch_size(+1),
            "fit": self.canvas.fit, "recompute_plane": self.cmd_recompute_plane.emit,
            "next_lesson": lambda: self.lessons_menu.step(+1),
            "previous_lesson": lambda: self.lessons_menu.step(-1),
            "export": self.open_export_dialog, "quit": self.close, "lab": self.open_lab,
            "copy_script": self.copy_script,
            "gradient_cloud": self.overlays.set_cloud_shown,
            "seed_ensemble": self.overlays.set_ensemble_shown,
        }
        for key in METHOD_KEYS:
            out[f"select_{key}"] = lambda k=key: self.select_method(k)
        return out

    def apply_theme(self, theme) -> None:
        """A theme (gdviz.ui.theme LIGHT or DARK) for every view and the Qt palette."""
        from gdviz.ui.palette import apply_palette
        self.view.theme = theme
        for view in (self.canvas, self.rhythm, self.counters, self.losses,
                     self.network_panel, self.data_view):
            if view is not None:
                view.apply_theme(theme)
        if self.lab_window is not None:
            self.lab_window.apply_theme(theme)
        # the app's palette for the window people use; a worker-less copy (export) keeps its own
        if self.worker is not None:
            apply_palette(theme, restyle=self)
        else:
            apply_palette(theme, widget=self)
        if self.classroom is not None:
            self.classroom.sync()

    def set_presentation(self, on: bool, size=None, staged: bool = False) -> None:
        """Presentation mode: full screen (or *size*, e.g. (1920, 1080)), large type, slim bar.
        *staged* (the keys): its steps a turn of the event loop each (issue 25 F)."""
        self.presentation.finish()
        if on != self.presentation.active and not staged:   # the plots repaint a turn each
            from gdviz.ui.staged import stagger_paints
            stagger_paints(self, first=self.canvas)
        self.presentation.set_active(on, size, staged=staged)

    def _relayout(self) -> None:
        """The docks laid out again for the window's size (after presentation mode)."""
        if self.screen_layout is not None:
            self.screen_layout.apply(self.width(), self.height(), force=True)

    def fit_screen(self, width: int, height: int) -> None:
        """Open at *width* × *height* or the screen's available size, whichever is smaller."""
        self.screen_layout.fit_screen(width, height)

    def restore_settings(self) -> None:
        """Apply the user's saved settings, and save them when the window closes."""
        self.window_settings.restore()

    # derived display ------------------------------------------------------------------------
    def _show_note(self, scenario: Scenario) -> None:
        # plain text: a shared file's title and note are never Qt rich text (an <img> there read
        # /dev/zero or a FIFO on the GUI thread); only the bold of the title is ours
        self.note_label.set_note(scenario.title, scenario.note)
        self.note_label.setVisible(bool(self.note_label.text()) and self.note_wanted)

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
            updates_per_epoch=m.updates_per_epoch, drop_last=self.scenario.drop_last,
            lr=m.step_lr if stepped else m.lr, selected=self.selected,
            grad_estimate=(float(m.grad_estimate[0]), float(m.grad_estimate[1])),
            grad_full=(float(m.grad_full[0]), float(m.grad_full[1])),
            noise_measured=noise.measured if noise else None,
            noise_predicted=noise.predicted if noise else None,
            trace_sigma=noise.trace_sigma if noise else None,
            step=tuple(float(x) for x in m.theta - m.theta_before) if stepped else None,
            rule=m.rule if stepped else None,
            noise_stderr=noise.stderr if noise else None,
            noise_draws=noise.draws if noise else None,
            grad_norm2=noise.grad_norm2 if noise else None)

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
        # formulas are typeset off the GUI thread, playing or paused (no frame or key waits for
        # ziamath: paused after start-up, the first numbers held the GUI thread up to 1.2 s)
        with typeset_in_background(not self.synchronous_formulas):
            self.lesson.update_live(values)

    # shutting down --------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        try:
            if self.window_settings is not None:
                self.window_settings.save()
        finally:                # whatever saving met, the worker is stopped
            self.shutdown()
            super().closeEvent(event)

    def open_lab(self):
        """Lab ▸ Batch-size lab (B): sweeps of B, η and seeds on the scenario in force."""
        from gdviz.ui import lab
        if self.lab_window is None:
            self.lab_window = lab.make_lab(self, exporter=self.lab_exporter)
        return lab.show_lab(self.lab_window, self.scenario)

    def _lab_cloud(self, cloud) -> None:
        if self.lab_window is not None and self.lab_window.isVisible():
            self.lab_window.show_cloud(cloud)

    def set_lab_wants_cloud(self, on: bool) -> None:
        """The lab's inset shows the gradient cloud while the lab is open."""
        self.overlays.set_lab_wants_cloud(on)

    def shutdown(self) -> None:
        """Stop and join the worker thread and the lab's (idempotent)."""
        from gdviz.ui import lab
        lab.close_lab(self.lab_window)
        if self.worker_thread is not None:
            self.worker_thread.stop()
            self.worker_thread = None
