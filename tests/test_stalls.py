"""Issue 25 F: no key holds the GUI thread long. Timing is benchmarks/stalls.py's; these check the
structure that keeps it short: B returns before the lab's plots are built (they follow a turn
each, then the sweep starts), the final state is the one the synchronous path gives, F5 lets the
plots repaint a turn each, and a preset's contours are computed off the GUI thread."""
import threading

import numpy as np
import pyqtgraph as pg
import pytest

from gdviz import scenario as sc
from gdviz.ui.main_window import MainWindow

WAIT_MS = 30_000


@pytest.fixture
def window(qtbot):
    made = []

    def make(scenario):
        # formulas typeset at once: two windows whose layouts are compared must not differ by
        # which background typesetting had landed when they were measured
        w = MainWindow(scenario, synchronous_formulas=True)
        made.append(w)
        w.resize(1280, 860)
        w.show()
        qtbot.waitExposed(w)
        qtbot.waitUntil(lambda: w.snapshot is not None, timeout=WAIT_MS)
        # the panels' live numbers land through a 250 ms throttle (their "now:" lines change
        # the lesson's height): let them land before the window is measured
        qtbot.wait(600)
        return w

    yield make
    for w in made:
        w.close()


def _small():
    return sc.load("ravine").with_changes(n_examples=64, epochs=20.0)


def _curves(plot):
    """What a plot draws: every data item's arrays and every image."""
    out = []
    for item in plot.widget.getPlotItem().items:
        if isinstance(item, (pg.PlotDataItem, pg.PlotCurveItem, pg.ScatterPlotItem)):
            x, y = item.getData()[:2]
            out.append((type(item).__name__, None if x is None else np.asarray(x).tolist(),
                        None if y is None else np.asarray(y).tolist()))
        elif isinstance(item, pg.ImageItem) and item.image is not None:
            out.append(("image", np.asarray(item.image).tolist()))
    return out


def _eager_like(qtbot, lab):
    """The lab's figure as the synchronous path makes it (built and updated at once)."""
    from gdviz.ui.lab.figure import LabFigure
    from gdviz.ui.lab.generalization_plot import GeneralizationPlot
    from gdviz.ui.lab.memory_plot import MemoryPlot
    eager = LabFigure(extra=(MemoryPlot, GeneralizationPlot))
    qtbot.addWidget(eager)
    eager.apply_theme(lab.theme)
    eager.set_scenario(lab.scenario)
    eager.update_result(lab.result)
    assert eager.complete
    return eager


def _record_updates(figure, calls):
    """Record (plot index, result, on screen then) for every plot's ``update``."""
    from gdviz.ui.lab.figure import seen
    for index, plot in enumerate(figure.built_plots()):
        def spy(result, plot=plot, index=index, original=plot.update):
            calls.append((index, id(result), seen(plot.widget)))
            return original(result)
        plot.update = spy


def test_key_b_returns_before_the_plots_are_built_and_they_follow(qtbot, window):
    w = window(_small())
    w.actions_["lab"].trigger()
    lab = w.lab_window
    figure = lab.figure
    # the key's own turn made the window and its placeholders: no plot, no sweep yet
    assert figure.built_plots() == [] and not figure.complete
    assert lab.running and lab.result is None and lab._start_token is not None
    built, calls = [], []
    figure.when_built(lambda: _record_updates(figure, calls))   # before any result
    qtbot.waitUntil(lambda: built.append(len(figure.built_plots())) or None not in
                    figure._built, timeout=WAIT_MS)
    assert len(set(built)) > 2            # built over several turns, not all in one
    qtbot.waitUntil(lambda: not lab.running, timeout=WAIT_MS)
    assert "Done." in lab.header.text()
    qtbot.waitUntil(lambda: figure.idle, timeout=WAIT_MS)
    # only plots on screen were brought up to date, each at most once per result
    assert calls and all(on_screen for _, _, on_screen in calls)
    assert len(set((i, r) for i, r, _ in calls)) == len(calls)
    # the plots scrolled out of view wait (the lab opens smaller than its plots here) ...
    waiting = figure.waiting()
    assert waiting, "the test needs a plot out of view"
    from gdviz.ui.lab.figure import seen
    assert not any(seen(p.widget) for p in waiting)
    # ... until they are scrolled into view
    bar = figure.scroll.verticalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: figure.idle, timeout=WAIT_MS)
    assert len(figure.waiting()) < len(waiting)
    # the staged path ends where the synchronous one (built and updated at once) does
    eager = _eager_like(qtbot, lab)
    staged = lab.plots
    assert figure.complete
    assert [type(p) for p in staged] == [type(p) for p in eager.plots]
    for a, b in zip(staged, eager.plots):
        assert _curves(a) == _curves(b), type(a).__name__
    assert figure.summary.text() == eager.summary.text()
    eager.built_plots()[-1].close()        # the generalization study's thread


