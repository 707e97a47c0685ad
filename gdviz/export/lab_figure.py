"""The batch-size lab as one still (PNG or SVG), for `gdviz sweep --out`."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gdviz.export.atomic import AtomicFile
from gdviz.ui.lab.figure import FIGURE_SIZE, LabFigure


def export_figure(result, path, title: str = "") -> None:
    """Write the lab's figure to ``path`` (.png or .svg), whole or not at all.

    Needs a QApplication (the CLI makes an offscreen one)."""
    from pathlib import Path

    from PySide6.QtCore import QPoint, QSize
    from PySide6.QtGui import QPainter
    from PySide6.QtWidgets import QApplication


    holder = QWidget()
    holder.setStyleSheet("background: white; color: #222;")
    figure = LabFigure()
    header = QLabel(title)
    header.setWordWrap(True)
    layout = QVBoxLayout(holder)
    layout.addWidget(header)
    layout.addWidget(figure, 1)
    holder.resize(*FIGURE_SIZE)
    figure.update_result(result)
    layout.activate()
    for _ in range(3):
        QApplication.processEvents()
    suffix = Path(path).suffix.lower()
    with AtomicFile(path) as part:
        if suffix == ".svg":
            from PySide6.QtSvg import QSvgGenerator
            gen = QSvgGenerator()
            gen.setFileName(str(part.path))
            gen.setSize(QSize(*FIGURE_SIZE))
            gen.setViewBox(holder.rect())
            gen.setTitle(title or "gdviz batch-size lab")
            painter = QPainter(gen)
            items = [it for plot in figure.plots for it in plot.widget.scene().items()
                     if hasattr(it, "setExportMode")]
            try:
                for it in items:     # vector markers instead of cached pixmaps, as pyqtgraph's
                    it.setExportMode(True, {"painter": painter, "antialias": True})  # exporters
                holder.render(painter, QPoint(0, 0))
            finally:
                for it in items:
                    it.setExportMode(False)
                painter.end()
        else:
            if not holder.grab().save(str(part.path), "PNG"):
                raise OSError("the image could not be written")
        part.commit()
    holder.deleteLater()
