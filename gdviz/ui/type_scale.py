"""Presentation type sizes, in one module below the panels, the canvas and presentation mode
(each of them sizes its text or marks from these; none imports another for it)."""
from __future__ import annotations

from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QApplication

BODY_PX_AT_1080 = 24          # body text height on a 1920×1080 projector
MIN_BODY_PX, MAX_BODY_PX = 14, 48   # in proportion to the screen: 16 px at 720p
MARK_REFERENCE_HEIGHT = 1080   # a presentation this high draws the marks at their theme size


def body_px_for(height: int) -> int:
    """The body text size in pixels for a presentation *height* pixels high."""
    return int(min(max(round(BODY_PX_AT_1080 * height / 1080), MIN_BODY_PX), MAX_BODY_PX))


def font_scale_for(height: int, base_px: int | None = None) -> float:
    """The factor that turns the application font into presentation body text."""
    if base_px is None:
        base_px = QFontInfo(QApplication.font()).pixelSize() or 12
    return body_px_for(height) / max(base_px, 1)


def mark_scale_for(font_scale: float) -> float:
    """How much marks (trails, markers, ticks) grow at *font_scale*: with the type beyond a
    1080p presentation's, never below their theme size."""
    return max(1.0, font_scale / font_scale_for(MARK_REFERENCE_HEIGHT))
