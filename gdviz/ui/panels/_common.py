"""Small building blocks shared by the lesson panels: wrapped rich-text labels, collapsible
sections, symbol lists, font scaling."""
from __future__ import annotations

import html
import re
import time
from typing import Callable

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QFrame, QGridLayout, QLabel, QScrollArea, QSizePolicy, QToolButton, QVBoxLayout, QWidget)

from gdviz.lesson.content import Symbol
from gdviz.lesson.live import LiveValues
from gdviz.ui.formula import FormulaWidget

SYMBOL_SCALE = 1.0      # symbols in lists: as large as inline math


def _hue_pairs() -> list[tuple[str, str]]:
    from gdviz.ui.theme import METHOD_COLORS, METHOD_COLORS_DARK
    return [(METHOD_COLORS[k], METHOD_COLORS_DARK[k]) for k in METHOD_COLORS]


def _palette_is_dark(widget=None) -> bool:
    from PySide6.QtWidgets import QApplication

    from gdviz.ui.palette import is_dark
    palette = widget.palette() if widget is not None else QApplication.palette()
    return is_dark(palette)


def hue(color: str, widget: QWidget | None = None) -> str:
    """A method's colour as the theme in force draws it: the dark theme's lighter hue on a dark
    palette (*widget*'s, or the application's), the lesson's own colour otherwise."""
    dark = _palette_is_dark(widget)
    for light_hue, dark_hue in _hue_pairs():
        if color.lower() in (light_hue.lower(), dark_hue.lower()):
            return dark_hue if dark else light_hue
    return color


def recolor_methods(root: QWidget) -> None:
    """Swap the method colours written into *root*'s labels and style sheets for the theme in
    force (texts are written once; a theme change must not leave the other theme's hues)."""
    dark = _palette_is_dark(root)
    swaps = [(a, b) if dark else (b, a) for a, b in _hue_pairs()]
    for widget in [root, *root.findChildren(QWidget)]:
        if isinstance(widget, QLabel):
            text = _swap(widget.text(), swaps)
            if text != widget.text():
                widget.setText(text)
        sheet = widget.styleSheet()
        if sheet:
            new = _swap(sheet, swaps)
            if new != sheet:
                widget.setStyleSheet(new)


def _swap(text: str, swaps) -> str:
    for old, new in swaps:
        text = re.sub(re.escape(old), new, text, flags=re.IGNORECASE)
    return text


def rich(text: str) -> str:
    """Lesson markup (**bold**, *italic*) to HTML, everything else escaped."""
    out = html.escape(text, quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)
    return re.sub(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])", r"<i>\1</i>", out)


def label(html_text: str = "", *, selectable: bool = False) -> QLabel:
    """A word-wrapped rich-text label that never asks for more width than it is given."""
    lab = QLabel(html_text)
    lab.setTextFormat(Qt.TextFormat.RichText)
    lab.setWordWrap(True)
    # Ignored width: the label takes the width the layout offers and wraps to it, never
    # widening the panel. setSizePolicy replaces the height-for-width flag set by
    # setWordWrap, so it is set again.
    sp = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    sp.setHeightForWidth(True)
    lab.setSizePolicy(sp)
    lab.setMinimumWidth(40)
    if selectable:
        lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return lab


def heading(text: str, size: str = "large", color: str | None = None) -> QLabel:
    """A bold title whose size is relative to the widget font, so font scaling enlarges it."""
    style = f"font-size:{size};font-weight:600;" + (f"color:{color};" if color else "")
    lab = label(f'<span style="{style}">{html.escape(text)}</span>')
    lab.setContentsMargins(0, 6, 0, 0)     # air above a title separates it from the text
    return lab


def swatch(color: str, width: int = 6) -> QFrame:
    """A thin bar in a method's colour, placed beside its title."""
    bar = QFrame()
    bar.setFixedWidth(width)
    bar.setStyleSheet(f"background:{color}; border-radius:2px;")
    return bar


def tinted(widget_layout) -> QFrame:
    """A frame with the alternate-base background (works with light and dark palettes)."""
    box = QFrame()
    box.setAutoFillBackground(True)
    box.setBackgroundRole(QPalette.ColorRole.AlternateBase)
    box.setFrameShape(QFrame.Shape.StyledPanel)
    box.setLayout(widget_layout)
    return box


