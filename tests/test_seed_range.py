"""Issue 25: one accepted seed range everywhere, derived seeds included. A sweep derives seed + k
(shuffle-copies) or seed + i (single runs); each is a `gdviz simulate` command it prints, so each
must lie in 0 … MAX_SEED: a sweep that would pass it is refused up front, in one line naming the
field and what to lower, and at the edge every derived seed is one simulate accepts and
reproduces."""
import contextlib
import io
import json

import numpy as np
import pytest

from gdviz.cli import main
from gdviz.scenario import MAX_SEED
from tests.cli_helpers import refused

RAVINE = 'name = "edge"\nlandscape = "ravine"\nn_examples = 40\nepochs = 1\nseed = {seed}\n{extra}'


def _file(tmp_path, seed, extra=""):
    path = tmp_path / "edge.toml"
    path.write_text(RAVINE.format(seed=seed, extra=extra))
    return path


def _simulate(path, *extra) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["simulate", str(path), "--json", *extra]) == 0
    return json.loads(out.getvalue())


def test_every_copy_at_the_edge_is_a_simulate_run(tmp_path):
    from gdviz.core.lab import Lab, LabSettings
    from gdviz.scenario import load
    path = _file(tmp_path, MAX_SEED - 2)
    lab = Lab(load(str(path)), LabSettings(batch_sizes=(4,), lrs=(0.05,), copies=3,
                                           max_epochs=1))
    result = lab.run()
    assert result.shuffle_seeds == (MAX_SEED - 2, MAX_SEED - 1, MAX_SEED)
    log = lab.logs[4]                                    # (updates + 1, copies, η)
    for k, seed in enumerate(result.shuffle_seeds):       # the command the sweep prints
        run = _simulate(path, "--batch-size", "4", "--lr", "0.05", "--shuffle-seed", str(seed),
                        "--epochs", "1")
        assert run["scenario"]["shuffle_seed"] == seed
        losses = [run["methods"]["mini_batch"]["start"]["loss"]] + \
            [s["loss"] for s in run["methods"]["mini_batch"]["steps"]]
        rows = np.isfinite(log[:, k, 0])
        np.testing.assert_allclose(log[rows, k, 0], np.array(losses)[: len(log)][rows],
                                   rtol=1e-9)


def test_single_run_seeds_at_the_edge_are_simulate_runs(tmp_path):
    from gdviz.core.lab import Lab, LabSettings
    from gdviz.scenario import load
    path = _file(tmp_path, MAX_SEED - 1)
    lab = Lab(load(str(path)), LabSettings(batch_sizes=(8,), lrs=(0.05,), seeds=2,
                                           max_epochs=1, criterion="single_run"))
    assert lab.seeds == (MAX_SEED - 1, MAX_SEED)
    for seed in lab.seeds:
        assert _simulate(path, "--seed", str(seed), "--epochs", "0.2")["scenario"]["seed"] == seed


@pytest.mark.parametrize("extra, args, words", [
    ("", ("--copies", "3"), ("seed = 2147483646", "shuffle-copies", "2147483645")),
    (f"shuffle_seed = {MAX_SEED}\n", ("--copies", "2"), ("shuffle_seed", "number of shuffle-copies")),
    ("", ("--criterion", "single_run", "--seeds", "3"), ("seed", "3 seeds", "number of seeds")),
])
def test_a_sweep_past_the_largest_seed_is_refused_up_front(tmp_path, capsys, extra, args, words):
    path = _file(tmp_path, MAX_SEED - 1, extra)
    refused(capsys, "sweep", str(path), "--batch-sizes", "4", "--lrs", "0.05", *args,
            words=words)


def test_the_window_lab_says_why_it_cannot_run(qtbot, tmp_path):
    from gdviz.scenario import load
    from gdviz.ui.lab.window import LabWindow
    lab = LabWindow()
    qtbot.addWidget(lab)
    lab.show()
    lab.start(load(str(_file(tmp_path, MAX_SEED))))      # 16 copies from the largest seed
    qtbot.waitUntil(lambda: not lab.running, timeout=20_000)
    assert "cannot run" in lab.header.text() and "shuffle-copies" in lab.header.text()
    lab.close()
    lab.shutdown()
