"""Issue 25 B: the mean-of-copies lab's work is bounded at every budget: its worst case is
estimated up front per kind of landscape, and the work it actually does is counted (with the
same model, not the clock) and stopped at the documented limits in one line."""
from __future__ import annotations

import pytest

import gdviz.core.limits as limits
from gdviz import scenario as sc
from gdviz.core.lab import Lab, LabSettings
from gdviz.core.lab_copies import CopiesLab
from gdviz.core.limits import LimitError, copies_kind, copies_lab_estimate

from cli_helpers import refused  # noqa: E402

SMALL = {
    "least_squares": 'landscape = "least_squares"\nn_examples = 64\ndims = 6\n',
    "ravine": 'landscape = "ravine"\nn_examples = 64\n',
    "logistic": 'landscape = "logistic"\nn_examples = 64\n',
    "custom": 'function = "x*x + 3*y*y + sin(x)"\nn_examples = 64\n',
}


def _scenario(tmp_path, text):
    path = tmp_path / "s.toml"
    path.write_text(text + "epochs = 2\n")
    return sc.load(str(path))


@pytest.mark.parametrize("kind", sorted(SMALL))
def test_the_estimate_bounds_the_work_of_a_sweep_that_never_stops_early(tmp_path, kind):
    """η tiny: no run reaches or diverges, every run takes its whole budget; the work counted
    update by update is at most the up-front estimate (and close to it: only the last, partial
    batch of an epoch costs less), and so is the memory its logs held."""
    scenario = _scenario(tmp_path, SMALL[kind])
    sizes = (1, 5, 64)
    lab = Lab(scenario, LabSettings(batch_sizes=sizes, lrs=(1e-9, 2e-9), copies=3))
    assert isinstance(lab, CopiesLab)
    result = lab.run()
    assert (result.steps == result.steps.max(axis=(1, 2), keepdims=True)).all()   # budgets
    dims = lab.landscape.dim
    expression = len(scenario.function or "")
    seconds, nbytes = copies_lab_estimate(64, sizes, 2, 3, 2.0, scenario.drop_last, dims,
                                          copies_kind(scenario.landscape), expression)
    assert 0.9 * seconds < lab.work.seconds <= seconds
    assert 0 < lab.work.peak <= nbytes


def test_the_cost_model_charges_least_squares_a_quadratic_form_not_n_examples():
    """The copies lab evaluates a least-squares loss as J* + ½ eᵀHe: d² terms per run, whatever
    N; logistic regression's loss sums all N examples."""
    quad = limits.copies_run_cost("quadratic", 1, 16_384, 100)
    assert quad == limits.copies_run_cost("quadratic", 1, 1_000_000, 100)
    per = limits.copies_run_cost("per_example", 1, 1000, 2)
    assert limits.copies_run_cost("per_example", 1, 4000, 2) - per == pytest.approx(
        3000 * 2 * limits.COPIES_COSTS["per_example"][1])
    assert limits.copies_run_cost("closed", 1, 1000, 2) == limits.copies_run_cost(
        "closed", 1, 4000, 2)


def test_a_sweep_whose_runs_do_not_stop_is_stopped_at_the_limit_in_one_line(tmp_path,
                                                                              monkeypatch):
    scenario = _scenario(tmp_path, SMALL["ravine"])
    lab = Lab(scenario, LabSettings(batch_sizes=(1, 64), lrs=(1e-9,), copies=2))
    monkeypatch.setattr(limits, "MAX_LAB_SECONDS", 0.02)     # passed up front; 100 updates
    with pytest.raises(LimitError) as info:
        lab.run()
    line = str(info.value)
    assert "\n" not in line and len(line) < 380
    for words in ("stopped at batch size 1", "estimated at", "limits are", "lower the epochs"):
        assert words in line, line
    assert 0.02 < lab.work.seconds < 0.02 + 0.001


def test_the_memory_of_its_logs_is_stopped_at_the_limit(tmp_path, monkeypatch):
    scenario = _scenario(tmp_path, SMALL["least_squares"])
    lab = Lab(scenario, LabSettings(batch_sizes=(1,), lrs=(1e-9,), copies=4))
    monkeypatch.setattr(limits, "MAX_LAB_BYTES", lab.work.nbytes + 50 * (2 * 4 * 8 + 120))
    with pytest.raises(LimitError, match="stopped at batch size 1"):
        lab.run()


def test_the_cli_and_the_lab_window_say_the_line(tmp_path, monkeypatch, capsys, qtbot):
    # B = 4 (swept first) within it, B = 1's 512 updates past it; not refused up front
    monkeypatch.setattr(limits, "MAX_LAB_SECONDS", 0.05)
    monkeypatch.setattr(limits, "COPIES_WORST_FACTOR", 1e9)
    out = tmp_path / "sweep.png"
    refused(capsys, "sweep", "ravine", "--batch-sizes", "1,4", "--lrs", "1e-9", "--copies", "2",
            "--max-epochs", "2", "--out", str(out),
            words=["stopped at batch size 1", "docs/limits.md"])
    assert not out.exists()
    from gdviz.ui.lab.window import LabWindow
    lab = LabWindow()
    try:
        lab.start(sc.load("ravine"), LabSettings(batch_sizes=(1, 4), lrs=(1e-9,), copies=2,
                                                    max_epochs=2))
        qtbot.waitUntil(lambda: not lab.running, timeout=20_000)
        text = lab.header.text()
        assert text.startswith("Stopped: this sweep stopped at batch size 1"), text
        assert "batch sizes finished so far" in text
        assert lab.result is not None and lab.result.done.tolist() == [False, True]
    finally:
        lab.shutdown()
        lab.close()


def test_the_worst_case_is_refused_up_front_at_every_budget(tmp_path, capsys, monkeypatch):
    """Within the lessons' 20 epochs too (the old exemption): logistic regression's loss sums
    its N examples at every update, hours here, which the old model put at 13 minutes."""
    monkeypatch.setattr(sc.Scenario, "make_landscape", lambda self: pytest.fail("work started"))
    path = tmp_path / "big.toml"
    path.write_text('landscape = "logistic"\nn_examples = 20000\nepochs = 2\n')
    refused(capsys, "sweep", str(path), "--batch-sizes", "1", "--lrs", "1e-9", "--copies",
            "1000", words=["would take about", "no run stopping early", "1000 copies",
                           "docs/limits.md"])


def _builtins():
    return [name for name in sc.builtin_names() if not sc.load(name).is_mlp]


def test_every_built_in_scenarios_default_sweep_passes_the_check():
    from gdviz.core.lab_grid import auto_batch_sizes
    for name in _builtins():
        s = sc.load(name)
        lab = Lab(s, LabSettings())           # the up-front check: not refused
        assert isinstance(lab, CopiesLab), name
        seconds, nbytes = copies_lab_estimate(
            lab.n, auto_batch_sizes(lab.n), len(lab.lrs), lab.copies, lab.max_epochs,
            lab.drop_last, lab.landscape.dim, copies_kind(s.landscape))
        assert seconds <= limits.COPIES_WORST_FACTOR * limits.MAX_LAB_SECONDS, name
        assert nbytes <= limits.COPIES_WORST_FACTOR * limits.MAX_LAB_BYTES, name
