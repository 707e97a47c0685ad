"""One export from start to finish: the frame clock, the renderer, the encoder and the file.

``ExportJob`` advances in small steps (``step()`` renders and queues one frame) so the window can
drive it from a QTimer and stay responsive, and the CLI can run it in a loop (``run()``).

The clock is fixed: frame k shows the simulation advanced to clock value
``k × speed × tick_size / fps`` (speed in ticks per second, the scenario's own or 20 as in the
window), so the same scenario and seed give the same frames on any machine.
"""
from __future__ import annotations

import dataclasses
import errno
import math
import time
from dataclasses import dataclass
from pathlib import Path

from gdviz.core.messages import clip
from gdviz.scenario import Scenario
from gdviz.export.atomic import AtomicFile, ExportError, check_target
from gdviz.export.encode import VIDEO_KINDS, codec_size
from gdviz.mlp.plane_policy import PLANE_GRID, RELAY_INTERVAL_S, relay_if_needed

KINDS = ("png", "svg", "mp4", "gif")
STILL_KINDS = ("png", "svg")
DEFAULT_SPEED = 20.0          # ticks per second, as the window starts
DEFAULT_SIZE = (1280, 720)
DEFAULT_SECONDS = 10.0
DEFAULT_FPS = 30.0
MIN_SIDE, MAX_SIDE = 32, 7680
MAX_SECONDS = 3600.0
MAX_FPS = 120.0
# frames × pixels of a clip: each value within its limit still multiplied to 13 days and 7.5 GB
# (3600 s × 120 fps × 7680²); at most 10 minutes of 1280x720 at 30 fps (about 15 min to render)
MAX_CLIP_PIXELS = 18_000 * 1280 * 720
ADVANCE_CHUNK = 20_000        # updates between two looks at should_stop while a frame advances
STOP_CHECK_S = 0.1            # ... fewer where they take longer than this


class ExportCancelled(Exception):
    """``should_stop`` said stop while the job was preparing or advancing a frame."""


