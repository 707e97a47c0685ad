"""The layers hold by themselves: import-linter checks the contracts in ``pyproject.toml``.

    gdviz.cli           the commands: on top
    gdviz.export        renders with ui's views: above ui
    gdviz.ui            the window (Qt)
    gdviz.experiment    the run
    gdviz.scenario      the settings
    gdviz.mlp | lesson  torch trainer | texts and live numbers (neither imports the other)
    gdviz.core | resources | palette   NumPy only | data files | the methods' colours

Each part imports only the parts below it; torch is imported only by gdviz.mlp; Qt only by
gdviz.ui, gdviz.export and gdviz.cli (and the CLI loads it lazily: the last test here); no two
sibling modules import each other, even indirectly. Imports inside functions count as much as
those at the top of a file. The layers contract is exhaustive: a new module directly under
gdviz fails it until ``pyproject.toml`` gives it a place, so a new package is covered the day it
appears.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("importlinter", reason="import-linter is in the test extra")

ROOT = Path(__file__).resolve().parents[1]
LINT = ("import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(no_cache=True, no_logo=True))")


def lint(project: Path) -> subprocess.CompletedProcess:
    """import-linter on ``project`` (a folder with pyproject.toml and gdviz/), in a fresh process
    so that the gdviz it analyses is the one in that folder."""
    env = {**os.environ, "PYTHONPATH": str(project), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-c", LINT], cwd=project, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_import_contracts_are_kept():
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 kept, 0 broken" in done.stdout


def _copy(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copytree(ROOT / "gdviz", tmp_path / "gdviz",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return tmp_path


def _append(path: Path, code: str):
    path.write_text(path.read_text(encoding="utf-8") + code, encoding="utf-8")


@pytest.mark.parametrize("where, code, contract", [
    # Qt in the engine, even lazily inside a function
    ("core/clock.py", "\n\ndef _draw():\n    import PySide6\n", "Qt is imported only by"),
    # torch outside gdviz.mlp
    ("ui/theme.py", "\n\ndef _train():\n    import torch\n", "torch is imported only by"),
    # an import upwards: the engine reaching into the window
    ("core/trail.py", "\nfrom gdviz.ui import theme as _theme\n", "Each part imports only"),
    # mlp and lesson are independent siblings
    ("mlp/noise.py", "\n\ndef _text():\n    from gdviz.lesson import content\n",
     "Each part imports only"),
    # a cycle between two sibling modules of a package
    ("core/clock.py", "\n\ndef _walk():\n    from gdviz.core import trail\n",
     "No import cycles between sibling modules"),
    # a verb's module importing the command's package back (the cycle the options module ended)
    ("cli/sweep.py", "\n\ndef _usage():\n    from gdviz.cli import UsageError\n",
     "The verbs' modules do not import gdviz.cli back"),
])
def test_a_forbidden_import_breaks_its_contract(tmp_path, where, code, contract):
    project = _copy(tmp_path)
    if "cycle" in contract:  # trail must import clock for clock -> trail to close a cycle
        _append(project / "gdviz/core/trail.py", "\n\ndef _clock():\n    from gdviz.core import clock\n")
    _append(project / "gdviz" / where, code)
    done = lint(project)
    assert done.returncode == 1, done.stdout + done.stderr
    # "NAME BROKEN", or "NAME BROKEN (1 ignored import)" for a contract with ignore_imports
    broken = [line for line in done.stdout.splitlines()
              if line.endswith("BROKEN") or " BROKEN (" in line]
    assert any(line.startswith(contract) for line in broken), done.stdout


def test_a_new_part_must_be_given_a_layer(tmp_path):
    project = _copy(tmp_path)
    (project / "gdviz" / "newpart.py").write_text("import numpy\n")
    done = lint(project)
    assert done.returncode == 1
    assert "gdviz.newpart" in done.stdout


def test_cli_imports_no_qt_until_a_window_or_video_needs_it():
    """The CLI may import Qt, but only lazily: simulate and scenarios run without it."""
    code = ("import sys, io, contextlib\n"
            "from gdviz.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    main(['scenarios'])\n"
            "    main(['simulate', 'quick-example', '--epochs', '1', '--json'])\n"
            "print(sorted(m for m in ('PySide6', 'pyqtgraph', 'torch') if m in sys.modules))\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
