"""Settings remembered between runs: window geometry and dock layout (normal and presenting),
theme, the panels shown, and the last scenario.

One INI file, ``gdviz.ini``, in the user's configuration folder (``~/.config/gdviz`` on Linux),
or in the folder named by the environment variable ``GDVIZ_SETTINGS_DIR`` (tests point it at a
temporary folder so they never touch the user's settings).

A window reads and writes settings only after ``restore()`` (the app calls it; a window made by a
test or by the exporter stays independent of whatever the user has saved).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QSize, QStandardPaths

ENV_DIR = "GDVIZ_SETTINGS_DIR"
FILE_NAME = "gdviz.ini"
VERSION = 1
DEFAULT_SIZE = QSize(1440, 900)


def settings_dir() -> Path:
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    return Path(base or Path.home() / ".config") / "gdviz"


def settings_path() -> Path:
    return settings_dir() / FILE_NAME


def unwritable_reason() -> str | None:
    """Why settings cannot be kept (the folder is a file, read-only, or cannot be made), or
    None when they can."""
    folder = settings_dir()
    try:
        probe = folder
        while not probe.exists():          # the nearest folder that exists must be writable
            if probe.parent == probe:
                break
            probe = probe.parent
        if not probe.is_dir():
            return f"{probe} is not a folder"
        if not os.access(probe, os.W_OK | os.X_OK):
            return f"{probe} is not writable"
        target = folder / FILE_NAME
        if target.exists() and (not target.is_file() or not os.access(target, os.W_OK)):
            return f"{target} is not a writable file"
    except OSError as exc:
        return f"{folder}: {exc.strerror or exc}"
    return None


_unwritable_said = False


def say_unwritable_once(window=None) -> str | None:
    """Once per process: settings will not be kept, and why (stderr and the status bar)."""
    global _unwritable_said
    from gdviz.core.messages import clip
    reason = unwritable_reason()
    if reason is None or _unwritable_said:
        return reason
    _unwritable_said = True
    message = f"Settings will not be kept this time: {clip(reason, 160)}"
    print(f"gdviz: note: {message}", file=sys.stderr)
    if window is not None:
        window.statusBar().showMessage(message, 15_000)
    return reason


def open_settings() -> QSettings:
    """The settings file, INI format (readable, and the same on every platform)."""
    return QSettings(str(settings_path()), QSettings.Format.IniFormat)


def _bool(value, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _bytes(value) -> QByteArray | None:
    if isinstance(value, QByteArray) and not value.isEmpty():
        return value
    if isinstance(value, (bytes, bytearray)) and value:
        return QByteArray(bytes(value))
    return None


# the last scenario --------------------------------------------------------------------------
def scenario_reference(scenario) -> str | None:
    """How to find *scenario* again: a built-in name, or the path of its file."""
    from gdviz.scenario import builtin_dir
    source = Path(str(scenario.source))
    if source.suffix == ".toml" and source.exists():
        try:
            if source.resolve().parent == builtin_dir().resolve():
                return scenario.name
        except OSError:
            pass
        return str(source.resolve())
    return None


def last_scenario_reference() -> str | None:
    value = open_settings().value("scenario/last")
    return str(value) if value else None


_dropped_notice: str | None = None   # said once, in the status bar of the next window


def load_last_scenario():
    """The remembered last scenario, or None. One that no longer loads (deleted, broken, now a
    device or a FIFO: never read past a size cap, never waited on) is forgotten, with a notice
    on stderr and, once, in the window's status bar."""
    global _dropped_notice
    from gdviz.core.messages import clip
    from gdviz.scenario import load
    ref = last_scenario_reference()
    if not ref:
        return None
    try:
        return load(ref)
    except Exception as exc:   # whatever is wrong with it, the app must still start
        s = open_settings()
        s.remove("scenario/last")
        s.sync()
        _dropped_notice = f"Forgot the last scenario, which no longer opens: {clip(str(exc), 160)}"
        print(f"gdviz: note: {_dropped_notice}", file=sys.stderr)
        return None


def take_dropped_notice() -> str | None:
    """The notice about a forgotten last scenario, once."""
    global _dropped_notice
    notice, _dropped_notice = _dropped_notice, None
    return notice


def startup_scenario(default: str = "default"):
    """The scenario to open when none was named: the last one used, else *default*."""
    from gdviz.scenario import load
    return load_last_scenario() or load(default)


