"""The window observes: helpers get what they need when they are made (the view state, the
widgets they arrange, callables), no module reaches into MainWindow's attributes or sets one,
and every change of settings (controls, keys, the lab) goes through ``Experiment.apply``."""
from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("gdviz/ui", "gdviz/export")
OWNER = "gdviz/ui/main_window.py"
WINDOW_NAMES = {"window", "window_", "_window", "main_window"}


def _is_window(node, aliases) -> bool:
    """``window``, ``main_window``, ``self.window``, ``self._window``, ``self.main_window``, or a
    local name bound to one of them."""
    if isinstance(node, ast.Name):
        return node.id in WINDOW_NAMES or node.id in aliases
    return (isinstance(node, ast.Attribute) and node.attr in WINDOW_NAMES
            and isinstance(node.value, ast.Name) and node.value.id == "self")


def _aliases(func) -> set[str]:
    """Local names bound to the window in *func* (``w = self.window``, ``w, p = self.window,
    self.parts``)."""
    names: set[str] = set()
    for node in ast.walk(func):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            pairs = [(target, node.value)]
            if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                pairs = list(zip(target.elts, node.value.elts))
            for t, v in pairs:
                if isinstance(t, ast.Name) and _is_window(v, set()):
                    names.add(t.id)
    return names


def window_uses(source: str):
    """(line, attribute, how) of each use of a window's attribute in *source*; how is "read"
    or "set"."""
    tree = ast.parse(source)
    out = []
    scopes = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    seen = set()
    for scope in scopes + [tree]:
        aliases = _aliases(scope) if scope is not tree else set()
        for node in ast.walk(scope):
            if id(node) in seen and scope is tree:
                continue
            seen.add(id(node))
            if isinstance(node, ast.Attribute) and _is_window(node.value, aliases):
                how = "set" if isinstance(node.ctx, (ast.Store, ast.Del)) else "read"
                out.append((node.lineno, node.attr, how))
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                  and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
                  and len(node.args) >= 2 and _is_window(node.args[0], aliases)):
                name = node.args[1].value if isinstance(node.args[1], ast.Constant) else "?"
                out.append((node.lineno, name, "set" if node.func.id in ("setattr", "delattr")
                            else "read"))
    return sorted(set(out))


def _violations(source: str) -> list[str]:
    from PySide6.QtWidgets import QMainWindow

    from gdviz.ui.main_window import PUBLIC_SURFACE
    bad = []
    for line, attr, how in window_uses(source):
        if how == "set":
            bad.append(f"{line}: sets window.{attr}")
        elif attr not in PUBLIC_SURFACE and not hasattr(QMainWindow, attr):
            bad.append(f"{line}: reads window.{attr}")
    return bad


def test_no_module_reaches_into_the_main_windows_attributes():
    found = {}
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel == OWNER:
                continue
            bad = _violations(path.read_text(encoding="utf-8"))
            if bad:
                found[rel] = bad
    assert found == {}, ("use the view state, the WindowParts handed in, or a name of "
                         f"main_window.PUBLIC_SURFACE: {found}")


@pytest.mark.parametrize("source, expected", [
    ("def f(window):\n    return window.lesson_dock\n", ["2: reads window.lesson_dock"]),
    ("class A:\n    def f(self):\n        w = self.window\n        return w.rhythm\n",
     ["4: reads window.rhythm"]),
    ("class A:\n    def f(self):\n        w, p = self.window_, self.parts\n        w.x = 1\n",
     ["4: sets window.x"]),
    ("def f(window):\n    window._first = []\n", ["2: sets window._first"]),
    ("def f(window):\n    return getattr(window, '_export_dialog', None)\n",
     ["2: reads window._export_dialog"]),
    ("def f(window):\n    return window.view.scenario, window.menuBar(), window.apply_changes\n",
     []),
    ("def f(self):\n    return self.parts.lesson_dock\n", []),
])
def test_the_scan_catches_reaching_in_and_spares_the_public_surface(source, expected):
    assert _violations(source) == expected


def test_the_public_surface_names_what_the_window_has():
    from gdviz.ui.main_window import PUBLIC_SURFACE, MainWindow
    instance_only = {"view", "experiment", "canvas"}      # made in __init__
    missing = {n for n in PUBLIC_SURFACE - instance_only if not hasattr(MainWindow, n)}
    assert missing == set()


def test_the_view_state_tells_its_observers(make_window, qtbot):
    from gdviz.ui.theme import DARK
    w = make_window("default")
    seen = {}
    for field in ("scenario", "selected", "theme", "presentation", "note_wanted"):
        getattr(w.view, f"{field}_changed").connect(
            lambda value, f=field: seen.setdefault(f, value))
    assert w.apply_changes({"lr": 0.05})
    assert seen["scenario"] is w.scenario and w.view.scenario.lr == 0.05
    w.actions_["select_full_batch"].trigger()
    assert seen["selected"] == "full_batch" == w.view.selected
    w.apply_theme(DARK)
    assert seen["theme"] is DARK
    w.set_presentation(True, (1280, 720))
    assert seen["presentation"] is True and w.view.presentation
    w.set_presentation(False)
    w.actions_["note"].trigger()
    assert seen["note_wanted"] is False and not w.note_label.isVisible()
    qtbot.waitUntil(lambda: w.view.snapshot is not None)


