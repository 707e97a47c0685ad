"""Every screen, round three (issue 22): the network's plane in the live window fills its view.

The plane is drawn at equal scale; its grid was computed in the background on the plane's fixed
bounds, so the lock left an empty band beside the picture in a wide or tall view. The worker now
draws the grid widened to the view's shape (as exports do)."""
import dataclasses

import pytest
from PySide6.QtCore import QCoreApplication

from tests.test_screens import _settle


def _covers(window) -> tuple[float, float]:
    """How much of the view box's x and y ranges the plane's picture covers (1.0: all)."""
    view = window.landscape_view
    (vx0, vx1), (vy0, vy1) = window.canvas.getPlotItem().getViewBox().viewRange()
    ix0, ix1, iy0, iy1 = view.xs[0], view.xs[-1], view.ys[0], view.ys[-1]
    cover_x = (min(ix1, vx1) - max(ix0, vx0)) / (vx1 - vx0)
    cover_y = (min(iy1, vy1) - max(iy0, vy0)) / (vy1 - vy0)
    return cover_x, cover_y


def test_the_network_plane_fills_a_wide_and_a_tall_view(qtbot):
    pytest.importorskip("torch")
    from gdviz.scenario import load
    from gdviz.ui.main_window import MainWindow
    from gdviz.ui.worker import SimulationWorker
    app = QCoreApplication.instance()
    s = load("mlp-moons").with_changes(n_examples=120, batch_size=16)
    s = s.with_changes(mlp=dataclasses.replace(s.mlp, device="cpu", hidden=(8, 8)))
    w = MainWindow(s, start_worker=False)
    worker = SimulationWorker(w.experiment)     # driven here, in this thread, frame by frame
    worker.landscape_ready.connect(w.on_landscape)
    worker.snapshot_ready.connect(w.on_snapshot)
    w.canvas.view_aspect_changed.connect(worker.set_view_aspect)
    try:
        w.show()
        worker.sync()                             # the first plane, before any view shape
        bounds = w.experiment.sim.landscape.bounds
        for size in [(1900, 560), (640, 1000)]:   # a wide view, then a tall one
            w.resize(*size)
            for _ in range(3):
                _settle(app)
                app.processEvents()
                worker._on_frame()
                app.processEvents()
                worker.frame_drawn()              # as the window says once it has drawn
            aspect = w.canvas.view_aspect()
            assert aspect > 0
            cover_x, cover_y = _covers(w)
            assert cover_x >= 0.995 and cover_y >= 0.995, (size, aspect, cover_x, cover_y)
            # the plane's own square is inside the picture: only widened, never cut
            view = w.landscape_view
            assert view.xs[0] <= bounds[0][0] + 1e-9 and view.xs[-1] >= bounds[0][1] - 1e-9
            assert view.ys[0] <= bounds[1][0] + 1e-9 and view.ys[-1] >= bounds[1][1] - 1e-9
        # a wide view had widened x, a tall one y: the last picture is taller than wide
        assert (view.ys[-1] - view.ys[0]) > (view.xs[-1] - view.xs[0])
    finally:
        worker.shutdown()
        w.shutdown()
        w.close()


def test_a_worker_less_window_in_the_dark_theme_draws_its_note_light(qtbot):
    """An export's window copy (no worker) gets its palette on the window only; the note above
    the canvas and the clock banner (style-sheet labels) kept the app's, drawn black on dark grey."""
    from gdviz.ui.theme import THEMES
    from tests.test_screens_round2 import fed
    w = fed("default")
    try:
        w.apply_theme(THEMES["dark"])
        w.show()
        w.resize(1280, 800)
        QCoreApplication.instance().processEvents()
        image = w.grab().toImage()
        for label in (w.note_label, w.clock_banner):
            top = label.mapTo(w, label.rect().topLeft())
            light = dark = 0
            for x in range(top.x(), top.x() + label.width(), 2):
                for y in range(top.y(), top.y() + label.height()):
                    value = image.pixelColor(x, y).lightness()
                    light += value > 150
                    dark += value < 15
            assert light > 200 and dark < light, (label.text()[:30], light, dark)
    finally:
        w.shutdown()
        w.close()
