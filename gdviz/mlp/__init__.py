"""The real-network mode: a small MLP trained three times (full batch, mini-batch, stochastic).

This package's ``__init__`` imports no torch, so scenarios can name its choices cheaply; the
modules that train import torch through :func:`require_torch`.
"""
from __future__ import annotations

DATASETS = ("moons", "circles", "spirals", "xor", "curve")
CLASSIFICATION_DATASETS = ("moons", "circles", "spirals", "xor")
ACTIVATIONS = ("tanh", "relu")
LOSSES = ("bce", "mse")
DEVICES = ("auto", "cpu", "cuda")
PLANES = ("trajectories", "random")
MIN_EXAMPLES = 100
MAX_EXAMPLES = 20_000

INSTALL_HINT = "pip install -e '.[mlp]'"   # a development checkout's; see install_hint()


def install_hint() -> str:
    """The command that adds PyTorch for the way this gdviz was installed: a development
    checkout (editable), pipx, a frozen bundle, or a plain wheel in an environment."""
    import os
    import sys
    from pathlib import Path
    if getattr(sys, "frozen", False):
        return ("this bundled build has no PyTorch; install gdviz with pip or pipx to use the "
                "real network")
    package = Path(__file__).resolve().parent.parent      # the folder holding gdviz/
    if (package.parent / "pyproject.toml").exists() or (package / "pyproject.toml").exists():
        root = package if (package / "pyproject.toml").exists() else package.parent
        return f"cd {root} && pip install -e '.[mlp]'"
    prefix = os.path.normpath(sys.prefix)
    if f"{os.sep}pipx{os.sep}venvs{os.sep}" in prefix + os.sep:
        return "pipx inject gdviz torch"
    return f"{sys.executable} -m pip install 'gdviz[mlp]'"


class MlpUnavailable(ImportError):
    """torch is missing: the real-network mode cannot run (the analytic mode still can)."""


def _load_torch_libraries() -> None:
    """Load torch's largest shared library with the GIL released, before ``import torch``.

    An extension module is loaded with the GIL held: ``import torch`` in the simulation
    thread held the window's thread ~0.3 s in one piece (libtorch_cpu's loading and static
    set-up), the longest stall of a switch to a real-network scenario. A ctypes call releases
    the GIL; the import then finds the library loaded. Done as torch's import starts: its
    global dependencies first (``RTLD_GLOBAL``), then libtorch_cpu, resolved through its own
    rpath as ``torch._C`` would. libtorch (with CUDA's libraries in a CUDA build) is left to
    the import, whose loading of CUDA's wheels first decides which copies are used. Linux
    only; anything unexpected leaves all of it to the import, as before."""
    import sys
    if "torch" in sys.modules or not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import importlib.util
        import os
        spec = importlib.util.find_spec("torch")
        if spec is None or spec.origin is None:
            return
        folder = os.path.join(os.path.dirname(spec.origin), "lib")
        dlopen = ctypes.CDLL(None).dlopen
        dlopen.restype = ctypes.c_void_p
        dlopen.argtypes = [ctypes.c_char_p, ctypes.c_int]
        steps = [("libtorch_global_deps.so", os.RTLD_NOW | os.RTLD_GLOBAL),
                 ("libtorch_cpu.so", os.RTLD_NOW | os.RTLD_LOCAL)]
        if not os.path.exists(os.path.join(folder, "libtorch_cuda.so")):
            steps.append(("libtorch.so", os.RTLD_NOW | os.RTLD_LOCAL))
        for name, mode in steps:
            path = os.path.join(folder, name)
            # (a library that fails to load returns NULL: the import then reports it as ever)
            if not os.path.exists(path) or not dlopen(os.fsencode(path), mode):
                return
    except (OSError, AttributeError, ValueError, ImportError):
        return


def require_torch():
    """``import torch``, or raise MlpUnavailable with the install command."""
    _load_torch_libraries()
    try:
        import torch
    except ImportError as exc:
        raise MlpUnavailable(
            f"the real-network (MLP) mode needs PyTorch, which cannot be imported ({exc}); "
            f"install the 'mlp' extra: {install_hint()}") from exc
    return torch