def _record_applies(monkeypatch, experiment):
    calls = []
    real = experiment.apply

    def apply(changes, restart=False):
        calls.append((dict(changes), restart))
        return real(changes, restart=restart)

    monkeypatch.setattr(experiment, "apply", apply)
    return calls


def test_the_bracket_keys_take_one_path_through_experiment_apply(make_window, monkeypatch):
    w = make_window("default")                      # B = 16
    calls = _record_applies(monkeypatch, w.experiment)
    w.actions_["larger_batch"].trigger()
    assert calls == [({"batch_size": 32}, False)]   # once, not again by the control's echo
    assert w.scenario.batch_size == 32 == w.controls.batch_spin.value()
    w.actions_["smaller_batch"].trigger()
    assert w.scenario.batch_size == 16 and len(calls) == 2


def test_a_run_loaded_from_the_lab_is_a_change_through_experiment_apply(make_window, qtbot,
                                                                        monkeypatch):
    """Loaded from the lab, run (B, η, seed) is the state that the same settings applied from
    the controls and then Reset give: the same scenario and a new run from the start points,
    even where only B and η change (those alone would carry on the run in force)."""
    from gdviz.ui.lab.window import LabWindow
    w = make_window("default")
    base = w.scenario
    calls = _record_applies(monkeypatch, w.experiment)
    lab = LabWindow(w)
    lab.scenario = base                                 # the scenario the lab swept
    lab.result = SimpleNamespace(max_epochs=base.epochs)
    generation = w.experiment.generation
    lab.load_run(4, 0.05, base.seed)
    assert calls == [({"batch_size": 4, "lr": 0.05}, True)]
    assert "Loaded the lab's run B = 4" in w.statusBar().currentMessage()
    qtbot.waitUntil(lambda: w.view.snapshot is not None
                    and w.view.snapshot.generation > generation, timeout=10_000)
    by_hand = make_window("default")
    assert by_hand.apply_changes({"batch_size": 4, "lr": 0.05})
    by_hand.reset()
    assert by_hand.scenario == w.scenario == w.view.scenario
    assert w.controls.batch_spin.value() == 4
    lab.close()
    lab.shutdown()


def test_n_below_b_in_the_window_lowers_b_and_says_so(make_window):
    w = make_window("default")                      # B = 16
    w.controls.n_spin.setValue(10)
    assert w.scenario.n_examples == 10 and w.scenario.batch_size == 10
    assert w.controls.batch_spin.value() == 10
    assert "B lowered from 16 to N = 10" in w.statusBar().currentMessage()


def test_the_presentation_bar_follows_the_view_state_at_once(make_window):
    w = make_window("default")
    w.set_presentation(True, (1280, 720))
    bar = w.presentation.bar
    w.actions_["select_stochastic"].trigger()
    assert "Stochastic selected" in bar.text()          # no wait for the bar's timer
    w.set_presentation(False)


def test_a_field_set_to_what_it_holds_tells_nobody(qtbot):
    from gdviz.scenario import load
    from gdviz.ui.theme import DARK, LIGHT
    from gdviz.ui.view_state import ViewState
    scenario = load("default")
    view = ViewState(scenario, LIGHT, None)
    heard = []
    for field in ("scenario", "selected", "theme", "presentation"):
        getattr(view, f"{field}_changed").connect(lambda v, f=field: heard.append((f, v)))
    view.scenario = scenario
    view.selected = "mini" + "_batch"          # equal, not the same object
    view.theme = LIGHT
    view.presentation = False
    assert heard == []
    view.theme = DARK
    view.selected = "stochastic"
    assert heard == [("theme", DARK), ("selected", "stochastic")]
    assert view.theme is DARK and view.selected == "stochastic"


def test_a_preset_and_a_lesson_are_changes_through_experiment_apply(make_window, monkeypatch):
    """Menus and presets put a whole scenario in force: every field through Experiment.apply,
    and the run starts again (as File ▸ Reopen does)."""
    from gdviz.scenario import FIELDS, load
    w = make_window("default")
    calls = _record_applies(monkeypatch, w.experiment)
    w.load_preset("ravine")
    assert len(calls) == 1 and calls[0][1] is True and set(calls[0][0]) == set(FIELDS)
    assert w.scenario == load("ravine") == w.view.scenario
    w.lessons_menu.step(+1)
    assert len(calls) == 2 and calls[1][1] is True and w.view.scenario is w.scenario
