"""Issue 25: hostile scenario content, work without bounds, misread input, one-line refusals."""
from __future__ import annotations

import pytest

from gdviz.cli import main
from gdviz.scenario import MAX_SEED, TEXT_LIMITS, ScenarioError, load, load_file


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys, *args, words=()):
    code, out, err = run_cli(capsys, *args)
    assert code == 2, (args, err)
    assert err.count("\n") == 1 and err.startswith("gdviz: error: "), err
    assert "Traceback" not in err and len(err) < 400, err
    for w in words:
        assert w in err, (w, err)
    return err


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
    (["--batch-sizes", "1", "--lrs", "1e-9", "--seeds", "1000", "--max-epochs", "10000"],
     ["would take about", "min", "limits are", "docs/limits.md"]),
    (["--n-examples", "100000", "--seeds", "1000"], ["GiB of memory"]),
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


def test_sweep_estimates_bound_the_measured_work():
    """The estimate is an upper bound of a sweep whose runs never stop early (η tiny)."""
    import time

    from gdviz.core.lab import Lab, LabSettings
    from gdviz.core.limits import lab_estimate
    lab = Lab(load("default"), LabSettings(batch_sizes=(1, 16), lrs=(1e-9,), seeds=4,
                                           max_epochs=4))
    t = time.perf_counter()
    lab.run()
    took = time.perf_counter() - t
    seconds, nbytes = lab_estimate(256, (1, 16), 1, 4, 4, False, False)
    assert 0 < seconds and nbytes > 4 * 256 * 8
    assert took < 20 * seconds + 1.0     # same order: a 2-core laptop, loaded


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
