"""The batch-size lab as stills (PNG or SVG): the whole figure for `gdviz sweep --out`, one plot
for the lab window's Export menu."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gdviz.export.atomic import AtomicFile
from gdviz.ui.lab.figure import LabFigure, figure_size


def write_widget(widget, path, plots=(), title: str = "") -> None:
    """Write ``widget`` as it is drawn now to ``path`` (.png or .svg), whole or not at all.

    ``plots``: the pyqtgraph widgets inside it, whose items draw vector markers (not cached
    pixmaps) into an SVG, as pyqtgraph's own exporters make them do."""
    from pathlib import Path

    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QPainter

    suffix = Path(path).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ValueError(f"{Path(path).name}: the file name must end in .png or .svg")
    with AtomicFile(path) as part:
        if suffix == ".svg":
            from PySide6.QtSvg import QSvgGenerator
            gen = QSvgGenerator()
            gen.setFileName(str(part.path))
            gen.setSize(widget.size())
            gen.setViewBox(widget.rect())
            gen.setTitle(title or "gdviz batch-size lab")
            painter = QPainter(gen)
            items = [it for plot in plots for it in plot.scene().items()
                     if hasattr(it, "setExportMode")]
            try:
                for it in items:
                    it.setExportMode(True, {"painter": painter, "antialias": True})
                QWidget.render(widget, painter, QPoint(0, 0))   # not a GraphicsView's own
            finally:
                for it in items:
                    it.setExportMode(False)
                painter.end()
        else:
            # encoded in memory, written by Python: a full disk is one OSError naming the
            # file, not libpng's own "libpng error" line on stderr and a second message
            from gdviz.export.job import png_bytes
            part.path.write_bytes(png_bytes(widget.grab().toImage()))
        part.commit()


def export_figure(result, path, title: str = "") -> None:
    """Write the lab's figure to ``path`` (.png or .svg), whole or not at all.

    Needs a QApplication (the CLI makes an offscreen one)."""
    from PySide6.QtWidgets import QApplication

    holder = QWidget()
    holder.setStyleSheet("background: white; color: #222;")
    figure = LabFigure()
    header = QLabel(title)
    header.setWordWrap(True)
    layout = QVBoxLayout(holder)
    layout.addWidget(header)
    layout.addWidget(figure, 1)
    holder.resize(*figure_size(len(figure.plots)))
    figure.update_result(result)
    layout.activate()
    for _ in range(3):
        QApplication.processEvents()
    try:
        write_widget(holder, path, [plot.widget for plot in figure.plots], title)
    finally:
        holder.deleteLater()
