"""The Lessons menu: the built-in lesson presets in order, Page Up / Page Down through them.

The presets are the built-in scenarios whose name starts with ``lesson-`` (files
``resources/scenarios/1N-lesson-*.toml``, so they sort in lesson order), followed by the real
network, the ``mlp-moons`` scenario, when it is installed. A lesson that cannot be loaded stays
in the menu, greyed out, with the reason as its tooltip; Page Down stops before it and the
status bar says why.
"""
from __future__ import annotations

import html

from dataclasses import dataclass

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QActionGroup

LESSON_PREFIX = "lesson-"
NETWORK_LESSON = "mlp-moons"            # added by the real-network mode (20-mlp-moons.toml)
NETWORK_TITLE = "The real network"


@dataclass
class LessonEntry:
    name: str
    title: str
    scenario: object | None          # a Scenario, or None when it could not be loaded
    reason: str = ""                 # why it is unavailable

    @property
    def available(self) -> bool:
        return self.scenario is not None


def _load_builtins() -> tuple[list, dict[str, str]]:
    """Every built-in scenario that loads, and the errors of those that do not (by file)."""
    from gdviz.scenario import builtin_dir, load_file
    loaded, errors = [], {}
    for path in sorted(builtin_dir().glob("*.toml")):
        try:
            loaded.append(load_file(path))
        except Exception as exc:          # noqa: BLE001 - a broken file must not break the menu
            errors[path.stem] = str(exc)
    return loaded, errors


def lesson_entries() -> list[LessonEntry]:
    """The lesson presets in order, the real network last (available or not)."""
    scenarios, errors = _load_builtins()
    entries = [LessonEntry(s.name, s.title or s.name, s)
               for s in scenarios if s.name.startswith(LESSON_PREFIX)]
    network = next((s for s in scenarios if s.name == NETWORK_LESSON), None)
    if network is not None:
        entries.append(LessonEntry(network.name, network.title or NETWORK_TITLE, network))
    else:
        reason = next((msg for stem, msg in errors.items() if NETWORK_LESSON in stem),
                      f"the '{NETWORK_LESSON}' scenario is not installed in this copy of gdviz")
        entries.append(LessonEntry(NETWORK_LESSON, NETWORK_TITLE, None, reason))
    return entries


def other_scenarios() -> list:
    scenarios, _ = _load_builtins()
    return [s for s in scenarios
            if not s.name.startswith(LESSON_PREFIX) and s.name != NETWORK_LESSON]


class LessonsMenu(QObject):
    """Adds the Lessons menu to a MainWindow and steps through the presets."""

    def __init__(self, window, menu):
        """*menu*: the Lessons menu (made from the action table with Next and Previous in it);
        the presets go above those, the other scenarios below."""
        super().__init__(window)
        self.window_ = window
        self.entries = lesson_entries()
        self.menu = menu
        first_fixed = menu.actions()[0] if menu.actions() else None
        self.group = QActionGroup(self)
        self.actions_: list[QAction] = []
        for i, entry in enumerate(self.entries, start=1):
            title = entry.title if entry.available else f"{entry.title} (not available)"
            a = QAction(f"&{i}  {_short(title)}", window, checkable=True)
            a.setEnabled(entry.available)
            if not entry.available:
                a.setToolTip(entry.reason)
            a.triggered.connect(lambda _on=False, k=i - 1: self.go(k))
            self.group.addAction(a)
            self.menu.insertAction(first_fixed, a)
            self.actions_.append(a)
        self.menu.setToolTipsVisible(True)
        others = other_scenarios()
        if others:
            self.menu.addSeparator()
            sub = self.menu.addMenu("Other &scenarios")
            for scenario in others:
                a = QAction(scenario.title or scenario.name, window)
                a.setToolTip(f"<p>{html.escape(scenario.description)}</p>")   # escaped: no tags of the file
                a.triggered.connect(lambda _on=False, s=scenario: self.window_.load_scenario(s))
                sub.addAction(a)
            sub.setToolTipsVisible(True)
        self.menu.aboutToShow.connect(self.sync)
        self.sync()

    # stepping -----------------------------------------------------------------------------
    def current_index(self) -> int | None:
        name = self.window_.view.scenario.name
        return next((i for i, e in enumerate(self.entries) if e.name == name), None)

    def go(self, index: int) -> bool:
        """Open lesson *index*; False (and a status message) when it is not available."""
        if not 0 <= index < len(self.entries):
            return False
        entry = self.entries[index]
        if not entry.available:
            self.window_.statusBar().showMessage(
                f"Lesson {index + 1}, {entry.title}, is not available: {entry.reason}", 8_000)
            return False
        self.window_.load_scenario(entry.scenario)
        self.window_.statusBar().showMessage(
            f"Lesson {index + 1} of {len(self.entries)}: {entry.title}", 4_000)
        self.sync()
        return True

    def step(self, direction: int) -> bool:
        """Page Down / Page Up: the next (previous) lesson; from outside the lessons, the first.
        An unavailable lesson is not skipped silently: the status bar says why it stays."""
        current = self.current_index()
        if current is None:
            first = next((i for i, e in enumerate(self.entries) if e.available), None)
            return first is not None and self.go(first)
        i = current + direction
        if not 0 <= i < len(self.entries):
            self.window_.statusBar().showMessage(
                "That was the last lesson." if direction > 0 else "This is the first lesson.",
                4_000)
            return False
        return self.go(i)

    def sync(self) -> None:
        current = self.current_index()
        for i, a in enumerate(self.actions_):
            a.setChecked(i == current)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
