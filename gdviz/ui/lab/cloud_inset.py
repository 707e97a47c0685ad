"""The lab's inset: the main window's gradient cloud in gradient space (g₁, g₂), live."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gdviz.core.gradient_cloud import ellipse_area, ellipse_points
from gdviz.ui.dpr_pens import follow_pixel_ratio
from gdviz.ui.lab._plot import MEDIAN

EMPTY = ("The gradient cloud of the main window's selected method appears here while the "
         "simulation has a position (analytic landscapes).")


class CloudInset(QWidget):
    """Every example's gradient ∇ℓᵢ(θ), the next batch, g_B, ∇J and the 1-σ ellipse of g_B."""

    def __init__(self, parent=None):
        super().__init__(parent)
        # the plot is made in a turn of its own after the lab shows (or with the first cloud):
        # made with the window, it lengthened the turn of the key B by a third (issue 25 F)
        self.widget = None
        self.theme = None
        self.cloud = None
        self.text = QLabel(EMPTY)
        self.text.setWordWrap(True)
        self.slot = QLabel("")           # holds the plot's place until it is made
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slot, 1)
        layout.addWidget(self.text)

    @property
    def built(self) -> bool:
        return self.widget is not None

    def build(self) -> None:
        """Make the plot now (once), in the theme and with the cloud it was given."""
        if self.widget is not None:
            return
        self.widget = pg.PlotWidget(background="w", enableMenu=False)   # (no menu to make)
        follow_pixel_ratio(self.widget)        # lines and outlines keep their width at 200 %
        item = self.widget.getPlotItem()
        item.setTitle("Gradient cloud (live)", color="#222", size="11pt")
        item.setLabel("bottom", "∂ℓ/∂θ₁", color="#222")
        item.setLabel("left", "∂ℓ/∂θ₂", color="#222")
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setMenuEnabled(False)
        for axis in ("bottom", "left"):
            item.getAxis(axis).setPen("#444")
            item.getAxis(axis).setTextPen("#222")
        self.points = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(90, 90, 90, 110))
        self.members = pg.ScatterPlotItem(size=7, pen=pg.mkPen("#000", width=0.6),
                                          brush=pg.mkBrush(MEDIAN))
        self.ellipse = pg.PlotDataItem(pen=pg.mkPen(MEDIAN, width=2.5), antialias=True)
        # the same 1σ ellipse for a single example (B = 1, Σ): the scale g_B's is measured on
        self.example_ellipse = pg.PlotDataItem(
            pen=pg.mkPen("#555555", width=1.5, style=Qt.PenStyle.DashLine), antialias=True)
        self.full = pg.ScatterPlotItem(symbol="+", size=18, pen=pg.mkPen("#000", width=3),
                                       brush=pg.mkBrush("#000"))
        self.mean = pg.ScatterPlotItem(symbol="d", size=14, pen=pg.mkPen("#000", width=1.5),
                                       brush=pg.mkBrush(MEDIAN))
        for it in (self.points, self.example_ellipse, self.members, self.ellipse, self.full,
                   self.mean):
            item.addItem(it)
        self.layout().replaceWidget(self.slot, self.widget)
        self.slot.hide()
        self.slot.deleteLater()
        if self.theme is not None:
            self.apply_theme(self.theme)
        if self.cloud is not None:
            self.show_cloud(self.cloud)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.widget is None:
            from PySide6.QtCore import QTimer

            from gdviz.ui.lab.figure import STAGE_MS
            QTimer.singleShot(STAGE_MS, self.build)

    def apply_theme(self, theme) -> None:
        """The lab's theme (None or light: white; dark: the theme's background)."""
        from gdviz.ui.lab._plot import _ink
        self.theme = theme
        if self.widget is None:
            return                          # (applied when the plot is made)
        dark = theme is not None and theme.name == "dark"
        self.widget.setBackground(theme.background if dark else "w")
        item = self.widget.getPlotItem()
        item.setTitle("Gradient cloud (live)", color=_ink("#222222", dark), size="11pt")
        for name in ("bottom", "left"):
            axis = item.getAxis(name)
            axis.setPen(_ink("#444444", dark))
            axis.setTextPen(_ink("#222222", dark))
            axis.labelStyle["color"] = _ink("#222222", dark)
            axis._updateLabel()
        ink = _ink("#000000", dark) if not dark else "#E8E8E8"
        self.full.setPen(pg.mkPen(ink, width=3))
        self.full.setBrush(pg.mkBrush(ink))
        self.mean.setPen(pg.mkPen(ink, width=1.5))
        self.members.setPen(pg.mkPen(ink, width=0.6))
        grey = (90, 90, 90, 110) if not dark else (190, 190, 190, 110)
        self.points.setBrush(pg.mkBrush(*grey))

    def show_cloud(self, cloud) -> None:
        self.cloud = cloud
        if self.widget is None:
            self.build()                    # (draws it)
            return
        if cloud is None:
            for it in (self.points, self.example_ellipse, self.members, self.ellipse, self.full,
                       self.mean):
                it.setData([], [])
            self.text.setText(EMPTY)
            return
        self.points.setData(cloud.shown[:, 0], cloud.shown[:, 1])
        self.members.setData(cloud.batch_shown[:, 0], cloud.batch_shown[:, 1])
        ring = ellipse_points(cloud.full, cloud.covariance)
        self.ellipse.setData(ring[:, 0], ring[:, 1])
        outer = ellipse_points(cloud.full, cloud.sigma)
        self.example_ellipse.setData(outer[:, 0], outer[:, 1])
        self.full.setData([cloud.full[0]], [cloud.full[1]])
        if cloud.batch_mean is not None:
            self.mean.setData([cloud.batch_mean[0]], [cloud.batch_mean[1]])
        else:
            self.mean.setData([], [])
        n, b = cloud.n, cloud.batch_size
        shown = f"{len(cloud.shown)} of {n}" if cloud.subsampled else f"all {n}"
        self.text.setText(
            f"{shown} per-example gradients at θ of the selected method; filled: the next "
            f"batch (B = {b}); ◆ g_B; + ∇J. Green ellipse: 1σ of g_B, Σ·(N−B)/(B(N−1)), "
            f"area {ellipse_area(cloud.covariance):.3g}; dashed: 1σ of one example, Σ, area "
            f"{ellipse_area(cloud.sigma):.3g}. The view spans 3σ of Σ around ∇J.")
        # framed on the examples' 3σ, not on the farthest outlier: the ellipses stay readable
        half = 3.0 * np.sqrt(np.clip(np.diag(cloud.sigma), 1e-300, None))
        self.widget.getPlotItem().setRange(
            xRange=(cloud.full[0] - half[0], cloud.full[0] + half[0]),
            yRange=(cloud.full[1] - half[1], cloud.full[1] + half[1]), padding=0.02)
