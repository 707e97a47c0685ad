"""Issue 24, part 4: the scenario's mini-batch run as a plain script (PyTorch for the real
network, NumPy for an analytic landscape) is gdviz's own run: its final training loss equals
`gdviz simulate`'s mini-batch loss."""
import io
import json
import subprocess
import sys
from contextlib import redirect_stdout

import pytest

from gdviz.cli import main

CASES = [
    # (scenario, options): an analytic line fit, a classifier with momentum on a cosine
    # schedule and a short last batch, and the real network with Adam
    ("default", ["--epochs", "6"]),
    ("logistic", ["--epochs", "3.5", "--optimizer", "nesterov", "--batch-size", "24"]),
    ("mlp-moons", ["--epochs", "1", "--optimizer", "adam", "--lr", "0.01", "--device", "cpu"]),
]


def simulate_final(name, options) -> float:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["simulate", name, "--json", *options]) == 0
    steps = json.loads(out.getvalue())["methods"]["mini_batch"]["steps"]
    return steps[-1]["loss"]


@pytest.mark.parametrize("name,options", CASES)
def test_the_script_reproduces_the_mini_batch_run(tmp_path, name, options):
    if name.startswith("mlp"):
        pytest.importorskip("torch")
    script = tmp_path / "run.py"
    assert main(["export", name, "--out", str(script), *options]) == 0
    text = script.read_text()
    assert "import gdviz" not in text and "from gdviz" not in text    # self-contained
    if name.startswith("mlp"):
        assert "DataLoader(train, batch_size=B, sampler=GdvizOrder()" in text
        assert "torch.optim.Adam" in text and "nn.Sequential" in text
    else:
        assert "import torch" not in text
    assert "# g_B = " in text and "theta <- theta - eta" in text   # comments: the formulas
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.strip().splitlines()
    assert lines[0].startswith("epoch 1: J = ")
    final = float(lines[-1].split()[-1])                        # the last line ends with J
    expected = simulate_final(name, options)
    assert final == pytest.approx(expected, rel=1e-4)


def test_a_schedule_and_lr_scaling_reach_the_script(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('name = "s"\nlandscape = "ravine"\nn_examples = 100\nbatch_size = 10\n'
                    'epochs = 4\nlr = 0.02\nschedule = "cosine"\nlr_scaling = "sqrt"\n'
                    'lr_reference_batch = 40\noptimizer = "momentum"\nseed = 5\n')
    script = tmp_path / "run.py"
    assert main(["export", str(path), "--out", str(script)]) == 0
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    final = float(run.stdout.strip().splitlines()[-1].split()[-1])
    assert final == pytest.approx(simulate_final(str(path), []), rel=1e-4)


def test_a_custom_function_is_refused_in_one_line(tmp_path, capsys):
    script = tmp_path / "run.py"
    assert main(["export", "default", "--function", "x**2 + y**2", "--out", str(script)]) == 2
    err = capsys.readouterr().err.strip()
    assert "'custom' has none" in err and len(err.splitlines()) == 1
    assert not script.exists()


def test_file_menu_copies_the_script(qtbot):
    from PySide6.QtWidgets import QApplication

    from gdviz.scenario import load
    from gdviz.ui.main_window import MainWindow
    w = MainWindow(load("default"), start_worker=False)
    qtbot.addWidget(w)
    w.actions_["copy_script"].trigger()
    text = QApplication.clipboard().text()
    assert text.startswith('"""gdviz scenario \'default\'') and "final training loss J" in text
    assert w.actions_["copy_script"].text() == "Copy as PyTorch script"
