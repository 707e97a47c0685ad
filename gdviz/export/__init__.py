"""Export: stills (.png, .svg) and clips (.mp4, .gif) rendered offline on a fixed clock.

    atomic.py  a file is written whole or not at all (temporary file beside it, then rename)
    render.py  offscreen rendering of snapshots with the window's own views (GUI thread)
    encode.py  raw frames to H.264 MP4 or palette GIF through PyAV, from a writer thread
    job.py     one export: the frame clock, validation, stepping, cancel
    dialog.py  File ▸ Export in the window (handed to the window: export sits above ui)

The command ``gdviz export SCENARIO --out FILE ...`` is gdviz/cli/export.py.
"""
from gdviz.export.atomic import ExportError
from gdviz.export.job import KINDS, ExportJob, ExportSpec, export, kind_of

__all__ = ["KINDS", "ExportError", "ExportJob", "ExportSpec", "export", "kind_of"]

# gdviz.export(scenario, path, **options) is the API's function (gdviz.api.export)
import sys as _sys  # noqa: E402

from gdviz._callable import CallableModule  # noqa: E402

_sys.modules[__name__].__class__ = CallableModule
