"""gdviz: see how batch size shapes gradient descent.

The Python API (see docs/api.md): ``gdviz.scenario``, ``gdviz.simulate``, ``gdviz.sweep``,
``gdviz.export`` and ``gdviz.show``; bad input raises ``gdviz.GdvizError``. The names load on
first use, so ``import gdviz`` stays light.

>>> import gdviz
>>> print(gdviz.simulate("quick-example", epochs=1).table().splitlines()[0])
quick-example: Linear regression, N = 1000, eta = 0.05, sgd, 1 epochs, clock: examples
"""
from __future__ import annotations

import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["GdvizError", "MethodResult", "Picture", "SimulationResult", "SweepResult",
           "export", "scenario", "show", "simulate", "sweep", "__version__"]

if TYPE_CHECKING:
    from gdviz.api import (GdvizError, MethodResult, Picture, SimulationResult, SweepResult,
                           export, scenario, show, simulate, sweep)


class _CallableModule(types.ModuleType):
    """``gdviz.scenario`` and ``gdviz.export`` name both a module (package) of gdviz and a
    function of the API. Python sets the package's attribute to the module whenever the module
    is first imported, so those modules take this class (``sys.modules[__name__].__class__``)
    and answer calls by handing them to ``gdviz.api``. It lives here, at the package's root,
    so that the lower layers do not import the API, which sits on top of them."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from gdviz import api
        return getattr(api, self.__name__.rpartition(".")[2])(*args, **kwargs)


def __getattr__(name: str) -> Any:
    if name in ("scenario", "export"):
        # the module gdviz.scenario (package gdviz.export), which is also callable: see
        # _CallableModule
        import importlib
        return importlib.import_module(f"gdviz.{name}")
    if name in __all__:
        from gdviz import api
        return getattr(api, name)
    raise AttributeError(f"module 'gdviz' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