def test_a_plot_waits_for_its_turn_and_the_result_it_shows_is_the_latest(qtbot):
    """Results that come faster than the plots follow: the plots that waited go first, and
    every plot ends on the latest result (none drawn with one in between for nothing)."""
    from gdviz.core.lab import Lab, LabSettings, summarize
    from gdviz.ui.lab.figure import LabFigure
    lab = Lab(_small(), LabSettings(batch_sizes=(1, 4, 16, 64), copies=2))
    partials = []
    lab.run(progress=lambda r: partials.append(summarize(lab, r)))
    assert len(partials) >= 3
    figure = LabFigure(columns=3, staged=True)
    qtbot.addWidget(figure)
    figure.resize(1500, 1000)
    figure.show()
    qtbot.waitExposed(figure)
    qtbot.waitUntil(lambda: figure.idle, timeout=WAIT_MS)
    calls = []
    _record_updates(figure, calls)
    figure.update_result(partials[0])
    figure._step()                         # one plot shows the first result (its paint held)
    figure._step()                         # its paint
    figure.update_result(partials[1])      # the others waited: they go first
    assert figure._pending[0] != calls[0][0] and figure._pending[-1] == calls[0][0]
    figure.update_result(partials[2])
    qtbot.waitUntil(lambda: figure.idle, timeout=WAIT_MS)
    assert figure.complete
    last = {}
    for index, result, on_screen in calls:
        assert on_screen
        last[index] = result
    assert set(last) == set(range(len(figure.built_plots())))
    assert set(last.values()) == {id(partials[2])}
    assert len(calls) == len(last) + 1     # one plot drew the first result; none the second


def test_cancel_before_the_plots_are_built_starts_no_sweep(qtbot, window):
    w = window(_small())
    started = []
    w.actions_["lab"].trigger()
    lab = w.lab_window
    lab.runner.start = lambda *a: started.append(a)
    lab.cancel()
    assert not lab.running and "Cancelled" in lab.header.text()
    qtbot.waitUntil(lambda: lab.figure.complete, timeout=WAIT_MS)
    qtbot.wait(50)
    assert started == []
    lab.start(lab.scenario)                # Run again: the plots are built, so it starts now
    assert len(started) == 1


def test_plots_asked_for_are_built_now(qtbot):
    """Exports and tests read ``plots``: built and up to date at once, in their cells."""
    from gdviz.ui.lab.window import LabWindow
    lab = LabWindow()
    qtbot.addWidget(lab)
    assert lab.figure.built_plots() == []
    plots = lab.plots
    assert None not in plots and lab.figure.complete
    assert [c for c in lab.figure.grid.cells] == [p.widget for p in plots]
    lab.shutdown()


