"""Short, one-line echoes of user input for error messages (a 1 MB value is not a message)."""
from __future__ import annotations

ECHO_LIMIT = 80


def clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` on one line, at most ``limit`` characters (the middle cut out, marked by …)."""
    text = " ".join(str(text).split()) if ("\n" in str(text) or "\r" in str(text)) else str(text)
    if len(text) <= limit:
        return text
    head = (limit - 1) * 2 // 3
    return f"{text[:head]}…{text[len(text) - (limit - 1 - head):]}"


def echo(value, limit: int = ECHO_LIMIT) -> str:
    """``repr(value)`` clipped to ``limit`` characters."""
    return clip(repr(value), limit)
