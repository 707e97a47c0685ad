"""The batch-size lab on the real network: each run is simulate's mini-batch trainer (to float
rounding), the target a validation loss fixed by a reference run whatever the grid, B_simple
from per-example gradients, regimes only where the target was reached, the result
deterministic, reachable from the CLI."""
import json

import numpy as np
import pytest

pytest.importorskip("torch")

from gdviz import scenario as sc  # noqa: E402
from gdviz.core.lab import STATUS_NAMES, LabSettings  # noqa: E402
from gdviz.mlp.lab import MlpLab  # noqa: E402

SCENARIO = sc.load("mlp-moons").with_changes(n_examples=100)
# learning rates where a run is not chaotic: there the batched kernels' rounding stays rounding
# (at η = 8 it is amplified to a different run within ~50 updates; the lab reports that run)
SETTINGS = LabSettings(batch_sizes=(4, 25, 100), lrs=(0.5, 2.0), seeds=2, max_epochs=8,
                       target_fraction=0.4)


@pytest.fixture(scope="module")
def result():
    return MlpLab(SCENARIO, SETTINGS, device="cpu").run()


def simulate_run(b, lr, seed, target, epochs):
    """Steps and status of simulate's mini-batch trainer against a validation-loss target."""
    sim = SCENARIO.with_changes(batch_size=b, lr=lr, seed=seed, epochs=epochs,
                                mlp=SCENARIO.mlp).build()
    run = sim.run("mini_batch")
    while run.status == "running":
        record = run.step()
        if run.status == "diverged":
            return record.update, "diverged"
        if record.val_loss <= target:
            return record.update, "reached"
    return run.updates, "not_reached"


def test_every_run_is_simulate_s_mini_batch_trainer(result):
    statuses = set()
    for i, b in enumerate(result.batch_sizes):
        for j, lr in enumerate(result.lrs):
            for k, seed in enumerate(result.seeds):
                steps, status = simulate_run(int(b), float(lr), int(seed),
                                             result.targets[k].loss, result.max_epochs)
                assert (int(result.steps[i, j, k]), STATUS_NAMES[result.status[i, j, k]]) == \
                    (steps, status), (b, lr, seed)
                statuses.add(status)
    assert {"reached", "not_reached"} <= statuses


def test_the_target_is_a_fraction_of_the_way_to_the_reference_run_s_validation_loss(result):
    for t in result.targets:
        assert t.j_star < t.start_loss and t.loss == pytest.approx(
            t.j_star + 0.4 * (t.start_loss - t.j_star))
    assert result.fit is not None and result.noise.b_simple_start > 0


def test_j_star_is_a_plain_torch_adam_run_s_best_and_does_not_move_with_the_grid(result):
    """J*_val: the lowest validation loss of full-batch torch.optim.Adam on nn.Sequential
    (written independently here), the same whichever batch sizes and learning rates are swept."""
    import torch

    from gdviz.mlp.datasets import make_dataset
    from gdviz.mlp.lab import REFERENCE, ReferenceRun
    from gdviz.mlp.model import MlpSpec, init_weights, to_module
    ref = ReferenceRun(steps=150)
    lab = MlpLab(SCENARIO, SETTINGS, device="cpu", reference=ref)
    other = MlpLab(SCENARIO, LabSettings(batch_sizes=(1, 50), lrs=(0.1, 0.3, 3.0), seeds=2,
                                         max_epochs=1), device="cpu", reference=ref)
    assert [t.j_star for t in lab.targets] == [t.j_star for t in other.targets]
    m = SCENARIO.mlp
    for t in lab.targets:
        data = make_dataset(m.dataset, 100, m.noise, t.seed, m.val_fraction)
        spec = MlpSpec((2, *m.hidden, 1), m.activation, m.loss)
        model = to_module(spec, init_weights(spec, t.seed))
        opt = torch.optim.Adam(model.parameters(), lr=ref.lr)
        x, y = torch.tensor(data.x_train), torch.tensor(data.y_train)
        xv, yv = torch.tensor(data.x_val), torch.tensor(data.y_val)
        bce = torch.nn.functional.binary_cross_entropy_with_logits
        with torch.no_grad():
            best = float(bce(model(xv), yv))
        for _ in range(ref.steps):
            opt.zero_grad()
            bce(model(x), y).backward()
            opt.step()
            with torch.no_grad():
                best = min(best, float(bce(model(xv), yv)))
        assert t.j_star == pytest.approx(best, rel=2e-4, abs=2e-6)
    assert "Adam" in REFERENCE.describe() and f"{REFERENCE.steps:,} steps" in REFERENCE.describe()


