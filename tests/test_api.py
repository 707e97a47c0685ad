"""The Python API (gdviz.scenario / simulate / sweep / export / show): the same engine and the
same bytes as the command line, and bad input raised as one exception type, never an exit."""
import contextlib
import doctest
import io
import json

import numpy as np
import pytest

import gdviz
from gdviz.cli import main

# (scenario, keywords); the command line gets the same options as --dashed-names
SIMULATE_CASES = [
    ("quick-example", dict(epochs=1, n_examples=200, batch_size=20)),
    ("himmelblau", dict(epochs=2, n_examples=100, seed=3, clock="hardware")),
    ("ravine", dict(optimizer="adam", epochs=1, n_examples=200, drop_last=True, batch_size=30)),
    ("default", dict(function="(x**2 + y - 11)**2 + (x + y**2 - 7)**2", n_examples=100,
                     epochs=1.5, lr=0.001)),
    ("lesson-4-lr-and-batch", dict(n_examples=100, epochs=1)),
]


def _argv(verb, name, kw):
    out = [verb, name]
    for key, value in kw.items():
        opt = "--" + key.replace("_", "-")
        if isinstance(value, (list, tuple)):
            value = ",".join(map(str, value))
        out += [opt] if value is True else [opt, str(value)]
    return out


def _cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name,kw", SIMULATE_CASES, ids=[c[0] for c in SIMULATE_CASES])
def test_simulate_to_json_is_the_cli_bytes(name, kw):
    code, out, _ = _cli(*_argv("simulate", name, kw), "--json")
    assert code == 0
    result = gdviz.simulate(name, **kw)
    assert result.to_json() == out
    code, table, _ = _cli(*_argv("simulate", name, kw))
    assert result.table() + "\n" == table


def test_simulate_arrays_match_the_json_steps():
    result = gdviz.simulate("quick-example", epochs=1, n_examples=200, batch_size=20)
    data = json.loads(result.to_json())
    for key, m in result.methods.items():
        steps = data["methods"][key]["steps"]
        assert len(steps) == m.updates == len(m.loss) == m.theta.shape[0]
        np.testing.assert_array_equal(m.theta, [s["theta"] for s in steps])
        np.testing.assert_array_equal(m.grad_estimate, [s["grad_estimate"] for s in steps])
        np.testing.assert_array_equal(m.examples, [s["examples_seen"] for s in steps])
        assert [b.tolist() for b in m.batches] == [s["batch"] for s in steps]
        # the engine's own arithmetic: each update is theta_before - lr * grad_estimate (SGD)
        np.testing.assert_allclose(m.theta, m.theta_before - m.lr[:, None] * m.grad_estimate,
                                   rtol=1e-12, atol=1e-12)
    rows = {r["key"]: r for r in result.summary}
    assert rows["mini_batch"]["updates"] == 10 and rows["full_batch"]["updates"] == 1
    assert rows["stochastic"]["final_loss"] == result["stochastic"].loss[-1]
    assert "<pre>" in result._repr_html_() and "Mini-batch" in result._repr_html_()


def test_simulate_mlp_to_json_is_the_cli_bytes():
    pytest.importorskip("torch")
    kw = dict(n_examples=100, epochs=1, device="cpu")
    code, out, _ = _cli(*_argv("simulate", "mlp-moons", kw), "--json")
    assert code == 0
    result = gdviz.simulate("mlp-moons", **kw)
    assert result.to_json() == out
    assert result["mini_batch"].val_loss.shape == result["mini_batch"].loss.shape


def test_scenario_takes_options_and_toml_fields():
    s = gdviz.scenario("quick-example", batch_size=8, momentum=0.5, optimizer="momentum")
    assert (s.batch_size, s.momentum, s.optimizer) == (8, 0.5, "momentum")
    # a scenario object goes in as well as a name, and gives the same run
    a = gdviz.simulate(s, epochs=1)
    b = gdviz.simulate("quick-example", batch_size=8, momentum=0.5, optimizer="momentum",
                       epochs=1)
    assert a.to_json() == b.to_json()
    # a flag can be cleared, which the command line cannot say
    s = gdviz.scenario("quick-example", drop_last=True, batch_size=300)
    assert s.drop_last and not gdviz.scenario(s, drop_last=False).drop_last


@pytest.mark.parametrize("argv,kw", [
    (["simulate", "quick-example", "--lr", "-1"], dict(lr=-1)),
    (["simulate", "quick-example", "--seed", "1.5"], dict(seed=1.5)),
    (["simulate", "quick-example", "--clock", "sundial"], dict(clock="sundial")),
    (["simulate", "quick-example", "--batch-size", "5000"], dict(batch_size=5000)),
    (["simulate", "no-such-scenario"], dict()),
    (["simulate", "quick-example", "--function", "x +* y"], dict(function="x +* y")),
    (["simulate", "quick-example", "--epochs", "1e9"], dict(epochs=1e9)),
], ids=["lr", "seed", "clock", "batch", "name", "function", "length"])
def test_bad_input_raises_the_cli_line(argv, kw):
    code, _, err = _cli(*argv)
    assert code == 2
    with pytest.raises(gdviz.GdvizError) as info:
        gdviz.simulate(argv[1], **kw)
    assert f"gdviz: error: {info.value}\n" == err
    assert info.value.status == 2


