"""Packaging files: desktop entry, MIME type, AppStream metainfo, icons, PyInstaller recipe.

The freedesktop validators are system tools (apt: desktop-file-utils, appstream); the tests that
need them skip with the reason when they are absent.
"""
from __future__ import annotations

import ast
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "io.github.gdviz.Gdviz"
LINUX = ROOT / "packaging" / "linux"
DESKTOP = LINUX / f"{APP_ID}.desktop"
MIME = LINUX / f"{APP_ID}.mime.xml"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
ICONS = ROOT / "resources" / "icons"
SVG = ICONS / "gdviz.svg"
SIZES = (16, 32, 48, 64, 128, 256, 512)
MIME_TYPE = "application/x-gdviz-scenario"


APT = {"desktop-file-validate": "desktop-file-utils", "appstreamcli": "appstream",
       "update-mime-database": "shared-mime-info"}


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} not installed (apt-get install {APT[name]})")
    return path


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def _desktop_keys() -> dict[str, str]:
    keys = {}
    for line in DESKTOP.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            keys[key.strip()] = value.strip()
    return keys


def test_desktop_file_validates():
    result = _run(_tool("desktop-file-validate"), str(DESKTOP))
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "error:" not in out, out


def test_metainfo_validates():
    result = _run(_tool("appstreamcli"), "validate", "--no-net", str(METAINFO))
    assert result.returncode == 0, result.stdout + result.stderr


def test_installed_tree_validates(tmp_path):
    """The desktop entry, metainfo and icons laid out as installed: launchable and icon resolve."""
    tool = _tool("appstreamcli")
    share = tmp_path / "share"
    (share / "applications").mkdir(parents=True)
    (share / "metainfo").mkdir()
    shutil.copy(DESKTOP, share / "applications")
    shutil.copy(METAINFO, share / "metainfo")
    shutil.copytree(ICONS / "hicolor", share / "icons" / "hicolor")
    result = _run(tool, "validate-tree", "--no-net", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_mime_database_accepts_glob(tmp_path):
    tool = _tool("update-mime-database")
    (tmp_path / "packages").mkdir()
    shutil.copy(MIME, tmp_path / "packages")
    result = _run(tool, str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr.lower(), result.stderr
    assert f"{MIME_TYPE}:*.gdviz.toml" in (tmp_path / "globs2").read_text()


def test_files_agree_with_each_other():
    keys = _desktop_keys()
    assert keys["Exec"] == "gdviz %f"
    assert keys["Icon"] == APP_ID
    assert MIME_TYPE in keys["MimeType"].split(";")

    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    mime = ET.parse(MIME).getroot().find("m:mime-type", ns)
    assert mime is not None and mime.get("type") == MIME_TYPE
    assert [g.get("pattern") for g in mime.findall("m:glob", ns)] == ["*.gdviz.toml"]

    meta = ET.parse(METAINFO).getroot()
    assert meta.findtext("id") == APP_ID
    assert meta.findtext("launchable") == DESKTOP.name
    assert meta.findtext("provides/binary") == "gdviz"
    release = meta.find("releases/release")
    assert release is not None
    assert (release.get("version"), release.get("date")) == ("0.1.0", "2026-11-23")
    assert "example.invalid" not in METAINFO.read_text(encoding="utf-8")


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("size", SIZES)
def test_icon_png_sizes(size):
    path = ICONS / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
    assert path.is_file(), f"missing {path}; run python packaging/make_icons.py"
    assert _png_size(path) == (size, size)


def test_svg_icon_parses():
    root = ET.parse(SVG).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    qtsvg = pytest.importorskip("PySide6.QtSvg")
    renderer = qtsvg.QSvgRenderer(str(SVG))
    assert renderer.isValid()
    assert renderer.defaultSize().width() == renderer.defaultSize().height()


@pytest.mark.parametrize(
    "script",
    ["packaging/make_icons.py", "packaging/pyinstaller/gdviz.spec",
     "packaging/pyinstaller/rthook_resources.py", "packaging/measure_touched.py"],
)
def test_packaging_scripts_are_valid_python(script):
    ast.parse((ROOT / script).read_text(encoding="utf-8"), filename=script)


def test_icu_data_stub_builds_with_the_entry_point(tmp_path):
    """The bundle's stand-in for libicudata exports the entry point libicuuc imports, and
    nothing else of size: ICU's empty table of contents."""
    import shutil
    import subprocess
    if not (shutil.which("cc") and shutil.which("nm")):
        pytest.skip("no C compiler or nm")
    out = tmp_path / "libicudata.so.73"
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-DICU_DATA_ENTRY=icudt73_dat",
                    "-Wl,-soname,libicudata.so.73", "-o", str(out),
                    str(ROOT / "packaging/pyinstaller/stubs/icudata.c")], check=True)
    symbols = subprocess.run(["nm", "-D", "--defined-only", str(out)], capture_output=True,
                             text=True, check=True).stdout.split()
    assert "icudt73_dat" in symbols
    assert out.stat().st_size < 100_000