def test_f5_lets_the_plots_repaint_a_turn_each(qtbot, window):
    from PySide6.QtWidgets import QGraphicsView
    w = window(_small())
    views = [v for v in w.findChildren(QGraphicsView) if v.isVisible()]
    assert len(views) > 2
    w.set_presentation(True, (1280, 800))
    held = [v for v in views if not v.updatesEnabled()]
    assert len(held) >= len(views) - 1       # all held back in the key's turn
    qtbot.waitUntil(lambda: w.canvas.updatesEnabled(), timeout=5_000)
    assert any(not v.updatesEnabled() for v in views)   # the canvas first, the others later
    qtbot.waitUntil(lambda: all(v.updatesEnabled() for v in views), timeout=5_000)
    w.set_presentation(False)
    assert not w.canvas.updatesEnabled()
    qtbot.waitUntil(lambda: all(v.updatesEnabled() for v in views), timeout=5_000)


def test_a_presets_contours_are_computed_off_the_gui_thread(qtbot, window, monkeypatch):
    import gdviz.ui.contours as contours
    threads = []
    original = contours.contour_lines

    def spy(*args, **kwargs):
        threads.append(threading.current_thread())
        return original(*args, **kwargs)
    monkeypatch.setattr(contours, "contour_lines", spy)
    w = window(_small())
    threads.clear()
    w.lessons_menu.step(+1)                 # Page Down: the first lesson
    qtbot.waitUntil(lambda: len(threads) > 0, timeout=WAIT_MS)
    assert threading.main_thread() not in threads


def test_a_second_heat_map_leaves_the_first_ones_colours(qtbot):
    """pg.colormap.get hands out one cached map: reversing it in place flipped the colours of
    every heat map already built (found by the staged-vs-eager comparison above)."""
    from gdviz.core.lab import Lab, LabSettings
    from gdviz.ui.lab.heatmap_plot import HeatmapPlot
    result = Lab(_small(), LabSettings(batch_sizes=(1, 8, 64), copies=2)).run()
    first = HeatmapPlot()
    first.update(result)
    before = first.image.image.copy()
    HeatmapPlot()
    first.update(result)
    np.testing.assert_array_equal(first.image.image, before)


def _layout(w):
    """Every widget's place, visibility and type size in window *w* (in creation order)."""
    from PySide6.QtGui import QFontInfo
    from PySide6.QtWidgets import QWidget
    out = []
    for child in w.findChildren(QWidget):
        g = child.geometry()
        # (a hidden widget's place is not seen; the counters only ever grow, with the texts they
        # have shown: inside their dock, places depend on which snapshots each window drew)
        shown = child.isVisible() and not w.progress_dock.isAncestorOf(child)
        out.append((type(child).__name__, child.objectName(), shown,
                    (g.x(), g.y(), g.width(), g.height()) if shown else None,
                    QFontInfo(child.font()).pixelSize()))
    g = w.geometry()
    # (where the window itself lies is the window manager's: its size is compared)
    return [("window", w.isFullScreen(), (g.width(), g.height()))] + out


def _settled(qtbot, w):
    """The rhythm strip's caption column sized again for the strip's width: all at once, the
    font change measured it at the old width, and it kept that until the next resize (the
    staged steps measure it after the lesson's relayout; both then agree)."""
    qtbot.wait(50)
    w.rhythm._size_caption_column()
    qtbot.wait(50)


def test_f5_runs_in_turns_unpainted_and_ends_as_the_synchronous_path(qtbot, window):
    from PySide6.QtGui import QFontInfo
    staged, plain = window(_small()), window(_small())
    body = QFontInfo(staged.lesson.font()).pixelSize()
    assert _layout(staged) == _layout(plain)
    for on in (True, False, True, False):
        staged.actions_["presentation"].trigger()          # F5 / F11
        # the key's turn: the mode is on (the check mark follows), the window unpainted, the
        # type not scaled yet; the rest follows a step per turn
        assert staged.presentation.active is on and staged.presentation.busy
        assert not staged.updatesEnabled()
        assert QFontInfo(staged.lesson.font()).pixelSize() == body
        assert staged.actions_["presentation"].isChecked() is on
        qtbot.waitUntil(lambda: not staged.presentation.busy, timeout=WAIT_MS)
        assert staged.updatesEnabled()
        plain.set_presentation(on)                          # all at once, as before
        _settled(qtbot, plain)
        _settled(qtbot, staged)
        a, b = _layout(staged), _layout(plain)
        assert a == b, on
        body = QFontInfo(staged.lesson.font()).pixelSize()


