"""A regular (not editable) install works without the source tree: the wheel carries resources/.

Builds the wheel from a copy of the sources (offline: --no-build-isolation, setuptools comes with
the ``test`` extra), installs it without -e into a fresh venv that borrows this environment's
dependencies (a .pth file, so no network and no torch download), and runs the ``gdviz`` script
from a folder outside the source tree.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "gdviz", "resources")


def _run(cmd, cwd, env, timeout=120):
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, f"{cmd}: {result.stdout}\n{result.stderr}"
    return result


def test_the_wheel_installs_and_runs_outside_the_source_tree(tmp_path):
    pytest.importorskip("setuptools", minversion="70.1")
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "_resources"))
        else:
            shutil.copy2(ROOT / name, src / name)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "GDVIZ_RESOURCES", "PYTHONHOME")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PIP_NO_INDEX"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
          "-w", wheels, src], tmp_path, env)
    (wheel,) = wheels.glob("gdviz-*.whl")

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], tmp_path, env)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     tmp_path, env).stdout.strip())
    # this environment's dependencies (numpy, PySide6...), after the venv's own packages
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "borrowed-dependencies.pth").write_text("\n".join(sorted(deps)) + "\n")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel],
         tmp_path, env)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(src)                      # nothing of the source tree is left to lean on
    where = _run([python, "-c", "import gdviz, gdviz.resources as r; "
                                "print(gdviz.__file__); print(r.resources_dir())"],
                 elsewhere, env).stdout.split()
    assert all(Path(p).is_relative_to(site) for p in where), where
    script = venv / ("Scripts/gdviz.exe" if os.name == "nt" else "bin/gdviz")
    out = _run([script, "scenarios"], elsewhere, env).stdout
    names = [line.split()[0] for line in out.splitlines()]
    assert "default" in names and "mlp-moons" in names and len(names) >= 10
    _run([script, "export", "default", "--out", "x.png", "--size", "320x200", "--seconds", "1"],
         elsewhere, env)
    assert (elsewhere / "x.png").read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in elsewhere.iterdir()) == ["x.png"]
    # the Python API from the installed wheel (issue 26's check), typed (PEP 561)
    head = _run([python, "-c", "import gdviz; print(gdviz.simulate('quick-example')"
                               ".to_json()[:80])"], elsewhere, env).stdout
    assert head.startswith('{"scenario":{"name":"quick-example"'), head
    assert (site / "gdviz" / "py.typed").is_file()
    # video from the installed wheel with no ffmpeg program anywhere: PyAV's libraries encode
    # H.264 (yuv420p); imageio-ffmpeg's executable is out of reach and no PATH is searched
    code = ("import sys; sys.modules['imageio_ffmpeg'] = None; from gdviz.cli import main; "
            "sys.exit(main(sys.argv[1:]))")
    _run([python, "-c", code, "export", "default", "--out", "x.mp4", "--size", "320x200",
          "--seconds", "1", "--fps", "5"], elsewhere, {**env, "PATH": str(venv / "bin")})
    import av
    with av.open(str(elsewhere / "x.mp4")) as clip:
        stream = clip.streams.video[0]
        assert (stream.codec_context.name, stream.codec_context.pix_fmt) == ("h264", "yuv420p")
        assert sum(1 for _ in clip.decode(stream)) == 5
