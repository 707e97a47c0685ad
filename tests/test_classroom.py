"""The classroom: every lecture shortcut acts (also with the focus in a panel), presentation mode
enlarges the type and folds the controls, themes switch the canvas and the Qt palette and keep
the method colours, lesson presets load and show their notes, settings survive a restart."""
from __future__ import annotations

import colorsys
import os
import shutil

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QEvent, QSize, Qt  # noqa: E402
from PySide6.QtGui import QColor, QFontInfo  # noqa: E402
from PySide6.QtWidgets import QApplication, QLabel  # noqa: E402

from gdviz.core import METHOD_KEYS  # noqa: E402
from gdviz.scenario import load  # noqa: E402
from gdviz.ui import lessons_menu  # noqa: E402
from gdviz.ui.formula import FormulaWidget  # noqa: E402
from gdviz.ui.main_window import MainWindow  # noqa: E402
from gdviz.ui.palette import is_dark  # noqa: E402
from gdviz.ui.settings import ENV_DIR, settings_path, startup_scenario  # noqa: E402
from gdviz.ui.cheatsheet import collect_shortcuts  # noqa: E402
from gdviz.ui.theme import DARK, LIGHT, METHOD_COLORS  # noqa: E402

WAIT_MS = 5000


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch, qapp):
    """Settings in a temporary folder; the application palette and style put back afterwards."""
    monkeypatch.setenv(ENV_DIR, str(tmp_path / "settings"))
    palette, style = QApplication.palette(), qapp.style().name()
    yield tmp_path / "settings"
    qapp.setStyle(style)
    qapp.setPalette(palette)


@pytest.fixture
def window(make_window):
    return make_window("lesson-1-rhythms")


def updates(w, key="mini_batch") -> int:
    return w.snapshot.method(key).updates