def test_a_second_f5_or_a_call_within_the_steps_finishes_them_first(qtbot, window):
    staged, plain = window(_small()), window(_small())
    staged.actions_["presentation"].trigger()
    assert staged.presentation.busy
    staged.actions_["presentation"].trigger()               # back, before the first ended
    assert not staged.presentation.active
    qtbot.waitUntil(lambda: not staged.presentation.busy, timeout=WAIT_MS)
    plain.set_presentation(True)
    plain.set_presentation(False)
    _settled(qtbot, plain)
    _settled(qtbot, staged)
    assert _layout(staged) == _layout(plain)
    from PySide6.QtGui import QFontInfo
    body = QFontInfo(staged.lesson.font()).pixelSize()
    staged.actions_["presentation"].trigger()
    staged.set_presentation(False)                          # a synchronous call: steps done first
    assert not staged.presentation.busy and staged.updatesEnabled()
    assert not staged.presentation.active and staged.controls_dock.isVisible()
    assert QFontInfo(staged.lesson.font()).pixelSize() == body
    staged.actions_["presentation"].trigger()
    state = staged.presentation.normal_state()              # what settings save on close
    assert not staged.presentation.busy and not state.isEmpty()
    assert staged.controls_dock.isHidden() and staged.updatesEnabled()


