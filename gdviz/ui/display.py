"""Is there a display the window can open on? Asked before Qt loads: Qt aborts the process
(status 134, its list of plugins) when its platform plugin is missing or cannot connect."""
from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

HEADLESS = ("offscreen", "minimal", "minimalegl", "vnc", "linuxfb", "eglfs", "vkkhrdisplay")
WITHOUT_ONE = ("gdviz export, gdviz simulate and gdviz sweep work without one")


def available_platforms() -> set[str] | None:
    """Qt's platform plugins present (libqxcb.so -> xcb), or None when they cannot be listed."""
    try:
        import PySide6
        folder = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms"
        names = {p.name for p in folder.iterdir()}
    except (ImportError, OSError):
        return None
    out = set()
    for name in names:
        stem = name.split(".")[0]
        if stem.startswith("libq"):
            out.add(stem[4:])
        elif stem.startswith("q"):
            out.add(stem[1:])
    return out or None


def _x_answers(display: str, timeout: float = 1.0) -> bool:
    """An X server listens at DISPLAY (``:0``, ``unix:0``, ``host:0.0``)."""
    host, _, rest = display.rpartition(":")
    try:
        number = int(rest.split(".")[0])
    except ValueError:
        return False
    if host.startswith("/"):          # a launchd socket path (macOS): trust it
        return os.path.exists(host)
    if host in ("", "unix"):
        path = f"/tmp/.X11-unix/X{number}"
        for address in ("\0" + path, path):      # the abstract socket first, as Xlib does
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    s.settimeout(timeout)
                    s.connect(address)
                    return True
            except OSError:
                continue
        if host == "unix":
            return False
        host = "localhost"
    try:
        with socket.create_connection((host, 6000 + number), timeout=timeout):
            return True
    except OSError:
        return False


def _wayland_answers(name: str) -> bool:
    path = Path(name) if name.startswith("/") else \
        Path(os.environ.get("XDG_RUNTIME_DIR", "/run/user/%d" % os.getuid())) / name
    return path.exists()


def display_problem() -> str | None:
    """None when the window can open; else one line saying why not and what works anyway."""
    wanted = [p.strip() for p in os.environ.get("QT_QPA_PLATFORM", "").split(";") if p.strip()]
    names = [p.split(":")[0] for p in wanted]
    known = available_platforms()
    if names and known is not None:
        unknown = [n for n in names if n not in known]
        if len(unknown) == len(names):
            return (f"QT_QPA_PLATFORM={os.environ['QT_QPA_PLATFORM']!r} names no platform Qt "
                    f"has here (it has {', '.join(sorted(known))}); {WITHOUT_ONE}")
    if any(n in HEADLESS for n in names) or sys.platform in ("win32", "darwin"):
        return None
    x, wayland = os.environ.get("DISPLAY"), os.environ.get("WAYLAND_DISPLAY")
    tries = names or ["wayland", "xcb"]
    if "xcb" in tries and x and _x_answers(x):
        return None
    if any(n.startswith("wayland") for n in tries) and wayland and _wayland_answers(wayland):
        return None
    if not x and not wayland:
        return f"no display found (DISPLAY and WAYLAND_DISPLAY are unset); {WITHOUT_ONE}"
    said = ", ".join(f"{k}={v}" for k, v in (("DISPLAY", x), ("WAYLAND_DISPLAY", wayland)) if v)
    return f"no display answers at {said}; {WITHOUT_ONE}"
