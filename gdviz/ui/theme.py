"""Colours and type: the Okabe-Ito identity of the three methods and the canvas themes."""
from __future__ import annotations

from dataclasses import dataclass

METHOD_COLORS = {"full_batch": "#0072B2", "mini_batch": "#009E73", "stochastic": "#E69F00"}
# On the dark theme the same hues, lightened a little so thin lines stay visible.
METHOD_COLORS_DARK = {"full_batch": "#56B4E9", "mini_batch": "#2BD1A0", "stochastic": "#F0B429"}
METHOD_SYMBOLS = {"full_batch": "s", "mini_batch": "t", "stochastic": "o"}


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    foreground: str
    colormap: str
    contour_pen: str
    method_colors: dict
    marker_outline: str
    minimum_color: str

    def color(self, key: str) -> str:
        return self.method_colors[key]


LIGHT = Theme("light", background="#FFFFFF", foreground="#111111", colormap="cividis",
              contour_pen="#FFFFFF88", method_colors=METHOD_COLORS, marker_outline="#FFFFFF",
              minimum_color="#CC3311")
DARK = Theme("dark", background="#14161A", foreground="#E8E8E8", colormap="viridis",
             contour_pen="#FFFFFF66", method_colors=METHOD_COLORS_DARK, marker_outline="#000000",
             minimum_color="#FF6F61")
THEMES = {"light": LIGHT, "dark": DARK}
