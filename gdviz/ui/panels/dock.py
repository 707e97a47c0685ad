"""LessonDock: the lesson panels as tabs, in lesson order, behind one small API."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from gdviz.lesson import Lesson, LiveValues, default_lesson
from gdviz.ui.panels._common import FontScaled, recolor_methods
from gdviz.ui.panels.formulas import FormulaPanel
from gdviz.ui.panels.lesson import LessonPanel
from gdviz.ui.panels.quick_example import QuickExamplePanel
from gdviz.ui.panels.selected import SelectedMethodPanel


class LessonDock(FontScaled, QWidget):
    """Tabs: Formulas, Selected method, Quick example, Lesson.

    Feed it ``update_live(values)`` at any rate and ``set_method(key)`` when the user picks a
    method elsewhere; ``set_font_scale(f)`` enlarges every text and formula.
    """

    method_selected = Signal(str)   # the user picked a method in the "Selected method" tab

    def __init__(self, lesson: Lesson | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        lesson = lesson or default_lesson()
        self.formulas = FormulaPanel(lesson)
        self.selected = SelectedMethodPanel(lesson)
        self.quick = QuickExamplePanel(lesson)
        self.lesson_panel = LessonPanel(lesson)
        self.tabs = QTabWidget()
        self.tabs.setUsesScrollButtons(True)
        # a dock narrower than the four titles at projection size: shorten the titles rather
        # than cut the last one at the edge (the tooltip keeps the full description)
        self.tabs.setElideMode(Qt.TextElideMode.ElideRight)
        self.tabs.tabBar().setExpanding(False)
        # short titles so all four fit a narrow dock at projection size; the tooltip says more
        for panel, title, tip in (
                (self.formulas, "Formulas", "The eight formulas with today's numbers"),
                (self.selected, "Method", "The selected method: its intuition and formula"),
                (self.quick, "Example", "The quick example: N = 1000, pick B"),
                (self.lesson_panel, "Lesson", "Background, pros and cons, mistakes, summary")):
            index = self.tabs.addTab(panel, title)
            self.tabs.setTabToolTip(index, tip)
        self.selected.method_selected.connect(self.method_selected)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.tabs)

    def show_memory(self, figures, network: bool) -> None:
        """The comparison table's memory row: one step's memory for each method now."""
        from gdviz.ui.panels.lesson import ComparisonTable
        tail = " per step" if network else " per step (2 parameters: tiny)"
        for table in self.findChildren(ComparisonTable):
            table.set_values("memory", [f"{f}{tail}" for f in figures])

    def update_live(self, values: LiveValues) -> None:
        self.formulas.update_live(values)
        self.selected.update_live(values)
        recolor_methods(self)

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:   # the theme changed: its method hues
            recolor_methods(self)
            self.quick.update()

    def set_method(self, key: str) -> None:
        self.selected.set_method(key)
        recolor_methods(self)

    def set_font_scale(self, f: float) -> None:
        # The font propagates to every panel; formulas follow their widget's font size.
        super().set_font_scale(f)
        self._fit_tabs()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit_tabs()

    def _fit_tabs(self) -> None:
        """The four tab titles whole, in the dock's font or one a little smaller (down to 75 %);
        only a dock too narrow even for that shortens them (…), the tooltips keeping the names."""
        bar = self.tabs.tabBar()
        font = QFont(self.font())
        size = font.pointSizeF()
        floor = 0.75 * size
        available = self.tabs.width()
        while True:
            font.setPointSizeF(size)
            bar.setFont(font)
            fits = bar.sizeHint().width() <= available
            if fits or size <= floor:
                # too narrow even so (presentation at 1024x768): whole titles and the bar's
                # scroll arrows, not "For… M… Ex… Le…"
                self.tabs.setElideMode(Qt.TextElideMode.ElideRight if fits
                                       else Qt.TextElideMode.ElideNone)
                return
            size = max(floor, size - 0.5)
