"""Issue 24, part 3: what generalizes. The lesson's text on small batches and generalization
(resources/lesson/generalization.toml) is checked against the study it states, run here for
every built-in data set; the study picks each B's best eta and reports the seeds' spread."""
import math

import numpy as np
import pytest

pytest.importorskip("torch")

from gdviz.mlp.generalization import (NO_CLEAR, SMALLER_LOWER, lesson_text, study,  # noqa: E402
                                      verdict)
from gdviz.scenario import load  # noqa: E402

TEXT = lesson_text()
STUDY = TEXT["study"]


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    from gdviz.mlp.device import prefer_one_thread
    prefer_one_thread()


@pytest.mark.parametrize("entry", TEXT["datasets"], ids=lambda e: e["scenario"])
def test_the_text_says_what_the_study_shows(entry):
    scenario = load(entry["scenario"])
    result = study(scenario, STUDY["batch_sizes"], seeds=tuple(STUDY["seeds"]))
    small, large = result.points[0], result.points[-1]
    assert verdict(result) == entry["verdict"]
    text = TEXT["text"]
    b_small, b_large = STUDY["batch_sizes"]
    assert f"B = {b_small} ends with a lower validation loss than B = N = {b_large}" in text
    assert b_large == scenario.n_examples and f"After {scenario.epochs:g} epochs" in text
    assert entry["verdict"] == SMALLER_LOWER          # what the text says of every data set
    assert "Its training loss is lower too" in text and small.train < large.train
    assert (f"never exceeds the training loss by more than {STUDY['max_gap']:g} for either "
            f"size") in text
    assert max(p.gap for p in result.points) < STUDY["max_gap"]
    assert "hypothesis" in text and "not a law" in text and "Keskar" in text


def test_each_b_at_its_best_eta_with_the_spread_over_seeds():
    scenario = load("mlp-moons").with_changes(n_examples=100, epochs=2.0)
    r = study(scenario, (10, 100), lrs=(0.05, 0.8), seeds=(0, 1))
    assert r.raw.shape == (2, 2, 2, 3)
    for i, p in enumerate(r.points):
        means = r.raw[i, :, :, 1].mean(axis=1)
        assert p.lr == r.lrs[int(np.argmin(means))]
        j = r.lrs.index(p.lr)
        assert p.val_lo == r.raw[i, j, :, 1].min() and p.val_hi == r.raw[i, j, :, 1].max()
        assert 0.0 <= p.accuracy_lo <= p.accuracy <= p.accuracy_hi <= 1.0
        assert math.isclose(p.gap, p.val - p.train)
    assert verdict(r) in (SMALLER_LOWER, NO_CLEAR, "larger batches lower")


def test_the_lab_plot_draws_a_study(qtbot):
    from gdviz.ui.lab.generalization_plot import GeneralizationPlot
    plot = GeneralizationPlot()
    qtbot.addWidget(plot.widget)
    scenario = load("mlp-moons").with_changes(n_examples=100, epochs=1.0)
    plot.show_result(study(scenario, (10, 100), lrs=(0.2,), seeds=(0, 1)))
    xs, ys = plot.val.getData()
    assert np.allclose(10 ** xs, [10, 100]) and len(plot.train.getData()[1]) == 2
    assert "accuracy" in plot.message.toPlainText()
    plot.set_scenario(load("default"))
    assert "no\nvalidation set" in plot.message.toPlainText()
    plot.close()
