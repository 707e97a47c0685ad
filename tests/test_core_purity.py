"""The engine holds no UI colours and no command-line text (issue 23): colours live in
gdviz.palette, what the CLI prints in gdviz.cli. Docstrings and comments may mention either."""
from __future__ import annotations

import ast
import re
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "gdviz" / "core"
HEX_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?\b")
CLI_OPTION = re.compile(r"(^|\s)--[a-z][a-z-]+")


def _strings(path: Path):
    """The string literals of a module that are not docstrings, with their line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) \
                and node.body and isinstance(node.body[0], ast.Expr) \
                and isinstance(node.body[0].value, ast.Constant):
            docs.add(id(node.body[0].value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            yield node.lineno, node.value


def test_core_writes_no_colours_and_no_command_line_options():
    found = [f"{p.name}:{line}: {text!r}" for p in sorted(CORE.glob("*.py"))
             for line, text in _strings(p) if HEX_COLOUR.search(text) or CLI_OPTION.search(text)]
    assert not found, "\n".join(found)


def test_the_method_colours_have_one_home():
    import gdviz.core
    from gdviz import palette
    from gdviz.ui import theme
    assert not hasattr(gdviz.core, "METHOD_COLORS")
    assert theme.METHOD_COLORS is palette.METHOD_COLORS
    assert theme.LIGHT.method_colors is palette.METHOD_COLORS
    assert theme.DARK.method_colors is palette.METHOD_COLORS_DARK
