import json
import subprocess
import sys

import pytest

from gdviz.cli import main

BAD_TOML = 'landscape = "ravine"\nbatch_size = "many"\n'


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_scenarios_lists_builtins_with_descriptions(capsys):
    code, out, _ = run_cli(capsys, "scenarios")
    assert code == 0
    names = [line.split()[0] for line in out.splitlines()]
    for name in ("default", "quick-example", "ravine", "himmelblau", "saddle", "sharp-flat"):
        assert name in names
    assert all(len(line.split(None, 1)) == 2 for line in out.splitlines())


def test_simulate_json_contract(capsys):
    code, out, _ = run_cli(capsys, "simulate", "quick-example", "--epochs", "1", "--n-examples", "100",
                           "--batch-size", "30", "--json")
    assert code == 0
    data = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-strict JSON token {c}"))
    assert data["scenario"]["batch_size"] == 30 and data["scenario"]["n_examples"] == 100
    methods = data["methods"]
    assert set(methods) == {"full_batch", "mini_batch", "stochastic"}
    assert [methods[k]["batch_size"] for k in ("full_batch", "mini_batch", "stochastic")] == [100, 30, 1]
    assert methods["mini_batch"]["updates_per_epoch"] == 4
    assert [len(methods[k]["steps"]) for k in ("full_batch", "mini_batch", "stochastic")] == [1, 4, 100]
    step = methods["mini_batch"]["steps"][-1]
    assert set(step) == {"update", "epoch", "examples_seen", "clock", "theta_before", "theta",
                         "loss", "batch_loss",
                         "grad_estimate", "grad_full", "batch", "lr"}
    assert len(step["batch"]) == 10 and step["examples_seen"] == 100 and step["epoch"] == 1.0
    assert methods["stochastic"]["status"] == "finished"
    assert set(methods["full_batch"]["start"]) == {"theta", "loss"}


def test_drop_last_and_function_options(capsys):
    code, out, _ = run_cli(capsys, "simulate", "default", "--epochs", "1", "--n-examples", "100",
                           "--batch-size", "30", "--drop-last", "--json",
                           "--function", "(x**2 + y - 11)**2 + (x + y**2 - 7)**2", "--lr", "0.001")
    assert code == 0
    data = json.loads(out)
    assert data["scenario"]["landscape"] == "custom"
    assert data["methods"]["mini_batch"]["updates_per_epoch"] == 3


def test_divergence_is_not_an_error(capsys):
    code, out, _ = run_cli(capsys, "simulate", "default", "--lr", "50", "--epochs", "2", "--json")
    assert code == 0
    data = json.loads(out)
    assert {m["status"] for m in data["methods"].values()} == {"diverged"}


@pytest.mark.parametrize("args,words", [
    (["simulate", "no-such-scenario"], "no-such-scenario"),
    (["simulate", "default", "--landscape", "moon"], "landscape"),
    (["simulate", "default", "--batch-size", "0"], "batch_size"),
    (["simulate", "default", "--batch-size", "257"], "batch_size"),
    (["simulate", "default", "--n-examples", "0"], "n_examples"),
    (["simulate", "default", "--lr", "-1"], "lr"),
    (["simulate", "default", "--lr", "inf"], "lr"),
    (["simulate", "default", "--function", "x + import"], "function"),
    (["simulate", "default", "--optimizer", "lion"], "optimizer"),
])
def test_bad_input_exits_2_with_one_line(capsys, args, words):
    code, out, err = run_cli(capsys, *args)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and words in err


@pytest.mark.parametrize("content,words", [
    (BAD_TOML, "batch_size"),
    ("landscape = [", "not valid TOML"),
    ('learning_rate = 0.1\n', "learning_rate"),
    ('[starts]\nfull_batch = [1.0, nan]\n', "starts.full_batch"),
])
def test_broken_scenario_file_names_file_and_field(tmp_path, capsys, content, words):
    path = tmp_path / "broken.toml"
    path.write_text(content)
    code, _, err = run_cli(capsys, "simulate", str(path))
    assert code == 2
    assert str(path) in err and words in err


def test_module_entry_point_exit_status():
    ok = subprocess.run([sys.executable, "-m", "gdviz", "simulate", "default", "--epochs", "1"],
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and "Stochastic" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "gdviz", "simulate", "default", "--batch-size", "-3"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "batch_size" in bad.stderr
