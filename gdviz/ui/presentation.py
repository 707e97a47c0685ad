"""Presentation mode: full screen, a large canvas, large type, the controls folded into a slim bar.

``Presentation(window).set_active(True)`` (F11, ``gdviz --present``) saves the window's layout,
hides the control dock, the menu bar and the dock title bars, shows :class:`PresentationBar`
(play state, B, η, clock and speed at a glance, a few buttons for a mouse), and scales every
text so body text is 24 px on a 1080-pixel-high screen (and in proportion on others). Esc
(``set_active(False)``) puts everything back as it was. The dock layout used while presenting
is remembered separately from the normal one.
"""
from __future__ import annotations

import html

from PySide6.QtCore import QByteArray, QSize, Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QApplication, QDockWidget, QFrame, QHBoxLayout, QLabel, QMenu,
                               QSizePolicy, QToolButton, QWidget)

from gdviz.core import CLOCK_LABELS, METHOD_LABELS

from gdviz.ui.type_scale import (BODY_PX_AT_1080, MAX_BODY_PX, MIN_BODY_PX,  # noqa: F401
                                 body_px_for, font_scale_for)

BAR_SHARE = 0.85              # bar text relative to body text


class PresentationBar(QFrame):
    """The controls, collapsed: the run state in words and a few buttons that never take focus."""

    def __init__(self, window, view, commands, show_cheat_sheet):
        """*window*: the QMainWindow (its menu bar); *view*: its ViewState, which the state
        line shows; *commands*: ``toggle``, ``step`` and ``reset`` for the buttons."""
        super().__init__()
        self.main_window = window
        self.view = view
        self.setObjectName("presentationBar")
        self.setFrameShape(QFrame.Shape.NoFrame)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 2, 6, 2)
        row.setSpacing(10)
        self.play_button = self._button("▶", "Play / pause (Space)", commands["toggle"])
        self.step_button = self._button("Step", "One step (→)", commands["step"])
        self.reset_button = self._button("Reset", "Reset (R)", commands["reset"])
        for b in (self.play_button, self.step_button, self.reset_button):
            row.addWidget(b)
        self.state_label = QLabel()
        self.state_label.setObjectName("presentationState")
        self.state_label.setTextFormat(Qt.TextFormat.RichText)
        # never wider than the window: a long state line is cut, it does not widen the window
        self.state_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.state_label.setMinimumWidth(40)
        # one line: on a narrow screen the least needed parts give way (the whole line is the
        # tool tip); wrapped, it took two lines and the canvas's room
        self.state_label.setWordWrap(False)
        self._parts: list[tuple[int, str]] = []    # (rank: lower gives way last, html)
        self.state_label.installEventFilter(self)
        row.addWidget(self.state_label, 1)
        self.help_button = self._button("?", "Keyboard shortcuts (? or F1)", show_cheat_sheet)
        row.addWidget(self.help_button)
        self.menu_button = QToolButton()
        self.menu_button.setText("☰")
        self.menu_button.setToolTip("The menus")
        self.menu_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.menu_button.setAutoRaise(True)
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_button.setMenu(QMenu(self.menu_button))
        self.menu_button.menu().aboutToShow.connect(self._fill_menu)
        row.addWidget(self.menu_button)
        self._timer = QTimer(self)          # paused runs send no snapshots: poll a few times a second
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.refresh)
        # what the state line shows changes: at once (the timer catches the snapshots' B and η)
        for signal in (view.scenario_changed, view.selected_changed, view.theme_changed,
                       view.worker_state_changed):
            signal.connect(self._refresh_if_shown)
        self.hide()

    def _refresh_if_shown(self, _value=None) -> None:
        if self.isVisible():
            self.refresh()

    def _button(self, text: str, tip: str, slot) -> QToolButton:
        b = QToolButton()
        b.setText(text)
        b.setToolTip(tip)
        b.setAutoRaise(True)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)   # Space must stay play/pause, never "press"
        b.clicked.connect(slot)
        return b

    def _fill_menu(self) -> None:
        menu = self.menu_button.menu()
        menu.clear()
        for action in self.main_window.menuBar().actions():
            if action.menu() is not None:
                menu.addMenu(action.menu())

    def showEvent(self, event):
        super().showEvent(event)
        self.refresh()
        self._timer.start()

    def hideEvent(self, event):
        self._timer.stop()
        super().hideEvent(event)

    def text(self) -> str:
        """The state line as shown, plain text (for tests)."""
        return _plain(self.state_label.text())

    def eventFilter(self, obj, event) -> bool:
        if obj is self.state_label and event.type() == event.Type.Resize:
            self._show_parts()
        return False

    def _show_parts(self) -> None:
        """The state line with as many parts as fit the label in one line, least needed
        dropped first (the order on screen kept); "…" says something is left out."""
        from PySide6.QtGui import QTextDocument
        parts = self._parts
        if not parts:
            return
        room = self.state_label.contentsRect().width()
        doc = QTextDocument()
        doc.setDefaultFont(self.state_label.font())
        doc.setDocumentMargin(0)
        kept = list(range(len(parts)))
        while True:
            text = "  ·  ".join(parts[i][1] for i in kept) + ("  ·  …" if len(kept) < len(parts)
                                                            else "")
            doc.setHtml(text)
            if doc.idealWidth() <= room or len(kept) == 1:
                break
            kept.remove(max(kept, key=lambda i: (parts[i][0], i)))
        if text != self.state_label.text():
            self.state_label.setText(text)

    def refresh(self) -> None:
        w = self.view
        state = w.worker_state
        scenario = w.scenario
        playing = bool(state.playing)
        self.play_button.setText("❚❚" if playing else "▶")
        parts = [f"<b>{'▶ playing' if playing else '❚❚ paused'}</b>"]
        b = scenario.batch_size
        lr = scenario.lr
        clock = scenario.clock
        snap = w.snapshot
        if snap is not None:
            try:
                mini = snap.method("mini_batch")
                b, lr = mini.batch_size, mini.lr
            except KeyError:            # no mini-batch method in this run
                pass
            clock = snap.clock_kind
        rule = {"sqrt": " (η ∝ √B)", "linear": " (η ∝ B)"}.get(scenario.lr_scaling, "")
        color = w.theme.color("mini_batch")
        parts.append(f'<span style="color:{color}"><b>B = {b}</b></span>')
        parts.append(f"η = {lr:g}{rule}")
        parts.append(f"clock: {html.escape(CLOCK_LABELS.get(clock, str(clock)))}")
        parts.append(f"{state.speed:g} ticks/s")
        sel = w.selected
        parts.append(f'<span style="color:{w.theme.color(sel)}"><b>'
                     f"{html.escape(METHOD_LABELS.get(sel, sel))}</b></span> selected")
        # which give way first on a narrow screen: the selection, then the clock, then η
        ranks = (0, 0, 3, 4, 1, 5)
        new = list(zip(ranks, parts))
        if new != self._parts:
            self._parts = new
            self.state_label.setToolTip(_plain("  ·  ".join(parts)))
            self._show_parts()


