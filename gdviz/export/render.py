"""Offscreen rendering of engine snapshots into images of a fixed size (GUI thread only).

The views are the window's own (the contour canvas, or a whole ``MainWindow`` without its worker
thread), built once, never shown on screen, and fed snapshots by the caller; each frame is
painted into one reused ``QImage``. Nothing here looks at the wall clock, so the same snapshots
give the same pixels.
"""
from __future__ import annotations

import os
import sys

import numpy as np

from gdviz.scenario import Scenario
from gdviz.core.snapshot import SimSnapshot

WHATS = ("canvas", "window")
LAYOUT_ROUNDS = 6       # nested layouts settled before a frame is painted
PAINT_ROUNDS = 4        # paints of one frame at most, until the plots' layout is steady


def prepare_headless() -> None:
    """Use Qt's offscreen platform, always (before the QApplication exists): a headless export
    never touches the desktop platform, so a missing, misspelt or silent display (DISPLAY=:99,
    QT_QPA_PLATFORM=xcbb) cannot abort it, and its pixels do not depend on the desktop."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"


def ensure_application():
    """The running QApplication, or a new one set up as the app sets it up."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is not None:
        return app
    prepare_headless()
    from gdviz.ui.app import make_application
    app = make_application()
    _quiet_offscreen_notes()
    return app


def _quiet_offscreen_notes() -> None:
    """Drop the offscreen plugin's harmless "does not support propagateSizeHints()" line."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    def handler(kind, _context, message):
        if "propagateSizeHints" in message:
            return
        if kind != QtMsgType.QtDebugMsg:
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


def trail_frame(snap: SimSnapshot, bounds, margin: float = 0.12, min_share: float = 0.15):
    """((x0, x1), (y0, y1)): the trajectories (every trail and start, *margin* around them)
    inside *bounds*; no side shorter than *min_share* of the bounds', so a short run keeps its
    surroundings."""
    points = [np.asarray(m.trail, float).reshape(-1, 2) for m in snap.methods]
    points += [np.asarray(m.start, float).reshape(1, 2) for m in snap.methods]
    xy = np.vstack(points)
    xy = xy[np.all(np.isfinite(xy), axis=1)]
    if not len(xy):
        return tuple(tuple(map(float, b)) for b in bounds)
    out = []
    for axis, (lo, hi) in enumerate(bounds):
        lo, hi = float(lo), float(hi)
        a, b = float(xy[:, axis].min()), float(xy[:, axis].max())
        pad = max((b - a) * margin, (hi - lo) * min_share / 2 - (b - a) / 2, 0.0)
        a, b = max(lo, a - pad), min(hi, b + pad)
        out.append((a, b) if b > a else (lo, hi))
    return tuple(out)


from gdviz.ui.contours import fit_aspect  # noqa: E402,F401  (the window widens its plane alike)


def byte_order_pix_fmt() -> str:
    """ffmpeg's name for the bytes of a ``QImage.Format_RGB32`` pixel (0xffRRGGBB words)."""
    return "bgra" if sys.byteorder == "little" else "argb"


