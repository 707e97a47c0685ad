"""Encoding raw frames into MP4 (H.264, yuv420p) or GIF with the ffmpeg that imageio-ffmpeg ships.

Frames go through a small bounded queue to a writer thread that feeds ffmpeg's stdin, so the
GUI thread (or the CLI's render loop) renders the next frame while ffmpeg encodes this one, and
``put`` never blocks the GUI when it asks ``has_room`` first.

ffmpeg is started here with ``imageio_ffmpeg.get_ffmpeg_exe()`` rather than through
``imageio_ffmpeg.write_frames``: that helper neither checks ffmpeg's exit status (a full disk at
the end would pass silently) nor kills ffmpeg on cancel, and a GIF needs a second input (its
palette), which its fixed command line cannot take.
"""
from __future__ import annotations

import os
import queue
import subprocess
import tempfile
import threading
import time
from fractions import Fraction

from gdviz.export.atomic import ExportError

VIDEO_KINDS = ("mp4", "gif")
MP4_PRESET = "veryfast"
MP4_CRF = 20
QUEUE_FRAMES = 4


def ffmpeg_exe() -> str:
    import imageio_ffmpeg
    return imageio_ffmpeg.get_ffmpeg_exe()


def codec_size(kind: str, width: int, height: int) -> tuple[int, int]:
    """The nearest size the codec takes: yuv420p (MP4) needs even width and height."""
    if kind == "mp4":
        return width + (width & 1), height + (height & 1)
    return width, height


def _raw_input(size, pix_fmt: str, fps=None) -> list[str]:
    args = ["-f", "rawvideo", "-pix_fmt", pix_fmt, "-s", f"{size[0]}x{size[1]}"]
    if fps is not None:
        args += ["-framerate", str(Fraction(fps).limit_denominator(1001))]
    return args + ["-i", "pipe:0"]


def make_palette(frames: list[bytes], size, pix_fmt: str, palette_path: str) -> None:
    """One 256-colour palette for a whole GIF from a few representative frames.

    A single palette (instead of one per frame) keeps the still landscape from shimmering, and
    computing it first lets the GIF stream frame by frame instead of ffmpeg holding the whole
    clip in memory until its end.
    """
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
           *_raw_input(size, pix_fmt, 1), "-vf", "palettegen=max_colors=256:stats_mode=full",
           "-frames:v", "1", "-update", "1", palette_path]
    result = subprocess.run(cmd, input=b"".join(frames), capture_output=True)
    if result.returncode != 0 or not os.path.exists(palette_path):
        raise ExportError(f"ffmpeg could not make the GIF palette: {_tail(result.stderr)}")


def _widen_pipe(stream, size: int = 1 << 20) -> None:
    """A 1 MiB pipe (Linux) instead of 64 KiB: fewer wake-ups per multi-megabyte frame."""
    try:
        import fcntl
        fcntl.fcntl(stream.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), size)
    except (ImportError, OSError, ValueError):
        pass


def _tail(data: bytes, lines: int = 3) -> str:
    text = data.decode("utf-8", "replace").strip().splitlines()
    return " / ".join(text[-lines:]) or "no message"


class VideoEncoder:
    """Streams frames of ``size`` (raw ``pix_fmt`` bytes) into ``path`` at ``fps``.

    ``put`` each frame, then ``finish()`` (raises ExportError if ffmpeg failed) or ``abort()``.
    """

    def __init__(self, path: str, size: tuple[int, int], fps: float, kind: str,
                 pix_fmt: str = "bgra", palette_path: str | None = None):
        if kind not in VIDEO_KINDS:
            raise ValueError(f"kind must be one of {', '.join(VIDEO_KINDS)}")
        if codec_size(kind, *size) != tuple(size):
            raise ValueError(f"{kind} frames need an even width and height, not {size}")
        self.path, self.size, self.fps, self.kind = str(path), tuple(size), fps, kind
        self.frame_size = size[0] * size[1] * (4 if pix_fmt in ("bgra", "argb", "rgba") else 3)
        cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
               *_raw_input(size, pix_fmt, fps)]
        if kind == "mp4":
            cmd += ["-an", "-c:v", "libx264", "-preset", MP4_PRESET, "-threads", "1", "-crf", str(MP4_CRF),
                    "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4"]
        else:
            if palette_path is None:
                raise ValueError("a GIF needs a palette (make_palette)")
            cmd += ["-i", palette_path, "-lavfi",
                    "[0:v][1:v]paletteuse=dither=bayer:bayer_scale=4:diff_mode=rectangle",
                    "-loop", "0", "-f", "gif"]
        cmd.append(self.path)
        self.command = cmd
        self._stderr = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                      stderr=self._stderr)
        _widen_pipe(self._proc.stdin)
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
        self._error: BaseException | None = None
        self._aborted = False
        self.frames_written = 0
        self.write_seconds = 0.0        # time the writer thread spent blocked on ffmpeg's pipe
        self.finish_seconds = 0.0       # time finish() waited for ffmpeg after the last frame
        self._thread = threading.Thread(target=self._write_loop, name="gdviz-export-encoder",
                                        daemon=True)
        self._thread.start()

    # the writer thread -------------------------------------------------------------------------
    def _write_loop(self) -> None:
        stdin = self._proc.stdin
        while True:
            frame = self._queue.get()
            if frame is None:
                break
            if self._error is not None or self._aborted:
                continue  # drain: the producer learns of the error on its next put
            t = time.perf_counter()
            try:
                stdin.write(frame)
                self.frames_written += 1
            except (BrokenPipeError, OSError, ValueError) as exc:
                self._error = exc
            self.write_seconds += time.perf_counter() - t
        try:
            stdin.close()
        except (BrokenPipeError, OSError):
            pass

    # the producer --------------------------------------------------------------------------
    def has_room(self) -> bool:
        """True when ``put`` would not wait (the GUI asks before rendering a frame)."""
        return not self._queue.full()

    def put(self, frame: bytes) -> None:
        """Queue one frame; waits while the queue is full. Raises if ffmpeg has failed."""
        if len(frame) != self.frame_size:
            raise ValueError(f"a frame has {len(frame)} bytes, expected {self.frame_size}")
        self._raise_if_failed()
        self._queue.put(frame)

    def _raise_if_failed(self) -> None:
        if self._error is not None or self._proc.poll() is not None:
            self._wait_quietly()
            raise ExportError(f"ffmpeg stopped while encoding: {self._message()}")

    def finish(self) -> None:
        """Close the stream and wait for ffmpeg; raise ExportError if it did not succeed."""
        t = time.perf_counter()
        self._queue.put(None)
        self._thread.join()
        code = self._proc.wait()
        self.finish_seconds = time.perf_counter() - t
        if code != 0 or self._error is not None:
            raise ExportError(f"ffmpeg failed (exit {code}): {self._message()}")
        self._stderr.close()

    def abort(self) -> None:
        """Stop at once: kill ffmpeg and the writer thread; the caller deletes the file."""
        self._aborted = True
        if self._proc.poll() is None:
            self._proc.kill()
        try:
            while True:
                self._queue.get_nowait()
        except queue.Empty:
            pass
        self._queue.put(None)
        self._thread.join(timeout=5)
        self._wait_quietly()
        self._stderr.close()

    def _wait_quietly(self) -> None:
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()

    def _message(self) -> str:
        try:
            self._stderr.seek(0)
            text = _tail(self._stderr.read())
        except (OSError, ValueError):
            text = "no message"
        if text == "no message" and self._error is not None:
            text = str(self._error)
        return text
