"""Issue 25: hostile scenario content, work without bounds, misread input, one-line refusals."""
from __future__ import annotations

import pytest

from gdviz.cli import main
from gdviz.scenario import MAX_SEED, TEXT_LIMITS, ScenarioError, load, load_file


from cli_helpers import refused, run_cli  # noqa: E402


# A. scenario content that crashed the window ---------------------------------------------------
def test_one_seed_range_everywhere(tmp_path, capsys, qtbot):
    from gdviz.ui.main_window import MainWindow
    path = tmp_path / "s.toml"
    path.write_text(f"seed = {MAX_SEED + 1}\n")
    with pytest.raises(ScenarioError, match="seed"):
        load_file(path)
    refused(capsys, "simulate", str(path), words=["seed", str(MAX_SEED)])
    refused(capsys, "simulate", "default", "--seed", str(MAX_SEED + 1), words=["seed"])
    path.write_text(f"seed = {MAX_SEED}\n")
    top = load_file(path)
    w = MainWindow(top)            # the largest accepted seed fits the window's seed box
    qtbot.addWidget(w)
    assert w.controls.seed_spin.value() == MAX_SEED
    assert w.controls.seed_spin.maximum() == MAX_SEED
    w.close()


HOSTILE_TEXT = ["<img src='/dev/zero'>", "<img width=100000 height=100000 src='x.png'>",
                "<a href='file:///etc/passwd'>x</a>", "<table>" + "<tr><td>x</td></tr>" * 9
                + "</table>", "<b>bold</b> & <i>it</i>"]


@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_titles_and_notes_are_plain_text(tmp_path, qtbot, text):
    from gdviz.ui.main_window import MainWindow
    scenario = load("default").with_changes(title=text, note=text, description=text)
    w = MainWindow(scenario)
    qtbot.addWidget(w)
    shown = w.note_label.text()
    assert "<img" not in shown and "<a " not in shown and "<table" not in shown
    assert "&lt;" in shown                 # the markup is shown as the characters it is
    w.close()


@pytest.mark.parametrize("name", sorted(TEXT_LIMITS))
def test_text_fields_are_capped(tmp_path, capsys, name):
    limit = TEXT_LIMITS[name]
    path = tmp_path / "s.toml"
    path.write_text(f'{name} = "{"t" * (limit + 1)}"\n')
    err = refused(capsys, "simulate", str(path), words=[name, f"at most {limit:,}"])
    assert len(err) < 300
    path.write_text(f'{name} = "{"t" * limit}"\n')
    assert len(getattr(load_file(path), name)) == limit


# B. work and memory without bounds -------------------------------------------------------------
def test_sweep_memory_is_bounded_by_its_block_not_its_length():
    import tracemalloc

    from gdviz.core.lab import Lab, LabSettings
    scenario = load("default").with_changes(n_examples=2000)

    def peak(epochs):
        lab = Lab(scenario, LabSettings(batch_sizes=(2000,), lrs=(1e-9,), seeds=1,
                                        max_epochs=epochs))
        tracemalloc.start()
        lab.run()
        top = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return top

    short, long = peak(50), peak(1000)
    # the old cache kept every epoch's permutation: 950 more × 16 KB = 15 MB
    assert long - short < 2 * 2**20, (short, long)


@pytest.mark.parametrize("args, words", [
    (["--criterion", "single_run", "--batch-sizes", "1", "--lrs", "1e-9", "--seeds", "1000",
      "--max-epochs", "10000"],
     ["would take about", "min", "limits are", "docs/limits.md"]),
    # the mean-of-copies lab (the default criterion): its worst case past 4 × the limits (a
    # worst case within them runs, and is stopped at the limits: tests/test_copies_limits.py)
    (["--batch-sizes", "1,2", "--lrs", "1e-9", "--max-epochs", "10000", "--copies", "1000"],
     ["would take about", "copies", "limits are", "docs/limits.md"]),
    (["--n-examples", "100000", "--criterion", "single_run", "--seeds", "1000"],
     ["GiB of memory"]),
])
def test_a_sweep_beyond_the_limits_is_refused_before_any_work(capsys, args, words, monkeypatch):
    import gdviz.core.lab as lab_module
    monkeypatch.setattr(lab_module, "seed_targets", lambda *a: pytest.fail("work started"))
    scenario = "default"
    if args[0] == "--n-examples":   # sweep takes no --n-examples: a file with N = 100,000
        import tempfile
        path = tempfile.mkdtemp() + "/big.toml"
        with open(path, "w") as fh:
            fh.write("n_examples = 100000\nbatch_size = 32\n")
        scenario, args = path, args[2:]
    err = refused(capsys, "sweep", scenario, *args, words=words)
    assert len(err) < 400


