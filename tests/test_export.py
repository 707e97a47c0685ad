"""Export: stills and clips of the right size and length, identical frames on every run, no file
left behind by a cancel, an error or a full disk, and the CLI's refusals (exit 2)."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import av  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from gdviz.cli import main  # noqa: E402
from gdviz.scenario import load  # noqa: E402
from gdviz.export import ExportError, ExportJob, ExportSpec  # noqa: E402
from gdviz.export.atomic import AtomicFile  # noqa: E402
from gdviz.export.render import to_rgb  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def default():
    return load("default")


@pytest.fixture(autouse=True)
def _app(qapp):
    import pyqtgraph as pg
    pg.setConfigOptions(antialias=True, imageAxisOrder="row-major")
    return qapp


def spec(scenario, out, **kw) -> ExportSpec:
    kw.setdefault("size", (160, 120))
    kw.setdefault("seconds", 1.0)
    kw.setdefault("fps", 6.0)
    return ExportSpec(scenario, Path(out), **kw)


def read_image(path) -> np.ndarray:
    from PySide6.QtGui import QImage
    image = QImage(str(path))
    assert not image.isNull(), path
    return to_rgb(image.convertToFormat(QImage.Format.Format_RGB32))


def colourful(rgb: np.ndarray) -> bool:
    """Not blank: many colours, and not all background."""
    flat = rgb.reshape(-1, 3)
    return len(np.unique(flat, axis=0)) > 50 and flat.std() > 10


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def decoded_frames(path) -> tuple[list[np.ndarray], tuple[int, int]]:
    """Every frame of a clip as RGB, decoded by FFmpeg's libraries (PyAV), and the stream's
    size."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        size = (stream.codec_context.width, stream.codec_context.height)
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
    assert all(f.shape == (size[1], size[0], 3) for f in frames)
    return frames, size


