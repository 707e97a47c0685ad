"""Run in a subprocess (QT_SCALE_FACTOR sets the device pixel ratio before Qt starts): prints
the ratio, then one line per measured mark, ``name thickness``: the thickness in logical pixels
of a curve (or of a ring's outline) in each side panel, the Network dock's plot and the lab's
gradient-cloud inset, drawn with the panel's own pens."""
import os
import sys

os.environ["QT_QPA_PLATFORM"] = "offscreen"

import pyqtgraph as pg  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def thickness(widget, item, at, vertical, app, rings=1) -> float:
    """Logical px differing from the background on a line through view point *at* (vertical:
    a column across a horizontal curve; else a row across a vertical one), over ±14 logical px
    (a ring is crossed twice: *rings* = 2 halves the count)."""
    item.showGrid(x=False, y=False)
    for _ in range(5):
        app.processEvents()
    pixmap = widget.grab()
    ratio = pixmap.devicePixelRatio()
    image = pixmap.toImage()
    back = widget.backgroundBrush().color()
    p = widget.mapFromScene(item.getViewBox().mapViewToScene(pg.Point(*at)))
    x, y = round(p.x() * ratio), round(p.y() * ratio)
    span = range(-int(14 * ratio), int(14 * ratio))
    pixels = [image.pixelColor(x, y + d) if vertical else image.pixelColor(x + d, y) for d in span]

    def differs(c) -> bool:
        return abs(c.red() - back.red()) + abs(c.green() - back.green()) \
            + abs(c.blue() - back.blue()) > 90
    return sum(differs(c) for c in pixels) / ratio / rings


def main() -> None:
    app = QApplication(sys.argv[:1])
    from gdviz.ui.theme import LIGHT
    ratio = QApplication.primaryScreen().devicePixelRatio()
    out = []
    shown = []

    def show(widget, w=520, h=380):
        widget.resize(w, h)
        widget.show()
        shown.append(widget)
        for _ in range(5):
            app.processEvents()

    def frame(item, x=(0, 10), y=(0, 10)):
        item.enableAutoRange(False)
        item.setRange(xRange=x, yRange=y, padding=0)

    # the loss plot: a 2-px curve
    from gdviz.ui.panels.losses import LossCurves
    losses = LossCurves(theme=LIGHT)
    show(losses)
    item = losses.getPlotItem()
    losses.curves["mini_batch"].setData([0, 10], [5, 5])
    frame(item)
    out.append(("losses", thickness(losses, item, (5.3, 5), True, app)))

    # the rhythm strip: a 1.5-px update tick
    from gdviz.ui.panels.rhythm import RhythmStrip
    strip = RhythmStrip({}, theme=LIGHT)
    show(strip, 900, 200)
    item = strip.plot_widget.getPlotItem()
    for key in strip.cursors:
        strip.cursors[key].setData([], [])
    strip.ticks["full_batch"].setData([50, 50], [1.6, 2.4], connect="pairs")
    item.setXRange(0, 100, padding=0)
    out.append(("rhythm", thickness(strip.plot_widget, item, (50, 2.0), False, app)))

    # the data view: a method's 2.5-px line and its 2-px ring round a lit example
    from gdviz.ui.panels.data_view import DataView
    view = DataView(theme=LIGHT)
    view.plot.show()
    show(view)
    item = view.plot.getPlotItem()
    view.lines["mini_batch"].setData([0, 10], [5, 5])
    view.lit["mini_batch"].setData([3], [3])
    frame(item)
    out.append(("data_line", thickness(view.plot, item, (5.3, 5), True, app)))
    out.append(("data_ring", thickness(view.plot, item, (3, 3), True, app, rings=2)))

    # the Network dock: a method's 2.5-px curve and a validation ring (a per-point pen)
    from gdviz.ui.panels.mlp_view import MethodNetworkPlot
    net = MethodNetworkPlot("mini_batch")
    net.apply_theme(LIGHT)
    show(net)
    item = net.plot.getPlotItem()
    net.plot.getPlotItem().setAspectLocked(False)
    net.line.setData([0, 10], [5, 5])
    net.val_points.setVisible(True)
    net.val_points.setData([3], [3], size=14, pen=[pg.mkPen("#000000", width=1.5)])
    frame(item)
    out.append(("network_line", thickness(net.plot, item, (5.3, 5), True, app)))
    out.append(("network_ring", thickness(net.plot, item, (3, 3), True, app, rings=2)))

    # the lab's gradient-cloud inset: g_B's 2.5-px ellipse
    from gdviz.ui.lab.cloud_inset import CloudInset
    inset = CloudInset()
    inset.build()                          # (made in a turn of its own in the lab)
    show(inset)
    item = inset.widget.getPlotItem()
    inset.ellipse.setData([0, 10], [5, 5])
    frame(item)
    out.append(("cloud_ellipse", thickness(inset.widget, item, (5.3, 5), True, app)))

    print("ratio", ratio)
    for name, value in out:
        print(name, value)


if __name__ == "__main__":
    main()
