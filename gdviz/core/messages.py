"""Short, one-line echoes of user input for error messages (a 1 MB value is not a message)."""
from __future__ import annotations

import re

ECHO_LIMIT = 80


# C0 and C1 controls, DEL, and the bidirectional overrides that reorder what a terminal shows
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LONG_RUN = re.compile(r"\S{%d,}" % (ECHO_LIMIT + 1))


def escape_controls(text: str) -> str:
    """Control characters as visible escapes (\\n, \\x1b, \\u202e): an echo can neither
    split its line nor drive the terminal (a title-setting escape sequence)."""
    return _CONTROLS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def one_line(message: str, limit: int = 400) -> str:
    """A whole message for stderr: controls escaped, each run of more than ECHO_LIMIT
    non-space characters cut to ECHO_LIMIT, the whole at most ``limit``."""
    text = _LONG_RUN.sub(lambda m: clip(m.group()), escape_controls(str(message)))
    return clip(text, limit)


def clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` on one line, at most ``limit`` characters (the middle cut out, marked by …);
    control characters escaped."""
    text = escape_controls(str(text))
    if len(text) <= limit:
        return text
    head = (limit - 1) * 2 // 3
    return f"{text[:head]}…{text[len(text) - (limit - 1 - head):]}"


def echo(value, limit: int = ECHO_LIMIT) -> str:
    """``repr(value)`` clipped to ``limit`` characters, control characters escaped."""
    try:
        text = repr(value)
    except RecursionError:          # a table nested a thousand deep
        return "(nested too deeply to show)"
    return clip(text, limit)
