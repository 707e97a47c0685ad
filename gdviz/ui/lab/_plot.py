"""What the lab's plots share: a titled log-log plot and the colours of the lab."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gdviz.palette import METHOD_COLORS

MEDIAN = METHOD_COLORS["mini_batch"]   # the mini-batch green: these are mini-batch runs
BAND = (*pg.mkColor(MEDIAN).getRgb()[:3], 60)
REFERENCE = "#555555"
FIT = "#D55E00"
REGIME_LABELS = {"perfect scaling": "perfect\nscaling", "diminishing returns": "diminishing\nreturns",
                 "no further benefit": "no further\nbenefit"}
REGIME_COLORS = {"perfect scaling": (0, 114, 178, 28), "diminishing returns": (230, 159, 0, 28),
                 "no further benefit": (120, 120, 120, 28)}


def make_plot(title: str, x_label: str, y_label: str, log_x=True, log_y=True) -> pg.PlotWidget:
    plot = pg.PlotWidget(background="w")
    plot.setMinimumSize(360, 260)
    item = plot.getPlotItem()
    item.setTitle(title, color="#222", size="11pt")
    item.setLabel("bottom", x_label, color="#222")
    item.setLabel("left", y_label, color="#222")
    item.setLogMode(x=log_x, y=log_y)
    item.showGrid(x=True, y=True, alpha=0.15)
    for axis in ("bottom", "left"):
        item.getAxis(axis).setPen("#444")
        item.getAxis(axis).setTextPen("#222")
        item.getAxis(axis).enableAutoSIPrefix(False)   # seconds stay seconds
    return plot


def best_points(result):
    """(B, median, q1, q3, examples median, lr) arrays over the batch sizes that reached."""
    rows = [(p.batch_size, p.steps_median, p.steps_q1, p.steps_q3, p.examples_median, p.lr)
            for p in result.best if p.steps_median is not None]
    if not rows:
        return None
    return tuple(np.array([r[i] if r[i] is not None else np.nan for r in rows], float)
                 for i in range(6))


def regime_spans(batch_sizes, b_crit):
    """(regime, low B, high B) spans in the swept range, split at B_crit/4 and 4·B_crit."""
    lo, hi = float(np.min(batch_sizes)), float(np.max(batch_sizes))
    if b_crit is None:
        return []
    cuts = [lo, min(max(b_crit / 4, lo), hi), min(max(4 * b_crit, lo), hi), hi]
    names = ("perfect scaling", "diminishing returns", "no further benefit")
    return [(name, a, b) for name, a, b in zip(names, cuts, cuts[1:]) if b > a]


def set_decade_ticks(axis, *arrays) -> None:
    """Label a log axis at 1, 2, 5 × each decade covered by the data (no crowded minor labels)."""
    values = np.concatenate([np.ravel(np.asarray(a, float)) for a in arrays])
    values = values[np.isfinite(values) & (values > 0)]
    if not len(values):
        axis.setTicks(None)
        return
    k0, k1 = int(np.floor(np.log10(values.min()))), int(np.ceil(np.log10(values.max())))
    labelled = (1, 2, 5) if k1 - k0 <= 2 else (1,)
    major, minor = [], []
    for k in range(k0, k1 + 1):
        for m in range(1, 10):
            v = m * 10.0**k
            (major if m in labelled else minor).append(
                (np.log10(v), f"{v:g}" if m in labelled else ""))
    axis.setTicks([major, minor])