class FrameRenderer:
    """Paints snapshots of one scenario as ``what`` ("canvas" or "window") at ``size``."""

    def __init__(self, scenario: Scenario, landscape_view, size: tuple[int, int],
                 what: str = "canvas", theme: str = "light", speed: float | None = None):
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QImage
        from PySide6.QtWidgets import QApplication

        from gdviz.ui.theme import THEMES

        if what not in WHATS:
            raise ValueError(f"what must be one of {', '.join(WHATS)}")
        ensure_application()
        self.what = what
        self.size = (int(size[0]), int(size[1]))
        self.theme = THEMES[theme]
        self.window = None
        if what == "canvas":
            from gdviz.ui.canvas import ContourCanvas
            self.canvas = self.widget = ContourCanvas(theme=self.theme)
            # type sized for the picture: a 1080p video gets 1.5x the labels of a 720p one
            scale = min(self.size[0] / 1280, self.size[1] / 720)
            if scale > 1.05:
                self.canvas.set_font_scale(scale)
                # ... and the trails, markers and arrows with it: a 4K clip is the 720p one, 3x
                self.canvas.set_mark_scale(scale)
            self.canvas.set_landscape(landscape_view)
        else:
            from gdviz.ui.main_window import MainWindow
            from gdviz.ui.worker import WorkerState
            # formulas typeset at once: a frame never waits for a thread
            self.window = self.widget = MainWindow(scenario, start_worker=False,
                                                   synchronous_formulas=True)
            self.canvas = self.window.canvas
            self._silence_shortcuts()
            self._apply_window_theme()
            self.window.on_landscape(landscape_view)
            # the banner and the play button read as a running app, at the speed recorded
            self.window.on_state(WorkerState(True, float(speed or scenario.speed or 20.0), 1))
        w = self.widget
        w.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        w.resize(*self.size)
        w.show()
        QApplication.processEvents()
        if w.size().width() != self.size[0] or w.size().height() != self.size[1]:
            w.resize(*self.size)  # a window manager-less first show may ignore the size
            QApplication.processEvents()
        self.canvas.fit()
        actual = w.size()
        self.actual_size = (actual.width(), actual.height())
        self._image = QImage(actual.width(), actual.height(), QImage.Format.Format_RGB32)
        self._scaled = self.actual_size != self.size

    @property
    def note(self) -> str | None:
        """A sentence for stderr when the widget could not take the requested size."""
        if not self._scaled:
            return None
        return (f"the {self.what} needs at least {self.actual_size[0]}x{self.actual_size[1]}; "
                f"it is drawn at that size and scaled to {self.size[0]}x{self.size[1]}")

    def _silence_shortcuts(self) -> None:
        # The window's shortcuts are application-wide: a second, hidden window holding the same
        # keys would make every key ambiguous in the real one while an export runs.
        from PySide6.QtGui import QAction, QKeySequence
        for action in self.window.findChildren(QAction):
            action.setShortcut(QKeySequence())
            action.setEnabled(False)

    def _apply_window_theme(self) -> None:
        self.window.apply_theme(self.theme)

    def set_landscape(self, view) -> None:
        """A new landscape (the real network's plane laid anew), fitted to the view."""
        if self.window is not None:
            self.window.on_landscape(view)
        else:
            self.canvas.set_landscape(view)
        self.canvas.fit()

    def view_aspect(self, snap: SimSnapshot | None = None) -> float:
        """Width / height of the plot's view in pixels (after *snap*'s title, if given)."""
        if snap is not None:
            self.show(snap)
        _settle_layouts()
        rect = self.canvas.getPlotItem().getViewBox().sceneBoundingRect()
        return rect.width() / rect.height() if rect.height() > 0 else 0.0

    # drawing ----------------------------------------------------------------------------------
    def show(self, snap: SimSnapshot) -> None:
        """Hand one snapshot to the views (as the window's snapshot slot does)."""
        if self.window is not None:
            self.window.on_snapshot(snap)
            # While playing, the window redraws its panels (counters, loss curves, rhythm, the
            # network's) a few times a second of the wall clock; every frame of an export shows
            # its own (a clip of mlp-moons kept an empty loss chart and the rhythm's markers at
            # 0 for seconds, and its frames depended on how fast the machine rendered them)
            self.window.catch_up_panels()
            self._flush_throttles()
            # what the window typesets in the background while it plays, a frame shows now
            from gdviz.ui.formula import finish_typesetting
            finish_typesetting(self.window)
        else:
            self.canvas.show_snapshot(snap)
        self.canvas.place_legend_now()   # not on the wall clock: the same frames on any machine

    def _flush_throttles(self) -> None:
        # The lesson panels throttle their formulas on the wall clock; an export applies every
        # frame's numbers at once so the frames do not depend on how fast the machine renders.
        from gdviz.ui.panels._common import LiveThrottle
        for throttle in self.window.findChildren(LiveThrottle):
            throttle.flush()

    def render(self, snap: SimSnapshot):
        """The frame of ``snap`` as a QImage (Format_RGB32) of the requested size.

        The image is reused by the next call: copy it (``frame_bytes``) before rendering again.
        """
        from PySide6.QtCore import QPoint, Qt
        from PySide6.QtGui import QColor, QRegion
        from PySide6.QtWidgets import QWidget

        self.show(snap)
        _settle_layouts()
        image = self._image
        # A plot sizes its axes to their tick labels while it paints: a frame painted once
        # right after a change shows the axes at their old width (a loss chart's labels, the
        # network's plots cut or shifted). Paint until the plots' layout stops changing, as
        # the window has settled by the time anyone looks at it.
        for _ in range(PAINT_ROUNDS):
            before = _plot_layout(self.widget)
            image.fill(QColor(self.theme.background))
            QWidget.render(self.widget, image, QPoint(0, 0), QRegion(),
                           QWidget.RenderFlag.DrawChildren
                           | QWidget.RenderFlag.DrawWindowBackground)
            _settle_layouts()
            if _plot_layout(self.widget) == before:
                break
        if self._scaled:
            return image.scaled(self.size[0], self.size[1],
                                Qt.AspectRatioMode.IgnoreAspectRatio,
                                Qt.TransformationMode.SmoothTransformation
                                ).convertToFormat(image.Format.Format_RGB32)
        return image

    def svg_bytes(self, snap: SimSnapshot) -> bytes:
        """The canvas's plot as SVG (pyqtgraph's exporter: vector lines, the fill embedded)."""
        import pyqtgraph.exporters

        self.show(snap)
        _settle_layouts()
        self.canvas.repaint()  # orients the arrow heads for the current axis scales
        exporter = pyqtgraph.exporters.SVGExporter(self.canvas.getPlotItem())
        with _svg_closepath_fix():
            return sized_background(exporter.export(toBytes=True))

    def close(self) -> None:
        if self.window is not None:
            self.window.shutdown()
        self.widget.close()
        self.widget.deleteLater()


