"""Issue 25: a full disk (ENOSPC) while writing `sweep --out`, a lab export or `gdviz export`
(PNG still, MP4 clip): one line naming the path, and no file left, neither the target nor a
partial one. The disk fills after some bytes are written (a monkeypatched write), so the
temporary file exists when the error comes."""
import errno
import os
from pathlib import Path

import pytest

from gdviz.cli import main

SWEEP = ("--batch-sizes", "8,32", "--lrs", "0.05", "--copies", "2", "--max-epochs", "2")


def _fill_after(monkeypatch, nbytes=64):
    """Path.write_bytes / write_text write *nbytes*, then fail as a full disk does."""
    def write_bytes(self, data):
        with open(self, "wb") as fh:
            fh.write(bytes(data)[:nbytes])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    def write_text(self, data, encoding=None, errors=None, newline=None):
        write_bytes(self, data.encode(encoding or "utf-8"))
    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    monkeypatch.setattr(Path, "write_text", write_text)


def _one_line(err, path):
    assert err.count("\n") == 1 and err.startswith("gdviz: error: "), err
    assert str(path) in err and "Traceback" not in err and "Errno" not in err, err
    assert "disk is full" in err or "No space left" in err, err
    assert ".gdviz-part" not in err, err       # the target, not the temporary file


@pytest.mark.parametrize("name", ["runs.csv", "plots.png"])
def test_sweep_out_on_a_full_disk(tmp_path, capsys, monkeypatch, name):
    out = tmp_path / name
    _fill_after(monkeypatch)
    code = main(["sweep", "ravine", *SWEEP, "--out", str(out)])
    _, err = capsys.readouterr()
    assert code == 1
    _one_line(err, out)
    assert list(tmp_path.iterdir()) == []


def test_export_png_on_a_full_disk(tmp_path, capsys, monkeypatch):
    out = tmp_path / "still.png"
    _fill_after(monkeypatch)
    code = main(["export", "default", "--out", str(out), "--size", "320x240", "--seconds", "0.5"])
    _, err = capsys.readouterr()
    assert code == 1
    _one_line(err.splitlines()[-1] + "\n", out)
    assert list(tmp_path.iterdir()) == []


def test_export_video_on_a_full_disk(tmp_path, capsys, monkeypatch):
    """The encoder's writes are FFmpeg's: the disk fills at its second frame's packets."""
    from gdviz.export import encode
    real = encode.VideoEncoder._encode
    calls = []

    def encode_then_fill(self, frame):
        calls.append(frame)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, frame)
    monkeypatch.setattr(encode.VideoEncoder, "_encode", encode_then_fill)
    out = tmp_path / "clip.mp4"
    code = main(["export", "default", "--out", str(out), "--size", "160x120", "--seconds", "1",
                 "--fps", "6"])
    _, err = capsys.readouterr()
    assert code == 1 and len(calls) > 1
    last = err.splitlines()[-1]
    assert str(out) in last and "No space left" in last and "Traceback" not in err, err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind, index", [("csv", None), ("figure-png", None), ("plot-png", 0)])
def test_a_lab_export_on_a_full_disk(qtbot, tmp_path, monkeypatch, kind, index):
    from gdviz.core.lab import Lab, LabSettings
    from gdviz.export.lab_export import export_lab
    from gdviz.scenario import load
    from gdviz.ui.lab.window import LabWindow
    scenario = load("ravine")
    lab = LabWindow(exporter=export_lab)
    qtbot.addWidget(lab)
    lab.scenario = scenario
    lab.result = Lab(scenario, LabSettings(batch_sizes=(8, 32), lrs=(0.05,), copies=2,
                                           max_epochs=2)).run()
    lab.figure.update_result(lab.result)
    out = tmp_path / f"lab.{kind.rsplit('-', 1)[-1]}"
    _fill_after(monkeypatch)
    assert not lab.export(kind, str(out), index)
    said = lab.message.text()
    assert "\n" not in said and said.startswith("Export failed: "), said
    assert str(out) in said and "disk is full" in said and "Errno" not in said, said
    assert "libpng" not in said and ".gdviz-part" not in said, said
    assert list(tmp_path.iterdir()) == []
    lab.shutdown()
