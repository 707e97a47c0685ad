"""A file is written whole or not at all: a temporary file beside the target, renamed at the end.

The temporary file lives in the target's own directory (``.gdviz-part-PID-XXXXXXXX.ext``: short
whatever the target's name, so a legal name never overflows the file system's limit), so the
final ``os.replace`` is an atomic rename on the same file system; it keeps the target's
extension, so ffmpeg and QImage pick the format from the name. Cancel, an error or a full disk
remove it; one left by a process that was killed (SIGKILL, a power cut) is removed by the next
export to that folder. A target that is a symbolic link is written through it, and an existing
target keeps its permissions.
"""
from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
from pathlib import Path

from gdviz.core.messages import clip

PART_PREFIX = ".gdviz-part-"
_PART_NAME = re.compile(re.escape(PART_PREFIX) + r"(\d+)-[A-Za-z0-9_]+\.[A-Za-z0-9]{1,8}$")


MAX_PATH_BYTES = 4000   # below Linux's PATH_MAX (4096), with room for the partial file's suffix


class ExportError(Exception):
    """An export that could not be done; the message says what happened, on one line."""


def _name_max(parent: Path) -> int:
    try:
        return os.pathconf(parent, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        return 255


def check_target(path: str | os.PathLike, probe: bool = True) -> Path:
    """Refuse, up front, a path that cannot be written: the message names the path.

    A symbolic link is followed to the file it names. With ``probe`` a temporary file is created
    in the folder and removed again, so a folder that only looks writable (/proc, /sys, a
    read-only mount, as root) is refused before any rendering.
    """
    shown = clip(str(path))
    if str(path).strip() == "" or "\0" in str(path):
        raise ExportError(f"{str(path)!r}: not a file name")
    target = Path(path).expanduser()
    if target.name in ("", ".", ".."):
        raise ExportError(f"{shown}: not a file name")
    parent = target.parent if str(target.parent) else Path(".")
    if len(os.fsencode(str(target))) > MAX_PATH_BYTES:      # the whole path, then its last part
        raise ExportError(f"{shown}: the path is too long ({len(os.fsencode(str(target))):,} "
                          f"bytes; at most {MAX_PATH_BYTES:,})")
    if len(os.fsencode(target.name)) > _name_max(parent):
        raise ExportError(f"{shown}: the file name is too long "
                          f"({len(os.fsencode(target.name))} bytes; at most {_name_max(parent)})")
    try:
        if target.is_symlink():
            target = Path(os.path.realpath(target))
            parent = target.parent
        if target.is_dir():
            raise ExportError(f"{shown}: is a directory")
        if target.exists() and not target.is_file():
            raise ExportError(f"{shown}: not a regular file")
        if not parent.exists():
            raise ExportError(f"{shown}: the directory {clip(str(parent))} does not exist")
        if not parent.is_dir():
            raise ExportError(f"{shown}: {clip(str(parent))} is not a directory")
    except OSError as exc:
        raise ExportError(f"{shown}: {exc.strerror or exc}") from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ExportError(f"{shown}: the directory {clip(str(parent))} is not writable")
    if probe:
        try:
            _make_part(target).unlink()
        except OSError as exc:
            raise ExportError(f"{shown}: cannot create a file in {clip(str(parent))}: "
                              f"{exc.strerror or exc}") from None
    return target


def _make_part(target: Path) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f"{PART_PREFIX}{os.getpid()}-", suffix=target.suffix,
                               dir=target.parent)
    os.close(fd)
    return Path(tmp)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale_parts(folder: Path) -> list[Path]:
    """Delete our temporary files in ``folder`` whose process no longer runs; returns them."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _PART_NAME.match(entry.name)
        if not match or int(match.group(1)) == os.getpid() or _process_alive(int(match.group(1))):
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            pass
    return removed


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class AtomicFile:
    """``with AtomicFile(target) as part: write part.path; part.commit()``.

    Leaving the block without ``commit()`` (an exception, a cancel) deletes the temporary file.
    """

    def __init__(self, target: str | os.PathLike):
        self.target = check_target(target, probe=False)
        remove_stale_parts(self.target.parent)
        try:
            self.path = _make_part(self.target)
        except OSError as exc:
            raise ExportError(f"{clip(str(self.target))}: cannot create a file there: "
                              f"{exc.strerror or exc}") from None
        self.committed = False

    def _mode(self) -> int:
        """The existing target's permission bits, or those of a new file."""
        try:
            return stat.S_IMODE(os.stat(self.target).st_mode)
        except OSError:
            return 0o666 & ~_umask()

    def commit(self) -> Path:
        """Flush the finished temporary file to disk and rename it onto the target."""
        try:
            if self.path.stat().st_size == 0:
                raise ExportError(f"{clip(str(self.target))}: nothing was written")
            with open(self.path, "rb+") as fh:
                os.fsync(fh.fileno())
            os.chmod(self.path, self._mode())   # mkstemp made it 0600
            os.replace(self.path, self.target)
        except OSError as exc:
            self.discard()
            why = "the disk is full" if exc.errno == errno.ENOSPC else exc.strerror or exc
            raise ExportError(f"{clip(str(self.target))}: could not finish the file: {why}") \
                from exc
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
        if isinstance(exc, OSError):     # a write in the block failed (a full disk): name the
            why = "the disk is full" if exc.errno == errno.ENOSPC else exc.strerror or exc
            raise ExportError(f"{clip(str(self.target))}: could not write: {why}; nothing "
                              "was written") from exc      # target, not the temporary file
