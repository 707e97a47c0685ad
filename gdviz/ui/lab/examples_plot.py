"""Plot 2: examples to target against B, the cost side of the same runs."""
from __future__ import annotations

import math

import pyqtgraph as pg

from gdviz.ui.lab._plot import (MEDIAN, REFERENCE, LabelPlacer, add_legend, along_hline,
                                best_points, make_plot, set_decade_ticks)


class ExamplesPlot:
    def __init__(self):
        self.widget = make_plot("2 · Examples to target vs B", "batch size B",
                                "examples to target")
        self.item = self.widget.getPlotItem()
        add_legend(self.item)
        self.median = pg.PlotDataItem(pen=pg.mkPen(MEDIAN, width=3), symbol="s", symbolSize=8,
                                      symbolBrush=MEDIAN, name="median, best η per B")
        self.e_min = pg.InfiniteLine(angle=0, pen=pg.mkPen(REFERENCE, width=2,
                                                           style=pg.QtCore.Qt.DashLine))
        self.item.addItem(self.median)
        self.item.addItem(self.e_min)
        self.placer = LabelPlacer(self.item)
        self.placer.add_line(self.e_min)

    def update(self, result) -> None:
        self.placer.clear()
        pts = best_points(result)
        self.median.setData(*(pts[0], pts[4]) if pts is not None else ([], []))
        fit = result.fit
        if pts is not None:
            set_decade_ticks(self.item.getAxis("bottom"), result.batch_sizes)
            set_decade_ticks(self.item.getAxis("left"), pts[4],
                             [fit.e_min] if fit is not None and fit.e_min else [])
        if fit is not None and fit.e_min is not None:
            self.e_min.setPos(math.log10(fit.e_min))
            self.e_min.show()
            self.placer.add(pg.TextItem("E_min (fit)", color="#333333"),
                            along_hline(math.log10(fit.e_min)))
        else:
            self.e_min.hide()
        self.placer.place()
