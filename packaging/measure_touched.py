"""What the app loads: the shared libraries and Qt/PyAV modules that the window, the PNG, SVG,
MP4 and GIF exports, the lab figure and the refused real-network run map into the process.

Run it with the environment the bundle is built from, and compare with the bundle's contents
(packaging/pyinstaller/gdviz.spec keeps what this lists, and leaves out or stubs the rest):

    QT_QPA_PLATFORM=offscreen build/pyi-venv/bin/python packaging/measure_touched.py
"""
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    from gdviz.cli import main as gdviz

    tmp = Path(tempfile.mkdtemp(prefix="gdviz-measure-"))
    for ext in ("png", "svg", "mp4", "gif"):
        gdviz(["export", "default", "--out", str(tmp / f"x.{ext}"), "--seconds", "1",
               "--fps", "5", "--size", "320x200"])
    gdviz(["export", "lesson-3-noise-law", "--what", "window", "--out", str(tmp / "w.png"),
           "--seconds", "1"])
    gdviz(["sweep", "quick-example", "--batch-sizes", "10,100", "--lrs", "0.1", "--seeds", "1",
           "--out", str(tmp / "lab.png")])
    gdviz(["simulate", "mlp-moons", "--epochs", "1"])   # refused without torch: status 1
    from PySide6.QtWidgets import QApplication

    from gdviz.scenario import load
    from gdviz.ui.main_window import MainWindow
    window = MainWindow(load("default"), start_worker=False)
    window.resize(1280, 800)
    window.show()
    QApplication.processEvents()
    window.grab()
    with open("/proc/self/maps") as maps:
        libs = sorted({line.split()[-1] for line in maps if ".so" in line})
    print("# shared libraries mapped")
    for lib in libs:
        print(lib.split("site-packages/")[-1])
    print("# modules")
    for name in sorted(m for m in sys.modules if m.startswith(("PySide6.Qt", "av.", "ssl",
                                                               "_ssl", "_hashlib"))):
        print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
