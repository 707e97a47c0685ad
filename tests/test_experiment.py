"""The Experiment without Qt: one owner of the settings in force and of the engine."""
import numpy as np
import pytest

import gdviz.scenario as scenario_module
from gdviz.experiment import Experiment
from gdviz.scenario import ScenarioError, load


@pytest.fixture
def ex():
    e = Experiment(load("default"))      # lr 0.08, sgd, B = 16, seed 7
    change = e.sync()
    assert change.restarted and change.new_landscape and e.generation == 1
    return e


def run_lr(e, key="mini_batch"):
    return e.sim.run(key).current_lr()


def test_a_live_change_reaches_the_engine_without_a_restart(ex):
    ex.sim.advance_by(5)
    updates = ex.sim.run("mini_batch").updates
    ex.apply({"lr": 0.5, "optimizer": "adam", "batch_size": 64})
    change = ex.sync()
    assert not change.restarted and ex.generation == 1
    assert ex.sim.run("mini_batch").updates == updates
    assert run_lr(ex) == 0.5 and ex.sim.run("mini_batch").batch_size == 64
    assert ex.sync() is None                     # nothing left to do


@pytest.mark.parametrize("changes", [{"seed": 8}, {"clock": "examples"}, {"n_examples": 200},
                                     {"landscape": "ravine"}])
def test_settings_survive_a_restart(ex, changes):
    ex.apply({"lr": 0.5, "optimizer": "adam", "batch_size": 64, "schedule": "step"})
    ex.sync()
    landscape = ex.sim.landscape
    ex.apply(changes)
    change = ex.sync()
    assert change.restarted and ex.generation == 2
    s = ex.scenario
    assert (s.lr, s.optimizer, s.batch_size, s.schedule) == (0.5, "adam", 64, "step")
    assert run_lr(ex) == 0.5 and ex.sim.run("mini_batch").batch_size == 64
    new_data = set(changes) & {"seed", "n_examples", "landscape"}
    assert change.new_landscape == bool(new_data)
    assert (ex.sim.landscape is landscape) == (not new_data)


def test_the_engine_is_the_one_a_fresh_build_of_the_scenario_gives(ex):
    ex.apply({"lr": 0.3})
    ex.sync()
    ex.apply({"seed": 11})
    ex.sync()
    fresh = ex.scenario.build()
    a, b = ex.sim.advance_by(40), fresh.advance_by(40)
    assert len(a) == len(b) > 0
    for ra, rb in zip(a, b):
        assert ra.update == rb.update and np.array_equal(ra.theta, rb.theta)


def test_a_refused_change_leaves_everything_as_it_was(ex):
    before, sim = ex.scenario, ex.sim
    with pytest.raises(ScenarioError, match="lr"):
        ex.apply({"lr": -1.0})
    with pytest.raises(ScenarioError, match="function"):
        ex.apply({"landscape": "custom", "function": "x +* y"})
    with pytest.raises(ScenarioError, match="unknown field"):
        ex.apply({"learning_rate": 0.1})
    assert ex.scenario is before and ex.sync() is None and ex.sim is sim


def test_each_change_is_validated_once(ex, monkeypatch):
    calls = []
    original = scenario_module.validate
    monkeypatch.setattr(scenario_module, "validate", lambda s: calls.append(s) or original(s))
    ex.apply({"landscape": "custom", "function": "(x - 1)**2 + 3*y**2"})
    ex.sync()
    ex.apply({"batch_size": 8})
    ex.sync()
    assert len(calls) == 2


def test_a_new_landscape_brings_its_own_start_points_and_a_smaller_n_takes_b_down(ex):
    ex.set_start("full_batch", 1.0, 2.0)
    ex.sync()
    assert tuple(ex.sim.run("full_batch").start) == (1.0, 2.0)
    ex.apply({"n_examples": 10})
    assert ex.scenario.batch_size == 10 and ex.scenario.starts["full_batch"] == (1.0, 2.0)
    ex.apply({"landscape": "ravine"})
    assert ex.scenario.starts == {} and ex.scenario.xlim is None


