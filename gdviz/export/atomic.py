"""A file is written whole or not at all: a temporary file beside the target, renamed at the end.

The temporary file lives in the target's own directory (``.name.part-XXXX.ext``), so the final
``os.replace`` is an atomic rename on the same file system; it keeps the target's extension, so
ffmpeg and QImage pick the format from the name. Cancel, an error or a full disk remove it.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


class ExportError(Exception):
    """An export that could not be done; the message says what happened, on one line."""


def check_target(path: str | os.PathLike) -> Path:
    """Refuse, up front, a path that cannot be written: the message names the path."""
    target = Path(path).expanduser()
    if str(path).strip() == "" or target.name in ("", ".", ".."):
        raise ExportError(f"{str(path)!r}: not a file name")
    if target.is_dir():
        raise ExportError(f"{target}: is a directory")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.exists():
        raise ExportError(f"{target}: the directory {parent} does not exist")
    if not parent.is_dir():
        raise ExportError(f"{target}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ExportError(f"{target}: the directory {parent} is not writable")
    return target


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class AtomicFile:
    """``with AtomicFile(target) as part: write part.path; part.commit()``.

    Leaving the block without ``commit()`` (an exception, a cancel) deletes the temporary file.
    """

    def __init__(self, target: str | os.PathLike):
        self.target = check_target(target)
        parent = self.target.parent
        fd, tmp = tempfile.mkstemp(prefix=f".{self.target.stem}.part-",
                                   suffix=self.target.suffix, dir=parent)
        os.close(fd)
        self.path = Path(tmp)
        self.committed = False

    def commit(self) -> Path:
        """Flush the finished temporary file to disk and rename it onto the target."""
        try:
            if self.path.stat().st_size == 0:
                raise ExportError(f"{self.target}: nothing was written")
            with open(self.path, "rb+") as fh:
                os.fsync(fh.fileno())
            os.chmod(self.path, 0o666 & ~_umask())  # mkstemp made it 0600; a new file is 0644
            os.replace(self.path, self.target)
        except OSError as exc:
            self.discard()
            raise ExportError(f"{self.target}: could not finish the file: "
                              f"{exc.strerror or exc}") from exc
        except ExportError:
            self.discard()
            raise
        self.committed = True
        return self.target

    def discard(self) -> None:
        if not self.committed:
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass

    def __enter__(self) -> "AtomicFile":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.discard()
