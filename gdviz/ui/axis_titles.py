"""Axis titles that show whole: a title longer than its axis drops its last "(…)".

pyqtgraph draws an axis title at its full length and lets the axis cut it ("along u_d
(flattest)" lost ~20 px on a 200 px canvas in lesson 7's presentation at 1024x768; the real
network's "plane axis 2 (random direction)" and "clock: per example seen (examples)" a few).
:func:`keep_titles_whole` watches a plot's left and bottom axes: where the whole title is longer
than its axis, the axis shows it without its trailing parenthesis (the unit or the gloss:
"along u_d", "plane axis 2", "clock: per example seen"), the whole title its tool tip; where there
is room again, the whole title comes back.
"""
from __future__ import annotations

import re

_TRAILING = re.compile(r"\s+\([^()]*\)\s*$")   # " (…)", not "J(θ)"


def short_title(text: str) -> str:
    """*text* without its trailing "(…)" (itself where it has none, or is nothing else)."""
    short = _TRAILING.sub("", text)
    return short if short.strip() else text


def keep_titles_whole(plot_item, names=("left", "bottom")) -> None:
    """Keep the titles of *plot_item*'s axes *names* within their axes (see the module)."""
    for name in names:
        axis = plot_item.getAxis(name)
        if getattr(axis, "_gdviz_whole", False):
            continue
        axis._gdviz_whole = True
        update = axis._updateLabel

        def updated(axis=axis, update=update):
            update()
            fit_title(axis)
        axis._updateLabel = updated
        axis.geometryChanged.connect(lambda axis=axis: fit_title(axis))


def fit_title(axis) -> None:
    """Show *axis*'s whole title if it fits its length, else its short form."""
    from shiboken6 import isValid
    if not isValid(axis):          # (a geometry change while the plot is deleted)
        return
    label = axis.label
    if label is None or not isValid(label) or not axis.labelText:
        return
    full = axis.labelString()
    room = axis.height() if axis.orientation in ("left", "right") else axis.width()
    html = full
    if getattr(axis, "_gdviz_shown", None) != full:
        label.setHtml(full)
        axis._gdviz_shown = full
    if room > 0 and label.boundingRect().width() > room + 1:
        text, units = axis.labelText, axis.labelUnits
        short = short_title(text)
        if short != text or units:
            axis.labelText, axis.labelUnits = short, ""
            auto = axis.autoSIPrefix
            axis.autoSIPrefix = False          # (no "(x0.001)" in the short form either)
            try:
                html = axis.labelString()
            finally:
                axis.labelText, axis.labelUnits, axis.autoSIPrefix = text, units, auto
            label.setHtml(html)
            axis._gdviz_shown = html
    label.setToolTip(_plain(full) if html != full else "")
    axis.resizeEvent(None)          # centred again along the axis


def _plain(rich: str) -> str:
    from PySide6.QtGui import QTextDocument
    doc = QTextDocument()
    doc.setHtml(rich)
    return doc.toPlainText()


def forget_text_space(axis) -> None:
    """Let *axis* size its tick labels' space afresh (after its type changed).

    pyqtgraph keeps the widest tick text an axis has drawn and, where its text space is not
    reduced automatically, never gives it back: after a presentation the canvas's left axis and
    the Network dock's loss axis stayed as wide as at 40-pt type, the plots narrower for it."""
    axis.textWidth = axis.style.get("tickTextWidth", 30)
    axis.textHeight = axis.style.get("tickTextHeight", 18)
    axis._adjustSize()
