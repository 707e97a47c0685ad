import numpy as np
import pytest

from gdviz.core.expression import ExpressionError, compile_expression
from gdviz.core.landscapes import LANDSCAPES, make_landscape

HIMMELBLAU = "(x**2 + y - 11)**2 + (x + y**2 - 7)**2"


def every_landscape():
    """The two-parameter landscapes (least_squares, with d, has its own: test_lab_law.py)."""
    for key in LANDSCAPES:
        if key == "least_squares":
            continue
        yield make_landscape(key, 200, seed=3, expression=HIMMELBLAU if key == "custom" else None)


@pytest.mark.parametrize("landscape", list(every_landscape()), ids=lambda l: l.key)
def test_per_example_gradients_match_finite_differences(landscape):
    rng = np.random.default_rng(0)
    (x0, x1), (y0, y1) = landscape.bounds
    theta = np.array([rng.uniform(x0, x1), rng.uniform(y0, y1)])
    idx = np.arange(landscape.n)
    grads = landscape.example_grads(theta, idx)
    h = 1e-6
    for k in range(2):
        e = np.zeros(2)
        e[k] = h
        fd = (landscape.example_losses(theta + e, idx) - landscape.example_losses(theta - e, idx)) / (2 * h)
        np.testing.assert_allclose(grads[:, k], fd, rtol=1e-4, atol=1e-4 * (1 + np.abs(fd).max()))


@pytest.mark.parametrize("landscape", list(every_landscape()), ids=lambda l: l.key)
def test_dataset_terms_are_the_mean_of_the_examples(landscape):
    theta = np.array([0.3, -0.7])
    idx = np.arange(landscape.n)
    np.testing.assert_allclose(landscape.example_grads(theta, idx).mean(axis=0),
                               landscape.grad(theta), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(landscape.example_losses(theta, idx).mean(),
                               landscape.loss(theta), rtol=1e-9, atol=1e-9)
    # a single example's gradient really differs from the mean: the noise is in the data
    spread = np.linalg.norm(landscape.example_grads(theta, idx) - landscape.grad(theta), axis=1)
    assert spread.max() > 1e-3


@pytest.mark.parametrize("landscape", list(every_landscape()), ids=lambda l: l.key)
def test_grid_is_row_major_and_minima_are_low(landscape):
    (x0, x1), (y0, y1) = landscape.bounds
    xs, ys = np.linspace(x0, x1, 41), np.linspace(y0, y1, 31)
    Z = landscape.loss_grid(xs, ys)
    assert Z.shape == (31, 41)
    np.testing.assert_allclose(Z[7, 5], landscape.loss(np.array([xs[5], ys[7]])), rtol=1e-9)
    for m in landscape.minima:
        assert landscape.loss(m) <= np.nanmin(Z) + 1e-6 * (1 + abs(np.nanmin(Z))) + 0.05 * np.ptp(Z)


def test_vectorised_over_many_thetas():
    landscape = make_landscape("regression", 100, seed=0)
    thetas = np.random.default_rng(0).normal(size=(5, 2))
    idx = np.random.default_rng(1).integers(0, 100, size=(5, 8))
    batched = landscape.batch_grad(thetas, idx)
    for s in range(5):
        np.testing.assert_allclose(batched[s], landscape.batch_grad(thetas[s], idx[s]))


def test_expression_is_parsed_not_evaluated():
    f = compile_expression(HIMMELBLAU)
    assert f(np.array(3.0), np.array(2.0)) == 0.0
    assert compile_expression("sin(x) * exp(-y^2)")(np.array(0.0), np.array(0.0)) == 0.0
    for bad, words in [("__import__('os').system('true')", "not allowed"),
                       ("x +", "not a valid expression"), ("x + zz", "unknown name 'zz'"),
                       ("open(x)", "function 'open' is not allowed"), ("x.real", "not allowed"),
                       ("", "empty"), ("log(-1 - x**2)", "not finite")]:
        with pytest.raises(ExpressionError, match=words.replace("(", r"\(").replace(")", r"\)")):
            compile_expression(bad)


def test_unknown_name_points_at_the_column():
    with pytest.raises(ExpressionError) as info:
        compile_expression("x**2 + q")
    assert info.value.column == 8
