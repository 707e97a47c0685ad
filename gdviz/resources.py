"""Where gdviz finds its data files (lesson texts, scenarios, icons).

Everything goes through :func:`resources_dir` so that packaging (PyInstaller, a wheel) only has to
change this one place. ``GDVIZ_RESOURCES`` overrides it, e.g. to try edited lesson texts. A wheel
carries the repository's top-level ``resources/`` inside the package as ``gdviz/_resources``
(copied by the build step in ``setup.py``); a source checkout reads ``resources/`` directly.
"""
from __future__ import annotations

import os
from importlib import resources as _importlib_resources
from pathlib import Path

ENV_VAR = "GDVIZ_RESOURCES"
PACKAGED = "_resources"   # the folder's name inside an installed gdviz package


def resources_dir() -> Path:
    """The folder holding ``lesson/``, ``scenarios/``…: $GDVIZ_RESOURCES, the installed
    package's copy, or the source tree's."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser().resolve()
    packaged = _importlib_resources.files(__package__ or "gdviz") / PACKAGED
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[1] / "resources"
