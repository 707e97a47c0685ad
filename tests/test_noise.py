"""Gradient noise: batches sampled as training draws them, the measurement's standard error,
the noise scale, and the real network's per-example gradients."""
from itertools import combinations

import numpy as np
import pytest

from gdviz.core.landscapes import make_landscape
from gdviz.core.noise import measure_from_grads, measure_noise, noise_stats, sample_batches
from gdviz.lesson import LiveValues, default_lesson, live_latex, predicted_noise
from gdviz.lesson.live import tex_measured


@pytest.fixture
def one_thread():
    """As the app runs the network: small kernels on a busy machine are slower with more."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(before)


@pytest.mark.parametrize("n,b", [(10, 3), (10, 8), (40, 20)])   # redraw path; keys path
def test_batches_are_uniform_subsets_without_replacement(n, b):
    rng = np.random.default_rng(7)
    idx = sample_batches(n, b, 20_000, rng)
    assert idx.shape == (20_000, b)
    assert all(len(set(row)) == b for row in idx[:2000])
    assert idx.min() >= 0 and idx.max() < n
    counts = np.bincount(idx.ravel(), minlength=n) / len(idx)
    np.testing.assert_allclose(counts, b / n, atol=0.015)
    if n == 10:   # every subset equally likely (chi-square, 1e-6 false-alarm level)
        subsets = {s: k for k, s in enumerate(combinations(range(n), b))}
        seen = np.bincount([subsets[tuple(sorted(r))] for r in idx], minlength=len(subsets))
        expected = len(idx) / len(subsets)
        chi2 = float(np.sum((seen - expected) ** 2 / expected))
        dof = len(subsets) - 1
        assert chi2 < dof + 5 * np.sqrt(2 * dof)


def test_measurement_carries_draws_stderr_and_the_noise_scale():
    land = make_landscape("regression", 1000, seed=2)
    theta = np.array([0.0, 3.0])
    m = measure_noise(land, theta, 32, np.random.default_rng(0))
    stats = noise_stats(land, theta)
    assert m.draws >= 200 and 0 < m.stderr < 0.1 * m.measured
    assert m.predicted == pytest.approx(predicted_noise(stats.trace_sigma, 1000, 32))
    # the noise scale from the definition, by a plain loop over the examples
    grads = land.example_grads(theta, np.arange(1000))
    g = grads.mean(axis=0)
    trace = sum(float((gi - g) @ (gi - g)) for gi in grads) / 1000
    assert m.stats.noise_scale == pytest.approx(trace / float(g @ g), rel=1e-9)
    full = measure_noise(land, theta, 1000, np.random.default_rng(0))
    assert full.measured == 0.0 and full.stderr == 0.0 and full.predicted == 0.0


def test_prediction_lies_within_a_few_standard_errors_over_seeds():
    land = make_landscape("regression", 500, seed=3)
    z = []
    for seed in range(12):
        theta = np.random.default_rng(100 + seed).normal(0, 2, 2)
        for b in (1, 5, 40, 200, 450):
            m = measure_noise(land, theta, b, np.random.default_rng(seed))
            z.append((m.measured - m.predicted) / m.stderr)
    z = np.abs(z)
    assert z.max() < 4 and np.mean(z < 2) > 0.85 and np.mean(z < 3) > 0.97


@pytest.mark.parametrize("b", [1, 8, 300])
def test_standard_error_matches_the_spread_of_repeated_measurements(b):
    land = make_landscape("regression", 400, seed=5)
    theta = np.array([0.5, 1.5])
    rng = np.random.default_rng(11)
    runs = [measure_noise(land, theta, b, rng, draws=200) for _ in range(300)]
    spread = np.std([r.measured for r in runs], ddof=1)
    stated = np.sqrt(np.mean([r.stderr ** 2 for r in runs]))
    assert stated == pytest.approx(spread, rel=0.15)


def test_measured_is_shown_with_its_error_and_draws_and_the_noise_scale_beside_b():
    lesson = default_lesson()
    v = LiveValues(1000, 32, 32, 0.05, "mini_batch", (0.25, -1.5), (0.2, -1.25),
                   noise_measured=0.024817, noise_predicted=predicted_noise(0.8, 1000, 32),
                   trace_sigma=0.8, noise_stderr=0.00063, noise_draws=4000, grad_norm2=0.0064)
    lines = live_latex(lesson.formula("gradient_noise"), v)
    assert any(r"0.02482 \pm 0.00063" in line and r"4\,000" in line and "batches" in line
               for line in lines), lines
    scale = [line for line in lines if "simple" in line]
    assert scale and scale[0].endswith(r"\frac{0.8}{0.0064} = 125"), scale


def test_measured_digits_follow_the_standard_error():
    assert tex_measured(0.024817, 0.00063) == r"0.02482 \pm 0.00063"
    assert tex_measured(20.7653, 0.447) == r"20.77 \pm 0.45"
    assert tex_measured(123.4, 12.0) == r"123 \pm 12"
    assert tex_measured(2.0958e-05, 4.56e-07) == r"\left(2.096 \pm 0.046\right)\times 10^{-5}"
    assert tex_measured(0.0, 0.0) == r"0 \pm 0"
    assert tex_measured(0.5, None) == "0.5"
    assert tex_measured(None, 0.1) is None


# the real network --------------------------------------------------------------------------
def test_network_per_example_gradients_equal_a_loop_of_autograd_calls(one_thread):
    torch = one_thread
    from gdviz.mlp.model import MlpSpec, init_weights, to_module
    from gdviz.mlp.noise import per_example_grads
    x = torch.randn(12, 2, generator=torch.Generator().manual_seed(1))
    for activation, loss in (("tanh", "bce"), ("relu", "mse")):
        spec = MlpSpec((2, 8, 6, 1), activation, loss)
        w = init_weights(spec, 4)
        y = (x[:, :1] > 0).float() if loss == "bce" else torch.sin(x[:, :1])
        got = per_example_grads(spec, w, x, y)
        model = to_module(spec, w)
        loss_fn = torch.nn.BCEWithLogitsLoss() if loss == "bce" else torch.nn.MSELoss()
        for i in range(len(x)):
            model.zero_grad()
            loss_fn(model(x[i:i + 1]), y[i:i + 1]).backward()
            ref = torch.cat([p.grad.reshape(-1) for p in model.parameters()])
            torch.testing.assert_close(got[i], ref, rtol=1e-5, atol=1e-6)


def test_network_noise_is_measured_for_every_method(one_thread):
    from gdviz.core.simulation import Hyper
    from gdviz.mlp.datasets import make_dataset
    from gdviz.mlp.simulation import MlpSimulation
    ds = make_dataset("moons", 300, 0.2, seed=4)
    sim = MlpSimulation(ds, 16, Hyper(lr=0.1, epochs=1), hidden=(8, 8), device="cpu")
    sim.advance_to(64)
    rng = np.random.default_rng(0)
    for key, b in (("full_batch", 300), ("mini_batch", 16), ("stochastic", 1)):
        m = sim.measure_noise(key, rng)
        assert m.batch_size == b and m.n == 300 and m.draws >= 200
        if b == 300:
            assert m.measured == 0.0 and m.predicted == 0.0
        else:
            assert abs(m.measured - m.predicted) < 4 * m.stderr
        # tr Σ and |∇J|² from the same gradients the trainer uses
        _, g_full, _ = sim.evaluate(sim.run(key).trainer.w)
        assert m.stats.grad_norm2 == pytest.approx(float(g_full @ g_full), rel=1e-4)


def test_the_experiment_reports_noise_in_both_modes(one_thread):
    """What the worker sends the Formulas panel: measured ± stderr in both modes (the real
    network's card read 'not yet' forever before)."""
    from gdviz.experiment import Experiment
    from gdviz.scenario import load
    for name in ("default", "mlp-moons"):
        experiment = Experiment(load(name))
        experiment.sync()
        experiment.sim.advance_to(experiment.sim.tick_size() * 5)
        info = experiment.measure_noise("mini_batch", np.random.default_rng(0))
        assert info is not None, name
        assert info.method == "mini_batch" and info.batch_size == experiment.scenario.batch_size
        assert info.draws >= 200 and info.stderr > 0 and info.grad_norm2 > 0
        assert abs(info.measured - info.predicted) < 4 * info.stderr


def test_network_noise_without_materialising_gradients_matches_the_plain_computation(one_thread):
    torch = one_thread
    from gdviz.mlp.model import MlpSpec, init_weights
    from gdviz.mlp.noise import measure_noise as mlp_measure, per_example_grads
    spec = MlpSpec((2, 8, 8, 1), "tanh", "bce")
    w = init_weights(spec, 2)
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(200, 2, generator=gen)
    y = (x[:, :1] * x[:, 1:] > 0).float()
    grads = per_example_grads(spec, w.double(), x.double(), y.double()).numpy()
    for b in (1, 12, 150, 199):          # 150 and 199 draw the examples left out instead
        got = mlp_measure(spec, w, x, y, b, np.random.default_rng(b))
        ref = measure_from_grads(grads, b, np.random.default_rng(100 + b))
        assert got.stats.trace_sigma == pytest.approx(ref.stats.trace_sigma, rel=1e-10)
        assert got.stats.grad_norm2 == pytest.approx(ref.stats.grad_norm2, rel=1e-10)
        assert got.predicted == pytest.approx(ref.predicted, rel=1e-10)
        both = np.hypot(got.stderr, ref.stderr)
        assert abs(got.measured - ref.measured) < 4 * both
        assert abs(got.measured - got.predicted) < 4 * got.stderr
