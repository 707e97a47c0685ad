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


def require_torch():
    """``import torch``, or raise MlpUnavailable with the install command."""
    try:
        import torch
    except ImportError as exc:
        raise MlpUnavailable(
            f"the real-network (MLP) mode needs PyTorch, which cannot be imported ({exc}); "
            f"install the 'mlp' extra: {install_hint()}") from exc
    return torch
