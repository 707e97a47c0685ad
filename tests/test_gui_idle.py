"""Issue 16: what changes several times a second leaves the rest of the window alone: no
relayout of the docks for a counter's new text, no "can't keep up" flicker, no axis re-typeset
for every redraw of the loss curves."""
import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gdviz.scenario import load
from gdviz.ui.panels.counters import StableLabel
from gdviz.ui.panels.losses import LossCurves
from gdviz.ui.panels.round_ranges import x_axis_end


class _LayoutRequests(QObject):
    def __init__(self):
        super().__init__()
        self.count = 0

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


@pytest.mark.parametrize("label_class, relayouts", [(StableLabel, 0), (QLabel, 3)])
def test_a_counter_with_a_new_text_lays_out_its_dock_only_when_it_needs_more_room(
        qtbot, label_class, relayouts):
    parent = QWidget()
    qtbot.addWidget(parent)
    label = label_class("1,000,000")
    QVBoxLayout(parent).addWidget(label)
    parent.show()
    qtbot.wait(10)
    requests = _LayoutRequests()
    parent.installEventFilter(requests)
    for text in ("1,000,001", "999", "12,345"):      # no more room needed
        label.setText(text)
        qtbot.wait(5)
    assert requests.count == relayouts
    assert label.text() == "12,345"
    label.setText("1,000,000,000,000")                # more room: the layout runs once
    qtbot.wait(5)
    assert label.width() >= label.sizeHint().width()


def test_can_not_keep_up_follows_only_a_verdict_that_holds(qapp):
    from gdviz.experiment import Experiment
    from gdviz.ui.worker import BEHIND_HOLD_S, SimulationWorker
    worker = SimulationWorker(Experiment(load("default")))
    states = []
    worker.state_changed.connect(states.append)
    t = 0.0
    for i in range(200):                   # behind every other 16 ms frame: no flicker
        worker._note_behind(i % 2 == 0, t)
        t += 0.016
    assert states == [] and not worker._behind
    start = t
    while t - start <= BEHIND_HOLD_S + 0.05:   # behind for good: said once
        worker._note_behind(True, t)
        t += 0.016
    assert [s.behind for s in states] == [True]
    for _ in range(100):
        worker._note_behind(False, t)
        t += 0.016
    assert [s.behind for s in states] == [True, False]


def test_the_clock_axis_of_the_loss_curves_grows_in_round_steps(qtbot):
    import numpy as np
    # (round, and fitted to the data: at most ~20 % past the newest clock)
    assert [x_axis_end(c) for c in (0, 0.5, 1, 1.5, 2, 3, 12, 120, 130, 501, 999)] == \
        [1, 0.5, 1, 1.6, 2, 3, 12, 120, 140, 520, 1000]
    # a short simulated clock (lesson 7's run ends near 0.08 s) fills its axis too
    assert [x_axis_end(c) for c in (0.0813, 0.003, 0.25)] == [0.082, 0.003, 0.26]
    for x in np.geomspace(1e-4, 1e7, 800):
        assert x <= x_axis_end(x) <= 1.21 * x
    sim = load("default").with_changes(clock="updates").build()
    curves = LossCurves()
    qtbot.addWidget(curves)
    ranges = []
    for ticks in (121, 130, 139, 141):
        sim.advance_to(ticks)
        curves.show_snapshot(sim.snapshot(1))
        ranges.append(tuple(round(v, 6) for v in curves.getPlotItem().getViewBox().viewRange()[0]))
    assert ranges[0] == ranges[1] == ranges[2] != ranges[3]     # 140, then 160
    assert ranges[2][1] >= 139 and ranges[3][1] >= 141


def test_the_loss_axis_limits_are_round_and_hold_the_curves():
    import numpy as np
    from gdviz.ui.panels.round_ranges import round_down, round_up
    assert [round_up(v) for v in (0.03, 0.9, 1.0, 1.01, 19.5, 50.0, -0.03, -19.5, 0.0)] == \
        pytest.approx([0.05, 1, 1, 2, 20, 50, -0.02, -10, 0])
    assert [round_down(v) for v in (0.03, 0.9, 19.5, -0.03, -19.5, 0.0)] == \
        pytest.approx([0.02, 0.5, 10, -0.05, -20, 0])
    for v in np.concatenate([np.geomspace(1e-9, 1e9, 301), -np.geomspace(1e-9, 1e9, 301)]):
        assert round_down(v) <= v <= round_up(v)
        assert abs(round_up(v)) <= 2.5 * abs(v) + 1e-12 and abs(round_down(v)) >= abs(v) / 2.5 - 1e-12


def test_the_loss_curves_stay_inside_the_plot_in_both_scales(qtbot):
    sim = load("default").with_changes(clock="updates").build()
    curves = LossCurves()
    qtbot.addWidget(curves)
    sim.advance_to(300)
    curves.show_snapshot(sim.snapshot(1))
    for log in (False, True, False, True):      # switched while paused: no new snapshot
        curves.set_log_y(log)
        (x0, x1), (y0, y1) = curves.getPlotItem().getViewBox().viewRange()
        for curve in curves.curves.values():
            x, y = curve.getData()
            assert x0 <= x.min() and x.max() <= x1
            assert y0 <= y.min() and y.max() <= y1


def test_a_real_network_in_the_window_keeps_a_trail_the_canvas_can_restroke_in_a_frame():
    pytest.importorskip("torch")
    from gdviz.experiment import MLP_TRAIL_CAPACITY, Experiment
    experiment = Experiment(load("mlp-moons"))
    experiment.sync()
    assert MLP_TRAIL_CAPACITY <= 1024
    for run in experiment.sim.runs:
        assert run.coords.capacity <= MLP_TRAIL_CAPACITY


def test_the_loss_plot_turns_to_log_scale_when_it_spans_a_decade_until_the_user_chooses(qtbot):
    from gdviz.ui.main_window import MainWindow
    scenario = load("default")
    sim = scenario.build()
    window = MainWindow(scenario, start_worker=False)
    qtbot.addWidget(window)
    window.on_snapshot(sim.snapshot())
    window._draw_panels()
    assert not window.log_check.isChecked()          # one point: nothing spans yet
    sim.advance_to(150 * sim.tick_size())
    window.on_snapshot(sim.snapshot())
    window._draw_panels()
    assert window.losses.spans_decades() and window.log_check.isChecked()
    window.log_check.click()                         # the user wants it linear: it stays so
    assert not window.log_check.isChecked() and not window.auto_log
    window.on_snapshot(sim.snapshot())
    window._draw_panels()
    assert not window.log_check.isChecked()
    window.shutdown()
