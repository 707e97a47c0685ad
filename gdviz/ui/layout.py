"""Which docks fold, tabify or hide, by the size of the window (classroom screens: 1024×768 to 4K).

``plan_for(width, height)`` is the pure policy; :class:`ScreenLayout` applies it to a MainWindow
whenever the window crosses a threshold (the user resizes it, a smaller screen, presentation
mode). The order things give way in, so the canvas keeps most of the space:

1. narrower than ``WIDE_WIDTH``: the lesson folds into a tab beside the controls (one side column);
2. lower than ``TALL_HEIGHT``: the counters and loss become a hidden tab of that column (View
   menu or G shows it, laid out top to bottom) and the rhythm strip gets shorter.

Presentation mode hides the controls and counters itself; here it only learns how wide the lesson
may be and how tall the rhythm strip, so the canvas keeps at least half the screen.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QBoxLayout, QDockWidget

WIDE_WIDTH = 1500        # px: below, the lesson shares the controls' column
TALL_HEIGHT = 820        # px: below, the counters and loss join that column too
SIDE_WIDTH = 300         # px of the folded side column
RHYTHM_TALL, RHYTHM_SHORT = 160, 118
NETWORK_SHARE = 0.27     # of a wide window's width, for the Network dock
NETWORK_SHARE_RANGE = (0.18, 0.40)   # the share it keeps as the window grows or shrinks
# presentation: the lesson's share of the width, and rhythm strip px per unit of font scale
LESSON_SHARE_WIDE, LESSON_SHARE_NARROW = 0.25, 0.22
RHYTHM_PER_SCALE = 84


@dataclass(frozen=True)
class ScreenPlan:
    fold_lesson: bool        # the lesson is a tab of the controls' column
    fold_progress: bool      # so are the counters and the loss curves
    rhythm_height: int       # minimum height of the rhythm strip, px


def plan_for(width: int, height: int) -> ScreenPlan:
    """The normal window's dock layout for a window of *width* × *height* pixels."""
    fold_progress = height < TALL_HEIGHT
    return ScreenPlan(fold_lesson=width < WIDE_WIDTH or fold_progress,
                      fold_progress=fold_progress,
                      rhythm_height=RHYTHM_SHORT if fold_progress else RHYTHM_TALL)


def presentation_sizes(width: int, height: int, font_scale: float) -> tuple[int, int]:
    """(lesson dock width, rhythm strip height) in presentation mode on a *width* × *height*
    screen: the canvas keeps at least half of it."""
    share = LESSON_SHARE_WIDE if width >= 1800 else LESSON_SHARE_NARROW
    return int(width * share), int(RHYTHM_PER_SCALE * max(font_scale, 1.0))


LESSON_CHARS = 28           # presentation: the lesson column holds a line of this many characters
LESSON_MAX_SHARE = 0.30     # ... but never more than this share of the width


def readable_lesson_width(width: int, lesson_width: int, char_px: float) -> int:
    """The presentation lesson's width on a *width* px screen: its share (*lesson_width*), or
    wide enough for a line of ``LESSON_CHARS`` characters of *char_px* where the share is less
    (at 1024x768 the share held three words a line), up to ``LESSON_MAX_SHARE`` of the width."""
    readable = int(LESSON_CHARS * char_px) + 48      # + the margins and the scroll bar
    return max(lesson_width, min(readable, int(width * LESSON_MAX_SHARE)))


def available_size(window) -> tuple[int, int]:
    """The usable size of the screen the window is on (the offscreen platform: 1920×1080)."""
    screen = window.screen() or QApplication.primaryScreen()
    if screen is None:
        return 1920, 1080
    rect = screen.availableGeometry()
    return rect.width(), rect.height()


