"""Colours and type: the Okabe-Ito identity of the three methods and the canvas themes.

Two themes, both made for projection as much as for a screen:

* ``LIGHT`` (the projector theme): near-white landscape, dark contour lines, the Okabe-Ito
  blue/green/orange at full strength with a thin dark halo, so they stay visible on a washed-out
  white wall.
* ``DARK`` (the screen theme): near-black landscape, light contour lines, the same hues lightened.

The landscape colour map is a single-hue (cool grey) luminance ramp in both: it stays readable in
every form of colour blindness and in greyscale, and it cannot be mistaken for any of the three
method colours.
"""
from __future__ import annotations

from dataclasses import dataclass

from gdviz.palette import METHOD_COLORS, METHOD_COLORS_DARK  # noqa: F401 - the colours, defined once
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
    label: str = ""
    # The landscape colour map as (position, colour) stops from the lowest loss (0) to the
    # highest (1); empty: the named pyqtgraph map ``colormap``.
    colormap_stops: tuple = ()
    trail_width: float = 3.5          # px; the stochastic trail is drawn a little thinner
    halo: str = ""                    # a wider line under each trail ("" for none)
    halo_extra: float = 2.0           # px the halo is wider than the trail
    marker_size: int = 16             # px of the current-position markers (the selected: ×1.3)

    def color(self, key: str) -> str:
        return self.method_colors[key]

    def color_map(self):
        """The landscape's pyqtgraph ColorMap (imports pyqtgraph)."""
        import pyqtgraph as pg
        if not self.colormap_stops:
            return pg.colormap.get(self.colormap)
        pos = [p for p, _ in self.colormap_stops]
        colors = [c for _, c in self.colormap_stops]
        return pg.ColorMap(pos, colors, name=self.colormap)


LIGHT = Theme("light", background="#FFFFFF", foreground="#111111", colormap="slate-light",
              contour_pen="#1E2A3A66", method_colors=METHOD_COLORS, marker_outline="#FFFFFF",
              minimum_color="#111111", label="Light (projector)",
              colormap_stops=((0.0, "#FFFFFF"), (0.5, "#E1E6EC"), (1.0, "#A9B4C2")),
              trail_width=4.0, halo="#1A1A1A99", halo_extra=2.0)
DARK = Theme("dark", background="#14161A", foreground="#E8E8E8", colormap="slate-dark",
             contour_pen="#FFFFFF55", method_colors=METHOD_COLORS_DARK, marker_outline="#000000",
             minimum_color="#FFFFFF", label="Dark (screen)",
             colormap_stops=((0.0, "#0B0D11"), (0.5, "#232A35"), (1.0, "#4A5566")),
             trail_width=3.5, halo="#000000CC", halo_extra=2.5)
THEMES = {"light": LIGHT, "dark": DARK}


def theme_named(name: str | None, default: Theme = LIGHT) -> Theme:
    """The theme called *name* ('light' or 'dark'), or *default* for anything else."""
    return THEMES.get(str(name or "").lower(), default)
