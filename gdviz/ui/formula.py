"""LaTeX formulas as crisp vector widgets: ziamath draws SVG, QSvgRenderer paints it.

Rendering costs 5–20 ms, so SVG bytes are cached per (LaTeX, colour); a widget whose LaTeX did
not change does nothing; while the simulation plays, new formulas are typeset in a background
thread (``typeset_in_background``).
"""
from __future__ import annotations

import contextlib
import functools
import logging
import warnings
from concurrent.futures import ThreadPoolExecutor

with warnings.catch_warnings():
    # On import, ziamath loads its math font through the deprecated pkg_resources.path.
    warnings.simplefilter("ignore", DeprecationWarning)
    import ziamath
from PySide6.QtCore import QByteArray, QObject, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFontInfo, QImage, QPainter, QPalette
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QSizePolicy, QWidget

# SVG 2 output uses <use> references that Qt's SVG Tiny renderer ignores (only the fraction bars
# would be drawn); SVG 1.1 output draws every glyph. Must be set before the first rendering.
ziamath.config.svg2 = False

log = logging.getLogger(__name__)

SVG_FONT_PX = 24.0          # ziamath's size for every rendering; widgets scale the vectors
MATH_TO_TEXT = 1.2          # formulas a little larger than the surrounding text reads better


@functools.lru_cache(maxsize=1024)
def latex_svg(latex: str, color: str = "black") -> bytes:
    """SVG bytes of *latex* (cached). A formula ziamath cannot parse becomes a visible note."""
    try:
        return ziamath.Latex(latex, size=SVG_FONT_PX, color=color).svg().encode()
    except Exception:                                    # noqa: BLE001 - any parser error
        log.exception("cannot render LaTeX %r", latex)
        return ziamath.Latex(r"\text{[formula error]}", size=SVG_FONT_PX,
                             color="#c00000").svg().encode()


# Typesetting off the GUI thread -----------------------------------------------------------------
# The window's live formulas are typeset by one background thread, playing or paused: a widget
# keeps showing its old formula until the new SVG is ready, then loads it (a millisecond), so no
# frame waits 5-100 ms per formula (paused right after start-up, the lesson's first numbers held
# the GUI thread 0.5-1.2 s). Elsewhere (a window made with synchronous formulas, exports, tests
# of a widget) typesetting stays synchronous.
_BACKGROUND = False
_READY: set[tuple[str, str]] = set()      # (latex, colour) pairs latex_svg has cached
_QUEUED: set[tuple[str, str]] = set()


class _Relay(QObject):
    ready = Signal(str, str)               # (latex, colour) typeset; queued to the GUI thread


_relay: _Relay | None = None
_pool: ThreadPoolExecutor | None = None
_STARTUP = False                          # the app is opening: see defer_typesetting
_HELD: list = []                          # typesetting jobs waiting for resume_typesetting


def defer_typesetting() -> None:
    """The app is opening: every formula is held until ``resume_typesetting`` is called
    (after the first frame). The window then opens without waiting for ziamath (~0.7 s for the
    lesson's formulas); they appear a moment later, one per turn of the event loop."""
    global _STARTUP
    _STARTUP = True


def resume_typesetting() -> None:
    """Typeset the formulas held since ``defer_typesetting``: on this (the GUI) thread, one
    per turn of the event loop. In the background thread they took the GIL from every Python
    call the window's first layouts make into gdviz, a hand-over each (0.4-0.6 s stalls)."""
    global _STARTUP
    _STARTUP = False
    held = list(_HELD)
    _HELD.clear()
    from PySide6.QtCore import QTimer

    def next_job():
        if held:
            held.pop(0)()
            QTimer.singleShot(1, next_job)
    # each in a turn of its own, the first too (called after the first frame's paint, it
    # lengthened that turn); not 0 ms: a zero-delay single shot is a posted event, and Qt
    # delivers posted events back to back before any due timer (a turn held two to five)
    QTimer.singleShot(1, next_job)


@contextlib.contextmanager
def typeset_in_background(on: bool = True):
    """Within this block, FormulaWidget.set_latex typesets new formulas in the background."""
    global _BACKGROUND
    before, _BACKGROUND = _BACKGROUND, on
    try:
        yield
    finally:
        _BACKGROUND = before


