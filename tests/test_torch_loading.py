"""torch's libraries loaded before ``import torch``, with the GIL released (issue 25 F).

``import torch`` in the simulation thread held the window's thread ~0.3 s in one piece while
libtorch_cpu loaded (an extension module loads with the GIL held): the longest stall of a
switch to a real-network scenario (``benchmarks/stalls.py``)."""
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")


def test_torchs_library_is_loaded_before_the_import_and_torch_then_works():
    pytest.importorskip("torch")
    code = ("import sys\n"
            "from gdviz.mlp import _load_torch_libraries, require_torch\n"
            "_load_torch_libraries()\n"
            "maps = open('/proc/self/maps').read()\n"
            "print('torch' in sys.modules, 'libtorch_cpu.so' in maps)\n"
            "torch = require_torch()\n"
            "x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])\n"
            "print(float((x @ x).sum()), torch.nn.Linear(2, 1)(x).shape[0])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    loaded, computed = out.stdout.strip().splitlines()[-2:]
    assert loaded == "False True"        # loaded, not imported
    assert computed == "54.0 2"           # [[7,10],[15,22]] sums to 54; a layer runs


def test_a_missing_or_odd_torch_leaves_the_loading_to_the_import(monkeypatch):
    """No torch found (or one without its lib folder): nothing is loaded, nothing raised."""
    import importlib.util

    from gdviz import mlp
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert mlp._load_torch_libraries() is None
