"""Run in a subprocess (QT_SCALE_FACTOR sets the device pixel ratio before Qt starts): prints
the trail's thickness across its frozen part and its live tail, in logical pixels."""
import os
import sys

os.environ["QT_QPA_PLATFORM"] = "offscreen"

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def main() -> None:
    app = QApplication(sys.argv[:1])
    from gdviz.ui.canvas import ContourCanvas
    from gdviz.ui.trail_layer import CHUNK
    canvas = ContourCanvas()
    canvas.resize(600, 400)
    canvas.show()
    canvas.getPlotItem().getViewBox().setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
    x = np.linspace(1, 9, 3 * CHUNK + CHUNK // 2)
    canvas.trail_layers["full_batch"].set_points(np.column_stack([x, np.full_like(x, 5.0)]))
    for _ in range(5):
        app.processEvents()
    pixmap = canvas.grab()
    ratio = pixmap.devicePixelRatio()
    image = pixmap.toImage()
    y = round(canvas.viewport().mapTo(canvas, canvas.pixel_of(2.0, 5.0)).y() * ratio)
    out = []
    for xd in (2.0, 8.8):                     # frozen (cached) part, live tail
        c = round(canvas.viewport().mapTo(canvas, canvas.pixel_of(xd, 5.0)).x() * ratio)
        dark = [j for j in range(y - int(15 * ratio), y + int(15 * ratio))
                if image.pixelColor(c, j).lightness() < 200]
        out.append(len(dark) / ratio)
    print(ratio, *out)


if __name__ == "__main__":
    main()