def test_a_moved_start_keeps_the_others_and_the_run_playing(ex):
    others = {r.key: tuple(r.start) for r in ex.sim.runs}
    ex.set_start("stochastic", 0.5, -0.5)
    change = ex.sync()
    assert change.restarted and change.keep_playing and not change.new_landscape
    assert tuple(ex.sim.run("stochastic").start) == (0.5, -0.5)
    assert tuple(ex.sim.run("full_batch").start) == others["full_batch"]
    ex.reset()
    assert not ex.sync().keep_playing


def test_an_engine_that_cannot_be_built_rolls_back(ex, monkeypatch):
    before = ex.scenario
    monkeypatch.setattr(type(before), "build", lambda *a, **k: (_ for _ in ()).throw(
        RuntimeError("no memory")))
    ex.apply({"seed": 99})
    change = ex.sync()
    assert change.error == "Could not start default: no memory"
    assert ex.scenario == before and ex.generation == 1


def test_noise_is_measured_from_the_engine(ex):
    info = ex.measure_noise("mini_batch", np.random.default_rng(0))
    assert info.method == "mini_batch" and info.batch_size == 16
    assert info.measured > 0 and info.predicted > 0


def test_the_scenario_with_its_starts_written_out_builds_the_same_run():
    e = Experiment(load("ravine"))           # starts placed by the landscape's bounds
    e.sync()
    e.set_start("mini_batch", 0.25, 0.5)
    e.sync()
    again = e.scenario_with_starts().build()
    for r in e.sim.runs:
        assert np.array_equal(again.run(r.key).start, r.start)
    e.apply({"seed": 5})                     # not built yet: no start points to vouch for
    assert e.scenario_with_starts() is e.scenario


def test_a_refused_change_blames_the_change_not_the_builtin_file():
    """A bad value typed in the window names the change, not resources/scenarios/01-default.toml
    (issue 13: messages that blame the wrong thing)."""
    experiment = Experiment(load("default"))
    with pytest.raises(ScenarioError) as refused:
        experiment.apply({"lr": -1.0})
    message = str(refused.value)
    assert message.startswith("your change: field 'lr'") and ".toml" not in message
    assert experiment.scenario == load("default")


@pytest.mark.parametrize("n", [2, 5, 15, 16, 200])
def test_a_smaller_n_has_one_rule_in_the_window_and_in_with_changes(n):
    """N dragged below B in the window and N given below B to ``with_changes`` (the command
    line, the API) end in the same scenario: B comes down to N (it used to be refused there)."""
    base = load("default")                           # B = 16
    ex = Experiment(base)
    applied = ex.apply({"n_examples": n})
    changed = base.with_changes(n_examples=n)
    assert applied.batch_size == changed.batch_size == min(16, n)
    assert applied.n_examples == changed.n_examples == n
    # a batch size named with the change is the user's own: too large, it is refused, both ways
    if n < 16:
        with pytest.raises(ScenarioError):
            ex.apply({"n_examples": n, "batch_size": 16})
        with pytest.raises(ScenarioError):
            base.with_changes(n_examples=n, batch_size=16)


def test_the_command_line_says_when_a_smaller_n_lowers_b(capsys):
    import json

    from tests.cli_helpers import run_cli
    code, out, err = run_cli(capsys, "simulate", "default", "--n-examples", "10", "--epochs", "1",
                             "--json")
    assert code == 0, err
    assert "B lowered from 16 to N = 10" in err and err.count("\n") == 1
    assert json.loads(out)["scenario"]["batch_size"] == 10


def test_one_example_of_linear_regression_is_refused_not_a_traceback(capsys):
    """N = 1 leaves the least-squares line undetermined: its landscape could not be built (a
    traceback from the command line before), now a refusal naming N, before B comes into it."""
    from tests.cli_helpers import refused
    for extra in ((), ("--batch-size", "1")):
        refused(capsys, "simulate", "default", "--n-examples", "1", *extra,
                words=["'n_examples' = 1", "at least 2"])
    ex = Experiment(load("default"))
    with pytest.raises(ScenarioError, match="at least 2"):
        ex.apply({"n_examples": 1})
    assert ex.scenario.n_examples == 256
