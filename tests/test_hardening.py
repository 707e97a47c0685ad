"""Issue 13: hostile input is refused in one line, work is bounded, nothing is left behind."""
import json
import os
import signal
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

from gdviz import cli
from gdviz.core.expression import ARITY, ExpressionError, compile_expression
from gdviz.core.landscapes import GridCancelled
from gdviz.scenario import MAX_FILE_BYTES, load, load_file
from gdviz.ui.contours import GRID_BUDGET, grid_plan, landscape_view


from cli_helpers import refused, run_cli  # noqa: E402


# 1-3 the function box ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(ARITY))
def test_every_function_takes_exactly_its_arguments(name):
    arity = ARITY[name]
    compile_expression(f"{name}({', '.join(['x + 2'] * arity)})")
    for count in (arity - 1, arity + 1):
        if count >= 0:
            with pytest.raises(ExpressionError, match="takes"):
                compile_expression(f"{name}({', '.join(['x'] * count)})")
    with pytest.raises(ExpressionError, match="plain arguments"):
        compile_expression(f"{name}(x, out=y)" if arity == 1 else f"{name}(x, y, out=x)")


def test_an_extra_argument_never_writes_into_the_run(capsys):
    # NumPy took the third argument as out=: the loss evaluation overwrote theta
    refused(capsys, "simulate", "default", "--function", "minimum(x, y, x)", words=["takes 2"])
    refused(capsys, "simulate", "default", "--function", "sin(x, x)", words=["takes 1"])


@pytest.mark.parametrize("text", [
    "(-8)**(1/3)", "x + (-1)**0.5", "9**9**9", "2**10000", "1" * 500, "1/0", "0**-1",
    "x + 1/0", "x*0 + (-2)**0.5", "log(-1 - x**2)"])
def test_complex_overflow_and_zero_division_are_one_line_refusals(capsys, text):
    with pytest.raises(ExpressionError):
        compile_expression(text)
    refused(capsys, "simulate", "default", "--function", text, words=["function"])


def test_length_and_nesting_are_capped_before_parsing_and_messages_stay_short(capsys):
    for text in ["(" * 200 + "x" + ")" * 200, "-" * 450 + "x", "x" + "**x" * 120,
                 "x" * 1_000_000, "x+" * 100_000 + "x", "q" * 400]:
        with pytest.raises(ExpressionError) as info:
            compile_expression(text)
        assert len(str(info.value)) < 200
        refused(capsys, "simulate", "default", "--function", text)


# 4 simulate: bounded memory, the same bytes ---------------------------------------------------------
@pytest.mark.parametrize("args", [
    ("default", "--epochs", "2"), ("logistic", "--epochs", "1", "--clock", "hardware"),
    ("default", "--function", "x**2 + sin(3*y)", "--epochs", "3", "--drop-last"),
    ("ravine", "--lr", "5", "--epochs", "2")])   # the last one diverges: null values
def test_streamed_json_is_byte_identical_to_the_whole_object(capsys, args):
    code, out, _ = run_cli(capsys, "simulate", *args, "--json")
    assert code == 0
    parser = cli.build_parser()
    ns = parser.parse_args(["simulate", *args, "--json"])
    scenario = cli.resolve_scenario(ns)
    sim = scenario.build()
    whole = json.dumps(cli.simulation_json(scenario, sim, sim.run_to_end()), allow_nan=False,
                       separators=(",", ":")) + "\n"
    assert out == whole


def _peak_bytes(epochs: int, monkeypatch) -> int:
    monkeypatch.setattr(cli, "SPOOL_BYTES", 1 << 14)
    ns = cli.build_parser().parse_args(["simulate", "default", "--n-examples", "100",
                                        "--batch-size", "1", "--epochs", str(epochs), "--json"])
    monkeypatch.setattr(sys, "stdout", type("Null", (), {"write": lambda self, s: len(s),
                                                         "flush": lambda self: None})())
    tracemalloc.start()
    try:
        cli.cmd_simulate(ns)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_simulate_memory_stays_flat_as_the_run_grows(monkeypatch):
    short, long = _peak_bytes(2, monkeypatch), _peak_bytes(12, monkeypatch)
    # six times the steps (400 -> 2,400 records of ~2 KB each when kept): no growth
    assert long < short + 1_000_000, (short, long)


def test_an_overlong_run_is_refused_up_front_with_the_limit(capsys):
    err = refused(capsys, "simulate", "default", "--n-examples", "100000", "--batch-size", "1",
                  "--epochs", "10000", words=["updates", f"{cli.MAX_SIMULATE_UPDATES:,}"])
    assert "--epochs" in err


