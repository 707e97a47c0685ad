"""The documentation's pictures: every shot tools/screenshots.py makes is in docs/screenshots, is
a real image of a sane size, and the README or a page of docs/ shows it."""
import importlib.util
import struct
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOTS_DIR = ROOT / "docs" / "screenshots"


def _tool():
    spec = importlib.util.spec_from_file_location("screenshots_tool", ROOT / "tools" / "screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def image_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:32]
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return struct.unpack("<HH", data[6:10])
    raise AssertionError(f"{path.name}: neither PNG nor GIF")


TOOL = _tool()


def shown_text() -> str:
    """The README and the pages of docs/, where the pictures are shown (paths made README-relative)."""
    pages = [(ROOT / "README.md").read_text()]
    pages += [p.read_text().replace("](screenshots/", "](docs/screenshots/")
              for p in sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(pages)


@pytest.mark.parametrize("name", list(TOOL.SHOTS))
def test_every_readme_picture_exists_with_a_sane_size(name):
    path = SHOTS_DIR / TOOL.file_name(name)
    assert path.is_file(), f"{path} missing: run python tools/screenshots.py"
    width, height = image_size(path)
    assert 300 <= width <= 4000 and 200 <= height <= 2200, (name, width, height)
    assert path.stat().st_size > 20_000, f"{path.name} is nearly empty"
    assert f"](docs/screenshots/{path.name})" in shown_text()


def test_readme_pictures_are_all_made_by_the_one_command():
    readme = shown_text()
    made = {TOOL.file_name(n) for n in TOOL.SHOTS}
    import re
    shown = set(re.findall(r"docs/screenshots/([\w.-]+\.(?:png|gif))", readme))
    assert shown <= made, shown - made
    assert "python tools/screenshots.py" in readme


def test_readme_screenshots_still_show_the_app(qapp, tmp_path):
    """Screenshots that stay true: the analytic README shots made anew match the committed ones
    (scaled down; at most TOLERANCE of pixels differ). The rest: python tools/screenshots.py
    --check."""
    bad = TOOL.check(qapp, TOOL.SUITE_SHOTS, tmp_path)
    assert bad == [], f"run python tools/screenshots.py: {bad}"


def test_the_comparison_sees_a_changed_picture(tmp_path):
    from PySide6.QtGui import QColor, QImage, QPainter
    a = QImage(800, 450, QImage.Format.Format_RGB32)
    a.fill(QColor("white"))
    a.save(str(tmp_path / "a.png"))
    assert TOOL.difference(tmp_path / "a.png", tmp_path / "a.png") == 0.0
    b = QImage(a)
    painter = QPainter(b)
    painter.fillRect(0, 0, 200, 450, QColor("black"))      # a quarter of it
    painter.end()
    b.save(str(tmp_path / "b.png"))
    assert 0.2 < TOOL.difference(tmp_path / "a.png", tmp_path / "b.png") < 0.3
    b.scaled(800, 600).save(str(tmp_path / "c.png"))
    assert TOOL.difference(tmp_path / "a.png", tmp_path / "c.png") == 1.0
