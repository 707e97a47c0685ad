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


class _Field:
    """A field of the view state: read as an attribute, and set, it emits ``<name>_changed``
    with the new value when that differs (the same object again is no change: a scenario, a
    snapshot and a theme are immutable; a name or a flag that compares equal is none either)."""

    def __init__(self, doc: str):
        self.__doc__ = doc

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, owner=None):
        return self if obj is None else obj._values[self.name]

    def __set__(self, obj, value) -> None:
        old = obj._values[self.name]
        if old is value or (isinstance(value, (str, bool)) and old == value):
            return
        obj._values[self.name] = value
        getattr(obj, self.name + "_changed").emit(value)


class ViewState(QObject):
    """The window's view state; ``<field>_changed`` is emitted with the new value."""

    scenario_changed = Signal(object)
    snapshot_changed = Signal(object)
    selected_changed = Signal(str)
    theme_changed = Signal(object)
    worker_state_changed = Signal(object)
    presentation_changed = Signal(bool)
    note_wanted_changed = Signal(bool)

    scenario = _Field("The scenario in force (the experiment's, as last accepted).")
    snapshot = _Field("The latest snapshot drawn (None before the first).")
    selected = _Field("The method the lesson and the formulas follow.")
    theme = _Field("The theme in force (gdviz.ui.theme LIGHT or DARK).")
    worker_state = _Field("Playing or paused, at which speed (gdviz.ui.worker.WorkerState).")
    presentation = _Field("Presentation mode on (F11).")
    note_wanted = _Field("The scenario's note above the canvas is wanted (View ▸ Note).")

    def __init__(self, scenario, theme, worker_state, selected: str = "mini_batch", parent=None):
        super().__init__(parent)
        self._values = {"scenario": scenario, "snapshot": None, "selected": selected,
                        "theme": theme, "worker_state": worker_state, "presentation": False,
                        "note_wanted": True}


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
