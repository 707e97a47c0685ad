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
