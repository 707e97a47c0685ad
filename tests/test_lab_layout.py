"""The lab window on small screens: it opens within the screen, fits 1024×768 with nothing cut,
scrolls any number of plots, follows the theme; its labels collide with nothing and its legends
sit off the data."""
import itertools

import numpy as np
import pytest
import pyqtgraph as pg
from PySide6.QtCore import QRect

from gdviz.ui.lab import figure as lab_figure
from gdviz.ui.lab.window import LabWindow
from test_screens import cut_off_texts
from tests.axis_ticks import tick_label_rects


@pytest.fixture(scope="module")
def result():
    from gdviz.core.lab import Lab, LabSettings
    from gdviz.scenario import load
    # the lesson's lab on every other batch size: three regimes, theory and copies band
    lab = Lab(load("lesson-7-critical-batch"),
              LabSettings(batch_sizes=(1, 4, 16, 64, 256, 1024, 4096, 16384)))
    return lab.run()      # counted on the copies' mean, summarized


def _lab(qtbot, result, size, theme=None):
    lab = LabWindow()
    qtbot.addWidget(lab)
    if theme is not None:
        lab.apply_theme(theme)
    lab.result = result
    lab.figure.update_result(result)
    lab.fit_screen(*size)
    lab.show()
    qtbot.waitExposed(lab)
    # built a plot per turn; those on screen up to date (`plots` brings the others)
    qtbot.waitUntil(lambda: lab.figure.idle, timeout=20_000)
    for _ in range(5):
        qtbot.wait(1)
    return lab


def _close(lab):
    lab.close()
    lab.shutdown()


@pytest.mark.parametrize("size", [(1024, 768), (1366, 768)])
def test_the_lab_fits_a_laptop_and_cuts_nothing(qtbot, result, size):
    lab = _lab(qtbot, result, size)
    try:
        assert lab.width() <= size[0] and lab.height() <= size[1]
        window = QRect(0, 0, lab.width(), lab.height())
        for w in (lab.bar, lab.run_button, lab.export_button, lab.cancel_button,
                  lab.cloud_button):
            assert w.isVisible()
            r = QRect(w.mapTo(lab, w.rect().topLeft()), w.size())
            assert window.contains(r), (w, r, window)
        assert cut_off_texts(lab) == []
        viewport = lab.figure.scroll.viewport()
        for plot in lab.plots:
            widget = plot.widget
            item = widget.getPlotItem()
            # the plot's drawing fits its widget (no axis, title or legend runs past its edge)
            assert item.sceneBoundingRect().width() <= widget.width() + 1, plot
            assert widget.width() >= lab_figure.PLOT_MIN[0]
            # and the widget lies across the viewport's width (no plot behind the scroll bar)
            left = widget.mapTo(viewport, widget.rect().topLeft()).x()
            assert 0 <= left and left + widget.width() <= viewport.width() + 1
    finally:
        _close(lab)


def test_the_lab_opens_within_the_screen_and_folds_the_cloud_on_small_ones(qtbot):
    lab = LabWindow()
    qtbot.addWidget(lab)
    try:
        lab.fit_screen(1024, 768)
        assert (lab.width(), lab.height()) == (1024, 768)
        assert not lab.inset.isVisibleTo(lab) and not lab.cloud_button.isChecked()
        lab.cloud_button.click()
        assert lab.inset.isVisibleTo(lab)
        lab.fit_screen(1920, 1080)
        assert lab.inset.isVisibleTo(lab) and (lab.width(), lab.height()) == (1580, 1000)
        hint = lab.minimumSizeHint()
        assert hint.width() <= 1024 and hint.height() <= 768, hint
    finally:
        _close(lab)


def _label_rects(plot):
    scene = plot.widget.scene()
    return [(it, it.sceneBoundingRect()) for it in scene.items()
            if isinstance(it, pg.TextItem) and it.isVisible() and it.textItem.toPlainText()]


@pytest.mark.parametrize("size", [(1024, 768), (1920, 1080)])
def test_labels_collide_with_nothing_and_legends_sit_off_the_data(qtbot, result, size):
    lab = _lab(qtbot, result, size)
    try:
        lab.grab()                       # paint: the labels' transforms are the drawn ones
        shown = 0
        for plot in lab.plots:
            item = plot.widget.getPlotItem()
            view = item.vb.sceneBoundingRect()
            rects = _label_rects(plot)
            shown += len(rects)
            for (a, ra), (b, rb) in itertools.combinations(rects, 2):
                assert not ra.intersects(rb), (plot, a.textItem.toPlainText(),
                                               b.textItem.toPlainText())
            for it, r in rects:
                assert view.contains(r), (plot, it.textItem.toPlainText())
            legend = getattr(item, "legend", None)
            if legend is not None and legend.isVisible():
                assert not legend.sceneBoundingRect().intersects(view), plot
        assert shown >= 10                 # regimes, fit text, line and point labels
        steps, tradeoff = lab.plots[0], lab.plots[2]
        names = [t.textItem.toPlainText().replace("\n", " ") for t, _ in _label_rects(steps)]
        assert "perfect scaling" in names and "no further benefit" in names
        # plot 3: no point label on the B_crit star or on any marker
        marks = [pg.Point(*p) for p in zip(*tradeoff.points.getData())] + \
                [pg.Point(*p) for p in zip(*tradeoff.crit.getData())]
        vb = tradeoff.item.vb
        for it, r in _label_rects(tradeoff):
            for m in marks:
                assert not r.contains(vb.mapViewToScene(m)), it.textItem.toPlainText()
    finally:
        _close(lab)


