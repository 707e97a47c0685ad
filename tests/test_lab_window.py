"""The lab window: menu Lab / key B, a worker thread with progress and Cancel, the plots."""
import numpy as np
import pytest

from gdviz import scenario as sc
from gdviz.ui.lab.heatmap_plot import lr_to_row
from gdviz.ui.lab.window import LabWindow
from gdviz.ui.main_window import MainWindow

WAIT_MS = 30_000


@pytest.fixture
def main_window(qtbot):
    windows = []

    def make(scenario):
        w = MainWindow(scenario)
        windows.append(w)
        w.resize(1280, 860)
        w.show()
        qtbot.waitExposed(w)
        return w

    yield make
    for w in windows:
        w.close()


def test_key_b_opens_the_lab_and_the_plots_fill(qtbot, main_window):
    scenario = sc.load("ravine").with_changes(n_examples=64, epochs=30.0)
    w = main_window(scenario)
    assert w.actions_["lab"].shortcut().toString() == "B"
    assert "Lab" in [a.text().replace("&", "") for a in w.menuBar().actions()]
    w.actions_["lab"].trigger()
    lab = w.lab_window
    qtbot.waitUntil(lambda: not lab.running, timeout=WAIT_MS)
    assert lab.bar.value() == 100 and not lab.cancel_button.isEnabled()
    assert "Done." in lab.header.text()
    result = lab.result
    reached = [p for p in result.best if p.steps_median is not None]
    steps_plot, examples_plot, tradeoff_plot, noise_plot, heatmap, time_plot = lab.plots[:6]
    x, y = steps_plot.median.getData()                 # log10 units: the axes are log-log
    np.testing.assert_allclose(10 ** x, [p.batch_size for p in reached])
    np.testing.assert_allclose(10 ** y, [p.steps_median for p in reached])
    x, y = examples_plot.median.getData()
    np.testing.assert_allclose(10 ** y, [p.examples_median for p in reached])
    x, y = time_plot.median.getData()
    np.testing.assert_allclose(10 ** y, [p.time_median for p in reached])
    x, y = noise_plot.simple.getData()
    assert len(x) == len(result.noise.losses) > 1
    assert heatmap.image.image.shape == (len(result.batch_sizes), len(result.lrs), 4)
    # image[B index, η index] whatever the app's global image axis order (the canvas: row-major)
    assert heatmap.image.axisOrder == "col-major"
    from gdviz.ui.lab.heatmap_plot import UNREACHED_RGBA, cell_summary
    med = cell_summary(result)[0]
    np.testing.assert_array_equal(np.isnan(med),
                                  np.all(heatmap.image.image == UNREACHED_RGBA, axis=-1))
    assert "B_crit" in lab.summary.text()
    # a cell names its median run, and a click loads that run into the main window
    from gdviz.ui.lab.heatmap_plot import describe_cell, median_run
    i = 1
    j = int(np.flatnonzero(result.lrs == result.best[1].lr)[0])
    seed, steps, status = median_run(result, i, j)
    seeds_steps = sorted(result.steps[i, j])
    assert status == "reached" and steps == seeds_steps[(len(seeds_steps) - 1) // 2]
    assert f"seed {seed}" in describe_cell(result, i, j)
    heatmap.pick(i, j)
    assert (w.scenario.batch_size, w.scenario.lr, w.scenario.seed, w.scenario.epochs) == (
        int(result.batch_sizes[i]), float(result.lrs[j]), seed, result.max_epochs)
    w.close()
    assert not lab.runner.thread.isRunning()          # closing the main window joins it


def test_cancel_stops_the_sweep_and_keeps_what_was_done(qtbot):
    lab = LabWindow()
    try:
        lab.show()
        big = sc.load("ravine").with_changes(n_examples=1000, epochs=200.0)
        with qtbot.waitSignal(lab.runner.progress, timeout=WAIT_MS):
            lab.start(big)
        lab.cancel()
        qtbot.waitUntil(lambda: not lab.running, timeout=WAIT_MS)
        assert "Cancelled" in lab.header.text()
        assert 0 < lab.bar.value() < 100
        assert lab.result is not None and not lab.result.complete
    finally:
        lab.shutdown()
        lab.close()


def test_a_scenario_the_lab_refuses_is_said_in_the_window(qtbot):
    from gdviz.core.lab import LabSettings
    lab = LabWindow()
    try:
        lab.start(sc.load("ravine"), LabSettings(batch_sizes=(10_000,)))
        qtbot.waitUntil(lambda: not lab.running, timeout=WAIT_MS)
        assert "cannot run this scenario" in lab.header.text() and "10000" in lab.header.text()
    finally:
        lab.shutdown()
        lab.close()


def test_learning_rates_map_to_rows_of_the_heatmap():
    lrs = np.array([0.01, 0.02, 0.04, 0.08])
    np.testing.assert_allclose(lr_to_row(lrs, [0.01, 0.04, 0.08]), [0, 2, 3])
    np.testing.assert_allclose(lr_to_row(lrs, [0.16, 0.005]), [4, -1])
    np.testing.assert_allclose(lr_to_row(lrs, [np.sqrt(0.02 * 0.04)]), [1.5])


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_sweep_writes_the_plots(qtbot, tmp_path, capsys, suffix):
    from PySide6.QtGui import QImage
    from gdviz.cli import main
    out = tmp_path / f"lab.{suffix}"
    assert main(["sweep", "ravine", "--seeds", "2", "--max-epochs", "20", "--batch-sizes",
                 "1,8,64,200", "--lrs", "0.005,0.02,0.05,0.1", "--out", str(out)]) == 0
    assert [p.name for p in tmp_path.iterdir()] == [out.name]        # no temporary file left
    if suffix == "png":
        from gdviz.ui.lab.figure import FIGURE_SIZE
        image = QImage(str(out))
        assert (image.width(), image.height()) == FIGURE_SIZE
        assert len({image.pixel(x, y) for x in range(0, FIGURE_SIZE[0], 37)
                    for y in range(0, FIGURE_SIZE[1], 37)}) > 20
    else:
        text = out.read_text()
        assert text.lstrip().startswith("<?xml") and "<svg" in text and "Steps to target" in text
