"""Modules that are also API functions.

``gdviz.scenario`` and ``gdviz.export`` name both a module (package) of gdviz and a function of
its Python API. Python sets the package's attribute to the module whenever the module is first
imported, so the module itself answers calls by handing them to ``gdviz.api``.
"""
from __future__ import annotations

import sys
import types


class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs):
        from gdviz import api
        return getattr(api, self.__name__.rsplit(".", 1)[-1])(*args, **kwargs)


def make_callable(module_name: str) -> None:
    """Make ``sys.modules[module_name]`` call ``gdviz.api.<its last name>``."""
    sys.modules[module_name].__class__ = _CallableModule
