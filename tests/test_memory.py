"""Issue 24, part 2: the memory of one step, computed from the layer widths, equals what torch's
own CPU memory profiler counts; on CUDA (when present) the allocator's peak is measured."""
import pytest

from gdviz.mlp.memory import (analytic_step_text, format_bytes, largest_batch, n_params,
                              step_memory)


@pytest.mark.parametrize("sizes,b,opt,act", [
    ((2, 16, 16, 1), 1, "sgd", "tanh"),
    ((2, 16, 16, 1), 37, "adam", "tanh"),
    ((2, 64, 1), 200, "momentum", "relu"),
    ((1, 8, 8, 8, 1), 13, "rmsprop", "tanh"),
])
def test_the_computed_memory_is_what_the_cpu_profiler_counts(sizes, b, opt, act):
    pytest.importorskip("torch")
    from gdviz.mlp.memory_probe import profiled_step
    after_forward, after_step = profiled_step(sizes, b, opt, act)
    m = step_memory(sizes, b, opt)
    assert after_forward == m.batch + m.activations          # what the backward pass needs
    # after the step: the activations are freed; the batch and the 4-byte loss are still
    # referenced; gradients and optimizer state now exist
    assert after_step == m.batch + 4 + m.grads + m.optimizer_state


def test_the_parts_and_their_growth_with_b():
    m1, m2 = step_memory((2, 16, 16, 1), 1, "adam"), step_memory((2, 16, 16, 1), 101, "adam")
    p = n_params((2, 16, 16, 1))
    assert p == 337 and m1.params == m1.grads == 4 * p
    assert m1.optimizer_state == 4 * (2 * p + 6)          # two moments, six step counters
    assert m1.fixed == m2.fixed                           # parameters etc. do not grow with B
    assert m2.per_batch - m1.per_batch == 100 * 4 * (2 + 1 + 16 + 16 + 1)
    assert step_memory((2, 16, 16, 1), 1, "sgd").optimizer_state == 0


def test_the_largest_batch_that_fits():
    sizes = (2, 16, 16, 1)
    limit = step_memory(sizes, 500, "sgd").total
    assert largest_batch(sizes, "sgd", limit) == 500
    assert largest_batch(sizes, "sgd", limit - 1) == 499
    assert largest_batch(sizes, "sgd", limit, n=300) == 300
    assert largest_batch(sizes, "sgd", 10) == 0
    assert format_bytes(4 * 2**30) == "4 GB" and format_bytes(1536) == "1.5 KB"
    assert "2 numbers" in analytic_step_text(32) and "512 B" in analytic_step_text(32)


def test_cuda_peak_around_one_step():
    """Run on a GPU: the allocator's peak is at least the computed holding and, for a large
    batch (where the allocator's 512-byte rounding no longer matters), within 3x of it."""
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device: run benchmarks/gpu_memory.py on a GPU")
    from gdviz.mlp.memory_probe import cuda_step_peak
    for b in (1, 1024, 65536):
        peak = cuda_step_peak((2, 16, 16, 1), b, "adam")
        computed = step_memory((2, 16, 16, 1), b, "adam").total
        assert peak >= computed
        if b >= 65536:
            assert peak <= 3 * computed


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
    assert abs(10 ** ys[0] - step_memory(sizes, 1, scenario.optimizer).total) < 1e-6 * 10 ** ys[0]
    plot.set_limit(step_memory(sizes, 1000, scenario.optimizer).total)
    assert plot.largest_fit() == 1000 and "1,000" in plot.limit_line.label.format
    plot.set_scenario(load("default"))                 # two parameters: says why it is tiny
    assert plot.largest_fit() is None and "two parameters" in plot.limit_line.label.format


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
    assert figure == format_bytes(step_memory(sizes, 32, scenario.optimizer).total)
    assert "activations kept for the backward pass" in why
    w.close()
