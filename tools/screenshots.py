"""Regenerate the README screenshots (offscreen, deterministic), one command:

    python tools/screenshots.py                 # every picture in SHOTS into docs/screenshots/
    python tools/screenshots.py --only presentation-dark --out /tmp/shots
    python tools/screenshots.py --checks --out /tmp/shots   # and the review shots (CHECKS)
    python tools/screenshots.py --check         # do the committed pictures still match? (exit 1)

A shot is a function ``shot(app, path)`` that builds what it needs, saves a picture at *path* and
closes its windows. Add one by writing the function and putting it in ``SHOTS`` (name -> function);
the file is ``<name>.png``, or the name itself when it has an extension (``default.gif``). Runs
advance by a fixed number of clock ticks, not by wall time, so the pictures are the same every
time. ``tests/test_screenshots.py`` checks that every one is in docs/screenshots.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("GDVIZ_SETTINGS_DIR", str(Path(os.environ.get("TMPDIR", "/tmp"))
                                                   / "gdviz-screenshots-settings"))

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PRESENTATION_SIZE = (1920, 1080)
WINDOW_SIZE = (1440, 900)


def settle(app, rounds: int = 10) -> None:
    for _ in range(rounds):
        app.processEvents()


def wait_for(app, condition, timeout_s: float = 20.0) -> bool:
    import time
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    return False


def open_window(app, scenario: str, theme: str = "light", ticks: int = 0,
                presentation: bool = False, size=WINDOW_SIZE):
    """A MainWindow on *scenario* in *theme*, advanced by *ticks* clock ticks."""
    from gdviz.scenario import load
    from gdviz.ui.main_window import MainWindow
    from gdviz.ui.theme import THEMES

    from gdviz.export.lab_export import export_lab
    window = MainWindow(load(scenario), lab_exporter=export_lab)
    window.apply_theme(THEMES[theme])
    if presentation:
        window.set_presentation(True, size)
    else:
        window.show()
        app.processEvents()
        window.screen_layout.fit(*size)   # the docks as a screen of that size lays them out
    wait_for(app, lambda: window.snapshot is not None)
    for _ in range(ticks):
        window.cmd_step.emit()
    wait_for(app, lambda: all(m.updates >= ticks or m.status != "running"
                              for m in window.snapshot.methods))
    settle(app, 20)
    return window


def grab(app, window, path: Path) -> None:
    # let throttled views (live formulas re-render at most 4×/s) catch up with the last frame
    wait_for(app, lambda: False, timeout_s=0.6)
    settle(app, 10)
    window.grab().save(str(path))
    window.close()
    settle(app, 5)


def presentation_light(app, path: Path) -> None:
    window = open_window(app, "lesson-1-rhythms", "light", ticks=45, presentation=True,
                         size=PRESENTATION_SIZE)
    grab(app, window, path)


def presentation_dark(app, path: Path) -> None:
    window = open_window(app, "lesson-1-rhythms", "dark", ticks=45, presentation=True,
                         size=PRESENTATION_SIZE)
    grab(app, window, path)


def cheat_sheet_dark(app, path: Path) -> None:
    window = open_window(app, "lesson-3-noise-law", "dark", ticks=30, presentation=True,
                         size=PRESENTATION_SIZE)
    window.classroom.cheat_sheet.set_shown(True)
    grab(app, window, path)


def window_light(app, path: Path) -> None:
    window = open_window(app, "lesson-4-lr-and-batch", "light", ticks=40)
    grab(app, window, path)


def window_dark(app, path: Path) -> None:
    window = open_window(app, "lesson-5-saddle", "dark", ticks=200)
    grab(app, window, path)


def window_default(app, path: Path) -> None:
    window = open_window(app, "default", "light", ticks=150, size=(1920, 1080))
    grab(app, window, path)


def network(app, path: Path) -> None:
    window = open_window(app, "mlp-moons", "light", ticks=2000, size=(1920, 1080))
    grab(app, window, path)


def network_dark(app, path: Path) -> None:
    window = open_window(app, "mlp-spirals", "dark", ticks=3000, size=(1920, 1080))
    window.network_panel.validation_check.setChecked(True)
    grab(app, window, path)


def data_view(app, path: Path) -> None:
    """The data view beside the canvas: the points, each method's line, its last batch lit."""
    window = open_window(app, "default", "light", ticks=40, size=(1600, 1000))
    grab(app, window, path)


