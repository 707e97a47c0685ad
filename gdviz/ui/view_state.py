"""What the main window shows, as an object others observe, and the parts it is made of.

:class:`ViewState` holds the window's view of things: the scenario in force (the
:class:`~gdviz.experiment.Experiment`'s, mirrored after each accepted change), the latest
snapshot, the selected method, the theme, the worker's play state, presentation mode on or off
and whether the scenario's note is wanted. Each field has a signal, emitted when the value
changes, so a panel or a helper subscribes to what it shows instead of reading the window
(as napari's models do). Only the window writes the scenario, the snapshot and the play state;
the helpers that own presentation mode and the note write theirs.

:class:`WindowParts` names the widgets the window built that its helpers (presentation, screen
layout, classroom, settings) arrange: handed to them when they are made, so none of them reads
the window's attributes. ``tests/test_window_surface.py`` holds every module to that.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal


class ViewState(QObject):
    """The window's view state; ``<field>_changed`` is emitted with the new value."""

    scenario_changed = Signal(object)
    snapshot_changed = Signal(object)
    selected_changed = Signal(str)
    theme_changed = Signal(object)
    worker_state_changed = Signal(object)
    presentation_changed = Signal(bool)
    note_wanted_changed = Signal(bool)

    def __init__(self, scenario, theme, worker_state, selected: str = "mini_batch", parent=None):
        super().__init__(parent)
        self._scenario = scenario
        self._snapshot = None
        self._selected = selected
        self._theme = theme
        self._worker_state = worker_state
        self._presentation = False
        self._note_wanted = True

    def _set(self, name: str, value: Any) -> None:
        # the same object again is no change (a scenario, a snapshot and a theme are immutable)
        if getattr(self, "_" + name) is value:
            return
        setattr(self, "_" + name, value)
        getattr(self, name + "_changed").emit(value)

    @property
    def scenario(self):
        """The scenario in force (the experiment's, as last accepted)."""
        return self._scenario

    @scenario.setter
    def scenario(self, value) -> None:
        self._set("scenario", value)

    @property
    def snapshot(self):
        """The latest snapshot drawn (None before the first)."""
        return self._snapshot

    @snapshot.setter
    def snapshot(self, value) -> None:
        self._set("snapshot", value)

    @property
    def selected(self) -> str:
        """The method the lesson and the formulas follow."""
        return self._selected

    @selected.setter
    def selected(self, value: str) -> None:
        if value != self._selected:
            self._set("selected", value)

    @property
    def theme(self):
        return self._theme

    @theme.setter
    def theme(self, value) -> None:
        self._set("theme", value)

    @property
    def worker_state(self):
        """Playing or paused, at which speed (``gdviz.ui.worker.WorkerState``)."""
        return self._worker_state

    @worker_state.setter
    def worker_state(self, value) -> None:
        self._set("worker_state", value)

    @property
    def presentation(self) -> bool:
        """Presentation mode on (F11)."""
        return self._presentation

    @presentation.setter
    def presentation(self, on: bool) -> None:
        if bool(on) != self._presentation:
            self._set("presentation", bool(on))

    @property
    def note_wanted(self) -> bool:
        """The scenario's note above the canvas is wanted (View ▸ Note)."""
        return self._note_wanted

    @note_wanted.setter
    def note_wanted(self, on: bool) -> None:
        if bool(on) != self._note_wanted:
            self._set("note_wanted", bool(on))


@dataclass
class WindowParts:
    """The main window's widgets that its helpers arrange, named once."""

    canvas: Any
    rhythm: Any
    losses: Any
    controls: Any
    lesson: Any
    data_view: Any
    note_label: Any
    clock_banner: Any
    centre_split: Any
    controls_dock: Any
    progress_dock: Any
    lesson_dock: Any
    data_dock: Any
    network_dock: Any = None    # made when a real-network scenario first comes (by the window)
    network_panel: Any = None