def stream_info(path) -> tuple[str, str, int]:
    """(codec, pixel format, packets) of a clip's video stream, read from the container."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        packets = sum(1 for p in container.demux(stream) if p.size)
        return stream.codec_context.name, stream.codec_context.pix_fmt, packets


# stills -------------------------------------------------------------------------------------------
def test_png_still_has_the_requested_size_and_shows_the_landscape(default, tmp_path):
    job = ExportJob(spec(default, tmp_path / "still.png", size=(200, 130)))
    target = job.run()
    rgb = read_image(target)
    assert rgb.shape == (130, 200, 3)
    assert colourful(rgb)
    assert leftovers(tmp_path) == ["still.png"]


def test_svg_still_is_a_drawing_of_the_requested_size(default, tmp_path):
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    target = ExportJob(spec(default, tmp_path / "still.svg", size=(240, 180))).run()
    text = target.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text and "<path" in text
    renderer = QSvgRenderer(str(target))
    assert renderer.isValid()
    assert (renderer.defaultSize().width(), renderer.defaultSize().height()) == (240, 180)
    image = QImage(240, 180, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    assert colourful(to_rgb(image))


def test_whole_window_still(default, tmp_path):
    job = ExportJob(spec(default, tmp_path / "window.png", what="window", size=(1200, 760)))
    target = job.run()
    rgb = read_image(target)
    assert rgb.shape == (760, 1200, 3)
    assert colourful(rgb)


# clips --------------------------------------------------------------------------------------------
def test_mp4_has_the_frames_and_the_even_size(default, tmp_path):
    job = ExportJob(spec(default, tmp_path / "clip.mp4", size=(161, 121), seconds=1.0, fps=8))
    assert job.spec.size == (162, 122)
    assert any("rounded to 162x122" in note for note in job.notes)
    target = job.run()
    frames, size = decoded_frames(target)
    assert size == (162, 122)
    assert len(frames) == 8
    assert stream_info(target) == ("h264", "yuv420p", 8)
    assert leftovers(tmp_path) == ["clip.mp4"]


def test_gif_has_the_frames_and_the_size(default, tmp_path):
    target = ExportJob(spec(default, tmp_path / "clip.gif", size=(150, 100), seconds=1.0,
                            fps=5)).run()
    frames, size = decoded_frames(target)
    assert size == (150, 100)
    assert len(frames) == 5
    assert colourful(frames[-1])
    assert not np.array_equal(frames[0], frames[-1])   # the methods moved


def test_frames_follow_the_fixed_clock(default, tmp_path):
    job = ExportJob(spec(default, tmp_path / "clip.mp4", seconds=1.0, fps=5))
    clocks = []
    job._frame_hook = lambda k, _image: clocks.append(job._sim.clock_value)
    job.run()
    tick = default.build().tick_size()
    speed = default.speed or 20.0
    assert clocks == pytest.approx([k * speed * tick / 5 for k in range(5)])


# determinism --------------------------------------------------------------------------------------
def test_same_scenario_gives_identical_frames(default, tmp_path):
    def raw_frames(name):
        frames = []
        job = ExportJob(spec(default, tmp_path / name, seconds=1.0, fps=6))
        job._frame_hook = lambda _k, image: frames.append(to_rgb(image))
        job.run()
        return frames

    a, b = raw_frames("a.mp4"), raw_frames("b.mp4")
    assert len(a) == len(b) == 6
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], a[-1])

    stills = [read_image(ExportJob(spec(default, tmp_path / f"s{i}.png")).run()) for i in (1, 2)]
    assert np.array_equal(*stills)

    gifs = [decoded_frames(ExportJob(spec(default, tmp_path / f"g{i}.gif")).run())[0]
            for i in (1, 2)]
    assert len(gifs[0]) == len(gifs[1]) == 6
    assert all(np.array_equal(x, y) for x, y in zip(*gifs))


def test_frames_do_not_depend_on_the_wall_clock(default, tmp_path, monkeypatch):
    """The canvas throttles its legend's placement on the wall clock; an export must not: a
    machine that renders slowly (a clock that leaps) or fast (one that stands still) gives the
    same frames."""
    import itertools
    import types

    import gdviz.ui.canvas as canvas_module

    def frames(clock):
        monkeypatch.setattr(canvas_module, "time", types.SimpleNamespace(perf_counter=clock))
        out = []
        job = ExportJob(spec(default, tmp_path / "clip.mp4", seconds=2.0, fps=6))
        job._frame_hook = lambda _k, image: out.append(to_rgb(image))
        job.run()
        return out

    still = frames(lambda: 0.0)
    leaps = itertools.count(0.0, 1000.0)
    leaping = frames(lambda: next(leaps))
    assert len(still) == len(leaping) == 12
    assert all(np.array_equal(x, y) for x, y in zip(still, leaping))


# nothing left behind ------------------------------------------------------------------------------
def test_cancel_leaves_no_file(default, tmp_path):
    job = ExportJob(spec(default, tmp_path / "clip.mp4", seconds=2.0, fps=6))
    job.start()
    job.step()
    job.step()
    assert len(leftovers(tmp_path)) == 1          # the partial file, beside the target
    assert leftovers(tmp_path)[0].startswith(".gdviz-part-")
    job.cancel()
    assert leftovers(tmp_path) == []


def test_an_error_while_rendering_leaves_no_file(default, tmp_path):
    job = ExportJob(spec(default, tmp_path / "clip.gif", seconds=1.0, fps=6))

    def boom(k, _image):
        if k == 3:
            raise RuntimeError("renderer fell over")

    job._frame_hook = boom
    with pytest.raises(RuntimeError):
        job.run()
    assert leftovers(tmp_path) == []


def test_an_existing_file_survives_a_failed_export(default, tmp_path):
    target = tmp_path / "clip.mp4"
    target.write_bytes(b"the previous lecture video")
    job = ExportJob(spec(default, target))
    job._frame_hook = lambda k, _image: (_ for _ in ()).throw(RuntimeError("stop"))
    with pytest.raises(RuntimeError):
        job.run()
    assert target.read_bytes() == b"the previous lecture video"
    assert leftovers(tmp_path) == ["clip.mp4"]


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_FSIZE and SIGXFSZ")
@pytest.mark.parametrize("name", ["full.mp4", "full.png"])
def test_a_full_disk_leaves_no_file_and_says_so(tmp_path, name):
    """A file-size limit makes every write past 20 kB fail as a full disk would (EFBIG)."""
    code = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            "resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000)); "
            "from gdviz.cli import main; sys.exit(main(sys.argv[1:]))")
    out = tmp_path / name
    result = subprocess.run([sys.executable, "-c", code, "export", "default", "--out", str(out),
                             "--size", "400x300", "--seconds", "1", "--fps", "6"],
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 1, result.stderr
    assert f"{out} was not written" in result.stderr
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_stops_the_cli_and_leaves_no_file(tmp_path):
    import signal
    import time

    out = tmp_path / "long.mp4"
    proc = subprocess.Popen([sys.executable, "-m", "gdviz", "export", "default", "--out", str(out),
                             "--size", "160x120", "--seconds", "600", "--fps", "30"],
                            stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    try:
        deadline = time.monotonic() + 60
        while not leftovers(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert leftovers(tmp_path), "the export never started"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "cancelled (SIGTERM)" in err and "was not written" in err
    assert leftovers(tmp_path) == []


def test_unwritable_targets_are_refused_before_any_work(default, tmp_path):
    with pytest.raises(ExportError, match="does not exist"):
        ExportJob(spec(default, tmp_path / "no" / "such" / "dir" / "x.png"))
    (tmp_path / "a-file").write_text("")
    with pytest.raises(ExportError, match="not a directory"):
        ExportJob(spec(default, tmp_path / "a-file" / "x.png"))
    (tmp_path / "a-dir.png").mkdir()
    with pytest.raises(ExportError, match="is a directory"):
        ExportJob(spec(default, tmp_path / "a-dir.png"))
    with pytest.raises(ExportError, match="unknown kind"):
        ExportJob(spec(default, tmp_path / "x.webm"))
    with pytest.raises(ExportError, match="canvas"):
        ExportJob(spec(default, tmp_path / "x.svg", what="window"))
    assert sorted(leftovers(tmp_path)) == ["a-dir.png", "a-file"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root writes anywhere")
def test_read_only_directory_is_refused(default, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        with pytest.raises(ExportError, match="not writable"):
            ExportJob(spec(default, locked / "x.png"))
    finally:
        locked.chmod(0o755)


def test_atomic_file_commits_whole_or_not_at_all(tmp_path):
    with AtomicFile(tmp_path / "x.bin") as part:
        part.path.write_bytes(b"abc")
        assert leftovers(tmp_path) == [part.path.name]
    assert leftovers(tmp_path) == []
    with AtomicFile(tmp_path / "x.bin") as part:
        part.path.write_bytes(b"abc")
        part.commit()
    assert leftovers(tmp_path) == ["x.bin"]
    assert (tmp_path / "x.bin").stat().st_mode & 0o044  # readable by others, as a new file is


# the command line ---------------------------------------------------------------------------------
@pytest.mark.parametrize("args, words", [
    (["--out", "{d}/x.webm"], ["x.webm", "unknown kind"]),
    (["--out", "{d}/missing/x.png"], ["missing/x.png", "does not exist"]),
    (["--out", "{d}/x.png", "--batch-size", "0"], ["batch_size"]),
    (["--out", "{d}/x.png", "--lr", "fast"], ["--lr"]),
    (["--out", "{d}/x.png", "--size", "big"], ["--size"]),
    (["--out", "{d}/x.png", "--size", "10x10"], ["--size"]),
    (["--out", "{d}/x.mp4", "--fps", "0"], ["--fps"]),
    (["--out", "{d}/x.svg", "--what", "window"], ["x.svg", "canvas"]),
    (["--out", "{d}/x.png", "--theme", "neon"], ["--theme"]),
    ([], ["--out"]),
])
def test_cli_refusals_exit_2_with_one_line(tmp_path, capsys, args, words):
    argv = ["export", "default"] + [a.format(d=tmp_path) for a in args]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("gdviz: error:") and "\n" not in err, err
    for word in words:
        assert word in err, err
    assert leftovers(tmp_path) == []


def test_cli_refuses_an_unknown_scenario(tmp_path, capsys):
    assert main(["export", "no-such-scenario", "--out", str(tmp_path / "x.png")]) == 2
    assert "no-such-scenario" in capsys.readouterr().err
    assert leftovers(tmp_path) == []


def test_cli_works_without_a_display(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = tmp_path / "headless.png"
    result = subprocess.run([sys.executable, "-m", "gdviz", "export", "default", "--out", str(out),
                             "--size", "321x201", "--theme", "dark", "--lr", "0.05"],
                            capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stdout and str(out) in result.stdout
    assert "propagateSizeHints" not in result.stderr
    assert read_image(out).shape == (201, 321, 3)


# the window ---------------------------------------------------------------------------------------
def test_dialog_exports_and_the_window_offers_it(default, tmp_path, qtbot):
    from PySide6.QtGui import QKeySequence

    from gdviz.export.dialog import ExportDialog
    from gdviz.ui.main_window import MainWindow

    window = MainWindow(default, start_worker=False)
    qtbot.addWidget(window)
    actions = [a for a in window.findChildren(type(window.file_menu.menuAction()))
               if a.text() == "Export video or image…"]
    assert actions and actions[0].shortcut() == QKeySequence("Ctrl+E")

    dialog = ExportDialog(default, window, directory=tmp_path)
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(tmp_path / "from-dialog.gif"))
    dialog.width_spin.setValue(120)
    dialog.height_spin.setValue(90)
    dialog.seconds_spin.setValue(1.0)
    dialog.fps_spin.setValue(4)
    with qtbot.waitSignal(dialog.finished_export, timeout=60_000):
        dialog.start_export()
        assert dialog.running and dialog.cancel_button.isEnabled()
    assert not dialog.running
    frames, size = decoded_frames(tmp_path / "from-dialog.gif")
    assert size == (120, 90) and len(frames) == 4
    assert "Wrote" in dialog.status.text()


def test_dialog_cancel_leaves_no_file(default, tmp_path, qtbot):
    from gdviz.export.dialog import ExportDialog

    dialog = ExportDialog(default, directory=tmp_path)
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(tmp_path / "cancelled.mp4"))
    dialog.width_spin.setValue(160)
    dialog.height_spin.setValue(120)
    dialog.seconds_spin.setValue(30.0)
    dialog.start_export()
    qtbot.waitUntil(lambda: dialog.progress.value() >= 2, timeout=30_000)
    dialog.cancel_button.click()
    assert not dialog.running
    assert "not written" in dialog.status.text()
    assert leftovers(tmp_path) == []


def test_dialog_says_why_it_refuses(default, tmp_path, qtbot):
    from gdviz.export.dialog import ExportDialog

    dialog = ExportDialog(default, directory=tmp_path)
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(tmp_path / "missing" / "x.png"))
    with qtbot.waitSignal(dialog.failed_export):
        dialog.start_export()
    assert "does not exist" in dialog.status.text()
    assert not dialog.running and dialog.export_button.isEnabled()


@pytest.mark.parametrize("name, words", [("x" * 300 + ".png", "too long"),
                                         ("/proc/gdviz-x.png", "")])
def test_dialog_refuses_an_impossible_target_in_one_line(default, tmp_path, qtbot, name, words):
    """Over-long names and folders that cannot take a file: a message, not an exception."""
    from gdviz.export.dialog import ExportDialog

    dialog = ExportDialog(default, directory=tmp_path)
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(name if name.startswith("/") else str(tmp_path / name))
    with qtbot.waitSignal(dialog.failed_export):
        dialog.start_export()
    assert dialog.status.text().startswith("Could not export:") and words in dialog.status.text()
    assert not dialog.running and dialog.export_button.isEnabled()
    assert not list(tmp_path.iterdir())


def test_svg_background_covers_the_whole_drawing_in_qts_renderer(tmp_path):
    """The exporter's background rectangle was sized 100 %, and Qt's SVG renderer filled only
    100 × 100 px of it: a dark still showed white (the renderer's own) beyond that corner."""
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer
    scenario = load("default")
    target = ExportJob(ExportSpec(scenario, tmp_path / "still.svg", size=(400, 300),
                                  theme="dark")).run()
    image = QImage(400, 300, QImage.Format.Format_RGB32)
    image.fill(QColor("magenta"))
    painter = QPainter(image)
    QSvgRenderer(str(target)).render(painter)
    painter.end()
    for x, y in ((395, 295), (395, 5), (5, 295), (200, 150)):
        assert image.pixelColor(x, y).name() != "#ff00ff", (x, y)
