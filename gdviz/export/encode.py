"""Encoding raw frames into MP4 (H.264, yuv420p) or GIF with FFmpeg's libraries, through PyAV.

Frames go through a small bounded queue to a writer thread that converts and encodes them, so
the GUI thread (or the CLI's render loop) renders the next frame while this one is encoded, and
``put`` never blocks the GUI when it asks ``has_room`` first.

PyAV (the ``av`` package) brings libavcodec with libx264 and libavfilter in its wheel, so an
installed gdviz exports video with no ffmpeg on the system; it replaced the separate static
ffmpeg executable of imageio-ffmpeg (165 MB of the PyInstaller bundle). The encoder settings
are the ones the ffmpeg command line had: libx264, preset veryfast, CRF 20, yuv420p, one thread,
``+faststart``; a GIF is encoded against one palette computed first (palettegen) and applied
with Bayer dithering (paletteuse).
"""
from __future__ import annotations

import os
import queue
import sys
import threading
import time
from fractions import Fraction

import numpy as np

from gdviz.export.atomic import ExportError

VIDEO_KINDS = ("mp4", "gif")
MP4_PRESET = "veryfast"
MP4_CRF = 20
QUEUE_FRAMES = 4
PALETTE_SIDE = 16             # palettegen's output: 16x16 pixels, one per colour
# palettegen's pixel format (AV_PIX_FMT_RGB32: 0xAARRGGBB words in native byte order)
PALETTE_FORMAT = "bgra" if sys.byteorder == "little" else "argb"


def codec_size(kind: str, width: int, height: int) -> tuple[int, int]:
    """The nearest size the codec takes: yuv420p (MP4) needs even width and height."""
    if kind == "mp4":
        return width + (width & 1), height + (height & 1)
    return width, height


def _rate(fps) -> Fraction:
    return Fraction(fps).limit_denominator(1001)


def _frame(data: bytes, size, pix_fmt: str, pts: int):
    import av

    pixels = np.frombuffer(data, np.uint8).reshape(size[1], size[0], -1)
    frame = av.VideoFrame.from_ndarray(pixels, format=pix_fmt)
    frame.pts = pts
    return frame


def _message(exc: BaseException) -> str:
    return str(exc).strip() or type(exc).__name__


def make_palette(frames: list[bytes], size, pix_fmt: str, palette_path: str) -> None:
    """One 256-colour palette for a whole GIF from a few representative frames, written to
    ``palette_path`` as 16×16 raw pixels (``PALETTE_FORMAT``).

    A single palette (instead of one per frame) keeps the still landscape from shimmering, and
    computing it first lets the GIF stream frame by frame instead of holding the whole clip in
    memory until its end.
    """
    import av

    try:
        graph = av.filter.Graph()
        graph.threads = 1
        src = graph.add_buffer(width=size[0], height=size[1], format=pix_fmt,
                               time_base=Fraction(1, 1))
        gen = graph.add("palettegen", "max_colors=256:stats_mode=full")
        sink = graph.add("buffersink")
        src.link_to(gen)
        gen.link_to(sink)
        graph.configure()
        for k, data in enumerate(frames):
            src.push(_frame(data, size, pix_fmt, k))
        src.push(None)
        palette = sink.pull()
        pixels = palette.to_ndarray(format=PALETTE_FORMAT)
    except (av.FFmpegError, ValueError) as exc:
        raise ExportError(f"could not make the GIF palette: {_message(exc)}") from None
    if pixels.shape[:2] != (PALETTE_SIDE, PALETTE_SIDE):
        raise ExportError(f"could not make the GIF palette: got {pixels.shape}")
    with open(palette_path, "wb") as f:
        f.write(np.ascontiguousarray(pixels).tobytes())


