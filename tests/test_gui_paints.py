"""The GUI thread draws each snapshot once: one paint per frame, unchanged items left alone,
and panels that redraw at most PANEL_HZ times a second while playing."""
import time

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from gdviz.scenario import load
from gdviz.ui.canvas import ContourCanvas
from gdviz.ui.contours import landscape_view
from gdviz.ui.main_window import MainWindow
from gdviz.ui.panels.losses import LossCurves
from gdviz.ui.worker import WorkerState


def snapshots(count, clock="updates"):
    sim = load("default").with_changes(clock=clock).build()
    view = landscape_view(sim.landscape)
    out = []
    for i in range(count):
        sim.advance_to(5 + i)
        out.append(sim.snapshot(1))
    return view, out


def settle():
    for _ in range(3):
        QApplication.processEvents()


def paints_per_frame(widget_class, frames, setup):
    counts = [0]

    class Counting(widget_class):
        def paintEvent(self, event):
            counts[-1] += 1
            super().paintEvent(event)

    widget = Counting()
    widget.resize(900, 600)
    widget.show()
    setup(widget)
    settle()
    per_frame = []
    for show in frames:
        counts.append(0)
        show(widget)
        settle()
        per_frame.append(counts[-1])
    widget.close()
    return per_frame


def test_the_canvas_paints_once_per_snapshot(qtbot):
    # ArrowItem.setStyle from paintEvent scheduled a second paint of every frame
    view, snaps = snapshots(8)
    counts = paints_per_frame(ContourCanvas, [lambda w, s=s: w.show_snapshot(s) for s in snaps],
                              lambda w: w.set_landscape(view))
    assert counts[2:] == [1] * (len(snaps) - 2)


def test_an_unchanged_snapshot_repaints_nothing(qtbot):
    view, snaps = snapshots(3)
    counts = paints_per_frame(ContourCanvas, [lambda w: w.show_snapshot(snaps[-1])] * 3,
                              lambda w: w.set_landscape(view))
    assert counts[1:] == [0, 0]


def test_heads_point_along_their_arrows_on_screen(qtbot):
    """The axes have different scales, so a head turned in data coordinates would point off
    its shaft: 10 px behind each solid arrow's tip, 2.5 px to either side, is the head (the
    method's colour), wider than the shaft's dark outline there."""
    from PySide6.QtGui import QColor
    view, snaps = snapshots(4)
    canvas = ContourCanvas()
    canvas.resize(900, 600)
    canvas.show()
    canvas.set_landscape(view)
    settle()
    snap = snaps[-1]
    for key in ("full_batch", "stochastic"):     # one arrow: no other arrow near its head
        canvas.set_method_visible(key, False)
    canvas.show_snapshot(snap)
    settle()
    arrow = canvas.arrows["mini_batch"]
    image = canvas.grab().toImage()
    base, tip = canvas.pixel_of(*arrow.base), canvas.pixel_of(*arrow.taken)
    d = np.array([tip.x() - base.x(), tip.y() - base.y()], float)
    assert np.hypot(*d) > 40
    d /= np.hypot(*d)
    normal = np.array([-d[1], d[0]])
    want = QColor(canvas.theme.color("mini_batch"))
    for side in (-1, 1):
        p = np.array([tip.x(), tip.y()]) - 10 * d + side * 2.5 * normal
        got = image.pixelColor(int(round(p[0])), int(round(p[1])))
        assert abs(got.red() - want.red()) + abs(got.green() - want.green()) + \
            abs(got.blue() - want.blue()) < 60, (side, got.name(), want.name())
    canvas.close()


def test_the_loss_curves_paint_once_per_snapshot(qtbot):
    # the auto-range ran while painting and scheduled a second paint
    _, snaps = snapshots(6)
    counts = paints_per_frame(LossCurves, [lambda w, s=s: w.show_snapshot(s) for s in snaps],
                              lambda w: None)
    assert counts[2:] == [1] * (len(snaps) - 2)


@pytest.fixture
def window(make_window):
    return make_window("default", size=(1280, 800), wait_snapshot=False, start_worker=False)


def test_panels_wait_while_playing_and_catch_up_on_pause(window):
    _, snaps = snapshots(3)
    window.on_snapshot(snaps[0])
    assert window.counters.cards["stochastic"].values["updates"].text() == \
        f"{snaps[0].method('stochastic').updates:,}"
    window.on_state(WorkerState(True, 20.0, 0))
    window._panels_time = time.perf_counter() + 3600    # as if the panels were just drawn
    window.on_snapshot(snaps[2])
    assert window.canvas._snapshot is snaps[2]                      # the canvas at once
    assert window.counters.cards["stochastic"].values["updates"].text() == \
        f"{snaps[0].method('stochastic').updates:,}"                # the panels later
    assert window._panel_timer.isActive()
    window.on_state(WorkerState(False, 20.0, 0))                   # paused: at once
    assert window.counters.cards["stochastic"].values["updates"].text() == \
        f"{snaps[2].method('stochastic').updates:,}"
    assert not window._panel_timer.isActive()


