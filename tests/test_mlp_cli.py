"""MLP scenarios through the CLI and the scenario files; torch stays out of the analytic mode."""
import json
import subprocess
import sys

import pytest

from gdviz.cli import main
from gdviz.scenario import ScenarioError, builtin_names, load, load_file

MLP_NAMES = ("mlp-moons", "mlp-circles", "mlp-spirals", "mlp-xor", "mlp-curve")


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_torch_is_never_imported_by_the_analytic_mode():
    code = (
        "import sys, io, contextlib\n"
        "import gdviz, gdviz.core, gdviz.cli, gdviz.scenario, gdviz.mlp\n"
        "from gdviz.scenario import builtin_scenarios, load\n"
        "builtin_scenarios(); load('mlp-moons')\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert gdviz.cli.main(['simulate', 'default', '--epochs', '1']) == 0\n"
        "    assert gdviz.cli.main(['scenarios']) == 0\n"
        "print('torch' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_simulate_default_subprocess_leaves_torch_out():
    code = ("import sys, runpy\n"
            "sys.argv = ['gdviz', 'simulate', 'default', '--epochs', '1']\n"
            "try:\n    runpy.run_module('gdviz', run_name='__main__')\n"
            "except SystemExit as e:\n    assert e.code == 0\n"
            "print('torch loaded' if 'torch' in sys.modules else 'torch absent')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("torch absent")


def test_missing_torch_gives_the_install_command():
    code = ("import sys\nsys.modules['torch'] = None\n"
            "from gdviz.mlp import MlpUnavailable\n"
            "from gdviz.scenario import load\n"
            "try:\n    load('mlp-moons').build()\n"
            "except MlpUnavailable as exc:\n    print(exc)\n"
            "from gdviz.cli import main\n"
            "print('exit', main(['simulate', 'mlp-moons']))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "pip install -e '.[mlp]'" in out.stdout and "exit 1" in out.stdout
    assert "pip install -e '.[mlp]'" in out.stderr and "Traceback" not in out.stderr


def test_mlp_builtins_come_after_the_analytic_lessons():
    names = builtin_names()
    assert names[-len(MLP_NAMES):] == list(MLP_NAMES)
    for name in MLP_NAMES:
        s = load(name)
        assert s.landscape == "mlp" and s.mlp is not None and s.n_examples == 400
    assert load("mlp-curve").mlp.loss == "mse"
    assert load("default").mlp is None and "mlp" not in load("default").to_dict()


def test_simulate_mlp_json_contract(capsys):
    pytest.importorskip("torch")
    code, out, _ = run_cli(capsys, "simulate", "mlp-moons", "--epochs", "1", "--n-examples", "100",
                           "--batch-size", "30", "--device", "cpu", "--json")
    assert code == 0
    data = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-strict JSON token {c}"))
    assert data["device"] == "cpu" and data["notice"] is None
    assert data["scenario"]["mlp"]["hidden"] == [16, 16] and data["scenario"]["mlp"]["device"] == "cpu"
    methods = data["methods"]
    assert [methods[k]["batch_size"] for k in ("full_batch", "mini_batch", "stochastic")] == [100, 30, 1]
    assert [len(methods[k]["steps"]) for k in ("full_batch", "mini_batch", "stochastic")] == [1, 4, 100]
    step = methods["mini_batch"]["steps"][-1]
    assert set(step) == {"update", "epoch", "examples_seen", "clock", "theta_before", "theta",
                         "loss", "batch_loss",
                         "grad_estimate", "grad_full", "batch", "lr", "val_loss"}
    assert len(step["theta"]) == 2 and len(step["batch"]) == 10 and step["epoch"] == 1.0
    assert step["val_loss"] > 0 and methods["stochastic"]["status"] == "finished"
    assert methods["full_batch"]["start"]["theta"] == [0.0, 0.0]


def test_simulate_mlp_table(capsys):
    pytest.importorskip("torch")
    code, out, _ = run_cli(capsys, "simulate", "mlp-curve", "--epochs", "1", "--n-examples", "100")
    assert code == 0 and "val loss" in out and "device:" in out and "Stochastic" in out


@pytest.mark.parametrize("table,words", [
    ('dataset = "moon"', "mlp.dataset"),
    ('hidden = [16, 0]', "mlp.hidden"),
    ('hidden = 16', "mlp.hidden"),
    ('activation = "gelu"', "mlp.activation"),
    ('dataset = "curve"\nloss = "bce"', "mlp.loss"),
    ('val_fraction = 0.9', "mlp.val_fraction"),
    ('device = "tpu"', "mlp.device"),
    ('depth = 3', "mlp.depth"),
])
def test_bad_mlp_table_names_the_field(tmp_path, table, words):
    path = tmp_path / "bad.toml"
    path.write_text(f'landscape = "mlp"\nn_examples = 200\nbatch_size = 8\n[mlp]\n{table}\n')
    with pytest.raises(ScenarioError) as err:
        load_file(path)
    assert str(path) in str(err.value) and words in str(err.value)


def test_mlp_table_needs_the_mlp_landscape_and_n_in_range(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text('landscape = "ravine"\n[mlp]\ndataset = "moons"\n')
    with pytest.raises(ScenarioError, match="'landscape' = 'ravine'.*needs landscape = \"mlp\"") as info:
        load_file(path)
    assert "MlpSettings" not in str(info.value)
    path.write_text('landscape = "mlp"\nn_examples = 50\nbatch_size = 8\n')
    with pytest.raises(ScenarioError, match="n_examples"):
        load_file(path)


def test_device_option_is_for_mlp_scenarios(capsys):
    code, out, err = run_cli(capsys, "simulate", "default", "--device", "cpu")
    assert code == 2 and "--device" in err and out == ""
