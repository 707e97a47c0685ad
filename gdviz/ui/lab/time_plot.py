"""Plot 6: simulated hardware time to target against B — why a mini-batch wins on parallel
hardware (a batch costs a fixed overhead plus B / throughput)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gdviz.ui.lab._plot import FIT, MEDIAN, add_legend, make_plot, set_decade_ticks


class TimePlot:
    def __init__(self):
        self.widget = make_plot("6 · Hardware time to target vs B", "batch size B",
                                "simulated time to target (s)")
        self.item = self.widget.getPlotItem()
        add_legend(self.item)
        self.median = pg.PlotDataItem(pen=pg.mkPen(MEDIAN, width=3), symbol="d", symbolSize=9,
                                      symbolBrush=MEDIAN, name="median, best η per B")
        self.fastest = pg.PlotDataItem(pen=None, symbol="star", symbolSize=18, symbolBrush=FIT,
                                       name="fastest")
        self.item.addItem(self.median)
        self.item.addItem(self.fastest)

    def update(self, result) -> None:
        rows = [(p.batch_size, p.time_median) for p in result.best if p.time_median is not None]
        if not rows:
            self.median.setData([], [])
            self.fastest.setData([], [])
            return
        b, t = (np.array(c, float) for c in zip(*rows))
        self.median.setData(b, t)
        i = int(np.argmin(t))
        self.fastest.setData([b[i]], [t[i]])
        set_decade_ticks(self.item.getAxis("bottom"), result.batch_sizes)
        set_decade_ticks(self.item.getAxis("left"), t)
