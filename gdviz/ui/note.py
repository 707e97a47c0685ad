"""The scenario's note above the canvas, folded to a few lines where it would crowd the canvas.

A lesson's note runs to ten lines (lesson 7); in presentation on a 1024x768 screen those lines
left the canvas about 200 px, short of its own axis title. :class:`NoteLabel` shows at most
``NOTE_SHARE`` of its window's height (never under ``NOTE_MIN_LINES`` lines): the rest of the note
is cut at a word and ends in "… (more)", the whole note is the tool tip, and a click unfolds it
(another folds it again). N still hides the note altogether.
"""
from __future__ import annotations

import html

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy

NOTE_SHARE = 0.12          # of the window's height, at most, for the folded note
NOTE_MIN_LINES = 2         # ... but always this many lines
MORE = " … <i>(more)</i>"


class NoteLabel(QLabel):
    """A word-wrapped label of ``<b>title</b> — note`` (both plain text, escaped here), folded to
    fit ``NOTE_SHARE`` of the window's height."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._title = ""
        self._note = ""
        self.expanded = False
        self.folded = False          # the note shown is cut (for tests and the tool tip)
        self._watched = None
        self._fitting = False

    # the text -------------------------------------------------------------------------------
    def set_note(self, title: str, note: str) -> None:
        """Show *title* (bold) and *note*; both are plain text (never Qt rich text)."""
        self._title, self._note = str(title or ""), str(note or "")
        self.expanded = False
        self._fit()

    def full_text(self) -> str:
        """The whole note as rich text, whatever is shown."""
        return self._compose(self._note, cut=False)

    def _compose(self, note: str, cut: bool) -> str:
        if not self._title:
            return ""
        text = f"<b>{html.escape(self._title)}</b> — {html.escape(note)}"
        return text + MORE if cut else text

    # folding --------------------------------------------------------------------------------
    def max_height(self) -> int:
        """The most height the folded note may take, px."""
        window = self.window()
        line = self.fontMetrics().lineSpacing()
        share = int(window.height() * NOTE_SHARE) if window is not None and window is not self \
            else 10 ** 6
        margins = self.contentsMargins()
        return max(share, NOTE_MIN_LINES * line + margins.top() + margins.bottom())

    def _need(self, rich: str, width: int) -> int:
        """The height the label takes (its layout asks heightForWidth) showing *rich*, *width*
        px wide in all (QLabel's rich-text measure, a line more than a bare QTextDocument's)."""
        QLabel.setText(self, rich)
        return self.heightForWidth(width)

    def _fit(self) -> None:
        """Set the text: the whole note where it fits (or was unfolded), else its longest
        prefix, cut at a word, that fits with " … (more)"."""
        if self._fitting:
            return
        self._fitting = True
        try:
            full = self.full_text()
            width = self.width()
            room = self.max_height()
            shown = self.text()
            text, folded = full, False
            if full and not self.expanded and width > 40 and self._need(full, width) > room:
                words = self._note.split(" ")
                lo, hi = 0, len(words) - 1       # the most words that fit (0 always "fits")
                while lo < hi:
                    mid = (lo + hi + 1) // 2
                    if self._need(self._compose(" ".join(words[:mid]), True), width) <= room:
                        lo = mid
                    else:
                        hi = mid - 1
                text, folded = self._compose(" ".join(words[:lo]).rstrip(" ,;:—-"), True), True
            self.folded = folded
            self.setToolTip(full if folded or self.expanded else "")
            QLabel.setText(self, shown)        # (as it was while measuring: no needless relayout)
            if text != shown:
                self.setText(text)
        finally:
            self._fitting = False

    # events ---------------------------------------------------------------------------------
    def mousePressEvent(self, event):
        if self.folded or self.expanded:
            self.expanded = not self.expanded
            self._fit()
            event.accept()
            return
        super().mousePressEvent(event)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit()

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit()

    def showEvent(self, event):
        super().showEvent(event)
        window = self.window()
        if window is not self and window is not self._watched:
            if self._watched is not None:
                self._watched.removeEventFilter(self)
            window.installEventFilter(self)
            self._watched = window
        self._fit()

    def eventFilter(self, obj, event) -> bool:
        if obj is self._watched and event.type() == QEvent.Type.Resize:
            self._fit()
        return False