def test_formulas_typeset_in_the_background_while_playing(qtbot):
    import threading

    from gdviz.ui import formula

    widget = formula.FormulaWidget(r"x = 1")
    qtbot.addWidget(widget)
    widget.show()
    threads = []
    original = formula.latex_svg

    def spy(latex, color="black"):
        threads.append(threading.current_thread() is threading.main_thread())
        return original(latex, color)

    new = r"\theta = (0.123456, -0.98765)"
    formula.latex_svg.cache_clear()
    try:
        formula.latex_svg = spy
        with formula.typeset_in_background(True):
            assert widget.set_latex(new) is False      # not rendered now ...
        assert widget.latex() == new                    # ... but on its way
        qtbot.waitUntil(lambda: widget._latex == new, timeout=10_000)
    finally:
        formula.latex_svg = original
    assert threads[0] is False                          # typeset off the GUI thread
    assert widget.renderer().isValid()
    # paused (the default): synchronous, as before
    assert widget.set_latex(r"y = 2") is True and widget._latex == r"y = 2"


def _pixels(image):
    from PySide6.QtGui import QImage
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    return np.frombuffer(image.constBits(), np.uint8).reshape(
        image.height(), image.bytesPerLine()).copy()


def test_partial_repaints_leave_the_screen_as_a_full_repaint_would(qtbot):
    """Each frame repaints only where the moving parts were and are (issue 16). What the
    window's backing store holds after many such frames (grabWindow reads it; a hidden trail,
    a restart and a thinned trail included) must equal a repaint of everything (grab)."""
    sim = load("default").with_changes(clock="updates").build(trail_capacity=128)
    view = landscape_view(sim.landscape)
    canvas = ContourCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(900, 600)
    canvas.show()
    canvas.set_landscape(view)
    settle()
    first = None
    for i in range(200):                          # past 128 points: the trails thin out
        sim.advance_to(1 + i)
        snap = sim.snapshot(1)
        first = first or snap
        canvas.show_snapshot(snap)
        if i == 60:
            canvas.set_method_visible("stochastic", False)
        if i == 120:
            canvas.set_method_visible("stochastic", True)
        settle()
    canvas.show_snapshot(first)                   # a restart: short trails, markers jump back
    settle()
    _assert_screen_is_full_repaint(canvas)
    # each layer alone: a marker jumps, a tail shrinks elsewhere, the arrows go
    from dataclasses import replace
    view_rect = canvas.getPlotItem().getViewBox().viewRect()
    corner = (view_rect.left() + 0.05 * view_rect.width(), view_rect.top() + 0.05 * view_rect.height())
    for key, marker in list(canvas.moving.markers.markers.items()):
        canvas.moving.markers.set_marker(key, replace(marker, x=corner[0], y=corner[1]))
    settle()
    _assert_screen_is_full_repaint(canvas)
    for key in ("full_batch", "mini_batch", "stochastic"):
        canvas.moving.lines.set_tail(key, np.array([corner, corner]) + [[0, 0], [0.1, 0.1]])
    canvas.moving.lines.set_arrows([])
    settle()
    _assert_screen_is_full_repaint(canvas)


def _assert_screen_is_full_repaint(canvas):
    shown = canvas.screen().grabWindow(canvas.winId()).toImage()
    full = canvas.grab().toImage()
    assert shown.size() == full.size()
    # (cached layers can differ in the last bit of a few antialiased pixels; a stale part is
    # a difference of tens of levels)
    diff = np.abs(_pixels(shown).astype(int) - _pixels(full).astype(int))
    assert np.count_nonzero(diff > 8) == 0


def test_an_empty_formula_is_typeset_in_the_background_while_playing(qtbot, monkeypatch):
    # the real network's first numbers arrive while playing: eleven formulas typeset on the GUI
    # thread stalled that frame for most of a second
    from gdviz.ui import formula

    widget = formula.FormulaWidget()
    qtbot.addWidget(widget)
    widget.show()
    formula.latex_svg.cache_clear()
    formula._READY.clear()
    queued = []
    original = formula._typeset_later
    monkeypatch.setattr(formula, "_typeset_later",
                        lambda latex, color: (queued.append(latex), original(latex, color))[1])
    texts = [rf"\theta = (0.2468{i}, -0.1357{i})" for i in range(4)]
    with formula.typeset_in_background(True):
        for text in texts:                          # newer numbers while the first is typeset
            assert widget.set_latex(text) is False
    assert widget.latex() == texts[-1]
    assert queued == texts[:1]                      # one at a time: no backlog of stale numbers
    qtbot.waitUntil(lambda: widget._latex == texts[-1], timeout=10_000)
    assert queued == [texts[0], texts[-1]] and widget.renderer().isValid()