def typesetting_in_background() -> bool:
    """Whether ``FormulaWidget.set_latex`` would typeset new formulas in the background now."""
    return _BACKGROUND or _STARTUP


def _typeset_relay() -> _Relay:
    """The object whose ``ready`` signal tells the GUI thread a formula is typeset."""
    global _relay, _pool
    if _relay is None:
        _relay = _Relay()
        _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gdviz-typeset")
    return _relay


def _typeset_later(latex: str, color: str) -> _Relay:
    _typeset_relay()
    key = (latex, color)
    if key not in _QUEUED:
        _QUEUED.add(key)

        def job():
            try:
                latex_svg(latex, color)
                if len(_READY) > 1024:
                    _READY.clear()
                _READY.add(key)
            finally:
                _QUEUED.discard(key)
            with contextlib.suppress(RuntimeError):     # the application is shutting down
                _relay.ready.emit(latex, color)

        if _STARTUP:
            _HELD.append(job)
        else:
            _pool.submit(job)
    return _relay


def finish_typesetting(root: QWidget) -> int:
    """Typeset now, on this thread, every formula under *root* that waits for the background
    thread or to be scrolled into view; returns how many. A picture of the window (export,
    screenshot) then shows the numbers the window holds, not an empty box."""
    done = 0
    for widget in root.findChildren(FormulaWidget):
        latex = widget._deferred if widget._deferred is not None else widget._pending
        if latex is None:
            continue
        with typeset_in_background(False):
            global _STARTUP
            startup, _STARTUP = _STARTUP, False
            try:
                widget._deferred = None
                widget.set_latex(latex)
            finally:
                _STARTUP = startup
        done += 1
    return done


def render_image(latex: str, height_px: int, color: str = "black",
                 background=Qt.GlobalColor.white) -> QImage:
    """Render *latex* into a QImage *height_px* tall (width from the aspect ratio)."""
    renderer = QSvgRenderer(QByteArray(latex_svg(latex, color)))
    size = renderer.defaultSize()
    width = max(1, round(size.width() * height_px / max(1, size.height())))
    image = QImage(width, height_px, QImage.Format.Format_ARGB32)
    image.fill(background)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, width, height_px))
    painter.end()
    return image


