"""The rest of the lesson in teaching order, as folding sections in one scroll area:
background, notation, pros and cons, side-by-side table, analogies, practice, mistakes, summary."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QGridLayout, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget)

from gdviz.lesson import Lesson, default_lesson
from gdviz.lesson.content import Point
from gdviz.ui.panels._common import (
    FontScaled, Section, SymbolList, heading, label, rich, scroll)


def _box(*widgets) -> QWidget:
    w = QWidget()
    lay = QVBoxLayout(w)
    lay.setContentsMargins(4, 0, 0, 8)
    for x in widgets:
        lay.addWidget(x)
    return w


def _points_html(points: tuple[Point, ...], numbered: bool = False) -> str:
    tag = "ol" if numbered else "ul"
    items = "".join(f"<li><b>{html.escape(p.title)}.</b> {rich(p.text)}</li>" for p in points)
    return f"<{tag}>{items}</{tag}>"


def _steps_html(steps: tuple[str, ...], numbered: bool) -> str:
    tag = "ol" if numbered else "ul"
    items = "".join(f"<li>{rich(s)}</li>" for s in steps)
    return f"<{tag}>{items}</{tag}>"


class LessonPanel(FontScaled, QWidget):
    """The lesson texts; ``sections`` maps a section id to its :class:`Section`."""

    ORDER = ("background", "notation", "proscons", "comparison", "generalization", "analogies",
             "practice", "mistakes", "summary")

    def __init__(self, lesson: Lesson | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.lesson = L = lesson or default_lesson()
        content = QWidget()
        lay = QVBoxLayout(content)
        self.sections: dict[str, Section] = {}

        def add(key, title, body):
            self.sections[key] = Section(title, body)
            lay.addWidget(self.sections[key])

        bg = L.background
        chain = " → ".join(f"<b>{html.escape(c)}</b>" for c in bg.chain)
        add("background", bg.title, _box(*[label(rich(p)) for p in bg.paragraphs],
                                         label(rich(bg.chain_intro)), label(chain)))
        add("notation", L.notation.title, _box(SymbolList(L.notation.symbols)))

        pc = []
        for group in L.proscons:
            pc.append(heading(group.title, "medium"))
            pc.append(label("<b>Pros</b>" + _points_html(group.pros)))
            pc.append(label("<b>Cons</b>" + _points_html(group.cons)))
        add("proscons", "Pros and cons", _box(*pc))

        add("comparison", L.comparison.title, self._comparison())
        from gdviz.mlp.generalization import lesson_text   # (numpy only: no torch import)
        gen = lesson_text()
        add("generalization", gen["title"], _box(label(rich(gen["text"])), label(
            "<i>The lab (B) plots it for the real network in force: validation loss against "
            "B at equal epochs, each B at its best η, the seeds' range as a band.</i>")))

        an = []
        for a in L.analogies:
            an.append(heading(a.title, "medium"))
            for key in ("full_batch", "mini_batch", "stochastic"):
                m = L.method(key)
                an.append(label(f'<b style="color:{m.color}">{html.escape(m.name)}:</b> '
                                f"{rich(getattr(a, key))}"))
            an.append(label(f"<i>{rich(a.moral)}</i>"))
        add("analogies", "Two analogies", _box(*an))

        pr = []
        for p in L.practice:
            pr.append(heading(p.title, "medium"))
            text = rich(p.text)
            if p.steps:
                text += _steps_html(p.steps, numbered=p.key == "iteration")
            pr.append(label(text))
        add("practice", L.practice_title, _box(*pr))

        add("mistakes", "Common mistakes", _box(label(_points_html(L.mistakes, numbered=True))))
        s = L.summary
        add("summary", s.title, _box(label(_steps_html(s.points, numbered=False)),
                                     label(f"<b>Takeaway:</b> {rich(s.takeaway)}")))
        lay.addStretch(1)

        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll_area = scroll(content)
        outer.addWidget(self.scroll_area)

    def _comparison(self) -> QWidget:
        return ComparisonTable(self.lesson)


class ComparisonTable(QWidget):
    """Properties as rows, methods as columns. When the columns do not fit (narrow dock, large
    type), the same facts are shown as a list per property instead of clipping words."""

    def __init__(self, lesson: Lesson):
        super().__init__()
        c = lesson.comparison
        methods = [lesson.method(k) for k in c.methods]

        def name(m):
            return f'<b style="color:{m.color}">{html.escape(m.name)}</b>'

        self._cells: dict[str, list] = {}     # a row's value cells (grid), by row key
        self._items: dict[str, QLabel] = {}   # a row's listing entry, by row key
        self._rows = {row.key: row for row in c.rows}
        self._methods, self._name = methods, name
        self.grid = QWidget()
        grid = QGridLayout(self.grid)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        for col, m in enumerate(methods, 1):
            grid.addWidget(_cell(name(m)), 0, col, Qt.AlignmentFlag.AlignTop)
            grid.setColumnStretch(col, 1)
        for r, row in enumerate(c.rows, 1):
            grid.addWidget(_cell(f"<b>{html.escape(row.label)}</b>"), r, 0,
                           Qt.AlignmentFlag.AlignTop)
            cells = []
            for col, value in enumerate(row.values, 1):
                cells.append(_cell(rich(value)))
                grid.addWidget(cells[-1], r, col, Qt.AlignmentFlag.AlignTop)
            self._cells[row.key] = cells
        grid.setColumnStretch(0, 1)
        # The table must not widen the panel: its width is only used to decide what to show.
        self.grid.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self.listing = QWidget()
        lst = QVBoxLayout(self.listing)
        lst.setContentsMargins(0, 0, 0, 0)
        for row in c.rows:
            lines = "<br>".join(f"{name(m)}: {rich(v)}" for m, v in zip(methods, row.values))
            self._items[row.key] = label(f"<b>{html.escape(row.label)}</b><br>{lines}")
            lst.addWidget(self._items[row.key])

        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 0, 0, 8)
        lay.addWidget(self.grid)
        lay.addWidget(self.listing)
        self.listing.hide()

    def set_values(self, key: str, values) -> None:
        """Row *key*'s values (one per method), e.g. the memory of one step in force now."""
        if key not in self._cells:
            return
        for cell, value in zip(self._cells[key], values):
            if cell.text() != rich(value):
                cell.setText(rich(value))
        row = self._rows[key]
        lines = "<br>".join(f"{self._name(m)}: {rich(v)}" for m, v in zip(self._methods, values))
        self._items[key].setText(f"<b>{html.escape(row.label)}</b><br>{lines}")

    def showing_table(self) -> bool:
        return not self.grid.isHidden()

    def _decide(self):
        # The choice depends on the width and font only, so switching cannot loop.
        fits = self.grid.minimumSizeHint().width() <= self.contentsRect().width() - 4
        if fits != self.showing_table():
            self.grid.setVisible(fits)
            self.listing.setVisible(not fits)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._decide()

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            # Decide once the new font has reached the cells too (words got wider or narrower).
            # (self as the context: a table deleted before that turn is not asked; a bare
            # callable ran on the deleted widget and raised, at a test's teardown in CI)
            QTimer.singleShot(0, self, self._decide)


def _cell(html_text: str) -> QLabel:
    """A table cell: wraps between words but never narrower than its longest word."""
    cell = QLabel(html_text)
    cell.setTextFormat(Qt.TextFormat.RichText)
    cell.setWordWrap(True)
    return cell
