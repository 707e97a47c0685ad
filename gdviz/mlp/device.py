"""Choosing the device: CUDA when present and working, else the CPU, with a notice saying why."""
from __future__ import annotations

from gdviz.mlp import DEVICES, require_torch

torch = require_torch()


def _probe(device) -> None:
    """A tiny computation on ``device``: drivers can be present yet broken."""
    x = torch.ones(8, device=device)
    float((x @ x).item())


def resolve_device(choice: str = "auto"):
    """(torch.device, notice or None) for "auto", "cpu" or "cuda"."""
    if choice not in DEVICES:
        raise ValueError(f"unknown device '{choice}'; choose one of {', '.join(DEVICES)}")
    cpu = torch.device("cpu")
    if choice == "cpu":
        return cpu, None
    try:
        available = torch.cuda.is_available()
    except Exception:   # a broken driver can raise here rather than answer False
        available = False
    if not available:
        asked = "CUDA was asked for, but " if choice == "cuda" else ""
        return cpu, f"{asked}no CUDA GPU is available: training on the CPU."
    cuda = torch.device("cuda")
    try:
        _probe(cuda)
    except Exception as exc:
        return cpu, f"CUDA is present but failed ({short_error(exc)}): training on the CPU."
    return cuda, None


def is_device_failure(exc: BaseException) -> bool:
    """Out of memory or a CUDA/driver error: worth retrying on the CPU."""
    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and any(
        w in text for w in ("cuda", "cublas", "cudnn", "out of memory", "device-side"))


def short_error(exc: BaseException) -> str:
    line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return line if len(line) <= 120 else line[:117] + "..."


def device_label(device) -> str:
    if device.type == "cuda":
        try:
            return f"cuda ({torch.cuda.get_device_name(device)})"
        except Exception:
            return "cuda"
    return device.type


def prefer_one_thread() -> None:
    """One intra-op thread: a tiny network's kernels gain nothing from more, and on a busy
    machine their thread hand-offs cost several times the work (measured 4-10x on 2 cores)."""
    torch.set_num_threads(1)
