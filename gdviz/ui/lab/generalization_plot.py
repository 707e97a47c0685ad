"""Validation loss vs B at equal epochs (gdviz.mlp.generalization): each B at its best eta, the
spread over seeds as a band, the training loss dashed (the gap between them), the validation
accuracy in the title; the study runs in a thread of its own and the plot draws its result."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer

from gdviz.ui.lab._plot import BAND, MEDIAN, REFERENCE, make_plot

POLL_MS = 200


class GeneralizationPlot:
    def __init__(self):
        self.widget = make_plot("Validation loss vs B", "batch size B (log₁₀)",
                                "final loss", log_x=False, log_y=False)
        self.widget.setMinimumSize(300, 240)
        self.item = self.widget.getPlotItem()
        from gdviz.ui.lab._plot import add_legend
        self.legend = add_legend(self.item)      # under the plot, off the data
        self.lo = pg.PlotCurveItem(pen=pg.mkPen(None))
        self.hi = pg.PlotCurveItem(pen=pg.mkPen(None))
        self.band = pg.FillBetweenItem(self.lo, self.hi, brush=BAND)
        self.val = pg.PlotDataItem(pen=pg.mkPen(MEDIAN, width=3), symbol="o", symbolSize=7,
                                   symbolBrush=MEDIAN, name="validation (seeds' range)")
        self.train = pg.PlotDataItem(pen=pg.mkPen(REFERENCE, width=2, style=pg.QtCore.Qt.DashLine),
                                     name="training")
        for item in (self.lo, self.hi, self.band, self.val, self.train):
            self.item.addItem(item)
        # the study's state, pinned to the plot's top left corner (pixels, not data)
        self.message = pg.TextItem("", color="#222", anchor=(0, 0))
        self.message.setParentItem(self.item.getViewBox())
        self.message.setPos(6, 4)
        self.result = None
        self._future = None
        self._pool = None
        self._stop = False
        self._timer = QTimer()
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)

    def update(self, result) -> None:      # (fed by its own study, not the sweep)
        pass

    def set_scenario(self, scenario) -> None:
        """Start the study for a real-network scenario (in a thread); say why not otherwise."""
        self.cancel()
        self.result = None
        for item in (self.lo, self.hi, self.val, self.train):
            item.setData([], [])
        self.legend.setVisible(False)
        if not scenario.is_mlp:
            self._say("For the real network only:\nan analytic landscape has no\n"
                      "validation set to generalize to.")
            return
        from concurrent.futures import ThreadPoolExecutor

        from gdviz.mlp.generalization import default_batch_sizes, study
        sizes = tuple(b for b in default_batch_sizes(scenario.n_examples) if b > 1)
        self._say(f"training B = {', '.join(map(str, sizes))}\nfor {scenario.epochs:g} epochs "
                  "at 4 η × 3 seeds…")
        self._stop = False
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="gdviz-generalization")
        self._future = self._pool.submit(study, scenario, sizes, None, (0, 1, 2), None,
                                         lambda: self._stop)
        self._timer.start()

    def cancel(self) -> None:
        self._stop = True
        self._timer.stop()
        self._future = None

    def close(self) -> None:
        self.cancel()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _poll(self) -> None:
        future = self._future
        if future is None or not future.done():
            return
        self._timer.stop()
        self._future = None
        try:
            self.show_result(future.result())
        except Exception as exc:  # noqa: BLE001 - said in the plot, not raised in a timer
            self._say(f"the study stopped: {exc}")

    def show_result(self, result) -> None:
        from gdviz.mlp.generalization import verdict
        self.result = result
        pts = result.points
        x = np.log10([p.batch_size for p in pts])
        self.lo.setData(x, [p.val_lo for p in pts])
        self.hi.setData(x, [p.val_hi for p in pts])
        self.val.setData(x, [p.val for p in pts])
        self.train.setData(x, [p.train for p in pts])
        self.legend.setVisible(True)
        acc = ""
        if result.task == "classification":
            acc = (f"\naccuracy {pts[0].accuracy:.0%} (B={pts[0].batch_size}) → "
                   f"{pts[-1].accuracy:.0%} (B={pts[-1].batch_size})")
        self.item.setTitle(f"Validation loss vs B · {result.epochs:g} epochs", color="#222",
                           size="11pt")
        gap = max(p.gap for p in pts)
        self._say(f"{verdict(result)}\n(best η per B, 3 seeds)\nval − train ≤ {gap:.3f}{acc}")

    def _say(self, text: str) -> None:
        self.message.setText(text)
