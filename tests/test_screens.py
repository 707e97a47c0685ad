"""Classroom screens: the window and presentation mode at 1024×768 up to 4K, both themes.

Nothing visible is cut off (every label's text fits its rectangle, every plot's axis title its
axis) and the canvas keeps most of the space."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QTextDocument
from PySide6.QtWidgets import QAbstractButton, QLabel

SIZES = [(1024, 768), (1280, 720), (1920, 1080), (3840, 2160)]


def _label_need(label: QLabel, width: int) -> tuple[float, float]:
    """(width, height) the label's text needs when laid out *width* px wide."""
    text = label.text()
    rich = label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and "<" in text)
    doc = QTextDocument()
    doc.setDefaultFont(label.font())
    doc.setDocumentMargin(0)
    if rich:
        doc.setHtml(text)
    else:
        doc.setPlainText(text)
    if label.wordWrap():
        doc.setTextWidth(width)
        return doc.idealWidth(), doc.size().height()
    return doc.idealWidth(), doc.size().height()


def cut_off_texts(window) -> list[str]:
    """Visible texts that do not fit where they are drawn: labels, buttons, plot axis titles."""
    import pyqtgraph as pg
    out = []
    for label in window.findChildren(QLabel):
        if not label.isVisible() or not label.text() or label.visibleRegion().isEmpty():
            continue
        if label.parent() is not None and label.parent().inherits("QTabBar"):
            continue
        rect = label.contentsRect()
        need_w, need_h = _label_need(label, rect.width())
        # a wrapped label shows the lines that fit; a scroll area shows the rest when scrolled
        clipped_v = need_h > rect.height() + 2 and not _in_scroll_area(label)
        if need_w > rect.width() + 2 or clipped_v:
            out.append(f"label {label.objectName() or label.text()[:50]!r}: needs "
                       f"{need_w:.0f}x{need_h:.0f}, has {rect.width()}x{rect.height()}")
    for button in window.findChildren(QAbstractButton):
        if not button.isVisible() or not button.text() or button.inherits("QCheckBox") is False \
                and button.inherits("QRadioButton") is False and not button.inherits("QPushButton"):
            continue
        need = QFontMetrics(button.font()).horizontalAdvance(button.text().replace("&", ""))
        if need > button.width() - 4:
            out.append(f"button {button.text()!r}: needs {need}, has {button.width()}")
    for plot in window.findChildren(pg.PlotWidget):
        if not plot.isVisible():
            continue
        for name in ("bottom", "left"):
            axis = plot.getPlotItem().getAxis(name)
            if not axis.isVisible() or not axis.label.isVisible() or not axis.labelText:
                continue
            room = axis.width() if name == "bottom" else axis.height()
            need = axis.label.boundingRect().width()
            if need > room + 1:
                out.append(f"axis title {axis.labelText!r}: needs {need:.0f}, has {room:.0f}")
    return out


def _in_scroll_area(widget) -> bool:
    p = widget.parent()
    while p is not None:
        if p.inherits("QScrollArea"):
            return True
        p = p.parent()
    return False


def canvas_share(window) -> float:
    c = window.canvas
    return c.width() * c.height() / (window.width() * window.height())


@pytest.fixture(scope="module")
def fed_window():
    """One window per module, fed a real snapshot by hand (no worker thread: fast, no timing)."""
    from PySide6.QtWidgets import QApplication

    from gdviz.scenario import load
    from gdviz.ui.contours import landscape_view
    from gdviz.ui.main_window import MainWindow
    app = QApplication.instance()
    scenario = load("default")
    sim = scenario.build()
    sim.advance_to(20 * sim.tick_size())
    window = MainWindow(scenario, start_worker=False)
    window.on_landscape(landscape_view(sim.landscape, 120))
    window.on_snapshot(sim.snapshot())
    yield window, app
    window.shutdown()
    window.close()


