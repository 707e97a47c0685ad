"""The canvas's backdrop: the landscape and the finished trails in one opaque cached image
(issue 16). It must show exactly what the items would paint, and be rendered outside the
paint event when a real network's plane is laid anew."""
import numpy as np

from gdviz.export.render import FrameRenderer
from gdviz.scenario import load
from gdviz.ui.contours import landscape_view


def _snapshots(name, count, ticks=200):
    sim = load(name).with_changes(epochs=10_000).build()
    view = landscape_view(sim.landscape)
    out, t = [], 0.0
    for _ in range(count):
        t += ticks * sim.tick_size()
        sim.advance_to(t)
        out.append(sim.snapshot(1))
    return load(name), view, out


def _pixels(image) -> np.ndarray:
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    return rows[:, :4 * image.width()].reshape(image.height(), image.width(), 4).astype(int)


def _differing_share(a, b) -> float:
    """The share of pixels with a channel more than 2 levels apart."""
    return float(np.mean(np.any(np.abs(_pixels(a) - _pixels(b)) > 2, axis=-1)))


def test_the_backdrop_shows_what_the_items_paint_themselves(canvas, qtbot):
    _, view, snaps = _snapshots("default", 40)
    canvas.set_landscape(view)
    for snap in snaps:
        canvas.show_snapshot(snap)
    qtbot.wait(20)
    cached = canvas.grab().toImage()
    assert len(canvas.frozen.chunks) > 10
    # the reference: the landscape's items paint themselves, the trails over them
    canvas.frozen.set_base([], canvas.theme.background)
    canvas.show_snapshot(snaps[-1])
    direct = canvas.grab().toImage()
    assert cached.size() == direct.size()
    share = _differing_share(cached, direct)
    assert share < 0.001, share


def test_a_new_landscape_is_rendered_before_the_paint_event(canvas, qtbot):
    """A real network's new plane: the backdrop is rendered in the landscape's event, the trails
    on it in the snapshot's; the paint that follows only copies (one frame did it all: 48 ms)."""
    _, view, snaps = _snapshots("default", 20)
    canvas.set_landscape(view)
    canvas.show_snapshot(snaps[0])
    canvas.viewport().repaint()
    _, other, others = _snapshots("ravine", 20)
    rebuilds = canvas.frozen.rebuilds
    canvas.set_landscape(other)
    assert canvas.frozen.rebuilds == rebuilds + 1          # here, not in the paint
    canvas.show_snapshot(others[-1])
    assert canvas.frozen.chunks and all(c.painted for c in canvas.frozen.chunks)
    canvas.viewport().repaint()
    assert canvas.frozen.rebuilds == rebuilds + 1
    assert all(c.painted for c in canvas.frozen.chunks)


def test_tick_labels_that_get_shorter_do_not_move_the_view(canvas, qtbot):
    """A new plane relabels the axes; a left axis that narrowed moved the whole view between
    the backdrop's rendering and the paint, which rendered it again."""
    box = canvas.getPlotItem().getViewBox()
    box.setRange(xRange=(0, 1), yRange=(0, 250_000), padding=0)
    canvas.grab()
    qtbot.wait(20)
    canvas.grab()
    wide = box.sceneBoundingRect()
    box.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
    canvas.grab()
    qtbot.wait(20)
    canvas.grab()
    assert box.sceneBoundingRect() == wide


def test_export_frames_reuse_the_cached_backdrop(qtbot):
    """An exported window or canvas frame is rendered into an image of its own; the cache is
    keyed on the view, not on that image, so frames do not render the landscape again."""
    scenario, view, snaps = _snapshots("default", 6)
    renderer = FrameRenderer(scenario, view, (640, 400))
    try:
        renderer.render(snaps[0])
        rebuilds = renderer.canvas.frozen.rebuilds
        for snap in snaps[1:]:
            renderer.render(snap)
        assert renderer.canvas.frozen.rebuilds == rebuilds
    finally:
        renderer.close()


def test_an_svg_export_draws_the_trails_as_paths_and_the_landscape_once(qtbot):
    scenario, view, snaps = _snapshots("default", 30)
    renderer = FrameRenderer(scenario, view, (640, 400))
    try:
        svg = renderer.svg_bytes(snaps[-1]).decode()
    finally:
        renderer.close()
    # two rasters: the landscape, once (it was embedded twice), and the colour bar's scale
    assert svg.count("<image") == 2
    colour = renderer.theme.color("full_batch").lower()
    assert svg.lower().count(f'stroke="{colour}"') > 5      # its chunks, and the legend's line