def test_b_simple_comes_from_per_example_gradients_as_a_plain_loop_computes_them():
    import torch

    from gdviz.mlp.lab import per_example_grads, simple_noise_scale
    lab = MlpLab(SCENARIO, LabSettings(batch_sizes=(100,), lrs=(1.0,), seeds=1, max_epochs=1),
                 device="cpu")
    w, x, y = lab.w0[0], lab.x[0], lab.y[0]
    fast = per_example_grads(lab.spec, w, x, y)
    from gdviz.mlp.model import to_module
    model = to_module(lab.spec, w)
    rows = []
    for i in range(len(x)):                         # one example at a time, autograd
        model.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(model(x[i:i + 1]),
                                                             y[i:i + 1]).backward()
        rows.append(torch.cat([p.grad.reshape(-1) for p in model.parameters()]))
    plain = torch.stack(rows).double()
    np.testing.assert_allclose(fast.double().numpy(), plain.numpy(), rtol=1e-4, atol=1e-6)
    mean = plain.mean(0)
    cov_trace = float(((plain - mean) ** 2).sum(1).mean())
    assert simple_noise_scale(fast) == pytest.approx(cov_trace / float(mean @ mean), rel=1e-4)


def test_regimes_only_from_enough_reached_batch_sizes_and_only_where_reached(capsys):
    from gdviz.cli import main
    from gdviz.mlp.lab import MIN_FIT_POINTS
    assert main(["sweep", "mlp-moons", "--seeds", "1", "--max-epochs", "4", "--batch-sizes",
                 "4,16,64,400", "--lrs", "2", "--target-fraction", "0.3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    reached = [p for p in out["best"] if p["steps_median"] is not None]
    assert 1 <= len(reached) < MIN_FIT_POINTS and out["fit"]["b_crit"] is None
    assert main(["sweep", "mlp-moons", "--seeds", "1", "--max-epochs", "4", "--batch-sizes",
                 "4,16,64,400", "--lrs", "2", "--target-fraction", "0.3"]) == 0
    table = capsys.readouterr().out
    assert "not reached" in table and "perfect scaling" not in table
    assert "no further benefit" not in table and "diminishing returns" not in table


@pytest.mark.parametrize("name,lr", [("mlp-moons", 1e6), ("mlp-curve", 1e4)])
def test_divergence_is_decided_at_the_update_simulate_decides_it(name, lr):
    """Logistic loss of a tanh net: the training loss is looked at only once the last layer's
    bound passes the engine's (here at update 2 of B = N, not at all for B = 10); squared
    error: every update."""
    scenario = sc.load(name).with_changes(n_examples=100)
    settings = LabSettings(batch_sizes=(10, 100), lrs=(lr,), seeds=1, max_epochs=2)
    result = MlpLab(scenario, settings, device="cpu").run()
    statuses = []
    for i, b in enumerate(result.batch_sizes):
        run = scenario.with_changes(batch_size=int(b), lr=lr, seed=result.seeds[0],
                                    epochs=2).build().run("mini_batch")
        while run.status == "running":
            run.step()
        want = ("diverged", run.updates) if run.status == "diverged" else ("not_reached",
                                                                           run.updates)
        assert (STATUS_NAMES[result.status[i, 0, 0]], int(result.steps[i, 0, 0])) == want
        statuses.append(want[0])
    assert "diverged" in statuses


def test_the_default_grid_starts_at_one_and_the_budget_is_the_lab_s_own():
    from gdviz.mlp.lab import MLP_LAB_EPOCHS, auto_mlp_batch_sizes
    assert auto_mlp_batch_sizes(400) == (1, 4, 16, 64, 256, 400)
    lab = MlpLab(SCENARIO, LabSettings(seeds=1), device="cpu")
    assert lab.batch_sizes[0] == 1 and lab.max_epochs == MLP_LAB_EPOCHS > SCENARIO.epochs


def test_same_arguments_same_output_and_the_cli(result, capsys):
    again = MlpLab(SCENARIO, SETTINGS, device="cpu").run()
    np.testing.assert_array_equal(again.steps, result.steps)
    np.testing.assert_array_equal(again.status, result.status)
    from gdviz.cli import main
    assert main(["sweep", "mlp-xor", "--seeds", "1", "--max-epochs", "1", "--batch-sizes",
                 "50,400", "--lrs", "0.5,2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["scenario"]["landscape"] == "mlp" and len(out["runs"]) == 4
    assert out["noise"]["b_noise_target"] is None and out["target"]["j_star"] > 0
    assert out["noise"]["b_simple_start"] > 0
    assert main(["sweep", "mlp-xor", "--seeds", "1", "--max-epochs", "1", "--batch-sizes",
                 "50,400", "--lrs", "0.5,2"]) == 0
    table = capsys.readouterr().out
    assert "validation loss ≤" in table and "the best full-batch run" not in table
    from gdviz.mlp.lab import REFERENCE
    assert REFERENCE.describe() in table


def test_the_lab_window_sweeps_a_real_network(qtbot):
    from gdviz.ui.lab.window import LabWindow
    lab = LabWindow()
    try:
        lab.start(SCENARIO, SETTINGS)
        qtbot.waitUntil(lambda: not lab.running, timeout=60_000)
        assert "Done." in lab.header.text() and lab.result.complete
        assert lab.result.targets[0].j_star < lab.result.targets[0].start_loss
    finally:
        lab.shutdown()
        lab.close()


def test_default_target_fraction_per_kind_of_lab():
    from gdviz.core.lab import Lab
    assert MlpLab(SCENARIO, LabSettings(seeds=1), device="cpu").fraction == 0.2
    assert Lab(sc.load("ravine"), LabSettings(seeds=1)).fraction == 0.01
    assert MlpLab(SCENARIO, LabSettings(seeds=1, target_fraction=0.05), device="cpu").fraction \
        == 0.05


def test_the_steps_plot_shades_regimes_only_over_batch_sizes_that_reached(result, qtbot):
    """A batch size past the last one that reached gets no regime shading."""
    import dataclasses

    from gdviz.core.lab import BestRun, Fit
    from gdviz.ui.lab.steps_plot import StepsPlot
    best = list(result.best)
    last = best[-1]
    best[-1] = BestRun(last.batch_size, None, None, None, None, None, None)   # not reached
    best[:-1] = [BestRun(p.batch_size, 1.0, 100.0 / i, 90.0 / i, 110.0 / i, 10.0, 1.0)
                 for i, p in enumerate(best[:-1], 1)]
    shown = dataclasses.replace(result, best=tuple(best), fit=Fit(10.0, 50.0, 5.0, 4))
    plot = StepsPlot()
    qtbot.addWidget(plot.widget)
    plot.update(shown)
    spans = [r.getRegion() for r in plot.regions if hasattr(r, "getRegion")]
    assert spans and max(hi for _, hi in spans) <= np.log10(best[-2].batch_size) + 1e-9


def test_fixed_chunks_the_cuda_graph_path_step_the_same_runs_as_the_shrinking_stack():
    """On CUDA a B that divides N runs in fixed 32-update chunks (one CUDA graph each); here
    the same chunks run eagerly on the CPU: every run's steps and status are the default
    path's (the same kernels), for a constant and a scheduled learning rate, with momentum."""
    from gdviz.mlp import lab as mlp_lab
    settings = LabSettings(batch_sizes=(1, 4, 25, 30, 100), lrs=(0.5, 2.0, 1e6), seeds=2,
                           max_epochs=4, target_fraction=0.4)
    for changes in ({}, {"optimizer": "momentum", "schedule": "cosine"}):
        scenario = SCENARIO.with_changes(**changes)
        plain = MlpLab(scenario, settings, device="cpu")
        chunked = MlpLab(scenario, settings, device="cpu")
        chunked.static_chunks = True
        calls = []
        original = mlp_lab.MlpLab._block_static
        chunked._block_static = lambda live, b, *a: calls.append(b) or original(
            chunked, live, b, *a)
        want, got = plain.run(), chunked.run()
        assert calls == [25, 4, 1] and not plain.graphed and not chunked.graphed
        np.testing.assert_array_equal(got.steps, want.steps)
        np.testing.assert_array_equal(got.status, want.status)
        assert {"reached", "diverged"} <= {STATUS_NAMES[s] for s in want.status.ravel()}


def test_chunks_replayed_as_a_graph_is_replayed_step_the_same_runs():
    """The CUDA-graph path's bookkeeping on the CPU: the first chunk runs (the warm-up), the
    graph is recorded (a stand-in that keeps the updates and runs them on each replay), and
    every later full chunk is its batches copied into the fixed buffers, then a replay."""
    settings = LabSettings(batch_sizes=(1, 4, 25), lrs=(0.5, 2.0, 1e6), seeds=2,
                           max_epochs=4, target_fraction=0.4)
    plain = MlpLab(SCENARIO, settings, device="cpu").run()
    lab = MlpLab(SCENARIO, settings, device="cpu")
    lab.static_chunks = lab.graphs_on_cpu = True
    replays = []

    class Recorded:
        def __init__(self, updates):
            self.updates = updates

        def replay(self):
            replays.append(1)
            self.updates()

    lab._capture = lambda updates, stream, rule: Recorded(updates)
    got = lab.run()
    assert lab.graphed == [25, 4, 1] and len(replays) > 10
    np.testing.assert_array_equal(got.steps, plain.steps)
    np.testing.assert_array_equal(got.status, plain.status)


def test_a_sweep_does_not_import_torch_dynamo():
    """torch.func's first vmap imported torch._dynamo (2-4 s of every sweep); B_simple's
    per-example gradients come from the written-out backward instead."""
    import subprocess
    import sys
    code = ("import sys; from gdviz import scenario as sc; from gdviz.core.lab import "
            "LabSettings; from gdviz.mlp.lab import MlpLab; "
            "r = MlpLab(sc.load('mlp-moons').with_changes(n_examples=100), LabSettings("
            "batch_sizes=(25, 100), lrs=(2.0,), seeds=1, max_epochs=4), device='cpu').run(); "
            "assert r.noise.b_simple_start > 0; "
            "print('torch._dynamo' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_rules_that_a_cuda_graph_replays_keep_their_state_in_place():
    """A CUDA graph replays into the tensors it captured: a rule on the fixed-chunk path must
    update its state in place (a new tensor each step would freeze the state on replay)."""
    import torch

    from gdviz.mlp.lab import _StackedRule
    for name in ("sgd", "momentum", "nesterov", "rmsprop"):
        rule = _StackedRule(name, (3, 5), 0.9, torch.device("cpu"))
        state = (rule.m.data_ptr(), rule.v.data_ptr())
        w, lr = torch.zeros(3, 5), torch.full((3, 1), 0.1)
        for _ in range(2):
            rule.step(w, torch.ones(3, 5), lr)
        assert (rule.m.data_ptr(), rule.v.data_ptr()) == state, name
        assert float(w.abs().sum()) > 0