def _obstacles_one_by_one(placer):
    """The lab labels' obstacles as they were computed before (a QRectF per point and stretch,
    each point mapped on its own): the reference for the NumPy version."""
    from PySide6.QtCore import QRectF
    vb = placer.item.vb
    rects = []
    for data in placer.item.listDataItems():
        if not data.isVisible():
            continue
        x, y = data.getData()
        if x is None or not len(x):
            continue
        pts = np.array([[p.x(), p.y()] for p in
                        (vb.mapViewToScene(pg.Point(float(a), float(b)))
                         for a, b in zip(x, y) if np.isfinite(a) and np.isfinite(b))])
        if not len(pts):
            continue
        opts = getattr(data, "opts", {})
        if opts.get("symbol") is not None:
            half = opts.get("symbolSize", 8) / 2 + 1
            rects += [QRectF(px - half, py - half, 2 * half, 2 * half) for px, py in pts]
        if opts.get("pen", 1) is not None and len(pts) > 1:
            for (x0, y0), (x1, y1) in zip(pts[:-1], pts[1:]):
                n = int(max(abs(x1 - x0), abs(y1 - y0)) // 4) + 1
                for t in np.linspace(0, 1, n + 1):
                    px, py = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
                    rects.append(QRectF(px - 2, py - 2, 4, 4))
    box = vb.sceneBoundingRect()
    for line in placer.lines:
        if line.isVisible():
            p = vb.mapViewToScene(pg.Point(line.value(), line.value()))
            rects.append(QRectF(box.left(), p.y() - 2, box.width(), 4) if line.angle % 180 == 0
                         else QRectF(p.x() - 2, box.top(), 4, box.height()))
    return rects


def test_the_lab_labels_obstacles_in_numpy_are_the_rectangles_they_were(qtbot):
    """Placing the lab's labels mapped every point and 4-px stretch of every curve as its own
    QRectF (up to 0.3 s of the GUI thread per result); the NumPy version finds the same."""
    from PySide6.QtCore import QRectF
    from gdviz.core.lab import Lab, LabSettings
    from gdviz.ui.lab._plot import _hits
    from gdviz.ui.lab.figure import LabFigure
    result = Lab(_small(), LabSettings(batch_sizes=(1, 4, 16, 64), copies=2)).run()
    figure = LabFigure(columns=2)
    qtbot.addWidget(figure)
    figure.resize(1000, 1100)
    figure.update_result(result)
    figure.show()
    qtbot.waitExposed(figure)
    placers = [p.placer for p in figure.plots if hasattr(p, "placer")]
    assert len(placers) >= 3
    rng = np.random.default_rng(0)
    for placer in placers:
        ref = _obstacles_one_by_one(placer)
        rows = placer.obstacles()
        assert len(ref) > 20
        np.testing.assert_allclose(rows, [[r.left(), r.top(), r.right(), r.bottom()]
                                          for r in ref], rtol=0, atol=1e-9)
        # and a label's rectangle meets one exactly when it met one of the QRectFs
        box = placer.item.vb.sceneBoundingRect()
        for _ in range(200):
            r = QRectF(rng.uniform(box.left(), box.right()), rng.uniform(box.top(), box.bottom()),
                       rng.uniform(1, 80), rng.uniform(1, 30))
            assert _hits(r, rows) == any(r.intersects(o) for o in ref)
        assert _hits(ref[0], rows)


def test_a_summary_that_gains_lines_repaints_no_plot(qtbot):
    """Each result's summary under the plots may gain a line: the plots' viewport shrinks at
    its bottom, and that repainted every plot on screen in one turn."""
    from PySide6.QtCore import QEvent, QObject
    from gdviz.ui.lab.figure import LabFigure
    figure = LabFigure(scroll=True, staged=True)
    qtbot.addWidget(figure)
    figure.resize(900, 700)
    figure.show()
    qtbot.waitExposed(figure)
    qtbot.waitUntil(lambda: figure.idle, timeout=WAIT_MS)
    qtbot.wait(100)
    paints = []

    class Count(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                paints.append(obj)
            return False
    counter = Count()
    views = [p.widget.viewport() for p in figure.built_plots()]
    for view in views:
        view.installEventFilter(counter)
    height = figure.scroll.viewport().height()
    figure.summary.setText("\n".join(["a summary of several lines"] * 5))
    qtbot.waitUntil(lambda: figure.scroll.viewport().height() < height, timeout=5_000)
    qtbot.wait(100)
    assert paints == []
    figure.built_plots()[0].widget.viewport().update()    # (the count sees a plot's paint)
    qtbot.waitUntil(lambda: len(paints) > 0, timeout=5_000)


def test_a_paused_window_typesets_new_formulas_off_the_gui_thread(qtbot, monkeypatch):
    """Right after start-up (paused), the lesson's live formulas were typeset on the GUI thread
    when their first numbers came and whenever they changed: 0.5-1.2 s in one turn after the
    first frame, and any key pressed then waited for it. Only a window asked for synchronous
    formulas (exports, layout tests) typesets them there now."""
    import ziamath
    from gdviz.ui.formula import FormulaWidget
    typeset = []
    real = ziamath.Latex

    def spy(latex, *args, **kwargs):        # (called only for a formula not typeset before)
        typeset.append((threading.current_thread(), latex))
        return real(latex, *args, **kwargs)
    monkeypatch.setattr(ziamath, "Latex", spy)
    # a learning rate no other test uses: the update rule's live line is new to the cache
    w = MainWindow(_small().with_changes(lr=0.0137))
    try:
        w.resize(1280, 860)
        w.show()
        qtbot.waitExposed(w)
        qtbot.waitUntil(lambda: w.snapshot is not None, timeout=WAIT_MS)
        assert not w.state.playing
        live = lambda: [t for t, latex in typeset if "0.0137" in latex]   # noqa: E731
        qtbot.waitUntil(lambda: len(live()) > 0, timeout=WAIT_MS)
        formulas = w.findChildren(FormulaWidget)
        qtbot.waitUntil(lambda: all(f._pending is None for f in formulas), timeout=WAIT_MS)
        assert threading.main_thread() not in live()
        assert any("0.0137" in f.latex() for f in formulas)     # and it is shown
    finally:
        w.close()


def test_the_steps_plot_updated_result_by_result_ends_as_one_updated_once(qtbot):
    """Its regime spans are kept and moved from result to result (made anew each time they
    were a third of its update): the end is what a plot given the last result alone shows."""
    from gdviz.core.lab import Lab, LabSettings, summarize
    from gdviz.ui.lab.steps_plot import StepsPlot
    lab = Lab(_small(), LabSettings(batch_sizes=(1, 2, 4, 8, 16, 32, 64), copies=2))
    partials = []
    lab.run(progress=lambda r: partials.append(summarize(lab, r)))
    assert len(partials) >= 3
    stepped, once = StepsPlot(), StepsPlot()
    made = set()
    for result in partials:
        stepped.update(result)
        made |= {id(r) for r in stepped.item.items if isinstance(r, pg.LinearRegionItem)}
    assert len(made) <= 3                  # one span per regime, kept
    once.update(partials[-1])

    def spans(plot):
        return sorted((r.getRegion(), r.brush.color().getRgb()) for r in
                      plot.item.items if isinstance(r, pg.LinearRegionItem) and r.isVisible())
    assert spans(stepped) == spans(once) and len(spans(once)) >= 1
    assert _curves(stepped) == _curves(once)
    assert [lb.toPlainText() for lb, _ in stepped.placer.labels] == \
        [lb.toPlainText() for lb, _ in once.placer.labels]


def test_a_minimized_lab_waits_and_catches_up_when_restored(qtbot):
    """Results are shown on plots on screen only: none while the lab is minimized, the latest
    once it is restored (its show event schedules the steps again)."""
    from gdviz.core.lab import Lab, LabSettings
    from gdviz.ui.lab.window import LabWindow
    result = Lab(_small(), LabSettings(batch_sizes=(1, 4, 16, 64), copies=2)).run()
    lab = LabWindow()
    qtbot.addWidget(lab)
    try:
        lab.show()
        qtbot.waitExposed(lab)
        qtbot.waitUntil(lambda: lab.figure.idle, timeout=WAIT_MS)
        lab.showMinimized()
        if not lab.isMinimized():
            pytest.skip("this platform does not minimize windows")
        lab.figure.update_result(result)
        qtbot.wait(200)
        assert lab.figure.shown_count == 0          # nothing drawn for no one
        lab.showNormal()
        qtbot.waitUntil(lambda: lab.figure.shown_count > 0 and lab.figure.idle,
                        timeout=WAIT_MS)
    finally:
        lab.shutdown()


def test_a_networks_first_frame_lets_the_plots_paint_a_turn_each(qtbot, window, monkeypatch):
    """A real network's first frame fills every plot at once (the Network dock's five, the
    canvas, the loss and rhythm plots): painted in one turn it held the GUI thread ~0.15 s,
    0.3 s beside the lab's sweep thread (benchmarks/stalls.py --startup --scenario mlp-moons).
    They paint a turn each, the canvas first; later frames paint as before."""
    import dataclasses
    pytest.importorskip("torch")
    from gdviz.ui import staged
    calls = []
    original = staged.stagger_paints
    monkeypatch.setattr(staged, "stagger_paints", lambda win, first=None, delay_ms=0: (
        calls.append((win, first)), original(win, first=first, delay_ms=delay_ms))[1])
    s = sc.load("mlp-moons").with_changes(n_examples=120, batch_size=16)
    s = s.with_changes(mlp=dataclasses.replace(s.mlp, device="cpu", hidden=(8, 8)))
    w = window(s)
    assert calls == [(w, w.canvas)]
    qtbot.waitUntil(lambda: w.canvas.updatesEnabled() and w.network_panel.loss.updatesEnabled(),
                    timeout=5_000)
    w.cmd_step.emit()                       # a later frame of the same run
    before = w.snapshot
    qtbot.waitUntil(lambda: w.snapshot is not before, timeout=WAIT_MS)
    qtbot.wait(100)
    assert len(calls) == 1