class ScreenLayout(QObject):
    """Keeps a MainWindow's docks in the plan for its size; ``fit(w, h)`` sizes the window."""

    def __init__(self, window, view, parts):
        """*window*: the QMainWindow whose docks are arranged; *view*: its ViewState (nothing
        moves while presenting); *parts*: its WindowParts (the docks, the rhythm's split)."""
        super().__init__(window)
        self.window = window
        self.view = view
        self.parts = parts
        self.plan: ScreenPlan | None = None
        self._busy = False
        self._hid_progress = False
        self._network_share = NETWORK_SHARE    # the Network dock's share of the window's width
        window.installEventFilter(self)
        from PySide6.QtWidgets import QTabBar
        for bar in window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
            bar.installEventFilter(self)
        parts.progress_dock.dockLocationChanged.connect(self._orient_progress)

    def fit(self, width: int, height: int) -> None:
        """Lay the docks out for *width* × *height*, then give the window that size (it can
        only shrink that far once the docks are folded)."""
        self.apply(width, height)
        self._note_network_share(self.window.width())
        self.window.resize(int(width), int(height))
        self.apply(self.window.width(), self.window.height())
        self._keep_network_share()
        if self.plan is not None and self.plan.fold_lesson:
            self.window.resizeDocks([self.parts.controls_dock], [SIDE_WIDTH],
                                    Qt.Orientation.Horizontal)

    def fit_screen(self, width: int = 1440, height: int = 900) -> None:
        """*width* × *height*, or the screen's usable size where that is smaller."""
        avail_w, avail_h = available_size(self.window)
        self.fit(min(width, avail_w), min(height, avail_h))

    def apply(self, width: int, height: int, force: bool = False) -> None:
        if self._busy or self.view.presentation:
            return
        plan = plan_for(width, height)
        if plan == self.plan and not force:
            return
        self._busy = True
        try:
            self._apply(plan)
        finally:
            self._busy = False
        self.plan = plan

    def _apply(self, plan: ScreenPlan) -> None:
        w, p = self.window, self.parts
        controls, lesson, progress = p.controls_dock, p.lesson_dock, p.progress_dock
        if plan.fold_lesson:
            lesson.setMinimumWidth(SIDE_WIDTH)
            w.tabifyDockWidget(controls, lesson)
        else:
            lesson.setMinimumWidth(340)
            w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, lesson)
        if plan.fold_progress:
            # a tab of the side column, hidden until asked for (View menu, or G): its three
            # columns of numbers would widen the column and take the canvas's room
            w.tabifyDockWidget(controls, progress)
            if not progress.isHidden():
                progress.hide()
                self._hid_progress = True
        else:
            w.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, progress)
            if self._hid_progress:
                progress.show()
                self._hid_progress = False
            w.resizeDocks([progress], [175], Qt.Orientation.Vertical)
        data = p.data_dock   # the data view: beside the lesson, or a tab
        if data is not None:
            if plan.fold_lesson:
                w.tabifyDockWidget(controls, data)
            else:
                w.splitDockWidget(lesson, data, Qt.Orientation.Vertical)
        network = p.network_dock
        if network is not None:
            self._place_network(plan, network)
        if plan.fold_lesson:
            if network is None or network.isHidden():
                controls.raise_()
            w.resizeDocks([controls], [SIDE_WIDTH], Qt.Orientation.Horizontal)
        self._orient_progress(w.dockWidgetArea(progress))
        hide_stray_tab_bars(w)
        p.rhythm.setMinimumHeight(plan.rhythm_height)
        sizes = p.centre_split.sizes()
        if len(sizes) == 2 and sum(sizes) > plan.rhythm_height:
            p.centre_split.setSizes([sum(sizes) - plan.rhythm_height, plan.rhythm_height])

    def _place_network(self, plan: ScreenPlan, dock) -> None:
        """The real network's dock: a third column beside the canvas on a wide window; on a
        folded one, a tab of the one side column, in front (the canvas keeps its share and the
        network its whole height; the controls are one tab away)."""
        w, p = self.window, self.parts
        if plan.fold_lesson:
            if dock not in w.tabifiedDockWidgets(p.controls_dock):
                w.tabifyDockWidget(p.controls_dock, dock)
            if not dock.isHidden():
                dock.raise_()
        elif w.dockWidgetArea(dock) != Qt.DockWidgetArea.RightDockWidgetArea or \
                dock in w.tabifiedDockWidgets(p.controls_dock):
            w.tabifyDockWidget(p.lesson_dock, dock)

    def widen_network(self, dock) -> None:
        """The Network dock, when it first shows beside the canvas: wide enough for its decision
        boundaries to be read (a quarter of a wide window; a folded column stays as it is)."""
        if self.plan is not None and self.plan.fold_lesson:
            self._place_network(self.plan, dock)
            return
        if self.plan is None:
            return
        self._network_share = NETWORK_SHARE
        self._keep_network_share()

    def _network_beside(self):
        """The Network dock where it is a column beside the canvas (shown, not folded, not
        presenting), else None."""
        dock = self.parts.network_dock
        if dock is None or dock.isHidden() or self.view.presentation or self.plan is None \
                or self.plan.fold_lesson:
            return None
        return dock

    def _note_network_share(self, old_width: int) -> None:
        """Remember the Network dock's share of a window *old_width* px wide (as the user may
        have dragged it), before the window changes width."""
        dock = self._network_beside()
        if dock is not None and old_width > 0 and dock.width() > 0:
            low, high = NETWORK_SHARE_RANGE
            self._network_share = min(max(dock.width() / old_width, low), high)

    def _keep_network_share(self) -> None:
        """The Network dock at its share of the window's width: it grows with the window (opened
        at 1440 px and maximised on a 4K screen, it kept its 389 px and its plots the size they
        had at 1080p, the canvas taking all the rest)."""
        dock = self._network_beside()
        if dock is None:
            return
        width = int(self.window.width() * self._network_share)
        if abs(dock.width() - width) > 2:
            self.window.resizeDocks([dock], [width], Qt.Orientation.Horizontal)

    def _orient_progress(self, area) -> None:
        """Counters beside the loss curves in a wide dock, above them in a side column."""
        box = self.parts.progress_dock.widget().layout()
        if isinstance(box, QBoxLayout):
            side = area in (Qt.DockWidgetArea.LeftDockWidgetArea,
                            Qt.DockWidgetArea.RightDockWidgetArea)
            box.setDirection(QBoxLayout.Direction.TopToBottom if side
                             else QBoxLayout.Direction.LeftToRight)

    def eventFilter(self, obj, event) -> bool:
        kind = event.type()
        if kind == QEvent.Type.ChildAdded and obj is self.window:
            child = event.child()
            if child.inherits("QTabBar"):
                child.installEventFilter(self)      # see hide_stray_tab_bars
            return False
        if kind == QEvent.Type.Show and obj is not self.window and obj.inherits("QTabBar"):
            if obj.count() < 2:
                QTimer.singleShot(0, self.window, lambda: hide_stray_tab_bars(self.window))
            return False
        if obj is self.window and kind == QEvent.Type.Resize and not self._busy:
            size = event.size()
            if size.width() != event.oldSize().width():
                self._note_network_share(event.oldSize().width())
                QTimer.singleShot(0, self, self._keep_network_share)  # once laid out
            self.apply(size.width(), size.height())
        return False