def test_sweep_estimates_bound_the_counted_work():
    """The estimate is an upper bound of a sweep whose runs never stop early (η tiny): the
    single-run lab's updates × runs, counted (not timed), are those the estimate charges."""
    import numpy as np

    from gdviz.core import lab_block
    from gdviz.core.lab import Lab, LabSettings
    from gdviz.core.limits import LAB_ELEMENT_S, LAB_STEP_S, lab_estimate
    lab = Lab(load("default"), LabSettings(batch_sizes=(1, 16), lrs=(1e-9,), seeds=4,
                                           max_epochs=4, criterion="single_run"))
    counted = []
    real = lab_block._gradient

    def counting(stacked, b):
        grad = real(stacked, b)

        def wrapped(theta, idx):
            counted.append((b, int(np.prod(theta.shape[:-1]))))
            return grad(theta, idx)
        return wrapped
    lab_block._gradient = counting
    try:
        lab.run()
    finally:
        lab_block._gradient = real
    work = sum(LAB_STEP_S + runs * (b + 1) * LAB_ELEMENT_S for b, runs in counted)
    seconds, nbytes = lab_estimate(256, (1, 16), 1, 4, 4, False, False)
    assert counted and 0.9 * seconds <= work <= seconds * (1 + 1e-9)
    assert nbytes > 4 * 256 * 8


def test_a_clip_is_bounded_in_frames_times_pixels(capsys, tmp_path):
    from gdviz.export.job import MAX_CLIP_PIXELS
    out = str(tmp_path / "x.mp4")
    err = refused(capsys, "export", "default", "--out", out, "--seconds", "3600", "--fps", "120",
                  "--size", "7680x7680", words=["432,000 frames", "at most"])
    assert "7680x7680" in err
    # each value alone is accepted; the product is what is refused
    assert 3600 * 120 * 7680 * 7680 > MAX_CLIP_PIXELS >= 600 * 30 * 1280 * 720
    assert list(tmp_path.iterdir()) == []


def test_a_large_networks_plane_is_bounded_and_stops_when_asked():
    import numpy as np
    import torch

    from gdviz.core.landscapes import GridCancelled
    from gdviz.mlp.model import MlpSpec
    from gdviz.mlp.plane import Plane, PlaneLandscape, macs_per_example
    from gdviz.ui.contours import PLANE_BUDGET, grid_plan
    spec = MlpSpec((2, 256, 256, 256, 256, 1), "tanh", "bce")
    p = spec.n_params
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.normal(size=(p, 2)))[0].T
    plane = Plane(rng.normal(size=p) * 0.05, basis, ("random direction", "random direction"), 1.0)
    x = torch.tensor(rng.normal(size=(20000, 2)), dtype=torch.float32)
    y = torch.tensor(rng.integers(0, 2, size=(20000, 1)), dtype=torch.float32)
    surface = PlaneLandscape(spec, plane, x, y, ((-1, 1), (-1, 1)), 0, 20000)
    res = grid_plan(surface, 96).resolution
    cost = res * res * len(surface.x) * macs_per_example(spec)
    assert cost <= 4 * PLANE_BUDGET * 304, (res, len(surface.x))   # was 96² × 4096 passes
    asked = []
    with pytest.raises(GridCancelled):
        surface.loss_grid(np.linspace(-1, 1, res), np.linspace(-1, 1, res),
                          should_stop=lambda: asked.append(1) or len(asked) > 2)
    assert len(asked) == 3


def test_closing_does_not_wait_for_a_busy_worker(qtbot):
    import time

    from PySide6.QtCore import QTimer

    from gdviz.ui.main_window import MainWindow
    w = MainWindow(load("default"))
    w.show()
    qtbot.waitUntil(lambda: w.snapshot is not None, timeout=10_000)
    thread = w.worker_thread.thread
    busy = []
    QTimer.singleShot(0, w.worker_thread.worker, lambda: busy.append(1) or time.sleep(2.5))
    qtbot.waitUntil(lambda: bool(busy), timeout=5_000)
    t = time.perf_counter()
    w.close()
    assert time.perf_counter() - t < 1.0
    assert thread.wait(5_000)            # it ends on its own after the computation


