"""The documentation works: every `console` example's command runs and prints what the page
shows (the page shows the output's first lines, or all of it), and every relative link and image
resolves, anchors included.

A link inside README's ``<!-- docs-planned ... -->`` block names a page another branch adds: it
is checked once its file exists.
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "benchmarks" / "README.md",
                ROOT / "packaging" / "README.md", *(ROOT / "docs").glob("*.md")])
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
PLANNED = re.compile(r"<!-- docs-planned.*?<!-- /docs-planned -->", re.DOTALL)
CONSOLE = re.compile(r"^```console\n(.*?)^```", re.DOTALL | re.MULTILINE)


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def console_examples() -> list:
    """(page, command line, the output lines the page shows) for every `$ gdviz ...` example."""
    found = []
    for page in PAGES:
        for block in CONSOLE.findall(page.read_text(encoding="utf-8")):
            command, shown = None, []
            for line in block.splitlines() + ["$ "]:
                if line.startswith("$ "):
                    if command:
                        found.append(pytest.param(rel(page), command, shown,
                                                  id=f"{rel(page)}: {command}"))
                    command, shown = line[2:].strip(), []
                else:
                    shown.append(line)
    return found


def test_the_docs_have_console_examples():
    assert len(console_examples()) >= 3


@pytest.mark.parametrize("page, command, shown", console_examples())
def test_console_example_prints_what_the_page_shows(page, command, shown):
    words = shlex.split(command)
    assert words[0] == "gdviz", f"{page}: a console example must run gdviz: {command}"
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-m", "gdviz", *words[1:]], capture_output=True,
                          text=True, timeout=300, cwd=ROOT, env=env)
    assert done.returncode == 0, f"{page}: {command}: {done.stderr}"
    assert done.stdout.splitlines()[:len(shown)] == shown, f"{page}: {command}"


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"),
                  flags=re.DOTALL | re.MULTILINE)
    return {slug(m.group(1)) for m in re.finditer(r"^#+ (.*)$", text, re.MULTILINE)}


def broken_links(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    planned = {m for block in PLANNED.findall(text) for m in LINK.findall(block)}
    text = re.sub(r"^```.*?^```", "", text, flags=re.DOTALL | re.MULTILINE)
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):          # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            if target not in planned:
                broken.append(f"{rel(page)}: {target} does not exist")
            continue
        if anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{rel(page)}: {target}: no heading '#{anchor}'")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_every_relative_link_resolves(page):
    assert broken_links(page) == []


def test_the_link_check_catches_a_broken_link(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "there.md").write_text("# Here it is\n")
    page = tmp_path / "README.md"
    page.write_text("[ok](docs/there.md#here-it-is) [gone](docs/gone.md) "
                    "[anchor](docs/there.md#nowhere)\n"
                    "<!-- docs-planned -->\n[later](docs/later.md)\n<!-- /docs-planned -->\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert broken_links(page) == ["README.md: docs/gone.md does not exist",
                                      "README.md: docs/there.md#nowhere: no heading '#nowhere'"]
    finally:
        ROOT = saved


def test_readme_is_a_first_page():
    """Short, with the CI's test command where .ci/run finds it, and a way to every docs page."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    assert ("<!-- ci:test-command -->\n```bash\npython3 -m venv .venv && .venv/bin/pip install "
            "-e '.[mlp,test]' && .venv/bin/pytest\n```") in readme
    for page in (ROOT / "docs").glob("*.md"):
        assert f"(docs/{page.name})" in readme, f"README does not link docs/{page.name}"