def sized_background(svg: bytes) -> bytes:
    """The exporter's background is a rectangle sized 100 %, which Qt's own SVG renderer fills
    only 100 × 100 px of: give it the drawing's size (its view box)."""
    import re
    text = svg.decode("utf-8")
    box = re.search(r'viewBox\s*=\s*"([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+)"', text)
    if box is None:
        return svg
    x, y, w, h = box.groups()
    text = text.replace('<rect width="100%" height="100%"',
                        f'<rect x="{x}" y="{y}" width="{w}" height="{h}"', 1)
    return text.encode("utf-8")


class _svg_closepath_fix:
    """Qt 6.11's SVG generator closes paths with ``Z``, which pyqtgraph 0.14's exporter cannot
    parse (its ``correctCoordinates`` expects every token of a path to be ``x,y``; it fails on
    the view box's frame). For the length of one export, each ``Z`` becomes a line back to the
    start of its subpath, which draws the same outline."""

    def __enter__(self):
        module = sys.modules["pyqtgraph.exporters.SVGExporter"]
        self._module, self._original = module, module.correctCoordinates
        original = self._original

        def correct(node, defs, item, options):
            for path in node.getElementsByTagName("path"):
                path.setAttribute("d", _close_with_lines(path.getAttribute("d")))
            return original(node, defs, item, options)

        module.correctCoordinates = correct
        return self

    def __exit__(self, *exc):
        self._module.correctCoordinates = self._original
        return False


def _close_with_lines(d: str) -> str:
    if "Z" not in d and "z" not in d:
        return d
    out, start = [], None
    for token in d.split():
        if token[0] in "Mm" and "," in token:
            start = token[1:]
        if token in ("Z", "z"):
            if start is not None:
                out.append("L" + start)
            continue
        out.append(token)
    return " ".join(out) + " "


def _settle_layouts() -> None:
    """Deliver pending layout requests (the legend's, after a relabel) before painting.

    Only LayoutRequest: delivering every posted event would also paint the hidden widget to its
    backing store (UpdateRequest), doubling the cost of a frame, and would not add anything the
    frame shows. Posted events are not timers, so the wall clock stays out of the frames.
    """
    from PySide6.QtCore import QCoreApplication, QEvent

    # a label that grew relayouts its grid, which asks its dock, which asks the window: one
    # round per level (a single round left the counters' captions cut at the old width)
    for _ in range(LAYOUT_ROUNDS):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


def _plot_layout(widget) -> list:
    """The geometry and size limits of every layout item in the widget's visible plots (what
    an axis changes when its tick labels grow or shrink during a paint)."""
    from PySide6.QtWidgets import QGraphicsView, QGraphicsWidget

    views = [widget] if isinstance(widget, QGraphicsView) else []
    views += widget.findChildren(QGraphicsView)
    out = []
    for view in views:
        if not view.isVisible() or view.scene() is None:
            continue
        for item in view.scene().items():
            if isinstance(item, QGraphicsWidget) and item.isVisible():
                g, lo, hi = item.geometry(), item.minimumSize(), item.maximumSize()
                out.append((g.x(), g.y(), g.width(), g.height(),
                            lo.width(), lo.height(), hi.width(), hi.height()))
    return out


def frame_bytes(image) -> bytes:
    """A copy of a Format_RGB32 QImage's pixels, tightly packed (ffmpeg's ``bgra`` rawvideo)."""
    w, h = image.width(), image.height()
    data = bytes(image.constBits())
    stride = image.bytesPerLine()
    if stride == 4 * w:
        return data[: 4 * w * h]
    rows = np.frombuffer(data, np.uint8)[: stride * h].reshape(h, stride)[:, : 4 * w]
    return rows.tobytes()


def to_rgb(image) -> np.ndarray:
    """An (h, w, 3) uint8 RGB copy of a Format_RGB32 QImage (tests, comparisons)."""
    w, h = image.width(), image.height()
    px = np.frombuffer(frame_bytes(image), np.uint8).reshape(h, w, 4)
    if sys.byteorder == "little":
        return px[:, :, 2::-1].copy()
    return px[:, :, 1:4].copy()