def kind_of(path: str | Path) -> str:
    """The export kind from the file's extension; ExportError naming the path otherwise."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in KINDS:
        shown = f".{suffix}" if suffix else "no extension"
        raise ExportError(f"{path}: unknown kind of file ({shown}); "
                          f"use {', '.join('.' + k for k in KINDS)}")
    return suffix


def _exact(value: float) -> str:
    """A number as given: 3600.0001 is not shown as 3600 (:g keeps six digits)."""
    short = f"{value:g}"
    return short if not math.isfinite(value) or float(short) == value else repr(float(value))


def parse_size(text: str) -> tuple[int, int]:
    parts = text.lower().replace("×", "x").split("x")
    try:
        w, h = (int(p) for p in parts)
    except ValueError:
        raise ExportError(f"--size {text!r}: expected WIDTHxHEIGHT, e.g. 1280x720") from None
    return w, h


@dataclass(frozen=True)
class ExportSpec:
    """What to export; ``checked()`` validates it and returns the notes to tell the user."""

    scenario: Scenario
    out: Path
    what: str = "canvas"
    size: tuple[int, int] = DEFAULT_SIZE
    seconds: float = DEFAULT_SECONDS
    fps: float = DEFAULT_FPS
    theme: str = "light"

    @property
    def kind(self) -> str:
        return kind_of(self.out)

    @property
    def speed(self) -> float:
        return float(self.scenario.speed or DEFAULT_SPEED)

    @property
    def frame_count(self) -> int:
        return max(1, round(self.seconds * self.fps))

    def checked(self) -> tuple["ExportSpec", list[str]]:
        """A validated copy (size rounded for the codec) and notes for stderr; ExportError
        (one line, naming the path or the option) for anything refused up front."""
        from gdviz.export.render import WHATS
        from gdviz.ui.theme import THEMES

        kind = kind_of(self.out)
        out = check_target(self.out)
        notes: list[str] = []
        if self.what not in WHATS:
            raise ExportError(f"--what {self.what!r}: use {' or '.join(WHATS)}")
        if self.theme not in THEMES:
            raise ExportError(f"--theme {self.theme!r}: use {' or '.join(THEMES)}")
        w, h = (int(v) for v in self.size)
        if not (MIN_SIDE <= w <= MAX_SIDE and MIN_SIDE <= h <= MAX_SIDE):
            raise ExportError(f"--size {w}x{h}: width and height must be between {MIN_SIDE} "
                              f"and {MAX_SIDE}")
        if not (math.isfinite(self.seconds) and 0 <= self.seconds <= MAX_SECONDS):
            raise ExportError(f"--seconds {_exact(self.seconds)}: must be between 0 and "
                              f"{MAX_SECONDS:g}")
        if not (math.isfinite(self.fps) and 1 <= self.fps <= MAX_FPS):
            raise ExportError(f"--fps {_exact(self.fps)}: must be between 1 and {MAX_FPS:g}")
        if kind in VIDEO_KINDS and self.seconds <= 0:
            raise ExportError(f"--seconds {_exact(self.seconds)}: a clip needs a length above 0")
        if kind in VIDEO_KINDS and self.frame_count * w * h > MAX_CLIP_PIXELS:
            raise ExportError(
                f"--seconds {_exact(self.seconds)} --fps {_exact(self.fps)} --size {w}x{h}: "
                f"{self.frame_count:,} frames of {w * h / 1e6:.3g} megapixels "
                f"({self.frame_count * w * h:.3g} pixels); a clip has at most "
                f"{MAX_CLIP_PIXELS:.3g} (10 minutes of 1280x720 at 30 fps): shorten it, lower "
                f"--fps or --size")
        if kind == "svg" and self.what == "window":
            raise ExportError(f"{self.out}: an SVG holds the canvas only; use --what canvas, "
                              f"or a .png for the whole window")
        size = codec_size(kind, w, h)
        if size != (w, h):
            notes.append(f"size {w}x{h} rounded to {size[0]}x{size[1]}: H.264 in yuv420p needs "
                         f"an even width and height")
        return dataclasses.replace(self, out=out, size=size), notes

    def clock_at(self, seconds: float, tick: float) -> float:
        """The simulation clock value shown at ``seconds`` of the clip."""
        return seconds * self.speed * tick

    def frame_clock(self, k: int, tick: float) -> float:
        return k * self.speed * tick / self.fps


class ExportJob:
    """One export, advanced a frame at a time. Use ``start()``, ``step()`` until it returns
    True, then ``finish()``; ``cancel()`` at any point leaves no file. Needs a QApplication
    and runs on the GUI thread (the encoder has its own thread)."""

    def __init__(self, spec: ExportSpec):
        self.spec, self.notes = spec.checked()
        self.kind = self.spec.kind
        self.frames_done = 0
        self.total = self.spec.frame_count if self.kind in VIDEO_KINDS else 1
        self.render_seconds = 0.0
        self.started = False
        self.done = False
        self._part: AtomicFile | None = None
        self._encoder = None
        self._renderer = None
        self._sim = None
        self._mlp = False
        self._frame = None         # a real-network still: the part of the plane shown
        self._relaid_at = 0.0      # clip seconds of the last new plane
        self._shown_version = None  # the plane the picture shows
        self._tmpdir = None
        self._frame_hook = None   # tests: called with each frame's QImage before encoding
        # asked while the landscape's picture is computed: True stops it (GridCancelled)
        self.should_stop = None
        self.encode_stats: dict = {}

    # life cycle --------------------------------------------------------------------------------
    def start(self) -> None:
        from gdviz.export.render import FrameRenderer

        spec = self.spec
        try:
            if spec.scenario.landscape == "mlp":
                from gdviz.mlp import require_torch
                require_torch()
                from gdviz.mlp.device import prefer_one_thread
                prefer_one_thread()   # as the window and simulate do: many times faster
            self._sim = sim = spec.scenario.build()
            self._mlp = sim.is_mlp
            if self._mlp and self.kind in STILL_KINDS:
                # train once to the moment shown and lay the plane there, as the window would;
                # the plane's grid is then computed once, for the picture
                from gdviz.export.render import trail_frame
                self._advance(sim, spec.clock_at(spec.seconds, sim.tick_size()))
                relay_if_needed(sim, sim.snapshot())
                # the grid only where the trajectories are: the picture shows that part
                self._frame = trail_frame(sim.snapshot(), sim.landscape.bounds)
            view = self._landscape_view()
            self._renderer = FrameRenderer(spec.scenario, view, spec.size, spec.what, spec.theme,
                                           spec.speed)
            if self._renderer.note:
                self.notes.append(self._renderer.note)
            if self._mlp:
                self._fill_view()
            self._part = AtomicFile(spec.out)
            if self.kind in VIDEO_KINDS:
                self._open_encoder(view)
        except BaseException:
            self._cleanup()
            raise
        self.started = True

    def _landscape_view(self):
        from gdviz.ui.contours import landscape_view
        sim = self._sim
        if self._mlp:   # one forward pass per grid point: the window's coarser grid
            self._shown_version = sim.plane_version
            view = landscape_view(sim.landscape, PLANE_GRID, sim.plane_version,
                                  should_stop=self.should_stop, bounds=self._frame)
        else:
            view = landscape_view(sim.landscape, should_stop=self.should_stop)
        if view.note and view.note not in self.notes:
            self.notes.append(view.note)
        return view

    def _fill_view(self) -> None:
        """The plane is drawn at equal scale: its grid widened to the view's shape, so the
        picture has no empty band beside it."""
        from gdviz.export.render import fit_aspect
        aspect = self._renderer.view_aspect(self._sim.snapshot())
        frame = self._frame if self._frame is not None else self._sim.landscape.bounds
        wider = fit_aspect(frame, aspect)
        if wider != tuple(tuple(b) for b in frame):
            self._frame = wider
            self._renderer.set_landscape(self._landscape_view())

    def _follow_plane(self, snap, clip_seconds: float):
        """A clip of the real network follows the plane as the window does: laid anew by the
        window's rule (at most every RELAY_INTERVAL_S of clip time), and redrawn whenever the
        engine lays it (e.g. once every run has stopped); returns the snapshot on it."""
        if not self._mlp:
            return snap
        sim = self._sim
        if clip_seconds - self._relaid_at >= RELAY_INTERVAL_S and relay_if_needed(sim, snap):
            self._relaid_at = clip_seconds
        if sim.plane_version == self._shown_version:
            return snap
        self._frame = None
        self._renderer.set_landscape(self._landscape_view())
        self._fill_view()
        return sim.snapshot()

    def _open_encoder(self, view) -> None:
        import tempfile

        from gdviz.export.encode import VideoEncoder, make_palette
        from gdviz.export.render import byte_order_pix_fmt, frame_bytes

        spec, pix_fmt = self.spec, byte_order_pix_fmt()
        palette = None
        if self.kind == "gif":
            # the palette from the first and the last frame: the landscape, every trail, arrows
            last = spec.scenario.build(self._sim.landscape)
            frames = [frame_bytes(self._render(self._sim.snapshot()))]
            self._advance(last, spec.frame_clock(self.total - 1, last.tick_size()))
            frames.append(frame_bytes(self._render(last.snapshot())))
            self._tmpdir = tempfile.TemporaryDirectory(prefix="gdviz-export-")
            palette = str(Path(self._tmpdir.name) / "palette.raw")
            make_palette(frames, spec.size, pix_fmt, palette)
        self._encoder = VideoEncoder(str(self._part.path), spec.size, spec.fps, self.kind,
                                     pix_fmt, palette)

    def _advance(self, sim, clock_value: float) -> None:
        """``sim.advance_to(clock_value)`` in chunks of updates, asking ``should_stop`` between
        them: a fast clip of a long run neither piles up records nor ignores a cancel. The
        chunks take exactly the updates one call would, in the same order."""
        chunk = ADVANCE_CHUNK
        while True:
            t = time.perf_counter()
            if len(sim.advance_to(clock_value, max_updates=chunk)) < chunk:
                return
            if self.should_stop is not None and self.should_stop():
                raise ExportCancelled("the export was cancelled")
            took = time.perf_counter() - t
            if took > STOP_CHECK_S:   # slow updates (a large network): look more often
                chunk = max(1, int(chunk * STOP_CHECK_S / took))

    def _render(self, snap):
        t = time.perf_counter()
        image = self._renderer.render(snap)
        self.render_seconds += time.perf_counter() - t
        return image

    def ready(self) -> bool:
        """True when ``step()`` would not wait on the encoder."""
        return self._encoder is None or self._encoder.has_room()

    def step(self) -> bool:
        """Render (and queue or save) the next frame; True once every frame is out."""
        from gdviz.export.render import frame_bytes

        if not self.started:
            self.start()
        if self.frames_done >= self.total:
            return True
        spec, sim = self.spec, self._sim
        try:
            if self.kind in VIDEO_KINDS:
                self._advance(sim, spec.frame_clock(self.frames_done, sim.tick_size()))
                snap = self._follow_plane(sim.snapshot(), self.frames_done / spec.fps)
                image = self._render(snap)
                if self._frame_hook is not None:
                    self._frame_hook(self.frames_done, image)
                self._encoder.put(frame_bytes(image))
            else:
                self._advance(sim, spec.clock_at(spec.seconds, sim.tick_size()))
                self._write_still(sim.snapshot())
        except BaseException:
            self.cancel()
            raise
        self.frames_done += 1
        return self.frames_done >= self.total

    def _write_still(self, snap) -> None:
        if self.kind == "svg":
            data = self._renderer.svg_bytes(snap)
        else:
            image = self._render(snap)
            if self._frame_hook is not None:
                self._frame_hook(0, image)
            data = png_bytes(image)
        try:
            # Python writes the file, not libpng: a full disk is one clear line, no library noise
            self._part.path.write_bytes(data)
        except OSError as exc:
            why = "the disk is full" if exc.errno == errno.ENOSPC else exc.strerror or exc
            raise ExportError(f"{clip(str(self.spec.out))}: could not write: {why}") from None

    def finish(self) -> Path:
        """Wait for the encoder and put the file in place; returns the target path."""
        while not self.step():
            pass
        try:
            if self._encoder is not None:
                self._encoder.finish()
                self.encode_stats = {"write_s": self._encoder.write_seconds,
                                     "finish_s": self._encoder.finish_seconds}
                self._encoder = None
            target = self._part.commit()
        except BaseException:
            self.cancel()
            raise
        self.done = True
        self._cleanup()
        return target

    def cancel(self) -> None:
        """Stop now and delete the partial file (idempotent)."""
        if self._encoder is not None:
            self._encoder.abort()
            self._encoder = None
        self._cleanup()

    def _cleanup(self) -> None:
        if self._encoder is not None:
            self._encoder.abort()
            self._encoder = None
        if self._part is not None:
            self._part.discard()
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    def run(self, progress=None) -> Path:
        """The whole export; ``progress(done, total)`` after each frame."""
        if not self.started:
            self.start()
        while not self.step():
            if progress is not None:
                progress(self.frames_done, self.total)
        if progress is not None:
            progress(self.frames_done, self.total)
        return self.finish()


def png_bytes(image) -> bytes:
    """``image`` encoded as PNG in memory."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise ExportError("could not encode the PNG")
    buffer.close()
    return bytes(data.data())


def export(spec: ExportSpec, progress=None) -> tuple[Path, list[str]]:
    """Run one export to the end; returns the file and the notes."""
    job = ExportJob(spec)
    return job.run(progress), job.notes
