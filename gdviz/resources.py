"""Where gdviz finds its data files (lesson texts, scenarios, icons).

Everything goes through :func:`resources_dir` so that packaging (PyInstaller, a wheel) only has to
change this one place. ``GDVIZ_RESOURCES`` overrides it, e.g. to try edited lesson texts.
"""
from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "GDVIZ_RESOURCES"


def resources_dir() -> Path:
    """The folder holding ``lesson/``, ``scenarios/``…: $GDVIZ_RESOURCES or the source tree's."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser().resolve()
    return Path(__file__).resolve().parents[1] / "resources"