# 5 bounded grid, stop check ------------------------------------------------------------------------
def test_any_accepted_n_gets_a_picture_of_bounded_cost():
    for n in (500, 20_000, 100_000):
        landscape = load("logistic").with_changes(n_examples=n).build().landscape
        plan = grid_plan(landscape)
        terms = n if plan.examples is None else len(plan.examples)
        assert plan.resolution ** 2 * terms <= GRID_BUDGET
        assert plan.resolution >= 128
        assert (plan.examples is None) == (n == 500) and (bool(plan.note) == (n > 500))


def test_the_real_networks_plane_picture_is_bounded_too():
    class Plane:   # what grid_plan reads of gdviz.mlp.plane.PlaneLandscape
        def __init__(self, drawn):
            self.x = np.zeros((drawn, 2))
    from gdviz.ui.contours import PLANE_BUDGET
    assert grid_plan(Plane(400)).resolution == 220
    for drawn in (4096, 1000, 2000):
        plan = grid_plan(Plane(drawn))
        assert plan.examples is None and 96 <= plan.resolution <= 220
        assert plan.resolution ** 2 * drawn <= PLANE_BUDGET


def test_the_sampled_picture_is_close_to_j():
    landscape = load("logistic").with_changes(n_examples=20_000).build().landscape
    plan = grid_plan(landscape)
    xs, ys = (np.linspace(*b, 30) for b in landscape.bounds)
    exact = landscape.loss_grid(xs, ys)
    sampled = landscape.loss_grid(xs, ys, examples=plan.examples)
    # an independent reference: the plain mean of the per-example losses at a few points
    for i, j in ((3, 4), (15, 15), (27, 2)):
        theta = np.array([xs[i], ys[j]])
        assert exact[j, i] == pytest.approx(landscape.example_losses(
            theta, np.arange(landscape.n)).mean(), rel=1e-9)
    assert np.max(np.abs(exact - sampled)) < 0.08 * np.ptp(exact)


def test_the_grid_stops_when_asked():
    landscape = load("logistic").with_changes(n_examples=20_000).build().landscape
    asked = []
    with pytest.raises(GridCancelled):
        landscape_view(landscape, should_stop=lambda: asked.append(1) or len(asked) > 1)
    assert len(asked) == 2


def test_export_honours_sigterm_while_preparing_a_large_landscape(tmp_path, capsys, monkeypatch):
    import gdviz.core.landscapes as landscapes
    path = tmp_path / "big.toml"
    path.write_text('landscape = "logistic"\nn_examples = 100000\nbatch_size = 64\nepochs = 2\n')
    original = landscapes._check_stop

    def signal_then_check(should_stop):   # SIGTERM arrives in the middle of the grid
        os.kill(os.getpid(), signal.SIGTERM)
        original(should_stop)

    monkeypatch.setattr(landscapes, "_check_stop", signal_then_check)
    code, out, err = run_cli(capsys, "export", str(path), "--out", str(tmp_path / "x.png"))
    assert code == 130 and "SIGTERM" in err and out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.toml"]


# 6 special files ---------------------------------------------------------------------------------
def test_special_files_are_refused_without_reading_them(tmp_path, capsys):
    refused(capsys, "simulate", "/dev/zero", words=["not a regular file"])
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    refused(capsys, "simulate", str(fifo), words=["not a regular file"])   # no hang
    refused(capsys, "simulate", str(tmp_path), words=["not a regular file"])
    huge = tmp_path / "huge.toml"
    huge.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    refused(capsys, "simulate", str(huge), words=["larger than"])
    refused(capsys, "simulate", str(tmp_path / ("a" * 300 + ".toml")), words=["too long"])
    refused(capsys, "simulate", "", words=["no scenario given"])
    refused(capsys, "simulate", "   ", words=["no scenario given"])


def test_a_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + 'landscape = "ravine"\nseed = 3\n'.encode())
    assert load_file(path).landscape == "ravine"


def test_a_broken_remembered_scenario_is_forgotten_with_a_notice(tmp_path, monkeypatch, qapp,
                                                                 capsys):
    from gdviz.ui import settings
    monkeypatch.setenv(settings.ENV_DIR, str(tmp_path / "settings"))
    fifo = tmp_path / "last.toml"
    os.mkfifo(fifo)
    for ref in (str(fifo), "/dev/zero", str(tmp_path / "gone.toml")):
        s = settings.open_settings()
        s.setValue("scenario/last", ref)
        s.sync()
        assert settings.startup_scenario().name == "default"
        assert settings.last_scenario_reference() is None
        assert "Forgot the last scenario" in settings.take_dropped_notice()
        assert "Forgot the last scenario" in capsys.readouterr().err


# 7, 8, 14 the export target ----------------------------------------------------------------------
@pytest.mark.parametrize("out", ["/proc/x.png", "/sys/x.png"])
def test_pseudo_file_systems_are_refused_before_rendering(capsys, out):
    refused(capsys, "export", "default", "--out", out, words=[out])