class Presentation:
    """Enters and leaves presentation mode for one MainWindow."""

    def __init__(self, window, view, parts, commands, show_cheat_sheet, on_change, relayout):
        """*window*: the QMainWindow (geometry, docks, menu bar); *view*: its ViewState (the
        mode is its ``presentation`` field); *parts*: its WindowParts; *commands*: the bar's
        ``toggle``, ``step`` and ``reset``; *show_cheat_sheet*: the bar's ? button;
        *on_change*: called after entering or leaving (the check marks follow); *relayout*:
        lays the normal window's docks out again for its size, after leaving."""
        self.window = window
        self.view = view
        self.parts = parts
        self.scale = 1.0
        self._on_change = on_change
        self._relayout = relayout
        self.bar = PresentationBar(window, view, commands, show_cheat_sheet)
        layout = window.centralWidget().layout()
        layout.insertWidget(0, self.bar)
        self._normal: dict | None = None
        self.presentation_state: QByteArray | None = None   # the dock layout while presenting
        self._fonts: dict[int, tuple[QWidget, QFont]] = {}
        self._pending = None     # a staged enter or leave under way (gdviz.ui.staged.InTurns)
        # the window's check boxes drawn alike from the start, before and after presenting
        from gdviz.ui.panels._common import scale_indicators
        scale_indicators(window)

    @property
    def active(self) -> bool:
        """Presenting now (the view state's ``presentation``, which others observe)."""
        return self.view.presentation

    @active.setter
    def active(self, on: bool) -> None:
        self.view.presentation = on

    # public -------------------------------------------------------------------------------
    def set_active(self, on: bool, size: QSize | tuple[int, int] | None = None,
                   staged: bool = False) -> None:
        """Enter (full screen, or a frameless *size* for recordings and tests) or leave.
        *staged* (a key): the steps run one per event-loop turn, the window unpainted until the
        last (``gdviz.ui.staged.in_turns``); they end where the synchronous path does."""
        self.finish()
        steps = None
        if on and not self.active:
            steps = self._enter_steps(size)
        elif on and size is not None:
            height = self._target_height(size)
            if font_scale_for(height) != self.scale:
                # another screen size while presenting: the type follows it, then the docks
                # (only placed, a 4K presentation kept the type of the 1024x768 one before it)
                self.scale = font_scale_for(height)
                self._scale_fonts(self.scale)
            self._fit(size, height)
        elif not on and self.active:
            steps = self._leave_steps()
        if steps is not None and staged:
            from gdviz.ui.staged import in_turns
            self._pending = in_turns(steps, self.window, first=self.parts.canvas)
        elif steps is not None:
            for _ in steps:
                pass
        self._sync_action()

    @property
    def busy(self) -> bool:
        """A staged enter or leave is still under way."""
        return self._pending is not None and not self._pending.done

    def finish(self) -> None:
        """A staged enter or leave still under way: its remaining steps, now."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.finish()

    def toggle(self) -> None:
        self.set_active(not self.active)

    def normal_state(self) -> QByteArray:
        """The normal (not presenting) dock layout, even while presenting."""
        self.finish()
        if self.active and self._normal is not None:
            return self._normal["state"]
        return self.window.saveState()

    def normal_geometry(self) -> QByteArray:
        self.finish()
        if self.active and self._normal is not None:
            return self._normal["geometry"]
        return self.window.saveGeometry()

    def current_state(self) -> QByteArray | None:
        self.finish()
        return self.window.saveState() if self.active else self.presentation_state

    # entering and leaving -------------------------------------------------------------------
    def _enter(self, size) -> None:
        for _ in self._enter_steps(size):
            pass

    def _leave(self) -> None:
        for _ in self._leave_steps():
            pass

    def _enter_steps(self, size):
        """Entering, in steps (a ``yield`` between two: a turn of the event loop, staged)."""
        w = self.window
        p = self.parts
        self._normal = {
            "state": w.saveState(),
            "geometry": w.saveGeometry(),
            "maximized": w.isMaximized(),
            "shown": w.isVisible(),
            "menubar": w.menuBar().isVisible(),
            "banner": not p.clock_banner.isHidden(),
            "rhythm_min": p.rhythm.minimumHeight(),
            "split": p.centre_split.sizes(),
        }
        self.active = True
        height = self._target_height(size)
        self.scale = font_scale_for(height)
        restored = self.presentation_state is not None and w.restoreState(self.presentation_state)
        if not restored:
            # first time: the canvas large, the lesson beside it, counters one key away (G)
            p.progress_dock.hide()
            w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, p.lesson_dock)  # (unfolded)
            p.lesson_dock.show()
            data = p.data_dock
            if data is not None and not data.isHidden():
                # beside the lesson, not left alone in the hidden controls' column (from a
                # folded laptop layout it took a third of the width at the left)
                w.splitDockWidget(p.lesson_dock, data, Qt.Orientation.Vertical)
        p.controls_dock.hide()
        w.menuBar().hide()
        p.clock_banner.hide()
        yield
        for dock in w.findChildren(QDockWidget):
            dock.setTitleBarWidget(QWidget())
        yield
        yield from self._scale_font_steps(self.scale)
        self.bar.show()
        yield
        self._fit(size, height)

    def _fit(self, size, height: int) -> None:
        """The window placed at *size* and the lesson, data view and rhythm strip sized for it
        (entering, or presenting on another screen size)."""
        w = self.window
        p = self.parts
        self._place(size)
        from gdviz.ui.layout import presentation_sizes, readable_lesson_width
        lesson_width, rhythm = presentation_sizes(self._target_width(size), height, self.scale)
        lesson_width = readable_lesson_width(self._target_width(size), lesson_width,
                                             p.lesson.fontMetrics().averageCharWidth())
        p.lesson_dock.setMinimumWidth(min(p.lesson_dock.minimumWidth(), lesson_width))
        # (also after a restore: a layout saved on another screen would keep its pixel widths)
        w.resizeDocks([p.lesson_dock], [lesson_width], Qt.Orientation.Horizontal)
        data = p.data_dock
        if data is not None and not data.isHidden() and data.isVisible() and \
                w.dockWidgetArea(data) == w.dockWidgetArea(p.lesson_dock) and \
                data not in w.tabifiedDockWidgets(p.lesson_dock):
            # the lesson is what is read: most of the column's height (the data view under it
            # took two thirds and left the lesson a few lines)
            w.resizeDocks([p.lesson_dock, data], [int(height * 0.58), int(height * 0.42)],
                          Qt.Orientation.Vertical)
        total = sum(p.centre_split.sizes()) or height
        p.centre_split.setSizes([max(total - rhythm, 1), rhythm])
        from gdviz.ui.layout import hide_stray_tab_bars, present_network
        present_network(w, self.parts)
        hide_stray_tab_bars(w)
        self._scale_dock_tabs(self.scale)       # (a tab bar the network's tab made just now)
        if size is not None and (w.width(), w.height()) != self._target_size(size):
            # the docks' new places grew the window on the way (the real network: 1050 px
            # wide for a 1024-pixel recording); its minimum fits, so the size is given again
            _settle_layouts()
            self._place(size)

    def _leave_steps(self):
        """Leaving, in steps (as ``_enter_steps``)."""
        w = self.window
        p = self.parts
        normal = self._normal or {}
        self.presentation_state = w.saveState()
        self.active = False
        self.bar.hide()
        yield
        yield from self._scale_font_steps(1.0)
        yield
        for dock in w.findChildren(QDockWidget):
            dock.setTitleBarWidget(None)
        w.menuBar().setVisible(normal.get("menubar", True))
        p.clock_banner.setVisible(normal.get("banner", True))
        p.rhythm.setMinimumHeight(normal.get("rhythm_min", p.rhythm.minimumHeight()))
        if "state" in normal:
            w.restoreState(normal["state"])
        yield
        _settle_layouts()   # the minimum of the normal type, before the old geometry returns
        if w.isFullScreen():
            w.showNormal()
        w.setWindowFlag(Qt.WindowType.FramelessWindowHint, False)
        if "geometry" in normal:
            w.restoreGeometry(normal["geometry"])
        if normal.get("maximized"):
            w.showMaximized()
        else:
            w.show()
        if normal.get("split"):
            p.centre_split.setSizes(normal["split"])
        from gdviz.ui.layout import hide_stray_tab_bars
        hide_stray_tab_bars(w)
        self.scale = 1.0
        self._normal = None
        yield
        self._relayout()    # the window may have changed size while presenting

    def _place(self, size) -> None:
        w = self.window
        if size is None:
            w.showFullScreen()
            return
        width, height = (size.width(), size.height()) if isinstance(size, QSize) else size
        if w.isFullScreen():
            w.showNormal()
        w.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        w.setGeometry(0, 0, int(width), int(height))
        w.show()

    def _target_size(self, size) -> tuple[int, int]:
        return self._target_width(size), self._target_height(size)

    def _target_height(self, size) -> int:
        if size is not None:
            return size.height() if isinstance(size, QSize) else int(size[1])
        screen = self.window.screen() or QApplication.primaryScreen()
        return screen.geometry().height() if screen is not None else 1080

    def _target_width(self, size) -> int:
        if size is not None:
            return size.width() if isinstance(size, QSize) else int(size[0])
        screen = self.window.screen() or QApplication.primaryScreen()
        return screen.geometry().width() if screen is not None else 1920

    # type -----------------------------------------------------------------------------------
    def _scale_fonts(self, f: float) -> None:
        """Every text *f* times its normal size."""
        for _ in self._scale_font_steps(f):
            pass

    def _scale_font_steps(self, f: float):
        """``_scale_fonts`` in steps (a view each: ``_enter_steps``)."""
        w = self.window
        p = self.parts
        for view in (p.lesson, p.canvas, p.rhythm, p.network_panel, p.data_view):
            if hasattr(view, "set_font_scale"):
                view.set_font_scale(f)
                yield
        # (the progress dock's font reaches the counters and the log-scale box inside it)
        for widget in (p.note_label, p.progress_dock, w.statusBar()):
            self._scale_widget_font(widget, f)
        # the bar is a status line, not body text: a little smaller, so the whole state fits
        self._scale_widget_font(self.bar, max(1.0, f * BAR_SHARE))
        if hasattr(p.losses, "set_font_scale"):
            p.losses.set_font_scale(f)
        else:
            _scale_plot_axes(p.losses, f)
        from gdviz.ui.layout import presentation_sizes
        p.rhythm.setMinimumHeight(presentation_sizes(1, 1, f)[1] if f > 1 else
                                  (self._normal or {}).get("rhythm_min", p.rhythm.minimumHeight()))
        self._scale_dock_tabs(f)
        # check boxes' indicators as large against their text as at normal type
        from gdviz.ui.panels._common import scale_indicators
        scale_indicators(w)

    def _scale_dock_tabs(self, f: float) -> None:
        """The dock tabs' titles (Network | Lesson, the only way to the lesson beside the
        network) in the bar's type: at normal size they were the smallest text on a projector."""
        from PySide6.QtWidgets import QTabBar
        w = self.window
        for bar in w.findChildren(QTabBar):
            if bar.parent() is w:
                self._scale_widget_font(bar, max(1.0, f * BAR_SHARE))

    def _scale_widget_font(self, widget: QWidget, f: float) -> None:
        key = id(widget)
        if key not in self._fonts:
            self._fonts[key] = (widget, QFont(widget.font()))
        base = self._fonts[key][1]
        font = QFont(base)
        if base.pointSizeF() > 0:
            font.setPointSizeF(base.pointSizeF() * f)
        else:
            font.setPixelSize(max(1, round(base.pixelSize() * f)))
        widget.setFont(font)

    def _sync_action(self) -> None:
        self._on_change()


def _scale_plot_axes(plot_widget, f: float) -> None:
    """Tick and label fonts of a pyqtgraph PlotWidget's left and bottom axes."""
    plot = plot_widget.getPlotItem()
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setStyle(tickFont=QFont("DejaVu Sans", max(8, round(9 * f))))
        axis.label.setFont(QFont("DejaVu Sans", max(9, round(9 * f))))


def _settle_layouts() -> None:
    # a window's minimum size is its layout's, recomputed on a posted LayoutRequest: restored
    # before that, the geometry met the presentation's minimum (1666 px wide after a 4K one)
    from PySide6.QtCore import QCoreApplication, QEvent
    for _ in range(4):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


def _plain(rich: str) -> str:
    from PySide6.QtGui import QTextDocument
    doc = QTextDocument()
    doc.setHtml(rich)
    return doc.toPlainText()