def key(qtbot, widget, k, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(widget, k, modifier)


# the keyboard ---------------------------------------------------------------------------------
def test_space_plays_and_pauses(qtbot, window):
    key(qtbot, window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.state.playing, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: updates(window) > 0, timeout=WAIT_MS)
    key(qtbot, window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not window.state.playing, timeout=WAIT_MS)


def test_space_is_not_eaten_by_a_focused_button(qtbot, window):
    """The focused Play button must not toggle a second time (that would cancel the key)."""
    button = window.controls.reset_button
    button.setFocus()
    resets = []
    button.clicked.connect(lambda: resets.append(1))
    key(qtbot, button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.state.playing, timeout=WAIT_MS)
    assert not resets
    key(qtbot, button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not window.state.playing, timeout=WAIT_MS)


def test_right_arrow_steps_once_and_r_resets(qtbot, window):
    before = updates(window)
    key(qtbot, window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: updates(window) == before + 1, timeout=WAIT_MS)
    key(qtbot, window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: updates(window) == before + 2, timeout=WAIT_MS)
    assert not window.state.playing
    generation = window.snapshot.generation
    key(qtbot, window, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: window.snapshot.generation > generation and updates(window) == 0,
                    timeout=WAIT_MS)


def test_digits_select_a_method(qtbot, window):
    for digit, method in zip((Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3), METHOD_KEYS):
        key(qtbot, window, digit)
        assert window.selected == method
        assert window.canvas.selected == method


def test_plus_and_minus_change_the_speed(qtbot, window):
    qtbot.waitUntil(lambda: window.state.speed == 15, timeout=WAIT_MS)
    key(qtbot, window, Qt.Key.Key_Plus)
    qtbot.waitUntil(lambda: window.state.speed == 30, timeout=WAIT_MS)
    key(qtbot, window, Qt.Key.Key_Minus)
    key(qtbot, window, Qt.Key.Key_Minus)            # two presses before the worker replies
    qtbot.waitUntil(lambda: window.state.speed == 7.5, timeout=WAIT_MS)
    key(qtbot, window, Qt.Key.Key_Equal)             # + without Shift
    key(qtbot, window, Qt.Key.Key_Plus, Qt.KeyboardModifier.KeypadModifier)
    qtbot.waitUntil(lambda: window.state.speed == 30, timeout=WAIT_MS)
    key(qtbot, window, Qt.Key.Key_Minus, Qt.KeyboardModifier.KeypadModifier)
    qtbot.waitUntil(lambda: window.state.speed == 15, timeout=WAIT_MS)


def test_brackets_walk_the_common_batch_sizes(qtbot, window):
    assert window.scenario.batch_size == 16
    key(qtbot, window, Qt.Key.Key_BracketRight)
    assert window.scenario.batch_size == 32
    key(qtbot, window, Qt.Key.Key_BracketRight)
    assert window.scenario.batch_size == 64
    for _ in range(3):
        key(qtbot, window, Qt.Key.Key_BracketLeft)
    assert window.scenario.batch_size == 1
    qtbot.waitUntil(lambda: window.snapshot.method("mini_batch").batch_size == 1, timeout=WAIT_MS)


def test_t_switches_the_theme(qtbot, window):
    assert window.theme.name == "light"
    key(qtbot, window, Qt.Key.Key_T)
    assert window.theme is DARK
    assert is_dark(QApplication.palette())
    key(qtbot, window, Qt.Key.Key_T)
    assert window.theme is LIGHT
    assert not is_dark(QApplication.palette())


def test_f11_enters_and_esc_leaves_presentation(qtbot, window):
    key(qtbot, window, Qt.Key.Key_F11)
    assert window.presentation.active
    qtbot.waitUntil(lambda: not window.presentation.busy)   # its steps a turn each (issue 25 F)
    assert window.controls_dock.isHidden() and not window.menuBar().isVisible()
    assert window.presentation.bar.isVisible()
    assert window.isFullScreen()
    key(qtbot, window, Qt.Key.Key_Escape)
    assert not window.presentation.active
    qtbot.waitUntil(lambda: not window.presentation.busy)
    assert window.controls_dock.isVisible() and window.menuBar().isVisible()
    assert not window.presentation.bar.isVisible()
    assert not window.isFullScreen()
    key(qtbot, window, Qt.Key.Key_F11)
    assert window.presentation.active
    key(qtbot, window, Qt.Key.Key_F11)
    assert not window.presentation.active


def test_question_mark_shows_a_cheat_sheet_of_every_shortcut(qtbot, window):
    sheet = window.classroom.cheat_sheet
    key(qtbot, window, Qt.Key.Key_Question)
    assert sheet.isVisible()
    listed = set(sheet.entries())
    with_keys = {str(a.property("cheat_text") or a.text().replace("&", "")).rstrip(".…")
                 for a in window.actions() if not a.shortcut().isEmpty()}
    assert len(with_keys) >= 25
    assert with_keys <= listed
    for text in ("Play / pause", "Step one tick", "Reset", "Faster", "Slower", "Smaller batch",
                 "Larger batch", "Select Mini-batch", "Switch light / dark theme",
                 "Presentation mode", "Keyboard shortcuts", "Next lesson", "Previous lesson",
                 "Show everything", "Show / hide lesson", "Show Full batch"):
        assert text in listed, text
    shown = " ".join(label.text() for label in sheet.labels)
    assert "Space" in shown and "Page Down" in shown and "F11" in shown
    key(qtbot, window, Qt.Key.Key_Escape)           # Esc closes the sheet first
    assert not sheet.isVisible()
    key(qtbot, window, Qt.Key.Key_F1)
    assert sheet.isVisible()
    key(qtbot, window, Qt.Key.Key_Question)
    assert not sheet.isVisible()


def test_a_new_action_appears_in_the_cheat_sheet(window):
    from PySide6.QtGui import QAction, QKeySequence
    action = QAction("Export a clip", window)
    action.setShortcut(QKeySequence("Ctrl+Shift+E"))
    window.menuBar().actions()[0].menu().addAction(action)
    assert any(text == "Export a clip" and "E" in keys
               for _g, text, keys in collect_shortcuts(window))


def test_page_down_and_up_walk_the_lessons(qtbot, window):
    key(qtbot, window, Qt.Key.Key_PageDown)
    assert window.scenario.name == "lesson-2-batch-slider"
    assert "batch-size slider" in window.note_label.text()
    key(qtbot, window, Qt.Key.Key_PageDown)
    assert window.scenario.name == "lesson-3-noise-law"
    key(qtbot, window, Qt.Key.Key_PageUp)
    key(qtbot, window, Qt.Key.Key_PageUp)
    assert window.scenario.name == "lesson-1-rhythms"
    key(qtbot, window, Qt.Key.Key_PageUp)            # the first lesson: stays
    assert window.scenario.name == "lesson-1-rhythms"
    qtbot.waitUntil(lambda: window.snapshot.method("mini_batch").batch_size == 16,
                    timeout=WAIT_MS)


def test_page_down_from_another_scenario_opens_lesson_one(qtbot, make_window):
    w = make_window("ravine")
    key(qtbot, w, Qt.Key.Key_PageDown)
    assert w.scenario.name == "lesson-1-rhythms"


def test_shortcuts_work_with_the_focus_in_panels(qtbot, window):
    tab_bar = window.lesson.tabs.tabBar()
    tab_bar.setFocus()
    key(qtbot, tab_bar, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.state.playing, timeout=WAIT_MS)
    key(qtbot, tab_bar, Qt.Key.Key_3)
    assert window.selected == "stochastic"
    # a number field keeps digits, but Space, letters and brackets still reach the lecture
    spin = window.controls.lr_spin
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus, timeout=WAIT_MS)
    key(qtbot, spin, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not window.state.playing, timeout=WAIT_MS)
    key(qtbot, spin, Qt.Key.Key_BracketRight)
    assert window.scenario.batch_size == 32
    key(qtbot, spin, Qt.Key.Key_1)
    assert window.selected == "stochastic"           # typed into the field instead
    # Enter applies the field and hands the keyboard back to the canvas
    key(qtbot, spin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.canvas.hasFocus(), timeout=WAIT_MS)
    key(qtbot, window.canvas, Qt.Key.Key_2)
    assert window.selected == "mini_batch"


