"""Issue 24, part 2, on screen: the lab's memory plot and the counters/lesson show the peak of one
step (kept apart from tests/test_memory.py, which the Qt-less GPU machine runs)."""
from gdviz.mlp.memory import format_bytes, largest_batch, step_memory


def test_the_lab_plots_memory_against_b_with_the_limit_and_the_largest_fit(qtbot):
    from gdviz.scenario import load
    from gdviz.ui.lab.memory_plot import MemoryPlot
    plot = MemoryPlot()
    qtbot.addWidget(plot.widget)
    scenario = load("mlp-moons")
    plot.set_scenario(scenario)
    sizes = (2, *scenario.mlp.hidden, 1)
    fit = largest_batch(sizes, scenario.optimizer, 4 * 2**30)
    assert plot.largest_fit() == fit and f"{fit:,}" in plot.limit_line.label.format
    xs, ys = plot.curve.getData()
    assert abs(10 ** ys[0] - step_memory(sizes, 1, scenario.optimizer).peak) < 1e-6 * 10 ** ys[0]
    plot.set_limit(step_memory(sizes, 1000, scenario.optimizer).peak)
    assert plot.largest_fit() == 1000 and "1,000" in plot.limit_line.label.format
    plot.set_scenario(load("default"))                 # two parameters: says why it is tiny
    assert plot.largest_fit() is None and "with 2 parameters" in plot.limit_line.label.format


def test_the_counters_and_the_lesson_table_show_the_memory(qtbot):
    from gdviz.mlp.memory import memory_label
    from gdviz.scenario import load
    from gdviz.ui.main_window import MainWindow
    w = MainWindow(load("default"))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.snapshot is not None, timeout=10_000)
    w._draw_panels()
    n = w.scenario.n_examples
    assert w.counters.cards["full_batch"].values["memory"].text() == format_bytes(16 * n)
    assert "2 numbers" in w.counters.cards["stochastic"].values["memory"].toolTip()
    from gdviz.ui.panels.lesson import ComparisonTable
    table = w.lesson.findChildren(ComparisonTable)[0]
    assert [c.text() for c in table._cells["memory"]][2].startswith(format_bytes(16))
    scenario = load("mlp-moons")
    figure, why = memory_label(scenario, 32)
    sizes = (2, *scenario.mlp.hidden, 1)
    assert figure == format_bytes(step_memory(sizes, 32, scenario.optimizer).peak)
    assert "activations kept for the backward pass" in why
    w.close()
