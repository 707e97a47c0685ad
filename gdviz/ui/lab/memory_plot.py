"""Memory per step against B: the peak during one training step (gdviz.mlp.memory), a limit line the
user drags (4 GB to start) and the largest B that fits under it."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from gdviz.mlp.memory import (analytic_dims, analytic_step_bytes, format_bytes, largest_batch,
                               network_sizes, step_memory)
from gdviz.ui.lab._plot import MEDIAN, REFERENCE, make_plot

DEFAULT_LIMIT = 4 * 2**30     # bytes: a small GPU's memory


class MemoryPlot:
    def __init__(self):
        self.widget = make_plot("Memory per step vs B", "batch size B", "peak bytes during a step")
        self.widget.setMinimumSize(300, 240)
        self.item = self.widget.getPlotItem()
        self.curve = pg.PlotDataItem(pen=pg.mkPen(MEDIAN, width=3))
        self.item.addItem(self.curve)
        # the limit: a horizontal line the user drags; its label says what fits under it
        self.limit_line = pg.InfiniteLine(angle=0, movable=True,
                                          pen=pg.mkPen(REFERENCE, width=2, style=pg.QtCore.Qt.DashLine),
                                          label="", labelOpts={"color": "#222", "position": 0.05, "anchors": [(0, 0), (0, 0)]})
        self.fit_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(MEDIAN, width=1.5,
                                                              style=pg.QtCore.Qt.DotLine))
        self.item.addItem(self.limit_line)
        self.item.addItem(self.fit_line)
        self.limit_line.sigPositionChanged.connect(self._limit_moved)
        self.scenario = None
        self.limit = float(DEFAULT_LIMIT)
        self.note = pg.TextItem("", color="#222", anchor=(0, 0))
        self.item.addItem(self.note, ignoreBounds=True)

    # the lab window -----------------------------------------------------------------------------
    def update(self, result) -> None:      # (plots are fed the sweep; this one, the scenario)
        pass

    def set_scenario(self, scenario) -> None:
        self.scenario = scenario
        self._draw()

    def set_limit(self, limit_bytes: float) -> None:
        self.limit = float(limit_bytes)
        self.limit_line.blockSignals(True)
        self.limit_line.setPos(math.log10(self.limit))
        self.limit_line.blockSignals(False)
        self._label()

    def largest_fit(self) -> int | None:
        """The largest B whose step fits under the limit (real network), else None."""
        s = self.scenario
        if s is None or not s.is_mlp:
            return None
        return largest_batch(network_sizes(s), s.optimizer, self.limit)

    def _limit_moved(self) -> None:
        self.limit = 10 ** float(self.limit_line.value())
        self._label()

    def _draw(self) -> None:
        s = self.scenario
        if s is None:
            return
        fit = self.largest_fit()
        top = max(s.n_examples, 4 * (fit or 1), 1024) if s.is_mlp else max(s.n_examples, 1024)
        bs = np.unique(np.geomspace(1, top, 200).astype(np.int64))
        if s.is_mlp:
            sizes = network_sizes(s)
            ys = [step_memory(sizes, int(b), s.optimizer).peak for b in bs]
            title = f"Memory per step · {'-'.join(map(str, sizes))}, {s.optimizer}"
        else:
            dims = analytic_dims(s)
            ys = analytic_step_bytes(1, dims) * bs.astype(float)   # B gradients of d float64s
            title = f"Memory per step · {dims} parameters"
        self.item.setTitle(title, color="#222", size="11pt")
        self.curve.setData(np.log10(bs), np.log10(ys))
        self.item.setLogMode(False, False)      # (the data are already log10)
        self.item.getAxis("bottom").setLabel("batch size B (log₁₀)")
        self.item.getAxis("left").setLabel("peak bytes during a step (log₁₀)")
        self.set_limit(self.limit)

    def _label(self) -> None:
        s = self.scenario
        if s is None:
            return
        fit = self.largest_fit()
        if fit is None:
            dims = analytic_dims(s)
            text = (f"limit {format_bytes(self.limit)} (drag)\na step holds B × "
                    f"{analytic_step_bytes(1, dims)} bytes:\nwith {dims} parameters no B "
                    f"comes near it")
            self.fit_line.hide()
        elif fit == 0:
            text = f"limit {format_bytes(self.limit)} (drag)\nnot even B = 1 fits"
            self.fit_line.hide()
        else:
            text = (f"limit {format_bytes(self.limit)} (drag)\nlargest B that fits: {fit:,}"
                    + (f"\n(more than N = {s.n_examples:,})" if fit >= s.n_examples else ""))
            self.fit_line.setPos(math.log10(fit))
            self.fit_line.show()
        self.limit_line.label.setFormat(text)
