"""The lesson panels: formulas draw, live values follow B and the selected method, throttling
works, and nothing is clipped in a narrow dock."""
from __future__ import annotations

import os
import types

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QPoint  # noqa: E402
from PySide6.QtGui import QColor  # noqa: E402
from PySide6.QtWidgets import QLabel, QScrollArea  # noqa: E402

from gdviz.lesson import LiveValues, default_lesson, live_latex, predicted_noise  # noqa: E402
from gdviz.ui.formula import FormulaWidget, latex_svg, render_image  # noqa: E402
from gdviz.ui.panels import LessonDock, QuickExamplePanel  # noqa: E402


def values(b=32, selected="mini_batch", n=1000, g=(0.41, -1.29), lr=0.05) -> LiveValues:
    return LiveValues(n, b, -(-n // b), lr, selected, g, (0.39, -1.18), 0.025,
                      predicted_noise(0.84, n, b), 0.84)


def ink(image) -> int:
    """Pixels that are clearly not the white background."""
    return sum(1 for y in range(0, image.height(), 2) for x in range(0, image.width(), 2)
               if QColor(image.pixel(x, y)).lightness() < 160)


@pytest.fixture
def dock(qtbot):
    d = LessonDock()
    qtbot.addWidget(d)
    d.resize(420, 760)
    d.show()
    qtbot.waitExposed(d)
    return d


def settle(qtbot):
    for _ in range(4):      # height-for-width layouts settle over a few event rounds
        qtbot.wait(1)


def test_every_formula_renders_at_two_sizes(qapp):
    lesson = default_lesson()
    texts = [f.latex for f in lesson.formulas]
    texts += [line for f in lesson.formulas for line in live_latex(f, values())]
    for tex in texts:
        small, large = render_image(tex, 24), render_image(tex, 96)
        assert small.width() > 10 and large.width() > 4 * small.width() - 8, tex
        assert ink(small) > 5 and ink(large) > 4 * ink(small) * 0.5, tex


def test_svg_cache_and_widget_scale(qtbot):
    tex = r"\left\lceil \frac{N}{B} \right\rceil"
    assert latex_svg(tex) is latex_svg(tex)          # rendered once
    w = FormulaWidget(tex)
    qtbot.addWidget(w)
    h1 = w.sizeHint()
    w.set_scale(2.0)
    assert w.sizeHint().width() == pytest.approx(2 * h1.width(), abs=2)
    assert not w.set_latex(tex)                      # unchanged text: nothing to do
    assert w.heightForWidth(h1.width()) <= w.sizeHint().height()


def test_live_values_follow_batch_size_at_once(dock, qtbot):
    f = dock.formulas
    dock.update_live(values(b=32))
    assert r"\frac{1000}{32}" in f.live_latex("updates_per_epoch")[0]
    dock.update_live(values(b=100))                  # the very next call, no waiting
    assert f.live_latex("updates_per_epoch")[0].endswith("= 10")
    assert "B = 100" in f.status.text()
    assert r"\frac{1}{100}" in f.live_latex("minibatch_loss")[0]


def test_live_values_follow_selected_method(dock, qtbot):
    dock.update_live(values())
    assert "Mini-batch" in dock.formulas.status.text()
    dock.update_live(values(b=1, selected="stochastic"))
    assert "Stochastic" in dock.formulas.status.text()
    sel = dock.selected
    assert sel.method() == "stochastic"
    assert "Stochastic" in sel.title.text()
    dock.tabs.setCurrentWidget(sel)
    assert any(line.startswith("g_{i}") for line in sel.live_latex())
    dock.set_method("full_batch")
    assert "Full batch" in sel.title.text()
    assert "once per epoch" in sel.texts["how_often"].text().lower()
    assert sel.live_latex() == ()                     # no numbers of another method shown


def test_fast_updates_are_throttled_but_arrive(dock, qtbot, monkeypatch):
    # The burst happens at one instant of the throttle's clock, so a loaded machine that takes
    # longer than the interval over the loop cannot turn it into several renders.
    import gdviz.ui.panels._common as common
    monkeypatch.setattr(common, "time", types.SimpleNamespace(monotonic=lambda: 1000.0))
    f = dock.formulas
    dock.update_live(values(g=(0.1, 0.1)))
    renders = f.renders
    for i in range(20):                               # a burst at "frame rate"
        dock.update_live(values(g=(0.2 + i / 100, 0.1)))
    assert f.renders - renders <= 3                   # not 20 re-renders
    qtbot.waitUntil(lambda: "0.39" in f.live_latex("minibatch_gradient")[0], timeout=1000)


def test_hidden_panel_renders_when_shown(dock, qtbot):
    dock.tabs.setCurrentWidget(dock.quick)
    dock.update_live(values(b=50))
    assert r"\frac{1000}{50}" not in dock.formulas.live_latex("updates_per_epoch")[0]
    dock.tabs.setCurrentWidget(dock.formulas)
    assert r"\frac{1000}{50}" in dock.formulas.live_latex("updates_per_epoch")[0]


def test_quick_example(qtbot):
    q = QuickExamplePanel()
    qtbot.addWidget(q)
    for b, name, updates in ((1, "stochastic", 1000), (32, "mini-batch", 32),
                             (1000, "full batch", 1), (300, "mini-batch", 4)):
        q.set_batch(b)
        assert name in q.method_label.text()
        assert f"{updates} updates per epoch" in q.updates_label.text()
        assert q.spin.value() == b
    q.set_batch(1)
    assert "<b>1</b>" in q.noise_label.text()
    q.slider.setValue(q.slider.maximum())
    assert q.batch() == 1000 and "<b>0</b>" in q.noise_label.text()


def _expand_all(dock):
    for section in dock.lesson_panel.sections.values():
        section.button.setChecked(True)


def _clipped(dock) -> list[str]:
    """Labels/formulas reaching past the visible width, or cut off at the bottom."""
    bad = []
    tab = dock.tabs.currentWidget()
    area = tab.findChild(QScrollArea)
    right = area.viewport().width()
    for w in tab.findChildren(QLabel) + tab.findChildren(FormulaWidget):
        if not w.isVisible() or not w.width():
            continue
        x = w.mapTo(area.viewport(), QPoint(w.width(), 0)).x()
        if x > right + 1:
            bad.append(f"past right edge: {w.text() if isinstance(w, QLabel) else w.latex()}")
        if isinstance(w, QLabel):
            if w.wordWrap() and w.heightForWidth(w.width()) > w.height() + 1:
                bad.append(f"cut at bottom: {w.text()[:60]}")
            if w.wordWrap() and w.minimumSizeHint().width() > w.width() + 1:
                bad.append(f"word wider than label: {w.text()[:60]}")
            if not w.wordWrap() and w.sizeHint().width() > w.width() + 1:
                bad.append(f"too narrow: {w.text()[:60]}")
        elif w.height() + 1 < w.heightForWidth(w.width()) * 0.99:
            bad.append(f"formula squashed: {w.latex()}")
    return bad


@pytest.mark.parametrize("size", [(420, 760), (380, 700), (560, 1000)])
@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_no_clipping_in_a_narrow_dock(dock, qtbot, scale, size):
    dock.resize(*size)
    _expand_all(dock)
    dock.set_font_scale(scale)
    for i in range(dock.tabs.count()):
        dock.tabs.setCurrentIndex(i)
        dock.update_live(values())
        settle(qtbot)
        assert _clipped(dock) == [], dock.tabs.tabText(i)


def test_font_scale_enlarges_text_and_formulas(dock, qtbot):
    card = dock.formulas.cards["gradient_noise"]
    before_font = card.display.font().pointSizeF()
    before_formula = card.display.sizeHint().width()
    dock.set_font_scale(1.5)
    assert card.display.font().pointSizeF() == pytest.approx(1.5 * before_font)
    assert card.display.sizeHint().width() > 1.3 * before_formula
    dock.set_font_scale(1.0)
    assert card.display.font().pointSizeF() == pytest.approx(before_font)


def test_offscreen_formulas_render_when_scrolled_into_view(dock, qtbot):
    f = dock.formulas
    dock.update_live(values(g=(0.1, 0.1)))
    settle(qtbot)
    card = f.cards["minibatch_gradient"]        # below the fold at 420×760
    widget = card.live[0]
    assert widget.visibleRegion().isEmpty()
    qtbot.wait(300)                               # past the throttle interval
    dock.update_live(values(g=(0.777, 0.1)))
    assert widget.stale() and "0.777" in widget.latex()
    f.findChild(QScrollArea).ensureWidgetVisible(widget)
    qtbot.waitUntil(lambda: not widget.stale(), timeout=1000)
    assert "0.777" in widget.latex()


def test_comparison_is_a_table_when_it_fits_else_a_list(dock, qtbot):
    dock.tabs.setCurrentWidget(dock.lesson_panel)
    table = dock.lesson_panel.sections["comparison"].body
    settle(qtbot)
    assert table.showing_table()
    dock.set_font_scale(2.0)
    settle(qtbot)
    assert not table.showing_table()
    dock.set_font_scale(1.0)
    settle(qtbot)
    assert table.showing_table()


def test_choosing_a_method_in_the_dock_emits_signal(dock, qtbot):
    sel = dock.selected
    dock.tabs.setCurrentWidget(sel)
    index = sel.chooser.findData("stochastic")
    with qtbot.waitSignal(dock.method_selected) as blocker:
        sel.chooser.activated.emit(index)
    assert blocker.args == ["stochastic"]
    assert sel.method() == "stochastic" and "Stochastic" in sel.title.text()
    dock.set_method("full_batch")                   # from outside: no signal, chooser follows
    assert sel.chooser.currentData() == "full_batch"


def test_formulas_follow_a_dark_palette(qtbot):
    from PySide6.QtGui import QPalette
    w = FormulaWidget(r"J(\theta)")
    qtbot.addWidget(w)
    pal = w.palette()
    pal.setColor(QPalette.ColorRole.WindowText, QColor("#eeeeee"))
    pal.setColor(QPalette.ColorRole.Window, QColor("#000000"))
    w.setAutoFillBackground(True)
    w.setPalette(pal)
    w.resize(w.sizeHint())
    assert w.renderer().isValid()
    image = w.grab().toImage()              # light glyphs on black: the formula was recoloured
    assert any(QColor(image.pixel(x, y)).lightness() > 200
               for y in range(image.height()) for x in range(image.width()))


def test_a_comparison_table_deleted_before_its_font_decision_raises_nothing(qtbot):
    """A font change asks the comparison table to decide its layout a turn later; a table
    deleted before that turn (a window closed at a test's teardown, in CI) raised
    "Internal C++ object already deleted" in the event loop."""
    import shiboken6
    from PySide6.QtGui import QFont

    from gdviz.ui.panels.lesson import ComparisonTable
    table = ComparisonTable(default_lesson())
    table.setFont(QFont("DejaVu Sans", 17))            # a FontChange: the decision is queued
    shiboken6.delete(table)
    qtbot.wait(20)                                      # its turn: nothing raised (pytest-qt)