def test_sigterm_ends_an_export_inside_a_long_computation_within_a_second(tmp_path):
    """The main thread is inside one long call (here a sleep standing in for a network's
    full-batch update): the watchdog removes the partial file and ends the process."""
    import os
    import signal
    import subprocess
    import sys
    import time
    code = ("import time, gdviz.export.job as j\n"
            "orig = j.ExportJob.start\n"
            "def slow(self):\n"
            "    orig(self); print('ready', flush=True); time.sleep(30)\n"
            "j.ExportJob.start = slow\n"
            "from gdviz.cli import main\n"
            f"main(['export', 'default', '--out', {str(tmp_path / 'x.png')!r}, '--size', '64x64'])\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env)
    assert p.stdout.readline().strip() == "ready"
    assert [f for f in os.listdir(tmp_path)]            # the partial file exists
    t = time.perf_counter()
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=10)
    assert time.perf_counter() - t < 1.5
    assert p.returncode == 130 and err.count("\n") == 1 and "SIGTERM" in err, err
    assert os.listdir(tmp_path) == []


# D. tracebacks and aborts instead of one line ----------------------------------------------------
DEEP_FILES = ["x = " + "[" * 900 + "1" + "]" * 900, "a." * 1200 + "b = 1",
              "".join(f"[{'t.' * k}t]\n" for k in (1100,)), "x = " + "{a=" * 600 + "1" + "}" * 600]
HUGE = "9" * 400


@pytest.mark.parametrize("text, field", [(t, None) for t in DEEP_FILES] + [
    (f"lr = {HUGE}", "lr"), (f"epochs = {HUGE}", "epochs"), (f"noise = -{HUGE}", "noise"),
    (f"[view]\nspeed = {HUGE}", "speed"), (f"[view]\nxlim = [{HUGE}, 1]\nylim = [0, 1]", "xlim"),
    (f"[starts]\nfull_batch = [{HUGE}, 0]", "starts.full_batch"),
    (f"[hardware]\nthroughput = {HUGE}", "throughput"),
    (f"[hardware]\noverhead_ms = {HUGE}", "overhead_ms"),
    (f'landscape = "mlp"\n[mlp]\nnoise = {HUGE}', "mlp.noise"),
    (f'landscape = "mlp"\n[mlp]\nhidden = [{HUGE}]', "mlp.hidden"),
    ("lr = " + "9" * 4301, "lr")])
def test_deep_or_huge_toml_is_one_line_naming_file_and_field(tmp_path, capsys, text, field):
    path = tmp_path / "s.toml"
    path.write_text(text)
    err = refused(capsys, "simulate", str(path), words=[str(path)])
    if field:
        assert f"'{field}'" in err, err


