"""What the lesson windows promise in their own words: the η-vs-B tooltip names the scenario's
reference batch size, and lesson 3's "press ] three times" reaches B = 64."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


from gdviz.scenario import load  # noqa: E402


def test_lr_scaling_tooltip_names_the_scenarios_reference_batch(make_window):
    w = make_window("lesson-4-lr-and-batch")
    assert w.scenario.lr_reference_batch == 16
    assert w.controls.scaling_combo.toolTip().endswith("relative to B = 16")
    w.load_scenario(load("default"))
    assert w.controls.scaling_combo.toolTip().endswith("relative to B = 32")


def test_lesson_three_reaches_b_64_in_three_presses(make_window):
    w = make_window("lesson-3-noise-law")
    assert "press ] three times to reach B = 64" in w.scenario.note
    assert w.scenario.batch_size == 4
    for _ in range(3):
        w.step_batch_size(+1)
    assert w.scenario.batch_size == 64
