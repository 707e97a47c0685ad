"""Every action of the window in one table: its menu, its text, its keys, its cheat-sheet line.

``build(window, commands, docks)`` makes the menus and the actions from :data:`ACTIONS`, in table
order, and connects each to ``commands[name]`` (a checkable action's command gets the new
state). Rows marked ``dock`` take over a dock's own show/hide action instead of making one. Every
shortcut is application-wide: it works while a dock (even a floating one), a button or a field
has the focus, and with the menu bar hidden. To add a shortcut, add a row here and a command in
``MainWindow._commands``; the cheat sheet lists it by itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu

from gdviz.core import METHOD_KEYS, METHOD_LABELS

Key = str | QKeySequence.StandardKey


@dataclass(frozen=True)
class Row:
    name: str                   # the command it runs, and its key in build()'s result
    menu: str                   # "View" or a submenu "View/Theme"
    text: str                   # in the menu
    keys: tuple[Key, ...] = ()
    cheat: str = ""             # the cheat sheet's line, when not the menu text
    checkable: bool = False
    group: str = ""             # checkable rows of one group exclude each other
    separator: bool = False     # a separator above the row
    dock: bool = False          # the dock's own show/hide action, given keys and a cheat line


MENUS = ("&Run", "&View", "&Lessons", "La&b", "&File", "&Help")

ACTIONS: tuple[Row, ...] = (
    Row("toggle", "Run", "Play / pause", ("Space",)),
    Row("step", "Run", "Step one tick", ("Right",)),
    Row("reset", "Run", "Reset", ("R",)),
    # + is Shift+= on many keyboards: = works too (and the keypad's + and − already do)
    Row("faster", "Run", "Faster", ("+", "="), separator=True),
    Row("slower", "Run", "Slower", ("-",)),
    Row("smaller_batch", "Run", "Smaller batch", ("[",)),
    Row("larger_batch", "Run", "Larger batch", ("]",)),
    *(Row(f"select_{key}", "View", f"Select {METHOD_LABELS[key]}", (str(i),))
      for i, key in enumerate(METHOD_KEYS, start=1)),
    Row("fit", "View", "Fit the landscape", ("F",)),
    Row("recompute_plane", "View", "Recompute the loss plane (real network)", ("P",)),
    Row("controls", "View", "Controls", ("C",), "Show / hide controls", separator=True, dock=True),
    Row("progress", "View", "Counters and loss", ("G",), "Show / hide counters and loss",
        dock=True),
    Row("lesson", "View", "Lesson", ("L",), "Show / hide lesson", dock=True),
    Row("data_view", "View", "Data view", ("D",), "Show / hide the data view",
        dock=True),
    Row("theme_light", "View/&Theme", "Light (projector)", checkable=True, group="theme",
        separator=True),
    Row("theme_dark", "View/&Theme", "Dark (screen)", checkable=True, group="theme"),
    Row("toggle_theme", "View/&Theme", "Switch light / dark theme", ("T",)),
    Row("presentation", "View", "Presentation mode", ("F11", "F5"), checkable=True),
    Row("escape", "View", "Leave presentation / close the sheet", ("Esc",)),
    Row("rhythm", "View", "Update rhythm strip", ("Y",), "Show / hide update rhythm strip",
        checkable=True),
    Row("note", "View", "Title and note", ("N",), "Show / hide title and note", checkable=True),
    *(Row(f"show_{key}", "View/&Methods shown", f"Show {METHOD_LABELS[key]}", (f"Ctrl+{i}",),
          checkable=True) for i, key in enumerate(METHOD_KEYS, start=1)),
    Row("gradient_cloud", "View", "Gradient cloud", ("K",), "Show / hide the gradient cloud",
        checkable=True, separator=True),
    Row("seed_ensemble", "View", "Seed ensemble", ("E",), "Show / hide the seed ensemble",
        checkable=True),
    Row("show_everything", "View", "Show everything", ("A",)),
    Row("restore_defaults", "View", "Restore default layout and settings", separator=True),
    Row("next_lesson", "Lessons", "Next lesson", ("PgDown",), separator=True),
    Row("previous_lesson", "Lessons", "Previous lesson", ("PgUp",)),
    Row("lab", "Lab", "Batch-size lab…", ("B",), "Open the batch-size lab"),
    Row("export", "File", "Export video or image…", ("Ctrl+E",)),
    Row("copy_script", "File", "Copy as PyTorch script", ("Ctrl+Shift+C",),
        "Copy the run as a PyTorch script"),
    Row("quit", "File", "Quit", (QKeySequence.StandardKey.Quit,)),
    Row("cheat_sheet", "Help", "Keyboard shortcuts", ("?", "F1")),
)


def build(window, commands: dict[str, Callable], docks: dict) -> tuple[dict[str, QAction],
                                                                     dict[str, QMenu]]:
    """The window's menus and actions from :data:`ACTIONS`: (actions by name, menus by path)."""
    menubar = window.menuBar()
    menus: dict[str, QMenu] = {}
    for title in MENUS:
        menus[_clean(title)] = menubar.addMenu(title)
    groups: dict[str, QActionGroup] = {}
    actions: dict[str, QAction] = {}
    for row in ACTIONS:
        menu = _menu(menus, row.menu)
        if row.separator:
            menu.addSeparator()
        if row.dock:
            action = docks[row.name].toggleViewAction()
        else:
            action = QAction(row.text, window)
            action.setCheckable(row.checkable)
            command = commands[row.name]
            if row.checkable:
                action.toggled.connect(command)
            else:
                action.triggered.connect(lambda _checked=False, c=command: c())
        if row.keys:
            action.setShortcuts([QKeySequence(k) for k in row.keys])
        if row.cheat:
            action.setProperty("cheat_text", row.cheat)
        if row.group:
            groups.setdefault(row.group, QActionGroup(window)).addAction(action)
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        menu.addAction(action)
        window.addAction(action)
        actions[row.name] = action
    return actions, menus


def set_checked(action: QAction, on: bool) -> None:
    """Show a state without running the action's command."""
    if action.isChecked() != on:
        action.blockSignals(True)
        action.setChecked(on)
        action.blockSignals(False)


def _menu(menus: dict[str, QMenu], path: str) -> QMenu:
    key = _clean(path)
    if key not in menus:
        parent, _, title = path.rpartition("/")
        menus[key] = _menu(menus, parent).addMenu(title)
    return menus[key]


def _clean(text: str) -> str:
    return text.replace("&", "")