class VideoEncoder:
    """Streams frames of ``size`` (raw ``pix_fmt`` bytes) into ``path`` at ``fps``.

    ``put`` each frame, then ``finish()`` (raises ExportError if encoding failed) or ``abort()``.
    """

    def __init__(self, path: str, size: tuple[int, int], fps: float, kind: str,
                 pix_fmt: str = "bgra", palette_path: str | None = None):
        import av

        if kind not in VIDEO_KINDS:
            raise ValueError(f"kind must be one of {', '.join(VIDEO_KINDS)}")
        if codec_size(kind, *size) != tuple(size):
            raise ValueError(f"{kind} frames need an even width and height, not {size}")
        if kind == "gif" and palette_path is None:
            raise ValueError("a GIF needs a palette (make_palette)")
        self.path, self.size, self.fps, self.kind = str(path), tuple(size), fps, kind
        self.pix_fmt = pix_fmt
        self.frame_size = size[0] * size[1] * (4 if pix_fmt in ("bgra", "argb", "rgba") else 3)
        rate = _rate(fps)
        self._graph = self._source = self._sink = None
        try:
            if kind == "mp4":
                self._container = av.open(self.path, "w", format="mp4",
                                          options={"movflags": "+faststart"})
                stream = self._container.add_stream("libx264", rate=rate)
                stream.pix_fmt = "yuv420p"
                stream.options = {"preset": MP4_PRESET, "crf": str(MP4_CRF)}
            else:
                self._container = av.open(self.path, "w", format="gif", options={"loop": "0"})
                stream = self._container.add_stream("gif", rate=rate)
                stream.pix_fmt = "pal8"
                self._open_paletteuse(palette_path, rate)
            stream.width, stream.height = size
            stream.codec_context.thread_count = 1
            self._stream = stream
        except (av.FFmpegError, OSError) as exc:
            raise ExportError(f"could not start the {kind.upper()} encoder: "
                              f"{_message(exc)}") from None
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
        self._error: BaseException | None = None
        self._aborted = False
        self._closed = False
        self.frames_written = 0
        self.write_seconds = 0.0        # time the writer thread spent converting and encoding
        self.finish_seconds = 0.0       # time finish() waited for the encoder after the last frame
        self._thread = threading.Thread(target=self._write_loop, name="gdviz-export-encoder",
                                        daemon=True)
        self._thread.start()

    def _open_paletteuse(self, palette_path: str, rate: Fraction) -> None:
        import av

        side = PALETTE_SIDE
        with open(palette_path, "rb") as f:
            palette = f.read()
        graph = av.filter.Graph()
        graph.threads = 1
        frames = graph.add_buffer(width=self.size[0], height=self.size[1], format=self.pix_fmt,
                                  time_base=1 / rate)
        colours = graph.add_buffer(width=side, height=side, format=PALETTE_FORMAT,
                                   time_base=1 / rate)
        use = graph.add("paletteuse", "dither=bayer:bayer_scale=4:diff_mode=rectangle")
        sink = graph.add("buffersink")
        frames.link_to(use, 0, 0)
        colours.link_to(use, 0, 1)
        use.link_to(sink)
        graph.configure()
        colours.push(_frame(palette, (side, side), PALETTE_FORMAT, 0))
        colours.push(None)
        self._graph, self._source, self._sink = graph, frames, sink

    # the writer thread -------------------------------------------------------------------------
    def _encode(self, frame) -> None:
        """Encode one frame (None: flush) and write its packets."""
        import av

        if self._source is None:
            frames = [frame]
        else:                        # GIF: through paletteuse first
            self._source.push(frame)
            frames = []
            while True:
                try:
                    frames.append(self._sink.pull())
                except (av.BlockingIOError, av.EOFError):
                    break
            if frame is None:
                frames.append(None)
        for f in frames:
            for packet in self._stream.encode(f):
                self._container.mux(packet)

    def _write_loop(self) -> None:
        import av

        pts = 0
        while True:
            data = self._queue.get()
            if data is None:
                break
            if self._error is not None or self._aborted:
                continue  # drain: the producer learns of the error on its next put
            t = time.perf_counter()
            try:
                self._encode(_frame(data, self.size, self.pix_fmt, pts))
                pts += 1
                self.frames_written += 1
            except (av.FFmpegError, OSError, ValueError) as exc:
                self._error = exc
            self.write_seconds += time.perf_counter() - t
        if self._aborted:
            return
        try:
            if self._error is None:
                self._encode(None)
            self._close()
        except (av.FFmpegError, OSError, ValueError) as exc:
            if self._error is None:
                self._error = exc

    def _close(self) -> None:
        if not self._closed:
            self._closed = True
            self._container.close()   # writes the trailer (and moves moov to the front)

    # the producer --------------------------------------------------------------------------
    def has_room(self) -> bool:
        """True when ``put`` would not wait (the GUI asks before rendering a frame)."""
        return not self._queue.full()

    def put(self, frame: bytes) -> None:
        """Queue one frame; waits while the queue is full. Raises if encoding has failed."""
        if len(frame) != self.frame_size:
            raise ValueError(f"a frame has {len(frame)} bytes, expected {self.frame_size}")
        self._raise_if_failed()
        self._queue.put(frame)

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise ExportError(f"the {self.kind.upper()} encoder stopped: "
                              f"{self._describe()}")

    def finish(self) -> None:
        """Encode what is queued, close the file and raise ExportError if it did not succeed."""
        t = time.perf_counter()
        self._queue.put(None)
        self._thread.join()
        self.finish_seconds = time.perf_counter() - t
        if self._error is not None:
            raise ExportError(f"the {self.kind.upper()} encoder failed: {self._describe()}")

    def abort(self) -> None:
        """Stop at once: drop the queued frames and stop the writer thread; the caller deletes
        the file."""
        self._aborted = True
        try:
            while True:
                self._queue.get_nowait()
        except queue.Empty:
            pass
        self._queue.put(None)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            try:
                self._close()
            except Exception:   # noqa: BLE001 (the partial file is discarded anyway)
                pass

    def _describe(self) -> str:
        exc = self._error
        if isinstance(exc, OSError) and exc.errno is not None:
            return os.strerror(exc.errno)
        return _message(exc) if exc is not None else "no message"
