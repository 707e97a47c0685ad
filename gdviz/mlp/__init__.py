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

INSTALL_HINT = "pip install -e '.[mlp]'"


class MlpUnavailable(ImportError):
    """torch is missing: the real-network mode cannot run (the analytic mode still can)."""


def require_torch():
    """``import torch``, or raise MlpUnavailable with the install command."""
    try:
        import torch
    except ImportError as exc:
        raise MlpUnavailable(
            f"the real-network (MLP) mode needs PyTorch, which cannot be imported ({exc}); "
            f"install the 'mlp' extra: {INSTALL_HINT}") from exc
    return torch