def test_long_names(tmp_path, capsys):
    err = refused(capsys, "export", "default", "--out", str(tmp_path / ("a" * 300 + ".png")),
                  words=["too long"])
    assert len(err) < 300
    legal = tmp_path / ("b" * 247 + ".png")          # 251 characters: the limit is 255
    code, _, _ = run_cli(capsys, "export", "default", "--out", str(legal), "--seconds", "0.5",
                         "--size", "64x64")
    assert code == 0 and [p.name for p in tmp_path.iterdir()] == [legal.name]


def test_a_symlink_is_written_through_and_the_mode_kept(tmp_path, capsys):
    real = tmp_path / "real.png"
    real.write_bytes(b"old")
    real.chmod(0o600)
    link = tmp_path / "link.png"
    link.symlink_to(real.name)
    code, _, _ = run_cli(capsys, "export", "default", "--out", str(link), "--seconds", "0.5",
                         "--size", "64x64")
    assert code == 0 and link.is_symlink() and os.readlink(link) == real.name
    assert real.read_bytes()[:4] == b"\x89PNG" and (real.stat().st_mode & 0o777) == 0o600


def test_stale_part_files_of_a_killed_export_are_removed(tmp_path, capsys):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".gdviz-part-{dead.pid}-abc123xy.mp4"
    stale.write_bytes(b"half a video")
    mine = tmp_path / f".gdviz-part-{os.getpid()}-abc123xy.mp4"   # a live export: kept
    mine.write_bytes(b"in progress")
    other = tmp_path / ".notes.part-1.mp4"                        # not ours: kept
    other.write_bytes(b"x")
    code, _, _ = run_cli(capsys, "export", "default", "--out", str(tmp_path / "x.png"),
                         "--seconds", "0.5", "--size", "64x64")
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, other.name, "x.png"])


# 10-13 validation and messages --------------------------------------------------------------------
@pytest.mark.parametrize("view, words", [
    ("xlim = [-1e308, 1e308]\nylim = [-1, 1]", ["xlim", "between"]),
    ("zoom = 3", ["view.zoom", "unknown field"]),
    ("xlim = [-1, 1]", ["ylim as well"]),
    ("ylim = [2, 1]", ["ylim"]),
    ("xlim = [0, 1e-9]\nylim = [0, 1]", ["xlim"]),
    ("speed = -1", ["speed"]),
    ('xlim = "wide"\nylim = [0, 1]', ["xlim"]),
])
def test_the_view_table_is_validated(tmp_path, capsys, view, words):
    path = tmp_path / "v.toml"
    path.write_text(f'landscape = "ravine"\n[view]\n{view}\n')
    refused(capsys, "simulate", str(path), words=words)


def test_a_function_is_never_silently_ignored(tmp_path, capsys):
    path = tmp_path / "f.toml"
    path.write_text('function = "x**2 + y**2"\n')            # no landscape: the custom one
    assert load_file(path).landscape == "custom"
    path.write_text('landscape = "ravine"\nfunction = "x**2 + y**2"\n')
    refused(capsys, "simulate", str(path), words=["function", "custom"])
    refused(capsys, "simulate", "default", "--function", "x", "--landscape", "ravine",
            words=["function", "custom"])
    refused(capsys, "simulate", "default", "--function", "", words=["function"])
    refused(capsys, "simulate", "default", "--function", "   ", words=["function"])
    # a function that is finite on [-3, 3] but nowhere on the scenario's own view
    path.write_text('function = "log(1 - x)"\n[view]\nxlim = [2, 4]\nylim = [0, 1]\n')
    refused(capsys, "simulate", str(path), words=["[2, 4]"])


def test_messages_blame_the_right_thing_without_internals(tmp_path, capsys):
    refused(capsys, "simulate", "default", "--n-examples", "1", words=["'n_examples' = 1"])
    path = tmp_path / "m.toml"
    path.write_text('landscape = "ravine"\n[mlp]\ndataset = "moons"\n')
    err = refused(capsys, "simulate", str(path), words=["landscape"])
    assert "MlpSettings" not in err
    path.write_text('[hardware]\nghz = 3\n')
    refused(capsys, "simulate", str(path), words=["hardware.ghz", "= 3"])
    for value, name in (("-1e3", "epochs"), ("-.5", "lr"), ("-inf", "lr"), ("-1", "seed")):
        refused(capsys, "simulate", "default", f"--{name}", value, words=[f"'{name}'"])
    path.write_text("title = '" + "t" * 5000 + "'\nseed = 'x" + "y" * 5000 + "'\n")
    refused(capsys, "simulate", str(path), words=["seed"])


