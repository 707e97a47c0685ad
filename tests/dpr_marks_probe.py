"""Run in a subprocess (QT_SCALE_FACTOR sets the device pixel ratio before Qt starts): prints
the ratio, then the outline thickness of the full-batch current marker and of its start symbol,
in logical pixels, as the canvas draws them for a real snapshot."""
import dataclasses
import os
import sys

os.environ["QT_QPA_PLATFORM"] = "offscreen"

from PySide6.QtWidgets import QApplication  # noqa: E402


def first_run(image, row, x0, x1, ratio, match) -> float:
    """Length (logical px) of the first run of pixels on *row* from x0 to x1 that *match*."""
    run, started = 0, False
    for x in range(x0, x1):
        hit = match(image.pixelColor(x, row))
        if hit:
            run += 1
            started = True
        elif started:
            break
    return run / ratio


def main() -> None:
    app = QApplication(sys.argv[:1])
    from gdviz.scenario import load
    from gdviz.ui.canvas import ContourCanvas
    from gdviz.ui.contours import landscape_view
    from gdviz.ui.theme import LIGHT
    theme = dataclasses.replace(LIGHT, marker_outline="#000000")
    canvas = ContourCanvas(theme=theme)
    canvas.resize(700, 500)
    canvas.show()
    sim = load("default").build()
    canvas.set_landscape(landscape_view(sim.landscape, 32))
    sim.advance_to(40 * sim.tick_size())
    snap = sim.snapshot()
    canvas.show_snapshot(snap)
    canvas.fit()
    for _ in range(5):
        app.processEvents()
    pixmap = canvas.grab()
    ratio = pixmap.devicePixelRatio()
    image = pixmap.toImage()
    full = next(m for m in snap.methods if m.key == "full_batch")
    size = theme.marker_size

    def device(x, y):
        p = canvas.viewport().mapTo(canvas, canvas.pixel_of(x, y))
        return round(p.x() * ratio), round(p.y() * ratio)

    cx, cy = device(*full.theta)
    black = lambda c: c.lightness() < 60                          # noqa: E731
    marker = first_run(image, cy, cx - round(size * ratio), cx, ratio, black)
    # the start symbol: its outline in the method's colour, its fill the same colour at 40 %
    # over the landscape (lighter): the outline's pixels are the darker ones
    def close(c):
        return c.lightness() < 150
    sx, sy = device(*full.start)
    start = first_run(image, sy, sx - round(size * ratio), sx, ratio, close)
    print(ratio, marker, start)


if __name__ == "__main__":
    main()