def scroll(content: QWidget) -> QScrollArea:
    """A vertical-only scroll area: content is always laid out at the visible width."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(content)
    return area


class SymbolList(QWidget):
    """Rows of [symbol drawn as math | what it means]."""

    def __init__(self, symbols: tuple[Symbol, ...], parent: QWidget | None = None):
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setColumnStretch(1, 1)
        self.formulas: list[FormulaWidget] = []
        for row, sym in enumerate(symbols):
            f = FormulaWidget(sym.tex, scale=SYMBOL_SCALE)
            f.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            self.formulas.append(f)
            grid.addWidget(f, row, 0, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            grid.addWidget(label(rich(sym.text)), row, 1, Qt.AlignmentFlag.AlignTop)


class Section(QWidget):
    """A titled section whose body folds away when its header is clicked."""

    def __init__(self, title: str, body: QWidget, expanded: bool = True,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.button = QToolButton()
        self.button.setText(title)
        self.button.setCheckable(True)
        self.button.setChecked(expanded)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.button.setAutoRaise(True)
        self.button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        bold = QFont()
        bold.setBold(True)                  # only boldness is set, so the size still follows
        self.button.setFont(bold)
        self.body = body
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.button)
        lay.addWidget(body)
        self.button.toggled.connect(self._toggle)
        self._toggle(expanded)

    def _toggle(self, on: bool):
        self.button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        self.body.setVisible(on)


class FontScaled:
    """Mixin for QWidget: ``set_font_scale(f)`` enlarges all text (and formulas, which follow
    the font) by *f* relative to the font the widget had at the first call."""

    _base_point_size: float | None = None
    _font_scale: float = 1.0

    def set_font_scale(self, f: float) -> None:
        if self._base_point_size is None:
            self._base_point_size = self.font().pointSizeF()
        self._font_scale = f
        font = QFont(self.font())
        font.setPointSizeF(self._base_point_size * f)
        self.setFont(font)

    def font_scale(self) -> float:
        return self._font_scale


def _structure(v: LiveValues) -> tuple:
    return (v.n_examples, v.batch_size, v.updates_per_epoch, v.selected,
            getattr(v.rule, "name", "sgd"))


class LiveThrottle(QObject):
    """Passes LiveValues on at most every *interval_s*, but at once when N, B, ⌈N/B⌉, the
    selected method or the update rule changed. Nothing is rendered while the owner is hidden; the latest values
    are applied when it is shown (call :meth:`flush` from ``showEvent``)."""

    def __init__(self, owner: QWidget, apply: Callable[[LiveValues], None],
                 interval_s: float = 0.25):
        super().__init__(owner)
        self._owner, self._apply, self._interval = owner, apply, interval_s
        self._pending: LiveValues | None = None
        self._applied: LiveValues | None = None
        self._last = -1e9
        self._background = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)

    def push(self, values: LiveValues) -> None:
        from gdviz.ui.formula import typesetting_in_background
        self._pending = values
        # typeset as the caller asked, even when the values are applied later from the timer
        # (outside its ``typeset_in_background`` block): right after start-up, the lesson's
        # eight formulas were then typeset on the GUI thread in one turn (0.7-1.2 s)
        self._background = typesetting_in_background()
        urgent = self._applied is None or _structure(values) != _structure(self._applied)
        wait = self._interval - (time.monotonic() - self._last)
        if urgent or wait <= 0:
            self.flush()
        elif not self._timer.isActive():
            self._timer.start(max(1, int(wait * 1000)))

    def flush(self) -> None:
        if self._pending is None or not self._owner.isVisible():
            return
        values, self._pending = self._pending, None
        self._timer.stop()
        self._last = time.monotonic()
        self._applied = values
        from gdviz.ui.formula import typeset_in_background
        with typeset_in_background(self._background):
            self._apply(values)

    def latest(self) -> LiveValues | None:
        """The newest values, applied or not."""
        return self._pending or self._applied



class _IndicatorStyle:
    """Made on first use (a QProxyStyle needs the application): see ``scale_indicators``."""
    style = None


def _indicator_style():
    if _IndicatorStyle.style is not None:
        return _IndicatorStyle.style
    from PySide6.QtGui import QFontMetricsF
    from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleFactory

    M = QStyle.PixelMetric
    sides = {M.PM_IndicatorWidth, M.PM_IndicatorHeight, M.PM_ExclusiveIndicatorWidth,
             M.PM_ExclusiveIndicatorHeight}
    frames = {QStyle.PrimitiveElement.PE_IndicatorCheckBox,
              QStyle.PrimitiveElement.PE_IndicatorRadioButton}
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor, QPainter, QPen

    class IndicatorStyle(QProxyStyle):
        """Fusion, with check box and radio button indicators as large against their text as
        at normal type: their side grows with the widget's own line height over the
        application font's (read at every query, so it follows the type as it changes); on a
        dark palette their frame is drawn in the text's colour."""

        def pixelMetric(self, metric, option=None, widget=None):
            base = super().pixelMetric(metric, option, widget)
            if metric not in sides or widget is None:
                return base
            app = QApplication.instance()
            normal = QFontMetricsF(app.font()).height() if app is not None else 0.0
            grow = QFontMetricsF(widget.font()).height() / normal if normal > 0 else 1.0
            return round(base * grow) if grow > 1.05 else base

        def drawPrimitive(self, element, option, painter, widget=None):
            super().drawPrimitive(element, option, painter, widget)
            if element not in frames or option is None:
                return
            from gdviz.ui.palette import is_dark
            if not is_dark(option.palette):
                return
            # Fusion outlines an indicator in the window colour, darker: on the dark theme an
            # empty box was a black square on near-black ("validation points (hollow)")
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            color = QColor(option.palette.color(QPalette.ColorRole.WindowText))
            color.setAlpha(150)
            painter.setPen(QPen(color, 1.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            rect = QRectF(option.rect).adjusted(0.5, 0.5, -1.5, -1.5)
            if element == QStyle.PrimitiveElement.PE_IndicatorRadioButton:
                painter.drawEllipse(rect)
            else:
                painter.drawRoundedRect(rect, 1.5, 1.5)
            painter.restore()

    style = IndicatorStyle(QStyleFactory.create("Fusion"))
    style.setParent(QApplication.instance())        # lives as long as the widgets it draws
    _IndicatorStyle.style = style
    return style


def scale_indicators(root: QWidget) -> None:
    """The check boxes and radio buttons in *root* (and *root* itself, if it is one) keep
    their indicators as large against their text as at normal type: at presentation type a
    13-pixel box sat beside 40-point text. The side follows each widget's font from then on.
    Widgets of another top-level window (the lab) are left to it."""
    from PySide6.QtWidgets import QCheckBox, QRadioButton
    boxes = [root] if isinstance(root, (QCheckBox, QRadioButton)) else []
    boxes += root.findChildren(QCheckBox) + root.findChildren(QRadioButton)
    style = None
    for box in boxes:
        if box.window() is not root.window() or box.style() is _IndicatorStyle.style:
            continue
        style = style or _indicator_style()
        box.setStyle(style)
