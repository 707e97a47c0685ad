"""One BLAS thread for the lab's many small matrix products.

On a busy 2-core machine OpenBLAS's worker threads spin against other processes: a
16384 × 100 Gram matrix took 0.4–1.3 s with two threads and 0.015 s with one (measured
December 2026 under load 7). The lab's products are small and many, so it asks the OpenBLAS
that NumPy loaded for one thread while it runs (and restores the count after). Where NumPy uses
another BLAS, or the library cannot be found, nothing changes.
"""
from __future__ import annotations

import contextlib
import ctypes
import glob
import os

_SUFFIXES = ("64_", "")
_PREFIXES = ("scipy_openblas_", "openblas_")
_api = None


def _library():
    paths = []
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = sorted({line.split()[-1] for line in maps if "openblas" in line.lower()
                            and line.split()[-1].startswith("/")})
    except OSError:
        import numpy
        base = os.path.dirname(os.path.dirname(numpy.__file__))
        paths = glob.glob(os.path.join(base, "numpy*.libs", "*openblas*"))
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in _PREFIXES:
            for suffix in _SUFFIXES:
                setter = getattr(lib, f"{prefix}set_num_threads{suffix}", None)
                getter = getattr(lib, f"{prefix}get_num_threads{suffix}", None)
                if setter is not None and getter is not None:
                    getter.restype = ctypes.c_int
                    return setter, getter
    return None


def _functions():
    global _api
    if _api is None:
        import numpy  # noqa: F401  (the library must be loaded to be found)
        _api = _library() or False
    return _api or None


@contextlib.contextmanager
def one_thread():
    """OpenBLAS on one thread inside the block (the caller's count restored after)."""
    api = _functions()
    if api is None:
        yield
        return
    setter, getter = api
    before = int(getter())
    setter(1)
    try:
        yield
    finally:
        setter(before)