def present_network(window, parts) -> None:
    """Presentation mode with the real network: the Network dock gets the whole side column,
    the lesson one tab away behind it (side by side, both were too short to read at large type)."""
    dock = parts.network_dock
    if dock is None or dock.isHidden():
        return
    lesson = parts.lesson_dock
    if window.dockWidgetArea(dock) != Qt.DockWidgetArea.RightDockWidgetArea:
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    if lesson not in window.tabifiedDockWidgets(dock):
        window.tabifyDockWidget(dock, lesson)
    dock.raise_()
    hide_stray_tab_bars(window)


def hide_stray_tab_bars(window) -> None:
    """Hide the dock tab bars Qt leaves shown with a single tab after a dock left its group
    (one was drawn over the presentation bar's ▶ at the window's top-left corner)."""
    from PySide6.QtWidgets import QTabBar
    # (and those whose tabs are no group now: after a saved layout was restored, the laptop
    # layout's "Controls | Lesson | Data" stayed drawn under the presentation's rhythm strip)
    groups = {frozenset(d.windowTitle() for d in group): group
              for group in dock_tabs(window) if len(group) > 1}
    for bar in window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
        if not bar.isVisible():
            continue
        titles = frozenset(bar.tabText(i).replace("&", "") for i in range(bar.count()))
        group = groups.get(titles)
        # a group's own bar lies along the edge of its docks; an old one of the same docks
        # (the normal layout's "Lesson | Network") kept the place it had
        if bar.count() < 2 or group is None or not any(_along(bar.geometry(), d.geometry())
                                                       for d in group if d.isVisible()):
            bar.hide()


def _along(bar, dock, slack: int = 4) -> bool:
    """True when the rectangle *bar* lies under or over *dock*'s, within its width."""
    touches = abs(bar.top() - dock.bottom() - 1) <= slack or \
        abs(dock.top() - bar.bottom() - 1) <= slack
    return touches and bar.left() >= dock.left() - slack and bar.right() <= dock.right() + slack


def dock_tabs(window) -> list[list[QDockWidget]]:
    """The groups of docks that share one place as tabs (for tests)."""
    seen, groups = set(), []
    for dock in window.findChildren(QDockWidget):
        if dock in seen or dock.isHidden():
            continue
        group = [dock, *window.tabifiedDockWidgets(dock)]
        seen.update(group)
        groups.append(group)
    return groups
