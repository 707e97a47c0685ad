"""The data view (issue 24, part 1): the examples each step used, in data space, lit in the
method's colour; the same indices in the snapshot, the panel and `gdviz simulate --batch-indices`."""
import io
import json
from contextlib import redirect_stdout

import numpy as np
import pytest

from gdviz.cli import main
from gdviz.core.data_view import SAMPLE_MAX, data_space, model_line
from gdviz.core.landscapes import make_landscape
from gdviz.scenario import load

SCENARIO = """
name = "dv"
landscape = "{landscape}"
n_examples = 60
batch_size = 8
epochs = 2
lr = 0.05
seed = 3
clock = "updates"
"""


def scenario_file(tmp_path, landscape="regression"):
    path = tmp_path / f"{landscape}.toml"
    path.write_text(SCENARIO.format(landscape=landscape))
    return path


def simulate(*argv) -> dict:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["simulate", *map(str, argv)]) == 0
    return json.loads(out.getvalue())


@pytest.mark.parametrize("landscape", ["regression", "logistic"])
def test_panel_snapshot_and_json_light_the_same_examples(qtbot, tmp_path, landscape):
    from gdviz.ui.panels.data_view import DataView

    path = scenario_file(tmp_path, landscape)
    js = simulate(path, "--json", "--batch-indices")
    sim = load(str(path)).build()
    space = data_space(sim.landscape)
    panel = DataView()
    qtbot.addWidget(panel)
    panel.set_data(space)
    per_epoch = {k: [] for k in ("full_batch", "mini_batch", "stochastic")}
    steps = {k: iter(js["methods"][k]["steps"]) for k in per_epoch}
    while sim.running:
        for rec in sim.step_tick():
            snap = sim.snapshot()
            panel.show_snapshot(snap)
            m = snap.method(rec.method)
            step = next(steps[rec.method])
            assert step["update"] == m.updates
            # the JSON's indices, the snapshot's and the record's: one batch
            assert step["batch_indices"] == m.batch.tolist() == rec.batch.tolist()
            lit = panel.lit_indices(rec.method)
            assert lit.tolist() == m.batch.tolist()
            xs, ys = panel.lit[rec.method].getData()
            assert np.allclose(xs, space.points[m.batch, 0])
            assert np.allclose(ys, space.points[m.batch, 1])
            if m.updates <= m.updates_per_epoch:
                per_epoch[rec.method].extend(m.batch.tolist())
    # one epoch lights every example exactly once, for every method
    for key, seen in per_epoch.items():
        assert sorted(seen) == list(range(60)), key
    assert len(js["methods"]["mini_batch"]["steps"][0]["batch_indices"]) == 8
    assert len(js["methods"]["stochastic"]["steps"][0]["batch_indices"]) == 1
    assert js["methods"]["full_batch"]["steps"][0]["batch_indices"] == list(range(60))


def test_batch_indices_is_opt_in(tmp_path, capsys):
    path = scenario_file(tmp_path)
    plain = simulate(path, "--json")
    assert "batch_indices" not in plain["methods"]["mini_batch"]["steps"][0]
    assert main(["simulate", str(path), "--batch-indices"]) == 2
    assert "use it with --json" in capsys.readouterr().err


def test_the_mlp_snapshot_and_json_carry_the_batch(tmp_path, qtbot):
    pytest.importorskip("torch")
    from gdviz.ui.panels.mlp_view import MlpPanel

    path = tmp_path / "m.toml"
    path.write_text('name = "m"\nlandscape = "mlp"\nn_examples = 100\nbatch_size = 16\nepochs = 1\n'
                    'lr = 0.1\nseed = 2\n[mlp]\ndataset = "moons"\nhidden = [4]\ndevice = "cpu"\n')
    js = simulate(path, "--json", "--batch-indices")
    sim = load(str(path)).build()
    panel = MlpPanel()
    qtbot.addWidget(panel)
    seen = []
    for step in js["methods"]["mini_batch"]["steps"]:
        rec = sim._step(sim.run("mini_batch"))
        snap = sim.snapshot()
        panel.update_snapshot(snap)
        batch = snap.method("mini_batch").batch
        assert step["batch_indices"] == batch.tolist() == rec.batch.tolist()
        xs, ys = panel.methods["mini_batch"].lit.getData()
        assert np.allclose(xs, snap.extra.x_train[batch, 0])
        assert np.allclose(ys, snap.extra.x_train[batch, 1])
        seen.extend(batch.tolist())
    assert sorted(seen) == list(range(100))


def test_a_large_n_draws_a_fixed_sample_and_always_the_batch():
    landscape = make_landscape("regression", 20_000, seed=1)
    space = data_space(landscape)
    assert len(space.shown) == SAMPLE_MAX and space.sampled
    assert "fixed sample of 4,000 of the N = 20,000" in space.note
    batch = np.array([5, 19_999, 12_345])
    assert space.lit(batch).tolist() == batch.tolist()        # members drawn even unsampled
    assert np.array_equal(space.lit(np.arange(20_000)), space.shown)   # full batch: the sample
    assert np.array_equal(data_space(landscape).shown, space.shown)    # fixed: the same sample


def test_model_lines_are_the_fit_and_the_decision_line():
    space = data_space(make_landscape("regression", 50, seed=0))
    xs, ys = model_line(space, np.array([2.0, -1.0]), (0.0, 3.0))
    assert np.allclose(ys, 2.0 * xs - 1.0)
    logistic = data_space(make_landscape("logistic", 50, seed=0))
    xs, ys = model_line(logistic, np.array([1.0, 2.0]), (-3.0, 3.0), (-3.0, 3.0))
    assert np.allclose(1.0 * xs + 2.0 * ys, 0.0) and np.ptp(xs) > 1   # w·x = 0 across the view


def test_landscapes_without_data_say_what_their_examples_are(qtbot):
    from gdviz.ui.panels.data_view import DataView

    space = data_space(make_landscape("ravine", 300, seed=0))
    assert space.kind == "terms" and "N = 300" in space.note and "aᵢ" in space.note
    panel = DataView()
    qtbot.addWidget(panel)
    panel.set_data(space)
    assert panel.plot.isHidden() and not panel.text.isHidden()
    assert "N = 300" in panel.text.text()


def test_the_window_shows_the_data_dock_for_data_and_hides_it_without(qtbot, tmp_path):
    from gdviz.ui.main_window import MainWindow

    w = MainWindow(load("default"))
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitUntil(lambda: w.snapshot is not None and w.landscape_view is not None,
                    timeout=10_000)
    assert w.data_dock.isVisible() and w.data_view.space.kind == "regression"
    assert "D" in [s.toString() for s in w.actions_["data_view"].shortcuts()]
    w.cmd_step.emit()
    qtbot.waitUntil(lambda: w.snapshot.method("mini_batch").updates >= 1, timeout=5_000)
    w._draw_panels()
    assert (w.data_view.lit_indices("mini_batch").tolist()
            == w.snapshot.method("mini_batch").batch.tolist())
    assert "J<sub>B</sub>" in w.data_view.caption.text()
    w.load_scenario(load("ravine"))
    qtbot.waitUntil(lambda: w.data_view.space is not None and w.data_view.space.kind == "terms",
                    timeout=10_000)
    assert not w.data_dock.isVisible()
    w.close()
