import numpy as np
import pytest

from gdviz.core import sweep as sweep_module
from gdviz.core.batching import EpochSampler, updates_per_epoch
from gdviz.core.landscapes import make_landscape
from gdviz.core.simulation import Hyper, MethodRun
from gdviz.core.sweep import SweepResult, run_rng, sweep

N = 120
EPOCHS = 3
SIZES = [1, 7, 32, 120, 50, 7]          # a divisor-free mix, N itself, a duplicate
SEEDS = [0, 5, 11]
START = (0.7, -0.4)
RTOL = 1e-9


def direct(landscape, b, seed, epochs, lr, start, drop_last=False):
    """The engine's per-step path: EpochSampler batches, batch_grad, theta -= lr * g."""
    sampler = EpochSampler(landscape.n, b, run_rng(seed), drop_last)
    theta = np.array(start, float)
    after_epoch = [theta.copy()]
    while sampler.epochs_completed < epochs:
        batch, completed = sampler.next_batch()
        if len(batch) == landscape.n:
            batch = np.sort(batch)
        theta = theta - lr * landscape.batch_grad(theta, batch)
        if completed:
            after_epoch.append(theta.copy())
    return np.array(after_epoch)


def check_against_direct(landscape, lr, drop_last, sizes=SIZES, seeds=SEEDS, epochs=EPOCHS):
    result = sweep(landscape, sizes, seeds, epochs, lr, START, drop_last=drop_last)
    assert result.final_thetas.shape == (len(sizes), len(seeds), 2)
    assert result.final_losses.shape == (len(sizes), len(seeds))
    assert result.loss_curves.shape == (len(sizes), len(seeds), epochs + 1)
    for i, b in enumerate(sizes):
        rate = lr[i] if np.ndim(lr) else lr
        for j, seed in enumerate(seeds):
            path = direct(landscape, b, seed, epochs, rate, START, drop_last)
            scale = 1e-12 * max(1.0, np.abs(path).max())
            np.testing.assert_allclose(result.final_thetas[i, j], path[-1], rtol=RTOL, atol=scale)
            np.testing.assert_allclose(result.loss_curves[i, j], landscape.loss(path), rtol=RTOL)
    np.testing.assert_array_equal(result.final_losses, result.loss_curves[..., -1])
    return result


LANDSCAPES = [("ravine", 0.02), ("regression", 0.05), ("logistic", 0.5), ("himmelblau", 0.002),
              ("sharp_flat", 0.2)]


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("key,lr", LANDSCAPES)
def test_sweep_equals_the_per_step_path(key, lr, drop_last):
    check_against_direct(make_landscape(key, N, seed=2), lr, drop_last)


@pytest.mark.parametrize("key,lr", [("regression", 0.05), ("rosenbrock", 0.002), ("logistic", 0.5)])
def test_chunked_over_seeds_and_epochs_gives_the_same(monkeypatch, key, lr):
    landscape = make_landscape(key, N, seed=4)
    whole = sweep(landscape, SIZES, SEEDS, 5, lr, START)
    monkeypatch.setattr(sweep_module, "CHUNK_BYTES", 1)  # one seed, one epoch at a time
    chunked = check_against_direct(landscape, lr, False, epochs=5)
    np.testing.assert_allclose(chunked.final_thetas, whole.final_thetas, rtol=RTOL, atol=1e-12)


def test_sweep_matches_method_run_itself():
    landscape = make_landscape("regression", N, seed=1)
    result = sweep(landscape, [1, 16, N], [3, 8], 4, 0.05, START)
    for i, b in enumerate([1, 16, N]):
        for j, seed in enumerate([3, 8]):
            run = MethodRun("mini_batch", landscape, b, START, Hyper(lr=0.05, epochs=4.0),
                            run_rng(seed))
            while run.status == "running":
                run.step()
            assert run.updates == 4 * updates_per_epoch(N, b)
            np.testing.assert_allclose(result.final_thetas[i, j], run.theta, rtol=RTOL)
            assert result.final_losses[i, j] == pytest.approx(run.loss, rel=RTOL)


def test_one_learning_rate_per_batch_size():
    landscape = make_landscape("ravine", N, seed=2)
    check_against_direct(landscape, [0.01, 0.02, 0.03, 0.04, 0.05, 0.06], False)


def test_result_fields_and_common_random_numbers():
    landscape = make_landscape("regression", N, seed=2)
    result = sweep(landscape, [32, 7, 32], [0, 1], 2, 0.05, START)
    assert isinstance(result, SweepResult)
    assert result.batch_sizes.tolist() == [32, 7, 32] and result.seeds == (0, 1)
    assert result.updates_per_epoch.tolist() == [4, 18, 4]
    np.testing.assert_array_equal(result.final_thetas[0], result.final_thetas[2])
    np.testing.assert_allclose(result.loss_curves[..., 0], landscape.loss(np.array(START)))
    assert not np.allclose(result.final_thetas[:, 0], result.final_thetas[:, 1])
    with pytest.raises(Exception):
        result.final_losses = None


def test_full_batch_runs_agree_across_seeds():
    landscape = make_landscape("himmelblau", N, seed=2)
    result = sweep(landscape, [N], [0, 1, 2], 3, 0.002, START)
    np.testing.assert_allclose(result.final_thetas[0], result.final_thetas[0, :1].repeat(3, 0),
                               rtol=1e-12)


def test_divergence_is_reported_not_raised():
    landscape = make_landscape("regression", N, seed=2)
    result = sweep(landscape, [1, N], [0], 3, 50.0, START)
    assert not np.all(np.isfinite(result.final_losses))


@pytest.mark.parametrize("sizes,seeds,epochs", [([0], [0], 1), ([N + 1], [0], 1), ([], [0], 1),
                                                ([4], [], 1), ([4], [0], -1)])
def test_bad_arguments(sizes, seeds, epochs):
    with pytest.raises(ValueError):
        sweep(make_landscape("regression", N, seed=2), sizes, seeds, epochs, 0.05, START)


def test_zero_epochs_returns_the_start():
    landscape = make_landscape("logistic", N, seed=2)
    result = sweep(landscape, [4, 8], [0, 1], 0, 0.5, START)
    np.testing.assert_array_equal(result.final_thetas, np.broadcast_to(START, (2, 2, 2)))
    assert result.loss_curves.shape == (2, 2, 1)

