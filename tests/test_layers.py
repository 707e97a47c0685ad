"""The layers hold by themselves: every import of every gdviz module, read with ``ast``.

    gdviz.core      NumPy only: no Qt, no torch, nothing above it
    gdviz.lesson    texts and live numbers: may use core, nothing above it
    gdviz.mlp       torch: may use core, no Qt
    gdviz.scenario, gdviz.experiment    settings and the run: core and mlp, no Qt
    gdviz.ui        the window (Qt)
    gdviz.export    renders with ui's views: above ui
    gdviz.cli       the commands: on top

Imports inside functions count as much as those at the top of a file: a lazy import still ties
the two packages together. No two top-level parts may import each other, even indirectly.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "gdviz"

QT = ("PySide6", "pyqtgraph")
ABOVE_CORE = ("gdviz.scenario", "gdviz.experiment", "gdviz.ui", "gdviz.export", "gdviz.cli",
              "gdviz.mlp", "gdviz.lesson")
FORBIDDEN = {
    "gdviz.core": QT + ("torch",) + ABOVE_CORE,
    "gdviz.lesson": QT + ("torch", "gdviz.scenario", "gdviz.experiment", "gdviz.ui",
                          "gdviz.export", "gdviz.cli", "gdviz.mlp"),
    "gdviz.mlp": QT + ("gdviz.scenario", "gdviz.experiment", "gdviz.ui", "gdviz.export",
                       "gdviz.cli", "gdviz.lesson"),
    "gdviz.scenario": QT + ("gdviz.experiment", "gdviz.ui", "gdviz.export", "gdviz.cli"),
    "gdviz.experiment": QT + ("gdviz.ui", "gdviz.export", "gdviz.cli"),
    "gdviz.ui": ("gdviz.export", "gdviz.cli"),
    "gdviz.export": ("gdviz.cli",),
}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import in the file, relative ones made absolute."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.append((node.lineno, target))
            # "from gdviz import scenario" imports the module gdviz.scenario
            out += [(node.lineno, f"{target}.{alias.name}") for alias in node.names
                    if (root.parent / target.replace(".", "/") / f"{alias.name}.py").exists()
                    or (root.parent / target.replace(".", "/") / alias.name).is_dir()]
    return out


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def layer_violations(root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        name = module_name(path, root)
        for layer, forbidden in FORBIDDEN.items():
            if not _within(name, layer):
                continue
            lines = set()
            for line, target in imports_of(path, root):
                bad = next((f for f in forbidden if _within(target, f)), None)
                if bad is not None and line not in lines:
                    lines.add(line)
                    where = f"{path.relative_to(root.parent)}:{line}"
                    found.append(f"{where}: {layer} imports {target}")
    return found


def part_of(module: str) -> str | None:
    """The top-level part of gdviz a module belongs to (gdviz.core.batching -> core)."""
    parts = module.split(".")
    return parts[1] if parts[0] == "gdviz" and len(parts) > 1 else None


def part_cycles(root: Path = ROOT) -> list[list[str]]:
    """Cycles in the graph of gdviz's top-level parts (core, mlp, ui, export, cli, ...)."""
    edges: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        source = part_of(module_name(path, root))
        if source is None:
            continue
        for _line, target in imports_of(path, root):
            dest = part_of(target)
            if dest is not None and dest != source:
                edges.setdefault(source, set()).add(dest)
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [])
    return cycles


def test_each_layer_imports_only_what_lies_below_it():
    assert layer_violations() == []


def test_no_import_cycles_between_parts():
    assert part_cycles() == []


def test_the_checks_catch_a_violation(tmp_path):
    """The checker itself: Qt in core and a cycle between ui and export are reported."""
    pkg = tmp_path / "gdviz"
    for sub in ("core", "ui", "export"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "core" / "maths.py").write_text("import numpy\n\ndef f():\n    import PySide6\n")
    (pkg / "ui" / "window.py").write_text("from gdviz.core import maths\n"
                                         "def g():\n    from ..export import job\n")
    (pkg / "export" / "job.py").write_text("from gdviz.ui.window import g\n")
    assert layer_violations(pkg) == ["gdviz/core/maths.py:4: gdviz.core imports PySide6",
                                     "gdviz/ui/window.py:3: gdviz.ui imports gdviz.export"]
    assert part_cycles(pkg) == [["export", "ui", "export"]]