def test_a_full_stdout_is_one_line_and_a_closed_pipe_is_quiet(tmp_path):
    import subprocess
    import sys
    for argv in (["scenarios"], ["simulate", "default", "--json", "--epochs", "2"]):
        with open("/dev/full", "w") as full:
            p = subprocess.run([sys.executable, "-m", "gdviz", *argv], stdout=full,
                               stderr=subprocess.PIPE, text=True, timeout=60)
        assert p.returncode == 1 and p.stderr.count("\n") == 1, p.stderr
        assert "No space left" in p.stderr and "Traceback" not in p.stderr
    p = subprocess.Popen([sys.executable, "-m", "gdviz", "simulate", "default", "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.read(10)
    p.stdout.close()                       # as `| head -c 10` does
    _, err = p.communicate(timeout=60)
    assert p.returncode == 0 and err == b"", err


def test_an_unwritable_settings_folder_starts_with_defaults_and_closes_cleanly(
        tmp_path, monkeypatch, qtbot, capsys):
    from gdviz.ui import settings
    from gdviz.ui.main_window import MainWindow
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(settings.ENV_DIR, str(blocker / "gdviz"))
    monkeypatch.setattr(settings, "_unwritable_said", False)
    w = MainWindow(load("default"))
    w.restore_settings()
    assert "will not be kept" in w.statusBar().currentMessage()
    thread = w.worker_thread.thread
    w.close()                              # no traceback from save, the worker is stopped
    assert not thread.isRunning()
    err = capsys.readouterr().err
    assert err.count("will not be kept") == 1 and "Traceback" not in err


@pytest.mark.parametrize("env, words", [
    ({"DISPLAY": None, "WAYLAND_DISPLAY": None, "QT_QPA_PLATFORM": None}, "no display found"),
    ({"QT_QPA_PLATFORM": "xcbb"}, "names no platform"),
    ({"DISPLAY": ":97", "WAYLAND_DISPLAY": None, "QT_QPA_PLATFORM": None}, "no display answers"),
])
def test_no_display_is_one_line_and_export_needs_none(tmp_path, env, words):
    import os
    import subprocess
    import sys
    full = dict(os.environ)
    for k, v in env.items():
        if v is None:
            full.pop(k, None)
        else:
            full[k] = v
    p = subprocess.run([sys.executable, "-m", "gdviz"], env=full, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 1 and p.stderr.count("\n") == 1 and words in p.stderr, p.stderr
    assert "export" in p.stderr
    out = tmp_path / "x.png"
    p = subprocess.run([sys.executable, "-m", "gdviz", "export", "default", "--out", str(out),
                        "--size", "64x64"], env=full, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and out.exists(), p.stderr


def test_an_ascii_terminal_is_not_bad_input():
    import os
    import subprocess
    import sys
    env = dict(os.environ, PYTHONIOENCODING="ascii")
    p = subprocess.run([sys.executable, "-m", "gdviz", "sweep", "default", "--seeds", "1",
                        "--max-epochs", "3"], env=env, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0 and p.stderr == "", p.stderr
    assert "\\u03b7" in p.stdout or "\\u2212" in p.stdout     # η, − as escapes


def test_an_internal_error_is_not_reported_as_bad_input(monkeypatch):
    from gdviz import cli
    monkeypatch.setattr(cli, "cmd_scenarios", lambda args: int("not a number"))
    with pytest.raises(ValueError):        # a bug shows as one, not as "bad input" (exit 2)
        main(["scenarios"])


@pytest.mark.parametrize("args", [
    ["simulate", "default", "--function", "exp(x*1000)"],
    ["simulate", "default", "--function", "x*1e308", "--epochs", "3"],
    ["sweep", "FILE", "--seeds", "1", "--max-epochs", "2"],
])
def test_numpy_warnings_do_not_leak(capsys, args, tmp_path):
    if "FILE" in args:
        path = tmp_path / "s.toml"
        path.write_text('function = "x*1e308 + y*y"\n')
        args = [str(path) if a == "FILE" else a for a in args]
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        code, _, err = run_cli(capsys, *args)
    assert code == 0 and "Warning" not in err, err


def test_starts_far_out_make_no_warnings(tmp_path, capsys):
    import warnings
    path = tmp_path / "s.toml"
    path.write_text("[starts]\nfull_batch = [1e300, 1e300]\nmini_batch = [1e300, 1e300]\n"
                    "stochastic = [1e300, 1e300]\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        code, _, err = run_cli(capsys, "simulate", str(path))
    assert code == 0 and err == "", err


# C. input that was silently misread --------------------------------------------------------------
@pytest.mark.parametrize("language", ["German", "French", "Turkish", "C"])
@pytest.mark.parametrize("typed, value", [("0.12", 0.12), ("0,13", 0.13)])
def test_number_boxes_read_the_same_under_every_locale(qtbot, language, typed, value):
    from PySide6.QtCore import QLocale

    from gdviz.ui.panels.controls import ControlPanel
    before = QLocale()
    QLocale.setDefault(QLocale.c() if language == "C" else
                       QLocale(getattr(QLocale.Language, language)))
    try:
        panel = ControlPanel(load("default"))
        qtbot.addWidget(panel)
        panel.set_scenario(load("default"))
        box = panel.lr_spin
        asked = []
        panel.changes_requested.connect(asked.append)
        box.lineEdit().selectAll()
        qtbot.keyClicks(box.lineEdit(), typed)
        box.interpretText()
        box.editingFinished.emit()
        assert box.value() == pytest.approx(value), (language, typed, box.text())
        assert "," not in box.text()
    finally:
        QLocale.setDefault(before)


def test_no_parser_expands_an_abbreviation(capsys):
    refused(capsys, "sweep", "default", "--seed", "42", words=["--seed"])
    refused(capsys, "simulate", "default", "--epoch", "3", words=["--epoch"])
    refused(capsys, "export", "default", "--out", "x.png", "--sec", "3", words=["--sec"])


def test_sweep_json_writes_null_for_a_non_finite_number(tmp_path, capsys):
    import json
    path = tmp_path / "s.toml"
    path.write_text('function = "sqrt(-x)+y*y"\n')
    code, out, err = run_cli(capsys, "sweep", str(path), "--json", "--seeds", "1",
                             "--max-epochs", "3")
    assert code == 0, err
    data = json.loads(out)
    assert data["target"]["loss"] is None or isinstance(data["target"]["loss"], float)


# E. messages ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [
    ["export", "default", "--out", "x.png", "--size", "64x" + "9" * 10_000],
    ["sweep", "default", "--batch-sizes", ",".join(["1"] * 5000 + ["x" * 300] + ["2"] * 5000)],
    ["sweep", "default", "--lrs", ",".join(["0.1"] * 5000 + ["q" * 5000])],
    ["export", "default", "--out", "x." + "p" * 5000],
    ["simulate", "s" * 70_000],
])
def test_echoes_stay_short(capsys, args):
    err = refused(capsys, *args)
    assert len(err) < 300, len(err)
    assert max(len(w) for w in err.split()) <= 81, err


@pytest.mark.parametrize("args", [
    ["simulate", "\x1b]0;PWNED\x07"],
    ["export", "default", "--out", "a\nb.webm"],
    ["simulate", "default", "--optimizer", "sg\rd\x9b"],
    ["simulate", "x\u202eemoc.toml"],
])
def test_control_characters_are_escaped_in_every_echo(capsys, args):
    err = refused(capsys, *args)
    body = err[:-1]
    assert not any(ord(c) < 32 or 0x7f <= ord(c) <= 0x9f or 0x202a <= ord(c) <= 0x202e
                   for c in body), repr(err)


@pytest.mark.parametrize("option, value, shown", [
    ("--seconds", "3600.0001", "3600.0001"), ("--fps", "120.0001", "120.0001"),
    ("--seconds", "-1e-9", "-1e-09")])
def test_out_of_range_values_are_shown_as_given(capsys, option, value, shown):
    refused(capsys, "export", "default", "--out", "x.mp4", option, value,
            words=[f"{option} {shown}:"])


def test_a_long_path_is_called_a_long_path(capsys, tmp_path):
    err = refused(capsys, "export", "default", "--out", str(tmp_path) + "/a" * 3000 + "/x.png",
                  words=["the path is too long"])
    assert "5 bytes" not in err


def test_the_torch_hint_fits_the_installation(monkeypatch, tmp_path):
    import sys

    from gdviz import mlp
    assert "pip install -e" in mlp.install_hint()          # this checkout: editable
    fake = tmp_path / "site-packages" / "gdviz" / "mlp"
    fake.mkdir(parents=True)
    monkeypatch.setattr(mlp, "__file__", str(fake / "__init__.py"))
    assert mlp.install_hint() == f"{sys.executable} -m pip install 'gdviz[mlp]'"
    monkeypatch.setattr(sys, "prefix", "/home/u/.local/share/pipx/venvs/gdviz")
    assert mlp.install_hint() == "pipx inject gdviz torch"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert "bundled" in mlp.install_hint()


def test_a_network_that_cannot_start_says_why_in_its_dock(qtbot):
    from gdviz.ui.main_window import MainWindow
    w = MainWindow(load("default"))
    qtbot.addWidget(w)
    message = ("Could not start mlp-moons: the real-network (MLP) mode needs PyTorch, which "
               "cannot be imported (No module named 'torch'); install the 'mlp' extra: x")
    w.show_error(message)
    assert w.network_panel is not None and "needs PyTorch" in w.network_panel.header.text()
    assert not w.network_dock.isHidden()
    w.close()


def test_the_default_real_network_sweep_is_within_the_limits():
    """`gdviz sweep mlp-moons` with its defaults (B from 1, 80 epochs) is not refused: the
    estimate counts what the stacked lab does per update (its batch forward and backward, the
    validation loss), not a full training loss at every update (which estimated 23 min)."""
    from gdviz.core.lab import LabSettings
    from gdviz.core.limits import MAX_LAB_SECONDS, mlp_lab_estimate, mlp_params
    from gdviz.mlp.lab import MLP_LAB_EPOCHS, MLP_LR_COUNT, auto_mlp_batch_sizes
    s = load("mlp-moons")
    n = s.n_examples
    n_val = int(round(n * s.mlp.val_fraction))
    seeds = LabSettings().seeds
    seconds, nbytes = mlp_lab_estimate(n, n_val, auto_mlp_batch_sizes(n), MLP_LR_COUNT, seeds,
                                       MLP_LAB_EPOCHS, s.drop_last,
                                       mlp_params((2, *s.mlp.hidden, 1)))
    assert seconds < MAX_LAB_SECONDS / 5, seconds
    # and a thousand seeds still is refused
    seconds, _ = mlp_lab_estimate(n, n_val, auto_mlp_batch_sizes(n), MLP_LR_COUNT, 1000,
                                  MLP_LAB_EPOCHS, s.drop_last, mlp_params((2, *s.mlp.hidden, 1)))
    assert seconds > MAX_LAB_SECONDS
