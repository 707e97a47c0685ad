"""Qt panels. The lesson panels (LessonDock and its tabs) are imported lazily, so that importing
a light panel such as ``gdviz.ui.panels.controls`` does not load ziamath and the lesson."""
from __future__ import annotations

import importlib

_LESSON = {
    "LessonDock": "dock",
    "FormulaPanel": "formulas",
    "LessonPanel": "lesson",
    "QuickExamplePanel": "quick_example",
    "SelectedMethodPanel": "selected",
}

__all__ = list(_LESSON)


def __getattr__(name: str):
    if name in _LESSON:
        return getattr(importlib.import_module(f"{__name__}.{_LESSON[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
