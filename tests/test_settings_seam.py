"""The seam between the controls and the run: settings changed as a user changes them must hold.

Each test drives the window as a user would (the control panel's widgets, a click on the canvas,
File ▸ Export) and reads back what is actually running (the snapshot on screen) and what an
export would record.
"""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

import gdviz.scenario as scenario_module  # noqa: E402
from gdviz.export.dialog import open_export_dialog  # noqa: E402

WAIT_MS = 10_000
FULL_START = (-3.0, 1.5)


@pytest.fixture
def window(make_window):
    # as the app builds it: lr 0.08, sgd, B = 16, constant, seed 7, per-update clock
    return make_window("default", exporter=open_export_dialog)


def choose(combo, key) -> None:
    """Pick an item of a combo box as a user does (activated and currentIndexChanged fire)."""
    index = combo.findData(key)
    assert index >= 0, key
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def shown(w):
    """The run on screen: the last snapshot drawn."""
    return w.snapshot


def wait_for(qtbot, condition) -> None:
    qtbot.waitUntil(condition, timeout=WAIT_MS)


def set_everything(qtbot, w) -> None:
    """η = 0.5, Adam, B = 64, a step schedule and a moved start, all without a reset."""
    c = w.controls
    c.lr_spin.setValue(0.5)
    choose(c.optimizer_combo, "adam")
    c.batch_spin.setValue(64)
    choose(c.schedule_combo, "step")
    w.canvas.start_requested.emit("full_batch", *FULL_START)   # a click on the canvas
    wait_for(qtbot, lambda: tuple(shown(w).method("full_batch").start) == FULL_START
             and shown(w).method("mini_batch").batch_size == 64
             and shown(w).method("mini_batch").lr == 0.5)


def assert_kept(w, starts_kept=True) -> None:
    c = w.controls
    snap = shown(w)
    assert c.lr_spin.value() == 0.5
    assert c.optimizer_combo.currentData() == "adam"
    assert c.schedule_combo.currentData() == "step"
    assert c.batch_spin.value() == 64
    assert snap.method("mini_batch").batch_size == 64
    assert snap.method("mini_batch").lr == 0.5      # step schedule: η until the first drop
    assert snap.method("full_batch").lr == 0.5
    if starts_kept:
        assert tuple(snap.method("full_batch").start) == FULL_START
    s = w.scenario
    assert (s.lr, s.optimizer, s.schedule, s.batch_size) == (0.5, "adam", "step", 64)


def test_settings_survive_each_reset(qtbot, window):
    """η, the update rule, B, the schedule and a moved start survive a new seed, a new clock and
    Reset; a new landscape keeps all but the start point (it has bounds of its own)."""
    w, c = window, window.controls
    set_everything(qtbot, w)
    for change in ("seed", "clock", "reset", "landscape"):
        generation = shown(w).generation
        if change == "seed":
            c.seed_spin.setValue(8)
        elif change == "clock":
            choose(c.clock_combo, "examples")
        elif change == "reset":
            c.reset_button.click()
        else:
            choose(c.landscape_combo, "ravine")
        wait_for(qtbot, lambda: shown(w).generation > generation)
        wait_for(qtbot, lambda: shown(w).method("mini_batch").batch_size == 64)
        assert_kept(w, starts_kept=change != "landscape")
    assert w.scenario.seed == 8 and c.seed_spin.value() == 8
    assert shown(w).clock_kind == "examples" and c.clock_combo.currentData() == "examples"
    assert w.scenario.landscape == "ravine"


def test_export_records_the_run_on_screen(qtbot, window):
    w = window
    set_everything(qtbot, w)
    w.controls.seed_spin.setValue(9)
    wait_for(qtbot, lambda: w.scenario.seed == 9 and shown(w).generation > 1)
    wait_for(qtbot, lambda: shown(w).method("mini_batch").batch_size == 64)
    dialog = w.open_export_dialog()
    qtbot.addWidget(dialog)
    spec = dialog.spec().scenario
    snap = shown(w)
    assert (spec.lr, spec.optimizer, spec.schedule, spec.batch_size, spec.seed) == \
        (0.5, "adam", "step", 64, 9)
    assert spec.clock == snap.clock_kind and spec.n_examples == snap.n_examples
    for m in snap.methods:
        assert tuple(spec.starts[m.key]) == tuple(float(v) for v in m.start)
    # and it runs what it records: the same scenario built headless starts where the window did
    sim = spec.build()
    for m in snap.methods:
        assert tuple(sim.run(m.key).start) == tuple(m.start)
        assert sim.run(m.key).batch_size == m.batch_size


def test_one_validation_per_user_change(qtbot, window, monkeypatch):
    w, c = window, window.controls
    calls = []
    original = scenario_module.validate

    def counting(s):
        calls.append(s)
        return original(s)

    monkeypatch.setattr(scenario_module, "validate", counting)
    for change, settled in (
            (lambda: c.batch_spin.setValue(64),
             lambda: shown(w).method("mini_batch").batch_size == 64),
            (lambda: c.lr_spin.setValue(0.5),
             lambda: shown(w).method("mini_batch").lr == 0.5),
            (lambda: c.seed_spin.setValue(3),
             lambda: w.scenario.seed == 3 and shown(w).generation > 1)):
        calls.clear()
        change()
        wait_for(qtbot, settled)
        qtbot.wait(50)          # anything queued behind the change has run
        assert len(calls) == 1, len(calls)


def test_a_refused_change_leaves_the_run_and_the_controls_as_they_were(qtbot, window):
    w, c = window, window.controls
    c.lr_spin.setValue(0.5)
    wait_for(qtbot, lambda: shown(w).method("mini_batch").lr == 0.5)
    c.function_edit.setText("x +* y")
    c.function_edit.returnPressed.emit()
    wait_for(qtbot, lambda: c.function_error.isVisible())
    assert "not a valid expression" in c.function_error.text()
    assert c.function_edit.text() == "x +* y"          # kept, to be corrected
    assert w.scenario.landscape == "regression" and w.scenario.lr == 0.5
    assert c.landscape_combo.currentData() == "regression"
    assert c.lr_spin.value() == 0.5