def data_view_dark(app, path: Path) -> None:
    window = open_window(app, "logistic", "dark", ticks=25, size=(1600, 1000))
    grab(app, window, path)


def data_view_presentation(app, path: Path) -> None:
    window = open_window(app, "logistic", "light", ticks=25, presentation=True,
                         size=PRESENTATION_SIZE)
    window.data_dock.show()
    grab(app, window, path)


def window_small(app, path: Path) -> None:
    window = open_window(app, "default", "light", ticks=150, size=(1024, 768))
    grab(app, window, path)


def default_gif(app, path: Path) -> None:
    """The README's animation, by the export command's own code."""
    from gdviz.scenario import load
    from gdviz.export.job import ExportSpec, export
    export(ExportSpec(load("default"), path, size=(640, 400), seconds=6, fps=12))


def lesson_selected(app, path: Path) -> None:
    window = open_window(app, "default", "light", ticks=60, size=(1920, 1080))
    window.select_method("stochastic")
    window.lesson.tabs.setCurrentWidget(window.lesson.selected)
    wait_for(app, lambda: False, timeout_s=0.6)
    settle(app, 10)
    window.lesson_dock.grab().save(str(path))
    window.close()
    settle(app, 5)


# the README's pictures (written by default)
def lab(app, path: Path) -> None:
    window = open_window(app, "lesson-7-critical-batch", "light", size=(1280, 800))
    window.actions_["lab"].trigger()
    wait_for(app, lambda: window.lab_window.inset.cloud is not None)
    lab_window = window.lab_window
    # the sweep starts a moment after the window: wait for its finished result
    wait_for(app, lambda: lab_window.result is not None and not lab_window.running
             and lab_window.bar.value() == 100, timeout_s=300)
    lab_window.figure.flush()
    window.lab_window.fit_screen(1920, 1080)   # a 1080p screen: the cloud and three columns
    window.lab_window.resize(1920, 1080)
    settle(app, 20)
    window.lab_window.grab().save(str(path))
    window.close()
    settle(app, 5)


def gradient_cloud(app, path: Path) -> None:
    window = open_window(app, "lesson-3-noise-law", "light", ticks=40, size=(1280, 800))
    window.actions_["gradient_cloud"].trigger()
    wait_for(app, lambda: window.overlays.cloud is not None)
    settle(app, 20)
    grab(app, window, path)


def seed_ensemble(app, path: Path) -> None:
    window = open_window(app, "lesson-8-eta-and-b", "light", size=(1280, 800))
    window.actions_["seed_ensemble"].trigger()
    window.actions_["show_stochastic"].trigger()      # its trail would hide the cloud
    ticks = 1500                       # 12 epochs of B = 8: the copies are near the minimum
    for _ in range(ticks):
        window.cmd_step.emit()
    wait_for(app, lambda: window.overlays.ensemble is not None
             and window.overlays.ensemble.updates >= ticks, timeout_s=60)
    settle(app, 20)
    grab(app, window, path)


SHOTS = {
    "window": window_default,
    "lab": lab,
    "window-small": window_small,
    "gradient-cloud": gradient_cloud,
    "seed-ensemble": seed_ensemble,
    "network": network,
    "data-view": data_view,
    "network-dark": network_dark,
    "lesson-selected": lesson_selected,
    "presentation-light": presentation_light,
    "presentation-dark": presentation_dark,
    "default.gif": default_gif,
}


def file_name(name: str) -> str:
    return name if "." in name else f"{name}.png"