class FormulaWidget(QWidget):
    """Paints one LaTeX formula, keeping its aspect ratio and following the widget's font size.

    Its natural size is the SVG's size scaled to the font (times ``scale``); when the widget is
    narrower, the formula shrinks to fit instead of being clipped.
    """

    def __init__(self, latex: str = "", parent: QWidget | None = None, scale: float = 1.0,
                 color: str | None = None):
        super().__init__(parent)
        self._latex = ""
        self._deferred: str | None = None     # text to render when next painted (lazy)
        self._pending: str | None = None      # text being typeset in the background
        self._asked: str | None = None        # an empty widget's text in the typesetter now
        self._listening = False
        self._scale = scale
        self._color = color          # None: the palette's text colour
        self._renderer = QSvgRenderer(self)
        sp = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        sp.setHeightForWidth(True)
        self.setSizePolicy(sp)
        self.set_latex(latex)

    # -- public ---------------------------------------------------------------------------
    def latex(self) -> str:
        """The LaTeX this widget shows (or will show once scrolled into view)."""
        if self._deferred is not None:
            return self._deferred
        return self._pending if self._pending is not None else self._latex

    def set_latex(self, latex: str, lazy: bool = False) -> bool:
        """Show *latex*; returns True if it was rendered. Unchanged text does nothing. With
        *lazy*, a widget that is scrolled out of sight only remembers the text and renders it
        when it is next painted: live numbers change often, most cards are off screen."""
        # (A widget still empty has no size, so it could never be seen: render it now.)
        if lazy and self._latex and latex and self.visibleRegion().isEmpty():
            self._deferred = None if latex == self._latex else latex
            return False
        self._deferred = None
        if latex == self._latex and (self._renderer.isValid() or not latex):
            self._pending = None
            return False
        # (an empty widget too: the first numbers of a run that starts playing at once, the
        # real network's, would otherwise stall the first frame ~70 ms per formula)
        if (_BACKGROUND or _STARTUP) and latex:
            color = self._svg_color()
            if (latex, color) not in _READY:
                # an empty widget (out of sight, it is never deferred) keeps one typesetting
                # in flight; the newest text follows it, so no backlog builds up
                in_flight = not self._latex and self._asked is not None
                self._pending = latex          # shown once the background thread typeset it
                if not in_flight:
                    self._asked = latex
                    if not self._listening:
                        # connected before the job starts: a job that finished first would
                        # signal no one, and the widget would wait for ever
                        self._listening = True
                        _typeset_relay().ready.connect(self._on_typeset)
                    _typeset_later(latex, color)
                return False
        self._pending = self._asked = None
        before = self._natural()
        self._latex = latex
        self._reload(before)
        return True

    def _on_typeset(self, latex: str, color: str) -> None:
        mine = latex == self._asked
        if mine:
            self._asked = None
        # every listening widget hears every typeset formula: the string tests first, the
        # palette lookup only for its own (the lookup in each of ~100 widgets for each of the
        # lesson's first formulas held the GUI thread ~0.3 s right after start-up)
        if self._pending is None or (latex != self._pending and not mine):
            return
        if color != self._svg_color():
            return
        if latex == self._pending:
            self.set_latex(latex)
        elif mine and not self._latex:
            # an empty widget's first text, overtaken while it was typeset: shown now (as a
            # widget shows its old text until the new one is ready), the newest typeset next
            newest = self._pending
            self.set_latex(latex)
            with typeset_in_background(True):
                self.set_latex(newest)

    def _svg_color(self) -> str:
        return self._color or self.palette().color(QPalette.ColorRole.WindowText).name()

    def stale(self) -> bool:
        """True while new text waits for the widget to be scrolled into view."""
        return self._deferred is not None

    def set_scale(self, scale: float) -> None:
        """Extra enlargement on top of the font size (presentation mode)."""
        self._scale = scale
        self.updateGeometry()
        self.update()

    def scale(self) -> float:
        return self._scale

    def renderer(self) -> QSvgRenderer:
        return self._renderer

    # -- sizing ---------------------------------------------------------------------------
    def _natural(self) -> QSize:
        svg = self._renderer.defaultSize()
        if not self._latex or svg.isEmpty():
            return QSize(0, 0)
        k = QFontInfo(self.font()).pixelSize() * MATH_TO_TEXT / SVG_FONT_PX * self._scale
        return QSize(round(svg.width() * k), round(svg.height() * k))

    def sizeHint(self) -> QSize:
        return self._natural()

    def minimumSizeHint(self) -> QSize:
        n = self._natural()
        # Allow shrinking to 40 % of the natural width before the layout must give more room.
        return QSize(min(n.width(), max(40, round(n.width() * 0.4))), round(n.height() * 0.4))

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        n = self._natural()
        if n.width() <= 0:
            return 0
        return min(n.height(), round(n.height() * width / n.width()))

    # -- painting -------------------------------------------------------------------------
    def _target(self) -> QRectF:
        n = self._natural()
        if n.isEmpty():
            return QRectF()
        k = min(1.0, self.width() / n.width(), self.height() / n.height())
        w, h = n.width() * k, n.height() * k
        return QRectF(0, (self.height() - h) / 2, w, h)

    def paintEvent(self, event):
        if self._deferred is not None:          # scrolled into view with stale numbers
            self.set_latex(self._deferred)
        if not self._latex or not self._renderer.isValid():
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._renderer.render(painter, self._target())

    def changeEvent(self, event):
        # Font changes resize the formula; palette changes (dark theme) recolour it.
        if event.type() in (event.Type.FontChange, event.Type.PaletteChange):
            if event.type() == event.Type.PaletteChange and self._color is None:
                self._reload()
            self.updateGeometry()
            self.update()
        super().changeEvent(event)

    def _reload(self, before: QSize | None = None):
        if self._latex:
            self._renderer.load(QByteArray(latex_svg(self._latex, self._svg_color())))
        if self._natural() != before:       # same size (e.g. new digits): no relayout needed
            self.updateGeometry()
        self.update()
