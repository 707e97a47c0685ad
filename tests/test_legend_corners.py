"""Where the legend and the arrow note go: pure geometry, tested without a widget
(``gdviz.ui.legend_corners``; the canvas measures the boxes and applies the choice)."""
from types import SimpleNamespace

import numpy as np

from gdviz.ui.legend_corners import (CORNERS, best_corner, best_two_corners, corner_anchor,
                                     corner_rect, legend_obstacles)


def test_legend_corner_avoids_key_points_first_then_trails():
    view, box, legend = (0, 10, 0, 10), (1000, 1000), (200, 100)
    # a start in the bottom left: the legend goes to the bottom right
    key = np.array([[0.5, 0.5]])
    assert best_corner(key, np.zeros((0, 2)), view, box, legend, 10, (False, True)) == (True, True)
    # trails everywhere but the top right
    trail = np.array([[1, 1], [9, 1], [1, 9]], float)
    assert best_corner(np.zeros((0, 2)), trail, view, box, legend, 10, (False, True)) == \
        (True, False)
    # the arrow note's corner is never chosen
    assert best_corner(key, trail, view, box, legend, 10, (False, True),
                       taken=[(True, False), (True, True)]) == (False, False)


def test_the_arrow_note_and_the_legend_never_overlap_on_a_narrow_plot():
    """At 1024x768 in presentation mode the note (~430 px) and the legend (~240 px) do not fit
    side by side in a 660 px plot: they must take different rows, not two bottom corners."""
    view, box, legend, note = (0, 1, 0, 1), (660.0, 460.0), (240.0, 110.0), (430.0, 70.0)
    empty = np.zeros((0, 2))
    for legend_now in CORNERS:
        for note_now in CORNERS:
            note_c, legend_c = best_two_corners(empty, empty, view, box, legend, note, 10,
                                                legend_now, note_now)
            a, b = corner_rect(note_c, note, box, 10), corner_rect(legend_c, legend, box, 10)
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


def _method(key, trail, status="running", start=(0.0, 0.0)):
    return SimpleNamespace(key=key, trail=np.asarray(trail, float), start=start, status=status)


def test_the_obstacles_are_starts_last_points_minima_and_a_diverged_badge():
    view, box = (0.0, 10.0, 0.0, 10.0), (1000.0, 500.0)
    methods = [_method("full_batch", [[1, 1], [2, 2]], start=(1, 1)),
               _method("stochastic", [[5, 5], [6, 6], [np.nan, np.nan]], "diverged", (5, 5)),
               _method("mini_batch", [[9, 9]], start=(9, 9))]
    key, trail = legend_obstacles(methods, {"mini_batch"}, np.array([[3.0, 4.0]]),
                                  {"stochastic": (100.0, 20.0)}, view, box, lambda p: tuple(p))
    # start and last finite point of each shown method, 12 points over the badge, the minimum
    assert len(key) == 2 + 2 + 12 + 1
    np.testing.assert_array_equal(key[:4], [[1, 1], [2, 2], [5, 5], [6, 6]])
    np.testing.assert_array_equal(key[-1], [3, 4])
    badge = key[4:16]
    # the badge runs right of the last finite point (100 px = 1 data unit) and above it
    assert badge[:, 0].min() == 6 and badge[:, 0].max() == 7
    assert np.all(badge[:, 1] > 6)
    assert len(trail) == 2 + 3 and not np.any(np.isin(trail, [9.0]))    # the hidden one is out


def test_a_corner_anchors_its_item_inside_the_margin():
    assert corner_anchor((False, True), 10) == ((0, 1), (10, -10))
    assert corner_anchor((True, False), 10) == ((1, 0), (-10, 10))
    assert {corner_anchor(c, 5)[0] for c in CORNERS} == {(0, 0), (0, 1), (1, 0), (1, 1)}
