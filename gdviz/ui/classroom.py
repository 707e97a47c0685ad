"""What a lecture needs beyond Run: themes, presentation, panels and methods shown or hidden,
everything shown again, and the check marks that follow the window.

The actions themselves come from the table in :mod:`gdviz.ui.actions`; this object supplies
their commands (:meth:`Classroom.commands`) and keeps their check marks true (:meth:`sync`).
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

from gdviz.core import METHOD_KEYS
from gdviz.ui.actions import set_checked
from gdviz.ui.theme import LIGHT, THEMES

PANELS = ("controls", "progress", "lesson", "rhythm", "note")


class Classroom(QObject):
    def __init__(self, window, view, parts, presentation, cheat_sheet,
                 restore_defaults: Callable[[], None]):
        """*window*: its public surface (``apply_theme``, ``set_presentation``); *view*: its
        ViewState (theme, note); *parts*: its WindowParts (the docks and views shown/hidden)."""
        super().__init__(window)
        self.window_ = window
        self.view = view
        self.parts = parts
        self.presentation = presentation
        self.cheat_sheet = cheat_sheet
        self._restore_defaults = restore_defaults
        self.theme_actions: dict[str, QAction] = {}
        self.panel_actions: dict[str, QAction] = {}
        self.method_actions: dict[str, QAction] = {}
        self.presentation_action: QAction | None = None
        self.escape_action: QAction | None = None

    def commands(self) -> dict[str, Callable]:
        """The commands of the classroom rows of the action table."""
        out = {
            "theme_light": lambda on: on and self.set_theme("light"),
            "theme_dark": lambda on: on and self.set_theme("dark"),
            "toggle_theme": self.toggle_theme,
            "presentation": lambda on: self.window_.set_presentation(bool(on), staged=True),
            "escape": self.escape,
            "rhythm": self._set_rhythm,
            "note": self._set_note,
            "show_everything": self.show_everything,
            "restore_defaults": self.restore_defaults,
            "cheat_sheet": self.cheat_sheet.toggle,
        }
        for key in METHOD_KEYS:
            out[f"show_{key}"] = lambda on, k=key: self.set_method_shown(k, bool(on))
        return out

    def attach(self, actions: dict[str, QAction]) -> None:
        """Take the built actions whose check marks this object keeps."""
        self.theme_actions = {name: actions[f"theme_{name}"] for name in ("light", "dark")}
        self.panel_actions = {name: actions[name] for name in PANELS}
        self.method_actions = {key: actions[f"show_{key}"] for key in METHOD_KEYS}
        self.presentation_action = actions["presentation"]
        self.escape_action = actions["escape"]
        for key in METHOD_KEYS:
            self.parts.controls.visibility[key].toggled.connect(
                lambda on, k=key: self._method_visibility_changed(k, on))
        self.sync()

    # themes -----------------------------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        theme = THEMES.get(name, LIGHT)
        if theme is not self.view.theme:
            self.window_.apply_theme(theme)
        self.sync()

    def toggle_theme(self) -> None:
        self.set_theme("light" if self.view.theme.name == "dark" else "dark")

    # presentation and the cheat sheet ---------------------------------------------------------
    def escape(self) -> None:
        if self.cheat_sheet.isVisible():
            self.cheat_sheet.hide()
        elif self.presentation.active:
            self.window_.set_presentation(False, staged=True)

    # panels and methods -----------------------------------------------------------------------
    def _set_rhythm(self, on: bool) -> None:
        self.parts.rhythm.setVisible(on)

    def _set_note(self, on: bool) -> None:
        p = self.parts
        self.view.note_wanted = on
        p.note_label.setVisible(on and bool(p.note_label.text()))

    def set_method_shown(self, key: str, on: bool) -> None:
        check = self.parts.controls.visibility[key]
        if check.isChecked() != on:
            check.setChecked(on)      # the control panel tells the canvas and the other views

    def _method_visibility_changed(self, key: str, on: bool) -> None:
        # the canvas hears the control panel directly; the other views that can hide a method
        p = self.parts
        for view in (p.rhythm, p.losses):
            view.set_method_visible(key, on)
        self.sync()

    def show_everything(self) -> None:
        """Undo every 'hide': all panels (bar the controls while presenting) and all methods."""
        p = self.parts
        presenting = self.presentation.active
        for name, dock in (("controls", p.controls_dock), ("progress", p.progress_dock),
                           ("lesson", p.lesson_dock)):
            if name == "controls" and presenting:
                continue
            dock.show()
        p.rhythm.show()
        self._set_note(True)
        for key in METHOD_KEYS:
            self.set_method_shown(key, True)
        p.controls.arrows_check.setChecked(True)
        self.sync()

    def restore_defaults(self) -> None:
        self._restore_defaults()

    def sync(self) -> None:
        """Check marks follow the window (theme, presentation, panels, methods)."""
        if self.presentation_action is None:
            return                      # not attached yet
        p, view = self.parts, self.view
        for name, a in self.theme_actions.items():
            set_checked(a, view.theme.name == name)
        for key, a in self.method_actions.items():
            set_checked(a, p.controls.visibility[key].isChecked())
        set_checked(self.panel_actions["rhythm"], not p.rhythm.isHidden())
        set_checked(self.panel_actions["note"], view.note_wanted)
        set_checked(self.presentation_action, self.presentation.active)
        # Esc is only taken while there is something to leave (a popup or a field keeps it)
        self.escape_action.setEnabled(self.presentation.active or self.cheat_sheet.isVisible())