def test_extreme_functions_and_starts_make_no_warnings():
    import warnings

    from gdviz.core.noise import measured_noise, noise_stats
    far = {"full_batch": (1e5, 1e5), "mini_batch": (-1e5, 3.0), "stochastic": (0.0, 1e6)}
    cases = [load("default").with_changes(function=f, lr=0.5) for f in
             ("exp(x*50)", "log(x)", "1e300*x**2", "tan(x)*y")]
    cases += [load(name).with_changes(starts=far, lr=100.0) for name in
              ("default", "logistic", "ravine", "himmelblau", "rosenbrock", "sharp-flat")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for scenario in cases:
            sim = scenario.build()
            landscape_view(sim.landscape, resolution=60)
            for _ in range(25):
                sim.step_tick()
            for m in sim.snapshot().methods:
                noise_stats(sim.landscape, m.theta)
                measured_noise(sim.landscape, m.theta, 4, np.random.default_rng(0), draws=8)


def test_a_diverged_run_draws_no_marker_and_no_warning(qapp, recwarn):
    from gdviz.ui.canvas import ContourCanvas
    scenario = load("default").with_changes(function="log(x)", lr=0.5)
    sim = scenario.build()
    for _ in range(5):
        sim.step_tick()
    canvas = ContourCanvas()
    canvas.set_landscape(landscape_view(sim.landscape, resolution=40))
    canvas.resize(300, 200)
    canvas.show_snapshot(sim.snapshot())
    canvas.grab()
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


# 15 fractional epochs -----------------------------------------------------------------------------
@pytest.mark.parametrize("clock", ["examples", "updates", "hardware"])
def test_fractional_epochs_stop_every_method_within_the_same_budget(clock):
    for epochs, n, b in ((2.7, 256, 16), (0.5, 100, 30), (1.25, 97, 10)):
        sim = load("default").with_changes(epochs=epochs, n_examples=n, batch_size=b,
                                           clock=clock).build()
        sim.run_to_end()
        budget = epochs * n
        for run in sim.runs:
            assert run.status == "finished"
            assert run.examples_seen <= budget + 1e-9            # none goes past E x N
            assert run.examples_seen > budget - run.batch_size   # and stops at the last fit


def test_the_function_box_shows_each_refusal(qtbot):
    from gdviz.ui.main_window import MainWindow
    w = MainWindow(load("default"))
    qtbot.addWidget(w)
    panel = w.controls
    for text, words in (("2**10000 + x", "not finite"), ("sin(x, x)", "takes 1 argument"),
                        ("1/0", "not finite"), ("1" * 400, "too large"),
                        ("(-8)**(1/3)", "not real")):
        panel.function_edit.setText(text)
        panel.function_edit.returnPressed.emit()
        assert words in panel.function_error.text()
        assert w.scenario.landscape == "regression"   # state unchanged
    w.close()


def test_a_long_advance_between_two_frames_honours_a_stop(tmp_path, qapp, monkeypatch):
    from gdviz.export import job as job_module
    from gdviz.export.job import ExportCancelled, ExportJob, ExportSpec
    scenario = load("default").with_changes(speed=1e7, epochs=2000.0)
    plain = ExportJob(ExportSpec(scenario, tmp_path / "a.png", size=(64, 64), seconds=0.01))
    plain.start()
    asked = []
    job = ExportJob(ExportSpec(scenario, tmp_path / "b.png", size=(64, 64), seconds=0.01))
    job.should_stop = lambda: asked.append(1) or len(asked) >= 3
    job.start()
    with pytest.raises(ExportCancelled):
        job.step()                       # 100,000 ticks: chunks of updates, stopped at the third
    assert len(asked) == 3
    # the chunks take exactly the updates of one call
    monkeypatch.setattr(job_module, "ADVANCE_CHUNK", 7)
    job.should_stop = None
    chunked = load("default").with_changes(epochs=3.0).build()
    whole = load("default").with_changes(epochs=3.0).build()
    job._advance(chunked, 700.0)
    whole.advance_to(700.0)
    assert [r.updates for r in chunked.runs] == [r.updates for r in whole.runs]
    assert all(np.array_equal(a.theta, b.theta) for a, b in zip(chunked.runs, whole.runs))
    plain.cancel()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_closing_window_cancels_the_landscape_grid_in_progress(qapp):
    """Closing asks the worker to stop first: a large landscape's grid ends between chunks
    instead of blocking the close (27 s for logistic regression with N = 20000 before)."""
    from gdviz.experiment import Experiment
    from gdviz.ui.worker import SimulationWorker
    experiment = Experiment(load("logistic").with_changes(n_examples=20000))
    worker = SimulationWorker(experiment)
    shown = []
    worker.landscape_ready.connect(shown.append)
    worker.sync()                       # builds the engine and draws the picture once
    assert len(shown) == 1
    worker.request_stop()
    worker._emit_landscape()            # as the worker would, mid-preparation
    assert len(shown) == 1              # cancelled, not drawn
