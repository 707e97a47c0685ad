"""At a device pixel ratio of 2 (4K at 200 %) the canvas's markers keep their logical outline:
pyqtgraph's pens are cosmetic (device pixels), so the current-position markers' outline and the
start symbols' ring came out half as thick (1 logical px against 2, 1.5 against 3)."""
import os
import subprocess
import sys
from pathlib import Path


def _probe(ratio: int) -> list[float]:
    here = Path(__file__).resolve().parent
    env = dict(os.environ, QT_SCALE_FACTOR=str(ratio), QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=os.pathsep.join([str(here.parent), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, str(here / "dpr_marks_probe.py")], env=env,
                         check=True, capture_output=True, text=True, timeout=120).stdout.split()
    return [float(v) for v in out[-3:]]


def test_marker_outlines_keep_their_logical_width_at_a_device_pixel_ratio_of_2():
    one, two = _probe(1), _probe(2)
    assert one[0] == 1.0 and two[0] == 2.0
    assert one[1] >= 1.5 and one[2] >= 2.0, one          # the probe sees the outlines at all
    for at_one, at_two in zip(one[1:], two[1:]):
        assert abs(at_two - at_one) <= 0.5, (one, two)


def test_overlay_pens_follow_the_device_pixel_ratio(qapp):
    import pyqtgraph as pg
    from gdviz.ui.overlays import _pen_ratio
    plot = pg.PlotWidget()
    try:
        assert _pen_ratio(plot.getPlotItem()) == max(1.0, plot.devicePixelRatioF())
        assert _pen_ratio(pg.PlotItem()) == 1.0       # not in a view yet
    finally:
        plot.close()
        plot.deleteLater()


def _lab_probe(ratio: int) -> list[float]:
    here = Path(__file__).resolve().parent
    env = dict(os.environ, QT_SCALE_FACTOR=str(ratio), QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=os.pathsep.join([str(here.parent), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, str(here / "dpr_lab_probe.py")], env=env,
                         check=True, capture_output=True, text=True, timeout=120).stdout.split()
    return [float(v) for v in out[-2:]]


def test_lab_lines_keep_their_logical_width_at_a_device_pixel_ratio_of_2():
    # the lab's 2-px curves came out 1 logical px thin at 200 %
    one, two = _lab_probe(1), _lab_probe(2)
    assert one == [1.0, 2.0] and two[0] == 2.0, (one, two)
    assert two[1] == one[1], (one, two)


def test_a_lab_pen_set_anew_is_widened_again(qapp, monkeypatch):
    import pyqtgraph as pg
    from gdviz.ui.lab._plot import make_plot, scale_pens
    plot = make_plot("t", "x", "y")
    try:
        monkeypatch.setattr(plot, "devicePixelRatioF", lambda: 2.0)
        line = pg.PlotDataItem([1, 2], [1, 2], pen=pg.mkPen("#123456", width=2.5))
        plot.getPlotItem().addItem(line)
        scale_pens(plot)
        assert line.opts["pen"].widthF() == 5.0
        scale_pens(plot)                                   # every paint: not widened twice
        assert line.opts["pen"].widthF() == 5.0
        line.setPen(pg.mkPen("#123456", width=1.5))        # an update sets its pen anew
        scale_pens(plot)
        assert line.opts["pen"].widthF() == 3.0
    finally:
        plot.close()
        plot.deleteLater()


def _panels_probe(ratio: int) -> dict[str, float]:
    here = Path(__file__).resolve().parent
    env = dict(os.environ, QT_SCALE_FACTOR=str(ratio), QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=os.pathsep.join([str(here.parent), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, str(here / "dpr_panels_probe.py")], env=env,
                         check=True, capture_output=True, text=True, timeout=120).stdout
    rows = [line.split() for line in out.splitlines() if len(line.split()) == 2]
    return {name: float(value) for name, value in rows}


def test_panel_lines_keep_their_logical_width_at_a_device_pixel_ratio_of_2():
    # the loss plot, rhythm strip, data view, Network dock and the lab's cloud inset drew their
    # curves, ticks and rings half as thick at 200 % (1 logical px against 2-3 at 100 %)
    one, two = _panels_probe(1), _panels_probe(2)
    assert one["ratio"] == 1.0 and two["ratio"] == 2.0
    names = ("losses", "rhythm", "data_line", "data_ring", "network_line", "network_ring",
             "cloud_ellipse")
    for name in names:
        assert one[name] >= 1.5, (name, one)                # the probe sees the mark at all
        assert abs(two[name] - one[name]) <= 0.5, (name, one[name], two[name])


def test_per_point_pens_are_widened_once(qapp, monkeypatch):
    import pyqtgraph as pg
    from gdviz.ui.dpr_pens import follow_pixel_ratio, scale_pens
    plot = pg.PlotWidget()
    try:
        follow_pixel_ratio(plot)
        monkeypatch.setattr(plot, "devicePixelRatioF", lambda: 2.0)
        rings = pg.ScatterPlotItem(pen=pg.mkPen("#000", width=1.5))
        plot.addItem(rings)
        pen = pg.mkPen("#123456", width=1.5)
        rings.setData([0, 1, 2], [0, 1, 2], pen=[pen, pen, None])
        scale_pens(plot)
        scale_pens(plot)                                   # every paint: not widened twice
        assert rings.opts["pen"].widthF() == 3.0
        assert [p.widthF() for p in rings.data["pen"][:2]] == [3.0, 3.0]
        assert rings.data["pen"][2].style() == pg.QtCore.Qt.PenStyle.NoPen   # (None: no pen)
        rings.setData([0, 1], [0, 1], pen=[pen, pg.mkPen("#123456", width=2)])   # new data
        scale_pens(plot)
        scale_pens(plot)
        assert [p.widthF() for p in rings.data["pen"]] == [3.0, 4.0]
        assert pen.widthF() == 1.5                         # the caller's pen is not changed
    finally:
        plot.close()
        plot.deleteLater()
