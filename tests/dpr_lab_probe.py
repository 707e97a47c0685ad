"""Run in a subprocess (QT_SCALE_FACTOR sets the device pixel ratio before Qt starts): prints
the ratio and the thickness, in logical pixels, of a 2-px line in a lab plot."""
import os
import sys

os.environ["QT_QPA_PLATFORM"] = "offscreen"

import pyqtgraph as pg  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def main() -> None:
    app = QApplication(sys.argv[:1])
    from gdviz.ui.lab._plot import make_plot
    plot = make_plot("probe", "x", "y", log_x=False, log_y=False)
    plot.resize(500, 400)
    item = plot.getPlotItem()
    item.showGrid(x=False, y=False)
    line = pg.PlotDataItem([0, 10], [5, 5], pen=pg.mkPen("#000000", width=2))
    item.addItem(line)
    item.setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
    plot.show()
    for _ in range(5):
        app.processEvents()
    pixmap = plot.grab()
    ratio = pixmap.devicePixelRatio()
    image = pixmap.toImage()
    at = plot.mapFromScene(item.getViewBox().mapViewToScene(pg.Point(5, 5)))
    x, y = round(at.x() * ratio), round(at.y() * ratio)
    dark = [j for j in range(y - int(10 * ratio), y + int(10 * ratio))
            if image.pixelColor(x, j).lightness() < 128]
    print(ratio, len(dark) / ratio)


if __name__ == "__main__":
    main()