class WindowSettings:
    """Saves and restores one MainWindow's settings."""

    def __init__(self, window, view, parts, presentation, file_menu, classroom):
        """*window*: the QMainWindow (geometry, dock state) and its ``load_scenario``; *view*:
        its ViewState (theme, note, scenario); *parts*: its WindowParts; *presentation*: the
        window's Presentation (its layouts are saved too); *file_menu*: where Reopen goes;
        *classroom*: shows everything again and keeps the check marks."""
        self.window = window
        self.view = view
        self.parts = parts
        self.presentation = presentation
        self.file_menu = file_menu
        self.classroom = classroom
        self.enabled = False
        # what "restore defaults" goes back to: the layout the window was built with
        self.default_state = window.saveState()
        self.default_split = parts.centre_split.sizes()

    # reading ----------------------------------------------------------------------------------
    def restore(self) -> None:
        """Apply the saved settings and save them again when the window closes (where the
        folder cannot be written: defaults, said once, nothing saved)."""
        if say_unwritable_once(self.window) is not None:
            return
        self.enabled = True
        s = open_settings()
        w, p = self.window, self.parts
        from gdviz.ui.theme import theme_named
        theme = theme_named(s.value("view/theme"), self.view.theme)
        if theme is not self.view.theme:
            w.apply_theme(theme)
        geometry = _bytes(s.value("window/geometry"))
        if geometry is not None:
            w.restoreGeometry(geometry)
        state = _bytes(s.value("window/state"))
        if state is not None:
            w.restoreState(state)
        p.rhythm.setVisible(_bool(s.value("window/rhythm_visible"), True))
        p.note_label.setVisible(_bool(s.value("window/note_visible"), True)
                                and bool(p.note_label.text()))
        self.view.note_wanted = _bool(s.value("window/note_visible"), True)
        presenting = _bytes(s.value("presentation/state"))
        if presenting is not None:
            self.presentation.presentation_state = presenting
        self.classroom.sync()
        self._offer_last_scenario()

    def _offer_last_scenario(self) -> None:
        """File ▸ Reopen: the scenario used last time (plain `gdviz` opens 'default')."""
        ref = last_scenario_reference()
        menu = self.file_menu
        if ref and ref != scenario_reference(self.view.scenario):
            scenario = load_last_scenario()
        else:
            scenario = None
        notice = take_dropped_notice()
        if notice:
            self.window.statusBar().showMessage(notice, 15_000)
        if scenario is None:
            return
        action = menu.addAction(f"Reopen “{scenario.title or scenario.name}” (used last time)")
        action.triggered.connect(lambda: self.reopen(ref, action))
        menu.insertAction(menu.actions()[0], action)

    def reopen(self, ref: str, action=None) -> bool:
        """File ▸ Reopen: load *ref* again. A file that broke or went away since start-up is
        said in the status bar (and the menu entry removed); the run on screen is kept."""
        from gdviz.core.messages import clip
        from gdviz.scenario import ScenarioError, load
        try:
            scenario = load(ref)
        except (ScenarioError, ValueError, OSError) as exc:
            self.window.statusBar().showMessage(
                f"Could not reopen the last scenario: {clip(str(exc), 160)}", 15_000)
            if action is not None:
                self.file_menu.removeAction(action)
            return False
        self.window.load_scenario(scenario)
        return True

    # writing ----------------------------------------------------------------------------------
    def save(self) -> None:
        if not self.enabled:
            return
        p, view = self.parts, self.view
        try:
            settings_dir().mkdir(parents=True, exist_ok=True)
        except OSError:         # made unwritable since start-up: said once, nothing saved
            say_unwritable_once()
            return
        s = open_settings()
        s.setValue("version", VERSION)
        s.setValue("view/theme", view.theme.name)
        presentation = self.presentation
        s.setValue("window/geometry", presentation.normal_geometry())
        s.setValue("window/state", presentation.normal_state())
        current = presentation.current_state()
        if current is not None:
            s.setValue("presentation/state", current)
        s.setValue("window/rhythm_visible", not p.rhythm.isHidden())
        s.setValue("window/note_visible", view.note_wanted)
        ref = scenario_reference(view.scenario)
        if ref:
            s.setValue("scenario/last", ref)
        s.sync()

    def restore_defaults(self) -> None:
        """Forget every saved setting and put the window back as it was first built."""
        s = open_settings()
        s.clear()
        s.sync()
        w = self.window
        presentation = self.presentation
        if presentation.active:
            presentation.set_active(False)
        presentation.presentation_state = None
        from gdviz.ui.theme import LIGHT
        w.apply_theme(LIGHT)
        w.restoreState(self.default_state)
        p = self.parts
        for dock in (p.controls_dock, p.progress_dock, p.lesson_dock):
            dock.setFloating(False)
            dock.show()
        if w.isFullScreen() or w.isMaximized():
            w.showNormal()
        w.resize(DEFAULT_SIZE)
        p.centre_split.setSizes(self.default_split)
        self.classroom.show_everything()