def test_hide_panels_and_methods_then_show_everything(qtbot, window):
    key(qtbot, window, Qt.Key.Key_L)
    assert window.lesson_dock.isHidden()
    key(qtbot, window, Qt.Key.Key_G)
    assert window.progress_dock.isHidden()
    key(qtbot, window, Qt.Key.Key_Y)
    assert window.rhythm.isHidden()
    key(qtbot, window, Qt.Key.Key_N)
    assert window.note_label.isHidden()
    key(qtbot, window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert not window.canvas.trails["full_batch"].isVisible()
    assert not window.controls.visibility["full_batch"].isChecked()
    assert not window.losses.curves["full_batch"].isVisible()
    key(qtbot, window, Qt.Key.Key_A)                 # one action undoes all of it
    assert window.lesson_dock.isVisible() and window.progress_dock.isVisible()
    assert window.rhythm.isVisible() and window.note_label.isVisible()
    assert all(window.canvas.trails[k].isVisible() for k in METHOD_KEYS)
    assert all(window.losses.curves[k].isVisible() for k in METHOD_KEYS)
    assert window.classroom.method_actions["full_batch"].isChecked()


# presentation ---------------------------------------------------------------------------------
def body_labels(widget):
    return [lab for lab in widget.findChildren(QLabel) if lab.isVisible() and lab.text().strip()]


def test_presentation_at_1080p_enlarges_type_and_folds_the_controls(qtbot, window):
    formula = window.lesson.formulas.cards["dataset_loss"].display \
        if "dataset_loss" in window.lesson.formulas.cards \
        else next(iter(window.lesson.formulas.cards.values())).display
    assert isinstance(formula, FormulaWidget)
    formula_before = formula.sizeHint().height()
    assert QFontInfo(window.note_label.font()).pixelSize() < 24
    window.set_presentation(True, QSize(1920, 1080))
    qtbot.waitUntil(lambda: window.width() == 1920 and window.height() == 1080, timeout=WAIT_MS)
    QApplication.processEvents()
    assert window.controls_dock.isHidden() and window.presentation.bar.isVisible()
    labels = body_labels(window.lesson)
    assert len(labels) > 10
    small = [(lab.text()[:40], QFontInfo(lab.font()).pixelSize()) for lab in labels
             if QFontInfo(lab.font()).pixelSize() < 24]
    assert not small
    assert QFontInfo(window.note_label.font()).pixelSize() >= 24
    assert QFontInfo(window.presentation.bar.state_label.font()).pixelSize() >= 20
    assert formula.sizeHint().height() >= 1.8 * formula_before        # formulas follow the type
    # the canvas is the largest thing on the screen
    assert window.canvas.width() >= 0.5 * 1920 and window.canvas.height() >= 0.45 * 1080
    # the slim bar states the run: play state, B, η, the clock in force
    text = window.presentation.bar.text()
    for part in ("paused", "B = 16", "η = 0.08", "clock: per update", "ticks/s"):
        assert part in text
    key(qtbot, window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "playing" in window.presentation.bar.text(), timeout=WAIT_MS)
    key(qtbot, window, Qt.Key.Key_Escape)
    assert not window.presentation.active
    qtbot.waitUntil(lambda: not window.presentation.busy)
    assert QFontInfo(window.note_label.font()).pixelSize() < 24
    assert all(QFontInfo(lab.font()).pixelSize() < 24 for lab in body_labels(window.lesson)
               if lab.textFormat() != Qt.TextFormat.RichText or "font-size" not in lab.text())
    assert window.controls_dock.isVisible()


def test_presentation_remembers_its_own_layout(qtbot, window):
    window.set_presentation(True, (1600, 900))
    key(qtbot, window, Qt.Key.Key_G)                   # show the counters while presenting
    assert window.progress_dock.isVisible()
    key(qtbot, window, Qt.Key.Key_L)
    assert window.lesson_dock.isHidden()
    window.set_presentation(False)
    assert window.lesson_dock.isVisible()              # the normal layout is back
    window.set_presentation(True, (1600, 900))
    assert window.lesson_dock.isHidden() and window.progress_dock.isVisible()
    window.set_presentation(False)


# themes ---------------------------------------------------------------------------------------
def hue(color: str) -> float:
    c = QColor(color)
    return colorsys.rgb_to_hsv(c.redF(), c.greenF(), c.blueF())[0] * 360


def test_theme_switch_changes_background_and_keeps_the_method_colours(qtbot, window):
    def trail_colors():
        return {k: window.canvas.trails[k].opts["pen"].color().name().upper()
                for k in METHOD_KEYS}

    assert trail_colors() == {k: METHOD_COLORS[k].upper() for k in METHOD_KEYS}
    light_bg = window.canvas.backgroundBrush().color().name()
    window.classroom.set_theme("dark")
    dark_bg = window.canvas.backgroundBrush().color().name()
    assert light_bg != dark_bg and QColor(dark_bg).lightness() < 60
    assert QColor(light_bg).lightness() > 240
    for k, color in trail_colors().items():
        assert abs((hue(color) - hue(METHOD_COLORS[k]) + 180) % 360 - 180) < 25, k
        assert color == DARK.color(k).upper()
    # the widgets follow: a dark palette, light text
    assert is_dark(QApplication.palette())
    qtbot.waitUntil(lambda: window.lesson.palette().window().color().lightness() < 80,
                    timeout=WAIT_MS)
    assert window.lesson.palette().windowText().color().lightness() > 200
    # the landscape map is a one-hue luminance ramp in both themes (colour-blind safe)
    for theme in (LIGHT, DARK):
        stops = [QColor(c) for _p, c in theme.colormap_stops]
        lightness = [c.lightness() for c in stops]
        assert lightness == sorted(lightness) or lightness == sorted(lightness, reverse=True)
        chroma = [max(c.red(), c.green(), c.blue()) - min(c.red(), c.green(), c.blue())
                  for c in stops]
        assert max(chroma) < 40          # a grey with a hint of blue: no hue of its own


# lesson presets ----------------------------------------------------------------------------------
def test_lesson_presets_are_listed_in_order_and_show_their_note(qtbot, window):
    entries = window.lessons_menu.entries
    names = [e.name for e in entries]
    assert names[:6] == ["lesson-1-rhythms", "lesson-2-batch-slider", "lesson-3-noise-law",
                         "lesson-4-lr-and-batch", "lesson-5-saddle", "lesson-6-sharp-flat"]
    assert names[-1] == lessons_menu.NETWORK_LESSON
    menu_texts = [a.text() for a in window.lessons_menu.menu.actions()]
    assert any("One minimum, three rhythms" in t for t in menu_texts)
    for i, entry in enumerate(entries[:6]):
        assert entry.scenario.title and entry.scenario.note
        assert window.lessons_menu.go(i)
        assert window.scenario.name == entry.name
        assert entry.scenario.title in window.note_label.text()
        assert entry.scenario.note[:40] in window.note_label.text()
        assert window.note_label.isVisible()
        assert window.lessons_menu.actions_[i].isChecked()
    generation = window.state.generation
    qtbot.waitUntil(lambda: window.state.generation > generation - 5 and
                    window.snapshot.method("mini_batch").batch_size == 8, timeout=WAIT_MS)


def test_the_network_lesson_is_handled_when_absent(qtbot, tmp_path, monkeypatch, make_window):
    from gdviz import scenario as sc
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for path in sc.builtin_dir().glob("1*-lesson-*.toml"):
        shutil.copy(path, folder)
    monkeypatch.setattr(sc, "builtin_dir", lambda: folder)
    entries = lessons_menu.lesson_entries()
    assert entries[-1].name == lessons_menu.NETWORK_LESSON and not entries[-1].available
    assert "not installed" in entries[-1].reason
    last = entries[-2].name          # the last analytic lesson
    w = make_window(last)
    assert not w.lessons_menu.actions_[-1].isEnabled()
    key(qtbot, w, Qt.Key.Key_PageDown)
    assert w.scenario.name == last
    assert "not available" in w.statusBar().currentMessage()


def test_gdviz_scenarios_lists_the_lessons(capsys):
    from gdviz.cli import main
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    for name in ("lesson-1-rhythms", "lesson-4-lr-and-batch", "lesson-6-sharp-flat"):
        assert name in out
    assert out.index("default") < out.index("lesson-1-rhythms") < out.index("lesson-6-sharp-flat")


# settings ---------------------------------------------------------------------------------------
def test_settings_survive_a_restart(qtbot, isolated, make_window):
    assert settings_path().parent == isolated
    first = make_window("lesson-1-rhythms")
    first.restore_settings()
    key(qtbot, first, Qt.Key.Key_T)
    key(qtbot, first, Qt.Key.Key_L)
    first.lessons_menu.go(2)
    first.resize(first.width(), 700)   # (the offscreen screen is 800 px: stay inside it)
    QApplication.processEvents()
    first.close()
    assert settings_path().exists()

    scenario = startup_scenario()
    assert scenario.name == "lesson-3-noise-law"
    second = make_window(scenario, show=False)
    second.restore_settings()
    second.show()
    qtbot.waitExposed(second)
    assert second.theme is DARK and is_dark(QApplication.palette())
    assert second.lesson_dock.isHidden() and second.controls_dock.isVisible()
    assert second.height() == 700
    assert not second.classroom.panel_actions["lesson"].isChecked()

    # a plain `gdviz` opens 'default' and offers the last scenario under File
    from gdviz.scenario import load
    third = make_window(load("default"), show=False)
    third.restore_settings()
    reopen = [a for a in third.file_menu.actions() if a.text().startswith("Reopen")]
    third.close()
    assert len(reopen) == 1

    second.classroom.restore_defaults()
    assert second.theme is LIGHT and second.lesson_dock.isVisible()
    assert second.size() == QSize(1440, 900)
    second.close()
    third = make_window("lesson-1-rhythms", show=False)
    third.restore_settings()
    assert third.theme is LIGHT


def test_a_window_touches_no_settings_unless_asked(qtbot, isolated, make_window):
    w = make_window("lesson-1-rhythms")
    key(qtbot, w, Qt.Key.Key_T)
    w.close()
    assert not settings_path().exists()


def test_a_worker_less_copy_keeps_its_theme_to_itself(qtbot, window):
    """The exporter renders a hidden MainWindow without a worker: its theme must not recolour
    the window on screen."""
    copy = MainWindow(load("lesson-1-rhythms"), start_worker=False)
    try:
        copy.apply_theme(DARK)
        assert not is_dark(QApplication.palette())
        assert is_dark(copy.palette())
        assert window.theme is LIGHT
    finally:
        copy.close()
        copy.deleteLater()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_reopen_of_a_scenario_that_broke_since_start_up_says_so(qtbot, tmp_path, make_window):
    """File ▸ Reopen on a file deleted after start-up: a status-bar line, the run on screen kept
    (it raised uncaught before)."""
    from gdviz.ui.settings import open_settings
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\nlandscape = "ravine"\n', encoding="utf-8")
    s = open_settings()
    s.setValue("scenario/last", str(path))
    s.sync()
    w = make_window("default", show=False)
    w.restore_settings()
    reopen = [a for a in w.file_menu.actions() if a.text().startswith("Reopen")]
    assert len(reopen) == 1
    path.unlink()
    reopen[0].trigger()
    assert "Could not reopen" in w.statusBar().currentMessage()
    assert "mine.toml" in w.statusBar().currentMessage()
    assert w.scenario.name == "default"
    assert not [a for a in w.file_menu.actions() if a.text().startswith("Reopen")]
