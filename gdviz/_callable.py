"""``gdviz.scenario`` and ``gdviz.export`` name both a module (package) of gdviz and a function
of the API. Python sets the package's attribute to the module whenever the module is first
imported, so those modules take this class (``sys.modules[__name__].__class__``) and answer calls
by handing them to ``gdviz.api``. The API sits on top of the layers, so this one upward import
happens at call time only and is the one exception the layers contract names.
"""
from __future__ import annotations

import types
from typing import Any


class CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from gdviz import api
        return getattr(api, self.__name__.rpartition(".")[2])(*args, **kwargs)
