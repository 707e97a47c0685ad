"""The gradient cloud: per-example gradients from the landscape, the next batch, and the
covariance ellipse of g_B checked against batches enumerated and sampled in plain loops."""
import itertools
import math

import numpy as np
import pytest

from gdviz import scenario as sc
from gdviz.core.gradient_cloud import (MAX_SHOWN, batch_covariance, ellipse_area,
                                       ellipse_points, gradient_cloud)


def fd_example_grads(landscape, theta, h=1e-6):
    """∇ℓᵢ(θ) by central differences of each example's own loss, one example at a time."""
    out = []
    for i in range(landscape.n):
        g = []
        for k in range(2):
            e = np.zeros(2)
            e[k] = h
            up = landscape.example_losses(theta + e, np.array([i]))[0]
            down = landscape.example_losses(theta - e, np.array([i]))[0]
            g.append((up - down) / (2 * h))
        out.append(g)
    return np.array(out)


def polygon_area(points):
    x, y = points[:, 0], points[:, 1]
    return 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))


def run_after(name, steps, **changes):
    sim = sc.load(name).with_changes(**changes).build()
    run = sim.run("mini_batch")
    for _ in range(steps):
        run.step()
    return run


@pytest.mark.parametrize("name", ["default", "ravine"])
def test_ellipse_area_is_that_of_every_batch_enumerated(name):
    n = 10
    sizes = set()
    for b in (1, 3, 7, 10):
        run = run_after(name, 5, n_examples=n, batch_size=b)
        cloud = gradient_cloud(run)
        b = cloud.batch_size            # the next batch's: 7 of 10 leaves a batch of 3 next
        sizes.add(b)
        grads = fd_example_grads(run.landscape, cloud.theta)
        means = np.array([grads[list(c)].mean(axis=0)
                          for c in itertools.combinations(range(n), b)])
        centred = means - means.mean(axis=0)
        cov = centred.T @ centred / len(means)      # every batch equally likely
        np.testing.assert_allclose(cloud.covariance, cov, rtol=1e-5, atol=1e-9)
        expected = math.pi * math.sqrt(max(np.linalg.det(cov), 0.0))
        assert ellipse_area(cloud.covariance) == pytest.approx(expected, rel=1e-4, abs=1e-12)
        ring = ellipse_points(cloud.full, cloud.covariance, count=2000)
        assert polygon_area(ring) == pytest.approx(expected, rel=1e-4, abs=1e-12)
        np.testing.assert_allclose(ring[:-1].mean(axis=0), cloud.full, atol=1e-9)   # closed
        np.testing.assert_allclose(cloud.shown, grads, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(cloud.full, grads.mean(axis=0), rtol=1e-5, atol=1e-6)
    assert sizes == {1, 3, 10}


def test_ellipse_area_against_sampled_batches_and_it_shrinks_with_b():
    run = run_after("default", 3, n_examples=200, batch_size=16)
    cloud = gradient_cloud(run)
    grads = run.landscape.example_grads(cloud.theta, np.arange(200))
    rng = np.random.default_rng(3)
    means = np.array([grads[rng.choice(200, 16, replace=False)].mean(axis=0)
                      for _ in range(20_000)])
    sampled = math.pi * math.sqrt(np.linalg.det(np.cov(means.T)))
    assert ellipse_area(cloud.covariance) == pytest.approx(sampled, rel=0.05)
    areas = [ellipse_area(batch_covariance(cloud.sigma, 200, b)) for b in (1, 2, 4, 16, 64, 200)]
    assert all(a > b for a, b in zip(areas, areas[1:])) and areas[-1] == 0.0
    # in 2-D the area goes as 1/B times (N−B)/(N−1)
    assert areas[0] / areas[3] == pytest.approx(16 * 199 / 184)


def test_the_highlighted_batch_is_the_next_update_s_batch():
    run = run_after("default", 7, n_examples=50, batch_size=8)   # mid-epoch
    for _ in range(10):                                          # across an epoch's end too
        cloud = gradient_cloud(run)
        record = run.step()
        np.testing.assert_array_equal(np.sort(cloud.batch), np.sort(record.batch))
        np.testing.assert_allclose(cloud.batch_mean, record.grad_estimate, rtol=1e-12)
        np.testing.assert_array_equal(cloud.full, record.grad_full)
        assert cloud.lr == record.lr and cloud.batch_size == len(record.batch)
        np.testing.assert_array_equal(cloud.theta, record.theta_before)


def test_a_large_n_ships_a_fixed_subset_and_keeps_exact_statistics():
    run = run_after("default", 2, n_examples=5000, batch_size=4000)
    cloud = gradient_cloud(run)
    assert cloud.subsampled and len(cloud.shown) == MAX_SHOWN and len(cloud.batch_shown) == MAX_SHOWN
    grads = run.landscape.example_grads(cloud.theta, np.arange(5000))
    np.testing.assert_allclose(cloud.sigma, np.cov(grads.T, bias=True), rtol=1e-9)
    np.testing.assert_allclose(cloud.batch_mean, grads[cloud.batch].mean(axis=0), rtol=1e-12)