def _settle(app):
    # layouts only: painting every size (formulas at 4K) would make the test slow
    from PySide6.QtCore import QCoreApplication, QEvent
    for _ in range(4):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_classroom_screen_fits_without_cutting_text(qtbot, fed_window, theme):
    from gdviz.ui.theme import THEMES
    window, app = fed_window
    window.apply_theme(THEMES[theme])
    window.show()
    app.processEvents()
    for size in SIZES:
        window.screen_layout.fit(*size)
        _settle(app)
        assert (window.width(), window.height()) == size, (window.screen_layout.plan, window.minimumSizeHint(), window.minimumSize())
        assert cut_off_texts(window) == [], (size, "normal")
        assert canvas_share(window) >= 0.35, (size, canvas_share(window))
    for size in SIZES:
        window.set_presentation(True, size)
        _settle(app)
        assert (window.width(), window.height()) == size
        r = window.rhythm
        assert cut_off_texts(window) == [], (size, "presentation", r.caption_column.height(), r.caption_column.layout().contentsMargins(), r.labels["full_batch"].fontMetrics().lineSpacing(), r.labels["full_batch"].font().pointSizeF(), r.labels["full_batch"].styleSheet())
        # (at 1024 px the lesson's readable column, 300 px or some 29 characters a line, leaves
        # the canvas 710x516 = 46.6 %: half would need it 762 px wide and the lesson ~248 px,
        # about 23 characters a line. From 1280 px it has half: 53 % at 1280x720 and 1366x768)
        least = 0.45 if size[0] < 1200 else 0.50
        assert canvas_share(window) >= least, (size, "presentation", canvas_share(window), window.canvas.size(), window.lesson_dock.width())
        assert "20 ticks/s" in window.presentation.bar.text()
    window.set_presentation(False)
    _settle(app)
    window.screen_layout.fit(1440, 900)


def test_small_screens_fold_the_docks_and_large_ones_unfold_them(qtbot, fed_window):
    from gdviz.ui.layout import plan_for
    window, app = fed_window
    window.show()
    app.processEvents()
    window.screen_layout.fit(1024, 768)
    _settle(app)
    assert window.lesson_dock in window.tabifiedDockWidgets(window.controls_dock)
    assert window.progress_dock.isHidden()          # one key (G) or the View menu away
    window.screen_layout.fit(1920, 1080)
    _settle(app)
    assert window.lesson_dock not in window.tabifiedDockWidgets(window.controls_dock)
    assert window.dockWidgetArea(window.lesson_dock) == Qt.DockWidgetArea.RightDockWidgetArea
    assert not window.progress_dock.isHidden()
    assert plan_for(3840, 2160) == plan_for(1920, 1080)


def test_presentation_at_1024x768_keeps_the_lesson_tab_titles_whole(qtbot, fed_window):
    window, app = fed_window
    window.show()
    window.set_presentation(True, (1024, 768))
    _settle(app)
    try:
        bar = window.lesson.tabs.tabBar()
        window.lesson._fit_tabs()
        assert window.lesson.tabs.elideMode() == Qt.TextElideMode.ElideNone or \
            bar.sizeHint().width() <= window.lesson.tabs.width()
        for i in range(bar.count()):
            need = bar.fontMetrics().horizontalAdvance(bar.tabText(i))
            assert bar.tabRect(i).width() >= need, bar.tabText(i)
    finally:
        window.set_presentation(False)
        _settle(app)


def test_the_shortcut_sheet_fits_1024x768_in_presentation(qtbot, fed_window):
    window, app = fed_window
    window.show()
    window.set_presentation(True, (1024, 768))
    _settle(app)
    sheet = window.classroom.cheat_sheet
    try:
        sheet.set_shown(True)
        _settle(app)
        app.processEvents()
        assert not sheet.area.horizontalScrollBar().isVisible()
        assert sheet.body.width() >= sheet.body.sizeHint().width()
    finally:
        sheet.set_shown(False)
        window.set_presentation(False)
        _settle(app)


def test_presenting_on_another_screen_size_rescales_the_type(qtbot, fed_window):
    """A presentation given a new size (another screen) kept the type and the lesson column of
    the one before: a 1920x1080 presentation after a 1024x768 one had the smaller type."""
    from gdviz.ui.presentation import font_scale_for
    window, app = fed_window
    window.show()
    try:
        window.set_presentation(True, (1920, 1080))
        _settle(app)
        fresh = (window.lesson.font().pointSizeF(), window.lesson_dock.width())
        window.set_presentation(False)
        _settle(app)
        window.set_presentation(True, (1024, 768))
        _settle(app)
        assert window.lesson.font().pointSizeF() < fresh[0]
        window.set_presentation(True, (1920, 1080))
        _settle(app)
        assert window.presentation.scale == font_scale_for(1080)
        assert window.lesson.font().pointSizeF() == fresh[0]
        assert abs(window.lesson_dock.width() - fresh[1]) <= 2, (window.lesson_dock.width(), fresh)
    finally:
        window.set_presentation(False)
        _settle(app)
