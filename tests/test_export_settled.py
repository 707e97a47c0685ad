"""A window export's frame is the window as it stands once everything has painted and settled:
plots that size their axes while they paint are painted again until their layout is steady,
every frame shows its own panels (not ones throttled on the wall clock), and no plot is left a
black box."""
import numpy as np
import pytest


def _renderer(name, size, theme="light"):
    from gdviz.export.render import FrameRenderer, ensure_application
    from gdviz.scenario import load
    from gdviz.ui.contours import landscape_view
    ensure_application()
    scenario = load(name)
    sim = scenario.build()
    return FrameRenderer(scenario, landscape_view(sim.landscape, 48), size, "window",
                         theme), sim


def _rgb(image):
    from gdviz.export.render import to_rgb
    return to_rgb(image.copy())


def test_a_window_frame_is_what_a_second_paint_shows(qapp):
    # default at 1920x1080, 2 s in: the loss chart's tick labels widen its axis while the
    # frame paints; painted once, the export showed the axis (and the plot) 8 px off
    renderer, sim = _renderer("default", (1920, 1080))
    try:
        sim.advance_to(40 * sim.tick_size())
        first = _rgb(renderer.render(sim.snapshot()))
        again = _rgb(renderer.render(sim.snapshot()))
        differ = np.abs(first.astype(int) - again.astype(int)).max(axis=2) > 30
        assert differ.sum() == 0, np.argwhere(differ)[[0, -1]]
    finally:
        renderer.close()


def test_every_frame_of_a_clip_shows_its_own_panels(qapp):
    # the window redraws its panels a few times a second while playing; frames rendered
    # faster than that kept the first frame's counters and curves
    renderer, sim = _renderer("default", (1024, 768))
    try:
        cards = renderer.window.counters.cards
        for ticks in (3, 6, 9):
            sim.advance_to(ticks * sim.tick_size())
            snap = sim.snapshot()
            renderer.render(snap)
            for m in snap.methods:
                assert cards[m.key].values["updates"].text() == f"{m.updates:,}", (ticks, m.key)
    finally:
        renderer.close()


def _largest_black_block(rgb, step=2):
    """Area in pixels of the largest axis-aligned block of pure black (all channels <= 8)."""
    dark = rgb[::step, ::step].max(axis=2) <= 8
    h, w = dark.shape
    heights = np.zeros(w, int)
    best = 0
    for y in range(h):
        heights = np.where(dark[y], heights + 1, 0)
        stack = []
        for x in range(w + 1):
            hh = heights[x] if x < w else 0
            start = x
            while stack and stack[-1][1] >= hh:
                s, sh = stack.pop()
                best = max(best, sh * (x - s))
                start = s
            stack.append((start, hh))
    return best * step * step


def test_the_black_block_finder_finds_one():
    rgb = np.full((60, 80, 3), 40, np.uint8)
    rgb[10:40, 20:70] = 0
    assert 1200 <= _largest_black_block(rgb) <= 1500


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_no_plot_is_a_black_box_in_a_window_export(qapp, theme):
    # the first frame, the instant the window's layout settles: every plot already painted
    from PySide6.QtCore import QPoint
    import pyqtgraph as pg
    renderer, sim = _renderer("lesson-7-critical-batch", (1024, 768), theme)
    try:
        rgb = _rgb(renderer.render(sim.snapshot()))
        window = renderer.window
        plots = [v for v in window.findChildren(pg.GraphicsView) if v.isVisibleTo(window)]
        assert len(plots) >= 2
        for view in plots:
            corner = view.mapTo(window, QPoint(0, 0))
            part = rgb[corner.y():corner.y() + view.height(), corner.x():corner.x() + view.width()]
            if part.size == 0:
                continue
            block = _largest_black_block(part)
            assert block < 0.05 * view.width() * view.height(), (type(view).__name__, block)
    finally:
        renderer.close()