def mlp_snapshots(count):
    pytest.importorskip("torch")
    sim = load("mlp-moons").with_changes(n_examples=120, batch_size=16, epochs=50).build()
    out = []
    for i in range(count):
        sim.advance_to(8 * (i + 1))
        out.append(sim.snapshot(1))
    return out


def test_the_network_panel_waits_while_playing_like_the_other_panels(qtbot):
    snaps = mlp_snapshots(3)
    w = MainWindow(load("mlp-moons"), start_worker=False)
    qtbot.addWidget(w)
    # made with the window and shown with it: not built or laid out in a playing frame
    assert w.network_panel is not None and not w.network_dock.isVisible()
    w.resize(1280, 800)
    w.show()
    assert w.network_dock.isVisible() and w.snapshot is None
    w.on_snapshot(snaps[0])
    assert w.network_dock.isVisible()

    def drawn():
        return w.network_panel.loss_lines["stochastic"].getData()[0][-1]

    assert drawn() == snaps[0].method("stochastic").loss_curve[-1, 0]
    w.on_state(WorkerState(True, 20.0, 0))
    w._panels_time = time.perf_counter() + 3600    # as if the panels were just drawn
    w.on_snapshot(snaps[2])
    assert w.canvas._snapshot is snaps[2]                               # the canvas at once
    assert drawn() == snaps[0].method("stochastic").loss_curve[-1, 0]  # the network later
    w.on_state(WorkerState(False, 20.0, 0))                            # paused: at once
    assert drawn() == snaps[2].method("stochastic").loss_curve[-1, 0]
    w.close()


def test_the_network_panel_redraws_at_most_network_hz_while_playing(qtbot):
    from gdviz.ui.main_window import NETWORK_HZ
    snaps = mlp_snapshots(4)
    w = MainWindow(load("mlp-moons"), start_worker=False)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    w.on_snapshot(snaps[0])

    def drawn():
        return w.network_panel.loss_lines["stochastic"].getData()[0][-1]

    w.on_state(WorkerState(True, 20.0, 0))
    w._panels_time = float("-inf")                 # the other panels are due ...
    w._network_time = time.perf_counter()          # ... the network's was just drawn
    w.on_snapshot(snaps[1])
    assert w.counters.cards["stochastic"].values["updates"].text() == \
        f"{snaps[1].method('stochastic').updates:,}"                   # the counters now
    assert drawn() == snaps[0].method("stochastic").loss_curve[-1, 0]  # the network later
    w._panels_time = float("-inf")
    w._network_time = time.perf_counter() - 1.0 / NETWORK_HZ          # now it is due
    w.on_snapshot(snaps[2])
    assert drawn() == snaps[2].method("stochastic").loss_curve[-1, 0]
    w._panels_time = float("-inf")
    w._network_time = time.perf_counter()
    w.on_snapshot(snaps[3])
    assert drawn() == snaps[2].method("stochastic").loss_curve[-1, 0]
    w.on_state(WorkerState(False, 20.0, 0))                            # paused: at once
    assert drawn() == snaps[3].method("stochastic").loss_curve[-1, 0]
    w.close()


def test_a_frame_with_a_new_landscape_picture_leaves_the_panels_to_the_next(window):
    view, snaps = snapshots(3)
    window.on_landscape(view)
    window.on_snapshot(snaps[0])
    window.on_state(WorkerState(True, 20.0, 0))

    def counted():
        return window.counters.cards["stochastic"].values["updates"].text()

    window._panels_time = float("-inf")                 # the panels are due ...
    window.on_landscape(view)                           # ... but this frame repaints the plot
    window.on_snapshot(snaps[1])
    assert window.canvas._snapshot is snaps[1]
    assert counted() == f"{snaps[0].method('stochastic').updates:,}"
    window.on_snapshot(snaps[2])                        # the next frame draws them
    assert counted() == f"{snaps[2].method('stochastic').updates:,}"


def test_at_start_up_formulas_are_typeset_after_the_first_frame(qtbot):
    """Typesetting the lesson's formulas took ~0.7 s before the window's first frame (issue
    16: start-up <= 1.5 s); the app now holds them until that frame, then typesets them in the
    background."""
    from gdviz.ui import formula
    formula.defer_typesetting()
    try:
        widget = formula.FormulaWidget(r"\beta_{start} + 16")
        qtbot.addWidget(widget)
        assert widget.latex() == r"\beta_{start} + 16" and not widget.renderer().isValid()
        qtbot.wait(50)
        assert not widget.renderer().isValid()          # held: nothing typeset yet
    finally:
        formula.resume_typesetting()
    qtbot.waitUntil(lambda: widget.renderer().isValid(), timeout=10_000)


