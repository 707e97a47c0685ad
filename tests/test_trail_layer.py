"""The canvas draws a trail's finished part from a cached image: it must stay exact."""
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF

from gdviz.ui.canvas import ContourCanvas
from gdviz.ui.trail_layer import CHUNK, CachedTrail, FrozenTrails


def test_chunks_freeze_as_the_trail_grows_and_rebuild_when_it_is_thinned(qtbot):
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    frozen = FrozenTrails()
    plot.addItem(frozen)
    tails = []
    trail = CachedTrail(frozen, "full_batch", show_tail=tails.append)
    points = np.cumsum(np.ones((3 * CHUNK + 10, 2)), axis=0)
    trail.set_points(points)
    assert len(trail.chunks) == 3
    assert len(tails[-1]) == 10                    # only the live tail is re-stroked
    trail.set_points(points[::2])                  # thinned out: the old chunks are stale
    assert len(trail.chunks) == 1
    np.testing.assert_array_equal(tails[-1][:, 0], points[::2][CHUNK:, 0])


def _canvas(qtbot) -> ContourCanvas:
    """A shown canvas viewing (0, 10) x (0, 10)."""
    canvas = ContourCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(600, 400)
    canvas.show()
    canvas.getPlotItem().getViewBox().setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
    return canvas


def _full_batch_drawn_at(canvas, x: float, y: float) -> bool:
    """Whether the screen shows the full-batch trail's colour at data point (x, y)."""
    grab = canvas.viewport().grab().toImage()
    p = canvas.pixel_of(x, y)
    return grab.pixelColor(int(p.x()), int(p.y())).name().lower() == \
        canvas.theme.color("full_batch").lower()


def test_frozen_part_is_drawn_where_the_data_is(qtbot):
    canvas = _canvas(qtbot)
    layer = canvas.trail_layers["full_batch"]
    x = np.linspace(1, 9, 3 * CHUNK)
    layer.set_points(np.column_stack([x, np.full_like(x, 5.0)]))
    assert len(layer.chunks) >= 2
    qtbot.wait(50)
    for grab in (canvas.grab().toImage(), canvas.viewport().grab().toImage()):
        offset = canvas.viewport().mapTo(canvas, canvas.viewport().rect().topLeft()) \
            if grab.width() == canvas.width() else QPointF(0, 0)
        p = canvas.pixel_of(2.0, 5.0)            # inside the first, frozen chunk
        color = grab.pixelColor(int(p.x() + offset.x()), int(p.y() + offset.y()))
        assert color.name().lower() == canvas.theme.color("full_batch").lower()
        q = canvas.pixel_of(2.0, 8.0)            # away from the line: no trail colour
        other = grab.pixelColor(int(q.x() + offset.x()), int(q.y() + offset.y()))
        assert other.name().lower() != canvas.theme.color("full_batch").lower()


def test_frozen_trail_is_cached_at_the_device_pixel_ratio(qtbot):
    """High-DPI: at a ratio of 2 the cached trail has twice the pixels a side (crisp lines)."""
    from PySide6.QtGui import QImage, QPainter
    canvas = ContourCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(400, 300)
    canvas.show()
    canvas.getPlotItem().getViewBox().setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
    layer = canvas.trail_layers["full_batch"]
    t = np.linspace(0, 1, 3 * CHUNK)
    layer.set_points(np.stack([1 + 8 * t, 1 + 8 * t ** 2], axis=1))
    image = QImage(800, 600, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(2.0)
    image.fill(0)
    painter = QPainter(image)
    canvas.render(painter)
    painter.end()
    cache = layer.frozen._image
    assert cache is not None and cache.devicePixelRatio() == 2.0
    assert cache.width() == 2 * image.deviceIndependentSize().width()


def test_thinning_keeps_the_cached_image_instead_of_restroking_every_chunk(qtbot):
    """core.Trail halves itself when full; restroking every chunk then took ~100 ms in one frame
    (issue 16). The image already shows that curve: it is kept, and the thinned chunks that it
    does not cover are stroked into it."""
    canvas = _canvas(qtbot)
    layer = canvas.trail_layers["full_batch"]
    x = np.linspace(1, 9, 8 * CHUNK + 5)
    points = np.column_stack([x, 5 + 3 * np.sin(x)])
    layer.set_points(points)
    canvas.grab()
    image = layer.frozen._image
    assert image is not None and layer.painted == 8
    layer.set_points(points[::2])
    assert len(layer.chunks) == 4 and layer.painted == 4
    canvas.grab()
    assert layer.frozen._image is image                 # not painted again from scratch
    for xi in (1.5, 3.0, 4.5):                          # the thinned, frozen part is still drawn
        assert _full_batch_drawn_at(canvas, xi, 5 + 3 * np.sin(xi))
    layer.set_points(points[:CHUNK + 8])                # a restart: the old chunks are stale
    assert len(layer.chunks) == 1 and layer.painted == 0          # painted again ...
    canvas.grab()
    assert not _full_batch_drawn_at(canvas, 7.5, 5 + 3 * np.sin(7.5))   # ... over the backdrop


def test_a_restart_reuses_the_trail_image_instead_of_allocating_a_new_one(qtbot):
    """Each restart allocated a new 2 MB image; after glibc raised its mmap threshold the
    process grew ~2 MiB at some restarts (the 10-minute soak, issue 16)."""
    canvas = _canvas(qtbot)
    layer = canvas.trail_layers["full_batch"]
    x = np.linspace(1, 9, 4 * CHUNK)
    layer.set_points(np.column_stack([x, np.full_like(x, 5.0)]))
    canvas.grab()
    image = layer.frozen._image
    assert image is not None
    layer.set_points(np.column_stack([x, np.full_like(x, 3.0)])[:CHUNK + 4])   # a restart
    canvas.grab()
    assert layer.frozen._image is image                     # cleared and kept, not replaced
    grab = canvas.viewport().grab().toImage()
    old = canvas.pixel_of(6.0, 5.0)                         # the old run's trail is gone
    assert grab.pixelColor(int(old.x()), int(old.y())).name().lower() != \
        canvas.theme.color("full_batch").lower()


def _probe(ratio: int) -> list[float]:
    import os
    import subprocess
    import sys
    from pathlib import Path
    here = Path(__file__).resolve().parent
    env = dict(os.environ, QT_SCALE_FACTOR=str(ratio), QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=os.pathsep.join([str(here.parent), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, str(here / "dpr_probe.py")], env=env, check=True,
                         capture_output=True, text=True, timeout=120).stdout.split()
    return [float(v) for v in out[-3:]]


def test_trails_keep_their_logical_thickness_at_a_device_pixel_ratio_of_2():
    """4K at 200 %: pyqtgraph's pens are cosmetic (device pixels), so a 4 px trail, its halo
    and the arrows came out half as thick. The canvas scales its pen widths by the ratio: the
    trail, cached part and live tail alike, is as thick in logical pixels as at a ratio of 1."""
    one, two = _probe(1), _probe(2)
    assert one[0] == 1.0 and two[0] == 2.0
    for at_one, at_two in zip(one[1:], two[1:]):
        assert at_one >= 5 and at_two >= at_one - 1.5, (one, two)