def test_unknown_keyword_and_wrong_types_raise_not_exit():
    with pytest.raises(gdviz.GdvizError, match="unknown setting 'learning_rate'"):
        gdviz.simulate("quick-example", learning_rate=0.1)
    with pytest.raises(gdviz.GdvizError, match="help"):
        gdviz.simulate("quick-example", help=True)
    with pytest.raises(gdviz.GdvizError, match="expected a scenario name"):
        gdviz.simulate(42)
    with pytest.raises(gdviz.GdvizError):
        gdviz.sweep("quick-example", batch_sizes=[0, 4])
    with pytest.raises(gdviz.GdvizError):
        gdviz.export("quick-example", "/tmp/clip.avi")
    assert issubclass(gdviz.GdvizError, ValueError)   # never SystemExit


SWEEP_KW = dict(batch_sizes=[5, 50], lrs=[0.1, 0.3], copies=4, max_epochs=10, n_examples=200)


def test_sweep_json_csv_figure_are_the_cli_bytes(tmp_path):
    kw = {k: v for k, v in SWEEP_KW.items() if k != "n_examples"}
    base = gdviz.scenario("quick-example", n_examples=200)
    toml = tmp_path / "q.toml"
    toml.write_text('name = "q"\nlandscape = "regression"\nn_examples = 200\nbatch_size = 5\n'
                    'epochs = 10\n')
    code, out, _ = _cli(*_argv("sweep", str(toml), kw), "--json")
    assert code == 0
    lab = gdviz.sweep(toml, **kw)
    assert lab.to_json() == out
    code, _, _ = _cli(*_argv("sweep", str(toml), kw), "--out", str(tmp_path / "runs.csv"))
    assert lab.to_csv() == (tmp_path / "runs.csv").read_text()
    code, table, _ = _cli(*_argv("sweep", str(toml), kw))
    assert lab.table() + "\n" == table
    assert [p["batch_size"] for p in lab.best] == [5, 50]
    # steps are counted on the mean of the shuffle-copies: one run record per (B, η)
    assert len(lab.runs) == 2 * 2 and json.loads(out)["target"]["criterion"] == "mean_of_copies"
    png = lab.figure(tmp_path / "lab.png")
    assert png.read_bytes()[:4] == b"\x89PNG"
    html = lab._repr_html_()
    assert "<table>" in html and "data:image/png;base64," in html
    assert gdviz.sweep(base, **kw).best    # a Scenario object goes in too


def test_export_and_show_draw_without_a_window(tmp_path):
    out = gdviz.export("quick-example", tmp_path / "a.png", seconds=1, size=(320, 200))
    code, _, _ = _cli("export", "quick-example", "--out", str(tmp_path / "b.png"),
                      "--seconds", "1", "--size", "320x200")
    assert code == 0 and out.read_bytes() == (tmp_path / "b.png").read_bytes()
    pic = gdviz.show(gdviz.simulate("quick-example", epochs=1), size=(320, 200))
    assert pic._repr_png_()[:4] == b"\x89PNG" and pic.size == (320, 200)
    from PySide6.QtGui import QImage
    image = QImage.fromData(pic.png)
    assert (image.width(), image.height()) == (320, 200)
    # not one colour: the landscape and the paths are drawn
    colours = {image.pixel(x, y) for x in range(0, 320, 7) for y in range(0, 200, 7)}
    assert len(colours) > 20


def test_public_names_and_docstring_examples():
    import gdviz.api
    assert set(gdviz.api.__all__) <= set(gdviz.__all__)
    for name in gdviz.__all__:
        assert getattr(gdviz, name) is not None
    assert callable(gdviz.scenario) and gdviz.scenario.load   # the module answers calls too
    for module in (gdviz, gdviz.api):
        failed, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert tried > 0 and failed == 0, module.__name__


def test_package_is_typed():
    from importlib.resources import files
    assert files("gdviz").joinpath("py.typed").is_file()


def test_example_notebook_runs_headless(tmp_path, monkeypatch):
    """examples/batch-size.ipynb is committed without outputs and runs without an error."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from pathlib import Path
    import os

    root = Path(__file__).resolve().parents[1]
    path = root / "examples" / "batch-size.ipynb"
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in nb.cells if c.cell_type == "code"), "commit the notebook without outputs"
    # the kernel imports this checkout's gdviz and draws offscreen
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(root), *filter(None, [os.environ.get("PYTHONPATH")])]))
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()   # raises CellExecutionError on any error
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    kinds = {k for o in outputs for k in o.get("data", {})}
    assert {"text/html", "image/png"} <= kinds   # the tables and the picture show themselves
