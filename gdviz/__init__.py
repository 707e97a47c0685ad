"""gdviz: see how batch size shapes gradient descent.

The Python API (see docs/api.md): ``gdviz.scenario``, ``gdviz.simulate``, ``gdviz.sweep``,
``gdviz.export`` and ``gdviz.show``; bad input raises ``gdviz.GdvizError``. The names load on
first use, so ``import gdviz`` stays light.

>>> import gdviz
>>> print(gdviz.simulate("quick-example", epochs=1).table().splitlines()[0])
quick-example: Linear regression, N = 1000, eta = 0.05, sgd, 1 epochs, clock: examples
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["GdvizError", "MethodResult", "Picture", "SimulationResult", "SweepResult",
           "export", "scenario", "show", "simulate", "sweep", "__version__"]

if TYPE_CHECKING:
    from gdviz.api import (GdvizError, MethodResult, Picture, SimulationResult, SweepResult,
                           export, scenario, show, simulate, sweep)


def __getattr__(name: str) -> Any:
    if name in ("scenario", "export"):
        # the module gdviz.scenario (package gdviz.export), which is also callable: see
        # gdviz._callable
        import importlib
        return importlib.import_module(f"gdviz.{name}")
    if name in __all__:
        from gdviz import api
        return getattr(api, name)
    raise AttributeError(f"module 'gdviz' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