def test_perfect_scaling_line_stays_near_the_data_and_the_axis_fits_them():
    from gdviz.ui.lab.steps_plot import perfect_scaling
    b = np.array([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024.0])
    med = np.full(11, 100.0) / np.sqrt(b)
    x, y = perfect_scaling(b, med, 0.5 * med.min())
    assert y.min() == pytest.approx(0.5 * med.min())
    np.testing.assert_allclose(y * x, 100.0)          # still S(B₀)·B₀/B where drawn
    assert x[-1] < 1024


def test_plot_1_y_axis_is_set_by_the_data_not_the_ideal_line(qtbot, result):
    lab = _lab(qtbot, result, (1920, 1080))
    try:
        steps = lab.plots[0]
        lo, hi = steps.item.vb.viewRange()[1]
        _, q1 = steps.q1.getData()
        assert lo >= np.nanmin(q1) - 0.5          # within half a decade under the lowest data
    finally:
        _close(lab)


def test_the_heatmap_has_a_numbered_colour_bar(qtbot, result):
    from gdviz.ui.lab.heatmap_plot import cell_summary
    lab = _lab(qtbot, result, (1920, 1080))
    try:
        heat = lab.plots[4]
        med = cell_summary(result)[0]
        lo, hi = np.log10(np.nanmin(med)), np.log10(np.nanmax(med))
        assert heat.bar.levels() == pytest.approx((lo, hi))
        ticks = heat.bar.axis._tickLevels[0]
        assert len(ticks) >= 2 and all(float(t) > 0 for _, t in ticks)
        for v, t in ticks:
            assert 10 ** v == pytest.approx(float(t), rel=0.01)
        assert heat.bar.isVisible() and heat.bar.sceneBoundingRect().width() > 10
    finally:
        _close(lab)


def test_the_lab_follows_the_dark_theme(qtbot, result):
    from gdviz.ui.theme import DARK, LIGHT
    lab = _lab(qtbot, result, (1024, 768), theme=DARK)
    try:
        image = lab.plots[0].widget.grab().toImage()
        corner = image.pixelColor(3, 3)
        assert corner.lightness() < 60, corner.name()
        lab.apply_theme(LIGHT)
        image = lab.plots[0].widget.grab().toImage()
        assert image.pixelColor(3, 3).lightness() > 200
    finally:
        _close(lab)


def test_any_number_of_plots_flows_into_the_grid(qtbot, monkeypatch, result):
    extra = lab_figure.plot_makers

    def more():
        return extra() + extra()[:3]
    monkeypatch.setattr(lab_figure, "plot_makers", more)
    lab = _lab(qtbot, result, (1024, 768))
    try:
        assert len(lab.plots) == 9 + 2      # and the scenario's memory and generalization
        grid = lab.figure.grid
        assert grid.columns == 2
        assert all(p.widget.isVisibleTo(lab) for p in lab.plots)
        lab.resize(1580, 1000)
        qtbot.wait(5)
        assert grid.columns == 3
    finally:
        _close(lab)
    assert lab_figure.columns_for(1000, 1) == 1
    assert lab_figure.figure_size(8)[1] > lab_figure.figure_size(6)[1]


def _fifteen_sizes(result):
    """The fixture's lab drawn on lesson 7's fifteen batch sizes (1 … 16384): each new size
    repeats a neighbour's cells (only the drawing is tested)."""
    import dataclasses
    k = len(result.batch_sizes)
    pick = np.minimum(np.arange(15) // 2, k - 1)
    return dataclasses.replace(
        result, batch_sizes=2 ** np.arange(15), steps=result.steps[pick],
        examples=result.examples[pick], time=result.time[pick], status=result.status[pick],
        done=np.ones(15, bool), best=tuple(result.best[i] for i in pick), curves=(), others=())


@pytest.mark.parametrize("size", [(1024, 768), (1920, 1080)])
def test_the_heatmap_tick_labels_do_not_overlap_with_fifteen_batch_sizes(qtbot, result, size):
    many = _fifteen_sizes(result)
    lab = _lab(qtbot, many, size)
    try:
        heat = lab.plots[4]
        lab.grab()
        for name in ("bottom", "left"):
            rects = tick_label_rects(heat.item.getAxis(name))
            assert len(rects) >= 4, name
            for (ra, a), (rb, b) in itertools.combinations(rects, 2):
                assert not ra.adjusted(-2, 0, 2, 0).intersects(rb), (name, a, b)
        shown = [t for _, t in tick_label_rects(heat.item.getAxis("bottom"))]
        assert "1" in shown and "16384" in shown          # the ends are always named
    finally:
        _close(lab)


def test_every_heatmap_colours_its_cells_as_its_colour_bar_says(qtbot, result):
    from gdviz.ui.lab.heatmap_plot import HeatmapPlot, cell_summary
    med = cell_summary(result)[0]
    fewest = np.unravel_index(np.nanargmin(med), med.shape)
    most = np.unravel_index(np.nanargmax(med), med.shape)
    for _ in range(3):               # a second and third lab window, as a user opens them
        heat = HeatmapPlot()
        heat.update(result)
        bar = heat.bar.colorMap()
        for cell, at in ((fewest, 0.0), (most, 1.0)):   # the bar's bottom is the fewest steps
            drawn = heat.image.image[cell][:3].astype(int)
            said = np.asarray(bar.map(np.array([at]), mode="byte"))[0][:3].astype(int)
            assert np.abs(drawn - said).max() <= 2, (cell, drawn, said)
        heat.widget.close()
