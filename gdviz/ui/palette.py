"""The Qt widgets' palette for each theme, so panels, menus and dialogs follow the canvas.

The palette is set on the QApplication: every window (the main window, floating docks, the
cheat sheet, dialogs) follows it, and widgets that paint from the palette (formulas, tick
labels, tinted boxes) recolour themselves on the PaletteChange event.

The Fusion style is used because it draws everything from the palette on every platform; the
native Windows and macOS styles ignore parts of a dark palette.
"""
from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

from gdviz.ui.theme import Theme

Role = QPalette.ColorRole
Group = QPalette.ColorGroup

# Light: white everywhere, near-black text, strong lines, for a washed-out projector image.
_LIGHT = {
    Role.Window: "#FFFFFF", Role.WindowText: "#000000", Role.Base: "#FFFFFF",
    Role.AlternateBase: "#F0F3F6", Role.ToolTipBase: "#FFFFE8", Role.ToolTipText: "#000000",
    Role.PlaceholderText: "#555B63", Role.Text: "#000000", Role.Button: "#ECEFF2",
    Role.ButtonText: "#000000", Role.BrightText: "#FFFFFF", Role.Light: "#FFFFFF",
    Role.Midlight: "#E3E7EB", Role.Mid: "#9AA3AD", Role.Dark: "#6B737C", Role.Shadow: "#3A3F45",
    Role.Highlight: "#0072B2", Role.HighlightedText: "#FFFFFF", Role.Link: "#0061A0",
    Role.LinkVisited: "#6A3D9A", Role.Accent: "#0072B2",
}
# Dark: the canvas's near-black, light grey text, the lightened method blue as highlight.
_DARK = {
    Role.Window: "#1B1E23", Role.WindowText: "#E8E8E8", Role.Base: "#14161A",
    Role.AlternateBase: "#242830", Role.ToolTipBase: "#2A2E35", Role.ToolTipText: "#F0F0F0",
    Role.PlaceholderText: "#A4AAB2", Role.Text: "#E8E8E8", Role.Button: "#2A2E35",
    Role.ButtonText: "#E8E8E8", Role.BrightText: "#FFFFFF", Role.Light: "#3A3F47",
    Role.Midlight: "#30343B", Role.Mid: "#5A6068", Role.Dark: "#101215", Role.Shadow: "#000000",
    Role.Highlight: "#56B4E9", Role.HighlightedText: "#0B0D10", Role.Link: "#7CC8F2",
    Role.LinkVisited: "#C9A0DC", Role.Accent: "#56B4E9",
}
_DISABLED = {"light": "#8A9099", "dark": "#6E747C"}


def qt_palette(theme: Theme) -> QPalette:
    """The QPalette for *theme* (dark roles for the dark theme, light ones otherwise)."""
    roles = _DARK if theme.name == "dark" else _LIGHT
    palette = QPalette()
    for role, color in roles.items():
        palette.setColor(Group.All, role, QColor(color))
    disabled = QColor(_DISABLED["dark" if theme.name == "dark" else "light"])
    for role in (Role.WindowText, Role.Text, Role.ButtonText, Role.PlaceholderText):
        palette.setColor(Group.Disabled, role, disabled)
    palette.setColor(Group.Disabled, Role.Highlight, QColor(roles[Role.Mid]))
    return palette


def apply_palette(theme: Theme, app=None, widget=None, restyle=None) -> QPalette:
    """Give the whole application *theme*'s palette (and the Fusion style, which honours it);
    with *widget*, only that widget and its children (an offscreen copy, e.g. for an export,
    must not recolour the app the user is looking at). *restyle*: a window whose style-sheet
    widgets must be polished again after an app-wide change."""
    from PySide6.QtWidgets import QApplication, QWidget
    app = app or QApplication.instance()
    if app is None:
        raise RuntimeError("apply_palette needs a QApplication")
    palette = qt_palette(theme)
    if widget is not None:
        widget.setPalette(palette)
    else:
        if app.style().name().lower() != "fusion":
            app.setStyle("Fusion")
        elif app.palette() == palette:
            return palette      # unchanged (every new window applies its theme): nothing to redo
        app.setPalette(palette)
    # Only the given window's own widgets: app.allWidgets() also wraps widgets of windows that
    # are being torn down, which crashed PySide6 here.
    root = widget if widget is not None else restyle
    widgets = [] if root is None else [root, *root.findChildren(QWidget)]
    # Widgets with a style sheet keep the palette they were polished with: polish them again.
    for w in widgets:
        if w.styleSheet():
            w.setStyleSheet(w.styleSheet())
            if widget is not None:
                # (polished again, it took the app's palette, not its window's: an export in
                # the dark theme drew the note and the clock banner black on dark grey)
                w.setPalette(palette)
    return palette


def is_dark(palette: QPalette) -> bool:
    """True when the palette's window is darker than its text (for tests and checks)."""
    return palette.color(Role.Window).lightness() < palette.color(Role.WindowText).lightness()
