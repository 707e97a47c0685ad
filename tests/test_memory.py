"""Issue 24, part 2: the memory of one step, computed from the layer widths, equals what torch's
own CPU memory profiler counts (what is kept, and the peak during a step); on CUDA (when present)
the allocator's peak grows with B as computed. No Qt here (the GPU machine has none): the GUI
checks are in tests/test_memory_gui.py."""
import pytest

from gdviz.mlp.memory import (analytic_step_text, format_bytes, largest_batch, n_params,
                              step_memory, step_peak)


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


@pytest.mark.parametrize("sizes,b,opt,act", [
    ((2, 16, 16, 1), 1, "sgd", "tanh"),
    ((2, 16, 16, 1), 37, "adam", "tanh"),
    ((2, 64, 1), 200, "momentum", "relu"),
    ((1, 8, 8, 8, 1), 13, "rmsprop", "tanh"),
    ((3, 40, 20, 3), 5, "nesterov", "relu"),         # peak in the optimizer step
    ((4, 300, 2), 1, "adam", "tanh"),                # Adam's two temporaries + the last denom
    ((5, 64, 64, 64, 1), 3, "rmsprop", "tanh"),
    ((784, 64, 64, 10), 300, "adam", "tanh"),
    ((2, 16, 16, 1), 1000, "rmsprop", "relu"),
])
def test_the_computed_peak_is_the_cpu_profilers_peak(sizes, b, opt, act):
    """The most bytes alive at once in one steady-state step, to the byte: the profiler's
    running sum of every allocation and free, plus the parameters and optimizer state."""
    pytest.importorskip("torch")
    from gdviz.mlp.memory_probe import profiled_peak
    peak, after = profiled_peak(sizes, b, opt, act)
    assert peak == step_peak(sizes, b, opt)[0] == step_memory(sizes, b, opt).peak
    m = step_memory(sizes, b, opt)
    assert after == m.fixed                   # the step's locals freed: params, grads, state


def test_the_peak_is_in_the_backward_pass_and_exceeds_what_is_kept():
    """At large B the peak is the backward pass through the last hidden layer: the batch, every
    saved activation, that layer's arriving gradient and tanh's backward result (B x 16 each),
    the last layer's .grad, the loss and its gradient: almost twice the kept per-example bytes."""
    sizes, b = (2, 16, 16, 1), 4096
    m = step_memory(sizes, b, "sgd")
    assert m.peak_at == "backward" and m.peak > m.total
    params = 4 * n_params(sizes)
    expected = params + 4 * b * (2 + 1 + 16 + 16 + 16 + 16) + 4 * (16 + 1) + 4 + 4
    assert m.peak == expected
    per_example = (step_memory(sizes, 2 * b, "sgd").peak - m.peak) / b
    assert per_example == 4 * 67 and per_example / (4 * (2 + 1 + 16 + 16 + 1)) > 1.8
    # at B = 1 with Adam the step's temporaries (sqrt, division) beat the activations
    assert step_memory((4, 300, 2), 1, "adam").peak_at == "optimizer step"


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
    limit = step_memory(sizes, 500, "sgd").peak
    assert largest_batch(sizes, "sgd", limit) == 500
    assert largest_batch(sizes, "sgd", limit - 1) == 499
    assert largest_batch(sizes, "sgd", limit, n=300) == 300
    assert largest_batch(sizes, "sgd", 10) == 0
    assert format_bytes(4 * 2**30) == "4 GB" and format_bytes(1536) == "1.5 KB"
    assert "2 numbers" in analytic_step_text(32) and "512 B" in analytic_step_text(32)


def test_cuda_peak_around_one_step():
    """Run on a GPU. The CUDA peak minus the peak at B = 1 (which removes the fixed overhead:
    cuBLAS's workspace and the allocator's rounding of the small tensors) equals the computed
    peak's growth from B = 1 within 5 % + 64 KiB (512-byte rounding of each of the step's
    tensors; CUDA kernels may differ from CPU ones in a few small temporaries)."""
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device: run benchmarks/gpu_memory.py on a GPU")
    from gdviz.mlp.memory_probe import cuda_step_peak
    sizes, opt = (2, 16, 16, 1), "adam"
    peak1, before1 = cuda_step_peak(sizes, 1, opt)
    computed1 = step_peak(sizes, 1, opt)[0]
    overhead = peak1 - computed1
    m1 = step_memory(sizes, 1, opt)
    print(f"fixed overhead at B = 1: {overhead:,} B (held before the step: {before1:,} B, of "
          f"which parameters + state {m1.params + m1.optimizer_state:,} B)")
    assert overhead >= 0
    for b in (32768, 262144):
        peak, _ = cuda_step_peak(sizes, b, opt, n=b)
        grown, computed = peak - peak1, step_peak(sizes, b, opt)[0] - computed1
        print(f"B = {b:,}: measured growth {grown:,} B, computed {computed:,} B")
        assert abs(grown - computed) <= 0.05 * computed + 64 * 1024


def test_an_analytic_step_counts_its_own_parameters():
    """Lesson 7's least squares has 100 parameters: its step holds B × 800 bytes, not the
    two-parameter figure the memory row and lab plot showed for every analytic landscape."""
    from gdviz.mlp.memory import analytic_dims, analytic_step_bytes
    from gdviz.scenario import load
    assert analytic_dims(load("lesson-7-critical-batch")) == 100
    assert analytic_dims(load("default")) == 2
    assert analytic_step_bytes(32, 100) == 32 * 100 * 8
    assert "100 numbers" in analytic_step_text(32, 100)