def test_the_app_resumes_typesetting_once_the_first_frame_is_drawn(qtbot):
    from gdviz.ui import app as app_module
    from gdviz.ui import formula
    w = MainWindow(load("default"))
    qtbot.addWidget(w)
    formula.defer_typesetting()
    try:
        app_module._after_first_frame(w, formula.resume_typesetting)
        w.resize(1280, 800)
        w.show()
        qtbot.waitUntil(lambda: not formula._STARTUP, timeout=10_000)
    finally:
        formula.resume_typesetting()
    w.close()


def test_a_typeset_formula_costs_the_other_waiting_widgets_no_palette_lookup(qtbot, monkeypatch):
    """Every widget waiting for a formula hears every formula the background thread finishes.
    Each looked its palette up before comparing texts: with the lesson's ~100 widgets and its
    first formulas landing together that held the GUI thread ~0.3 s right after start-up."""
    from gdviz.ui import formula
    from gdviz.ui.formula import FormulaWidget
    widgets = [FormulaWidget("") for _ in range(30)]
    for w in widgets:
        qtbot.addWidget(w)
    texts = [rf"\eta = 0.{i:03d}17" for i in range(len(widgets))]
    with formula.typeset_in_background(True):
        for w, text in zip(widgets, texts):
            assert w.set_latex(text) is False
    lookups = []
    original = FormulaWidget._svg_color
    monkeypatch.setattr(FormulaWidget, "_svg_color",
                        lambda self: (lookups.append(self), original(self))[1])
    qtbot.waitUntil(lambda: all(w._latex == t for w, t in zip(widgets, texts)), timeout=20_000)
    # each widget looks its colour up for its own formula, not for the 29 others'
    assert len(lookups) <= 2 * len(widgets), len(lookups)


def test_formulas_held_at_start_up_are_typeset_on_the_gui_thread_one_per_turn(qtbot, monkeypatch):
    """In the background thread, the start-up burst of formulas took the GIL from every Python
    call the window's first layouts make (0.3-0.6 s gaps, nothing pressed: benchmarks/stalls.py
    --startup); typeset one per turn of the event loop, each turn is one formula."""
    import threading
    from gdviz.ui import formula
    texts = [rf"\gamma_{{{i}}} = {i}.25" for i in range(4)]
    calls = []
    original = formula.latex_svg

    def spy(latex, color="black"):
        calls.append((latex, threading.current_thread() is threading.main_thread()))
        return original(latex, color)
    monkeypatch.setattr(formula, "latex_svg", spy)
    formula.defer_typesetting()
    try:
        widgets = [formula.FormulaWidget(t) for t in texts]
        for w in widgets:
            qtbot.addWidget(w)
        assert calls == []                                  # held until the first frame
    finally:
        formula.resume_typesetting()
    # none in the turn that resumes (the first frame's paint turn), then one per turn
    assert calls == []
    qtbot.waitUntil(lambda: all(w.renderer().isValid() for w in widgets), timeout=10_000)
    assert {latex for latex, _ in calls} >= set(texts)
    assert all(on_main for _, on_main in calls)


def test_timers_and_input_run_between_two_held_formulas(qtbot, monkeypatch):
    """The held formulas followed one another as zero-delay single shots: posted events,
    which Qt delivers one after another before any timer, so a turn held two to five formulas
    (150-250 ms with F5 pressed right after start-up, benchmarks/stalls.py --startup). A timer
    due between two formulas now runs between them."""
    import time
    from PySide6.QtCore import Qt, QTimer
    from gdviz.ui import formula
    texts = [rf"\delta_{{{i}}} = {i}.75" for i in range(6)]
    events = []
    original = formula.latex_svg

    def slow_spy(latex, color="black"):
        if events and events[-1] == latex:      # the widget's own render of the same formula
            return original(latex, color)
        events.append(latex)
        until = time.perf_counter() + 0.012      # longer than the probe's interval
        while time.perf_counter() < until:
            pass
        return original(latex, color)
    monkeypatch.setattr(formula, "latex_svg", slow_spy)
    probe = QTimer()
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    probe.setInterval(2)
    probe.timeout.connect(lambda: events.append("tick"))
    formula.defer_typesetting()
    try:
        widgets = [formula.FormulaWidget(t) for t in texts]
        for w in widgets:
            qtbot.addWidget(w)
    finally:
        probe.start()
        formula.resume_typesetting()
    qtbot.waitUntil(lambda: all(w.renderer().isValid() for w in widgets), timeout=10_000)
    probe.stop()
    jobs = [i for i, e in enumerate(events) if e != "tick"]
    assert len(jobs) >= len(texts)
    back_to_back = sum(1 for a, b in zip(jobs, jobs[1:]) if b == a + 1)
    assert back_to_back == 0, events