# more views to look at when changing the UI (--checks; not in the README)
CHECKS = {
    "cheat-sheet-dark": cheat_sheet_dark,
    "window-light": window_light,
    "window-dark": window_dark,
    "data-view-dark": data_view_dark,
    "data-view-presentation": data_view_presentation,
}


# --check: "screenshots that stay true" --------------------------------------------------------
CHECK_WIDTH = 320       # px: both pictures are compared scaled down to this width
CHANNEL_SLACK = 48      # of 255: a pixel differs when a channel differs by more than this
TOLERANCE = 0.03        # share of differing pixels (at CHECK_WIDTH) a picture may have
# the shots the test suite checks (fast: analytic scenarios, no training, no lab sweep)
SUITE_SHOTS = ("window-small", "gradient-cloud", "window")


def difference(committed: Path, fresh: Path) -> float:
    """The share of pixels that differ between two pictures, both scaled to CHECK_WIDTH px
    wide (a GIF: its first frame). 1.0 when their shapes differ."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage
    import numpy as np

    def small(path: Path):
        image = QImage(str(path))
        if image.isNull():
            raise ValueError(f"{path}: not a picture")
        ratio = image.height() / image.width()
        image = image.scaled(CHECK_WIDTH, max(1, round(CHECK_WIDTH * ratio)),
                             Qt.AspectRatioMode.IgnoreAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
        image = image.convertToFormat(QImage.Format.Format_RGB32)
        data = np.frombuffer(image.constBits(), np.uint8).reshape(
            image.height(), image.bytesPerLine() // 4, 4)[:, :image.width(), :3]
        return data.astype(int), ratio

    a, ra = small(committed)
    b, rb = small(fresh)
    if a.shape != b.shape or abs(ra - rb) > 0.01:
        return 1.0
    return float((np.abs(a - b).max(axis=2) > CHANNEL_SLACK).mean())


def check(app, names, out: Path) -> list[tuple[str, float]]:
    """Make each shot in *names* anew in *out* and compare it with docs/screenshots: the
    (name, share of differing pixels) of those beyond TOLERANCE (or missing)."""
    bad = []
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        fresh = out / file_name(name)
        SHOTS[name](app, fresh)
        committed = OUT / file_name(name)
        share = difference(committed, fresh) if committed.is_file() else 1.0
        print(f"{name}: {100 * share:.2f} % of pixels differ (tolerance {100 * TOLERANCE:g} %)")
        if share > TOLERANCE:
            bad.append((name, share))
    return bad


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder (default {OUT})")
    every = SHOTS | CHECKS
    parser.add_argument("--only", action="append", choices=sorted(every), metavar="NAME",
                        help="only this shot (repeatable); names: " + ", ".join(every))
    parser.add_argument("--checks", action="store_true",
                        help="also the review shots: " + ", ".join(CHECKS))
    parser.add_argument("--check", action="store_true",
                        help="make the README's shots anew in a temporary folder and compare "
                             "each with docs/screenshots (scaled to "
                             f"{CHECK_WIDTH} px wide; at most {100 * TOLERANCE:g} %% of pixels "
                             "may differ); exit 1 when one does not match")
    args = parser.parse_args(argv)
    from gdviz.ui.app import make_application
    app = make_application()
    if args.check:
        import tempfile
        names = args.only or list(SHOTS)
        with tempfile.TemporaryDirectory(prefix="gdviz-shots-") as tmp:
            bad = check(app, names, Path(tmp))
        for name, share in bad:
            print(f"{file_name(name)} no longer shows the app ({100 * share:.1f} % of pixels "
                  "differ): run python tools/screenshots.py", file=sys.stderr)
        return 1 if bad else 0
    args.out.mkdir(parents=True, exist_ok=True)
    names = args.only or [*SHOTS, *(CHECKS if args.checks else ())]
    for name in names:
        path = args.out / file_name(name)
        every[name](app, path)
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
