"""Loss landscapes as honest finite sums J(theta) = 1/N sum_i l_i(theta) over N examples.

Every method is vectorised with broadcasting: ``theta`` has shape (..., 2) and an index array
``idx`` has shape (..., b); per-example results then have shape (..., b) or (..., b, 2). The
grid evaluation returns row-major arrays ``Z[row=y, col=x]``.

Classic test functions f become finite sums through per-example linear tilts with exactly zero
mean: l_i(theta) = f(theta) + a_i . theta. Their average is f itself, while a single example's
gradient grad f + a_i really differs from the mean, so mini-batch noise comes from the data.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from gdviz.core.expression import compile_expression

GRID_CHUNK = 1 << 22  # elements per chunk when a grid needs a sum over all examples


class GridCancelled(Exception):
    """A grid evaluation stopped because its ``should_stop`` check said so."""


def _check_stop(should_stop) -> None:
    if should_stop is not None and should_stop():
        raise GridCancelled("the landscape picture was cancelled")


class Landscape(ABC):
    """A finite-sum loss over ``n`` examples and two parameters (``dim`` of them in general:
    a landscape with more shows them on a stated plane, ``to_plane``)."""

    dim: int = 2
    key: str = ""
    title: str = ""
    param_names: tuple[str, str] = ("x", "y")

    def __init__(self, n: int, bounds: tuple[tuple[float, float], tuple[float, float]]):
        self.n = int(n)
        self.bounds = bounds
        self.minima = np.zeros((0, 2))

    # per-example terms --------------------------------------------------------------------
    @abstractmethod
    def example_losses(self, theta: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """l_i(theta) for i in idx."""

    @abstractmethod
    def example_grads(self, theta: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """grad l_i(theta) for i in idx, shape (..., b, 2)."""

    # dataset terms --------------------------------------------------------------------------
    def loss(self, theta: np.ndarray) -> np.ndarray:
        """J(theta), the mean over all examples."""
        return self.example_losses(theta, np.arange(self.n)).mean(axis=-1)

    def grad(self, theta: np.ndarray) -> np.ndarray:
        """grad J(theta)."""
        return self.example_grads(theta, np.arange(self.n)).mean(axis=-2)

    def batch_loss(self, theta: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return self.example_losses(theta, idx).mean(axis=-1)

    def batch_grad(self, theta: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return self.example_grads(theta, idx).mean(axis=-2)

    @property
    def grid_terms(self) -> int:
        """Per-example terms one grid point of ``loss_grid`` sums (1 when J has a closed form)."""
        return self.n

    def loss_grid(self, xs: np.ndarray, ys: np.ndarray, should_stop=None,
                  examples: np.ndarray | None = None) -> np.ndarray:
        """J on the grid, Z[j, i] = J(xs[i], ys[j]), a row at a time when J sums all examples.

        ``should_stop()`` is asked between chunks (GridCancelled when true); ``examples``, where
        given, averages over those examples only (a sample, for a picture of bounded cost).
        """
        xs, ys = np.asarray(xs, float), np.asarray(ys, float)
        if self.grid_terms == 1 and examples is None:
            X, Y = np.meshgrid(xs, ys)
            return self.loss(np.stack([X, Y], axis=-1))
        idx = np.arange(self.n) if examples is None else np.asarray(examples)
        rows = max(1, GRID_CHUNK // max(1, len(xs) * len(idx)))
        out = np.empty((len(ys), len(xs)))
        for r in range(0, len(ys), rows):
            _check_stop(should_stop)
            X, Y = np.meshgrid(xs, ys[r:r + rows])
            out[r:r + rows] = self.batch_loss(np.stack([X, Y], axis=-1), idx)
        return out

    # structure used by fast sweeps -----------------------------------------------------------
    def batch_features(self) -> np.ndarray | None:
        """Per-example features phi_i whose batch mean fixes the batch gradient, or None."""
        return None

    def grad_from_features(self, theta: np.ndarray, phi_mean: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class TiltedLandscape(Landscape):
    """l_i(theta) = f(theta) + a_i . theta with sum_i a_i = 0, so J = f exactly.

    A subclass defines f and grad f once: ``f_xy(x, y)`` and ``grad_xy(x, y)`` with plain
    arithmetic, which run on arrays (``f``, ``grad_f``: every example's gradient is grad f + a_i)
    and on the Python floats of the fast path (``gdviz.core.fast_step``) alike, the same
    operations in the same order. Where NumPy's reductions set the order (``SharpFlat``), the
    float form stands beside the array form in the class. Without them (``f_xy = None``) the
    fast path calls ``f`` and ``grad_f`` on the point.
    """

    f_xy = None
    grad_xy = None

    def __init__(self, n, bounds, rng: np.random.Generator, tilt_scale: float):
        super().__init__(n, bounds)
        tilts = rng.normal(0.0, tilt_scale, size=(self.n, 2))
        self.tilts = tilts - tilts.mean(axis=0)

    @abstractmethod
    def f(self, theta: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def grad_f(self, theta: np.ndarray) -> np.ndarray: ...

    def example_losses(self, theta, idx):
        theta = np.asarray(theta, float)
        tilt = self.tilts[idx]
        return self.f(theta)[..., None] + np.einsum("...bk,...k->...b", tilt, theta)

    def example_grads(self, theta, idx):
        theta = np.asarray(theta, float)
        return self.grad_f(theta)[..., None, :] + self.tilts[idx]

    def loss(self, theta):
        return self.f(np.asarray(theta, float))

    def grad(self, theta):
        return self.grad_f(np.asarray(theta, float))

    @property
    def grid_terms(self) -> int:
        return 1

    def loss_grid(self, xs, ys, should_stop=None, examples=None):
        # J = f exactly (the tilts sum to zero), so a sample of examples is never needed
        X, Y = np.meshgrid(np.asarray(xs, float), np.asarray(ys, float))
        return self.f(np.stack([X, Y], axis=-1))

    def batch_features(self):
        return self.tilts

    def grad_from_features(self, theta, phi_mean):
        return self.grad_f(theta) + phi_mean


class LinearRegression(Landscape):
    """Least squares for a line: l_i(w, b) = 1/2 (w x_i + b - y_i)^2.

    Data y_i = w* x_i + b* + noise, x_i spread around a non-zero mean so slope and intercept are
    correlated, as in real data. The parameters are (slope w, intercept b).
    """

    key = "regression"
    title = "Linear regression"
    param_names = ("slope w", "intercept b")

    def __init__(self, n=1000, rng=None, noise=1.0, true_params=(2.0, 1.0)):
        rng = rng or np.random.default_rng(0)
        self.x = rng.uniform(-1.0, 3.0, n)
        self.y = true_params[0] * self.x + true_params[1] + rng.normal(0.0, noise, n)
        # Sufficient statistics make J and grad J O(1) per call: the mean of x^2, x, xy, y, y^2.
        self._phi = np.stack([self.x**2, self.x, self.x * self.y, self.y], axis=1)
        self._phi_mean = self._phi.mean(axis=0)
        self._mxx, self._mx, self._mxy, self._my = (float(v) for v in self._phi_mean)
        self._myy = float(np.mean(self.y**2))
        A = np.array([[self._mxx, self._mx], [self._mx, 1.0]])
        best = np.linalg.solve(A, np.array([self._mxy, self._my]))
        span = 4.5
        super().__init__(n, ((best[0] - span, best[0] + span), (best[1] - span, best[1] + span)))
        self.minima = best[None, :]

    def _residuals(self, theta, idx):
        theta = np.asarray(theta, float)
        return theta[..., 0, None] * self.x[idx] + theta[..., 1, None] - self.y[idx]

    def example_losses(self, theta, idx):
        return 0.5 * self._residuals(theta, idx) ** 2

    def example_grads(self, theta, idx):
        r = self._residuals(theta, idx)
        return np.stack([r * self.x[idx], r], axis=-1)

    @property
    def grid_terms(self) -> int:
        return 1

    # J and grad J from the sufficient statistics, written once: on arrays (loss, grad) and on
    # the Python floats of the fast path (gdviz.core.fast_step) alike
    def loss_wb(self, w, b):
        return 0.5 * (w * w * self._mxx + 2 * w * b * self._mx + b * b
                      - 2 * w * self._mxy - 2 * b * self._my + self._myy)

    def grad_wb(self, w, b):
        return w * self._mxx + b * self._mx - self._mxy, w * self._mx + b - self._my

    def loss(self, theta):
        theta = np.asarray(theta, float)
        return self.loss_wb(theta[..., 0], theta[..., 1])

    def grad(self, theta):
        theta = np.asarray(theta, float)
        return np.stack(self.grad_wb(theta[..., 0], theta[..., 1]), axis=-1)

    def batch_features(self):
        return self._phi

    def grad_from_features(self, theta, phi_mean):
        w, b = theta[..., 0], theta[..., 1]
        mxx, mx, mxy, my = (phi_mean[..., k] for k in range(4))
        return np.stack([w * mxx + b * mx - mxy, w * mx + b - my], axis=-1)


class LogisticRegression(Landscape):
    """Two-weight logistic regression: l_i(w) = log(1 + exp(-y_i w . x_i)) + lam/2 |w|^2.

    Two overlapping Gaussian classes (labels +-1, no intercept); the small ridge term keeps the
    minimum finite even if the classes happened to separate.
    """

    key = "logistic"
    title = "Logistic regression"
    param_names = ("weight w1", "weight w2")

    def __init__(self, n=1000, rng=None, noise=1.0, ridge=0.01):
        rng = rng or np.random.default_rng(0)
        labels = np.where(rng.random(n) < 0.5, -1.0, 1.0)
        centre = np.array([1.0, 0.5])
        self.features = labels[:, None] * centre + rng.normal(0.0, noise, (n, 2))
        self.labels = labels
        self._yx = labels[:, None] * self.features
        self.ridge = ridge
        super().__init__(n, ((-2.0, 6.0), (-3.0, 5.0)))
        self.minima = self._newton_minimum()[None, :]

    def _margins(self, theta, idx):
        theta = np.asarray(theta, float)
        return np.einsum("...bk,...k->...b", self._yx[idx], theta)

    def example_losses(self, theta, idx):
        theta = np.asarray(theta, float)
        ridge = 0.5 * self.ridge * np.sum(theta * theta, axis=-1)
        return np.logaddexp(0.0, -self._margins(theta, idx)) + ridge[..., None]

    def example_grads(self, theta, idx):
        theta = np.asarray(theta, float)
        m = self._margins(theta, idx)
        weight = -0.5 * (1.0 - np.tanh(0.5 * m))  # -sigmoid(-m), overflow-free
        return weight[..., None] * self._yx[idx] + self.ridge * theta[..., None, :]

    def loss_grid(self, xs, ys, should_stop=None, examples=None):
        X, Y = np.meshgrid(np.asarray(xs, float), np.asarray(ys, float))
        pts = np.stack([X.ravel(), Y.ravel()], axis=1)
        out = np.empty(len(pts))
        yx = self._yx if examples is None else self._yx[np.asarray(examples)]
        step = max(1, GRID_CHUNK // len(yx))
        for s in range(0, len(pts), step):
            _check_stop(should_stop)
            chunk = pts[s:s + step]
            margins = chunk @ yx.T
            out[s:s + step] = (np.logaddexp(0.0, -margins).mean(axis=1)
                               + 0.5 * self.ridge * np.sum(chunk * chunk, axis=1))
        return out.reshape(X.shape)

    def _newton_minimum(self):
        w = np.zeros(2)
        for _ in range(50):
            m = self._yx @ w
            s = 0.5 * (1.0 + np.tanh(0.5 * m))
            g = -((1 - s)[:, None] * self._yx).mean(axis=0) + self.ridge * w
            H = (self._yx.T * (s * (1 - s))) @ self._yx / self.n + self.ridge * np.eye(2)
            w = w - np.linalg.solve(H, g)
            if np.linalg.norm(g) < 1e-12:
                break
        return w


class Ravine(TiltedLandscape):
    """An ill-conditioned quadratic valley: f = 1/2 (u^2 + kappa v^2) in axes rotated by 30°.

    l_i = f + a_i . theta with zero-mean tilts a_i.
    """

    key = "ravine"
    title = "Ravine (ill-conditioned)"

    def __init__(self, n=1000, rng=None, noise=1.0, kappa=25.0):
        rng = rng or np.random.default_rng(0)
        c, s = np.cos(np.pi / 6), np.sin(np.pi / 6)
        self.rot = np.array([[c, s], [-s, c]])
        self.H = self.rot.T @ np.diag([1.0, kappa]) @ self.rot
        super().__init__(n, ((-5.0, 5.0), (-4.0, 4.0)), rng, noise * 1.5)
        self.minima = np.zeros((1, 2))

    def f(self, theta):
        return 0.5 * np.einsum("...i,ij,...j->...", theta, self.H, theta)

    def grad_f(self, theta):
        return theta @ self.H


class Rosenbrock(TiltedLandscape):
    """Rosenbrock's banana valley f = (1 - x)^2 + 10 (y - x^2)^2, plus zero-mean tilts."""

    key = "rosenbrock"
    title = "Rosenbrock valley"

    def __init__(self, n=1000, rng=None, noise=1.0, b=10.0):
        rng = rng or np.random.default_rng(0)
        self.b = b
        super().__init__(n, ((-2.0, 2.0), (-1.0, 3.0)), rng, noise * 1.0)
        self.minima = np.array([[1.0, 1.0]])

    def f_xy(self, x, y):
        return (1 - x) ** 2 + self.b * (y - x * x) ** 2

    def grad_xy(self, x, y):
        d = y - x * x
        return -2 * (1 - x) - 4 * self.b * x * d, 2 * self.b * d

    def f(self, theta):
        return self.f_xy(theta[..., 0], theta[..., 1])

    def grad_f(self, theta):
        return np.stack(self.grad_xy(theta[..., 0], theta[..., 1]), axis=-1)


class Himmelblau(TiltedLandscape):
    """Himmelblau's function with four minima, f = (x^2 + y - 11)^2 + (x + y^2 - 7)^2, tilted."""

    key = "himmelblau"
    title = "Himmelblau (four minima)"

    def __init__(self, n=1000, rng=None, noise=1.0):
        rng = rng or np.random.default_rng(0)
        super().__init__(n, ((-5.5, 5.5), (-5.5, 5.5)), rng, noise * 12.0)
        self.minima = np.array([[3.0, 2.0], [-2.805118, 3.131312],
                                [-3.779310, -3.283186], [3.584428, -1.848126]])

    def f_xy(self, x, y):
        return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2

    def grad_xy(self, x, y):
        a, b = x * x + y - 11, x + y * y - 7
        return 4 * x * a + 2 * b, 2 * a + 4 * y * b

    def f(self, theta):
        return self.f_xy(theta[..., 0], theta[..., 1])

    def grad_f(self, theta):
        return np.stack(self.grad_xy(theta[..., 0], theta[..., 1]), axis=-1)


def mirrored_pairs(half: np.ndarray, n: int) -> np.ndarray:
    """n tilts a_1, -a_1, a_2, -a_2, ... (and a zero tilt when n is odd).

    Summed in index order, sequentially or pairwise, every pair cancels exactly, so the mean is
    exactly zero.
    """
    tilts = np.zeros((n, half.shape[1]))
    tilts[0:2 * len(half):2] = half
    tilts[1:2 * len(half):2] = -half
    return tilts


class Saddle(TiltedLandscape):
    """A saddle between two valleys: f = (x^2 - 1)^2 + 1/2 y^2, saddle at 0, minima at (±1, 0).

    Full batch started on the ridge x = 0 slides into the saddle and stays; noise escapes it.
    The tilts come in mirrored pairs (a, -a) stored next to each other, so on the ridge the
    full-data gradient's sideways part is exactly 0.0 in floating point, not a rounding
    residue that the unstable x direction would grow by 1.2 per step.
    """

    key = "saddle"
    title = "Saddle point"

    def __init__(self, n=1000, rng=None, noise=1.0):
        rng = rng or np.random.default_rng(0)
        super().__init__(n, ((-2.0, 2.0), (-2.0, 2.0)), rng, noise * 1.0)
        self.tilts = mirrored_pairs(self.tilts[: self.n // 2], self.n)
        self.minima = np.array([[-1.0, 0.0], [1.0, 0.0]])

    def f_xy(self, x, y):
        return (x * x - 1) ** 2 + 0.5 * y * y

    def grad_xy(self, x, y):
        return 4 * x * (x * x - 1), y

    def f(self, theta):
        return self.f_xy(theta[..., 0], theta[..., 1])

    def grad_f(self, theta):
        return np.stack(self.grad_xy(theta[..., 0], theta[..., 1]), axis=-1)


class SharpFlat(TiltedLandscape):
    """Two basins in a shallow bowl: a narrow, slightly deeper one and a wide, flat one.

    f = 0.04 |theta|^2 - 1.1 exp(-|theta - c_s|^2 / (2 * 0.35^2)) - exp(-|theta - c_f|^2 / (2 * 1.3^2)),
    plus zero-mean tilts of spread 1.5 (times ``noise``) per coordinate. The sharp basin's
    curvature is about 9, the flat one's about 0.7. At eta = 0.15 one example's step scatters by
    eta * 1.5 ~ 0.2, about the sharp basin's width (0.35), so single-example steps soon leave it,
    while a batch of 8 scatters sqrt(8) times less and stays: noise, not the start, decides.
    """

    key = "sharp_flat"
    title = "Sharp vs flat minimum"

    SHARP = (np.array([-2.0, 1.0]), 0.35, 1.1)
    FLAT = (np.array([2.0, -1.0]), 1.3, 1.0)

    def __init__(self, n=1000, rng=None, noise=1.0):
        rng = rng or np.random.default_rng(0)
        super().__init__(n, ((-5.0, 5.0), (-4.5, 4.5)), rng, noise * 1.5)
        self._wells_floats = [((float(c[0]), float(c[1])), width, depth)
                              for c, width, depth in (self.SHARP, self.FLAT)]
        self.minima = np.array([self._refine(self.SHARP[0]), self._refine(self.FLAT[0])])

    def _wells(self, theta):
        for centre, width, depth in (self.SHARP, self.FLAT):
            d = theta - centre
            yield d, width, depth * np.exp(-np.sum(d * d, axis=-1) / (2 * width**2))

    def f(self, theta):
        value = 0.04 * np.sum(theta * theta, axis=-1)
        for _, _, well in self._wells(theta):
            value = value - well
        return value

    def grad_f(self, theta):
        g = 0.08 * theta
        for d, width, well in self._wells(theta):
            g = g + well[..., None] * d / width**2
        return g

    # the same f and grad f at one point in Python floats (the fast path): NumPy's sum of the
    # two squares is 0.0 + dx² + dy², its exp is called on the float
    def _wells_xy(self, x, y):
        for (cx, cy), width, depth in self._wells_floats:
            dx, dy = x - cx, y - cy
            yield dx, dy, width, depth * float(
                np.exp(-((0.0 + dx * dx) + dy * dy) / (2 * width**2)))

    def f_xy(self, x, y):
        value = 0.04 * ((0.0 + x * x) + y * y)
        for _, _, _, well in self._wells_xy(x, y):
            value = value - well
        return value

    def grad_xy(self, x, y):
        gx, gy = 0.08 * x, 0.08 * y
        for dx, dy, width, well in self._wells_xy(x, y):
            gx = gx + well * dx / width**2
            gy = gy + well * dy / width**2
        return gx, gy

    def _refine(self, theta):
        theta = np.array(theta, float)
        for _ in range(2000):
            theta = theta - 0.02 * self.grad_f(theta)
        return theta


class CustomFunction(TiltedLandscape):
    """The user's own f(x, y), parsed safely; l_i = f + a_i . theta; gradients by central differences."""

    key = "custom"
    title = "Your function"

    def __init__(self, expression: str, n=1000, rng=None, noise=1.0,
                 bounds=((-5.0, 5.0), (-5.0, 5.0))):
        rng = rng or np.random.default_rng(0)
        self.expression = expression
        self._fn = compile_expression(expression)
        super().__init__(n, bounds, rng, noise)
        self.minima = self._grid_minimum()

    def f(self, theta):
        theta = np.asarray(theta, float)
        with np.errstate(all="ignore"):
            return np.broadcast_to(self._fn(theta[..., 0], theta[..., 1]), theta.shape[:-1]) * 1.0

    def grad_f(self, theta):
        theta = np.asarray(theta, float)
        h = 1e-5 * np.maximum(1.0, np.abs(theta))
        ex = np.zeros_like(theta)
        ey = np.zeros_like(theta)
        ex[..., 0] = h[..., 0]
        ey[..., 1] = h[..., 1]
        with np.errstate(all="ignore"):     # inf − inf at a huge θ: a nan gradient, quietly
            gx = (self.f(theta + ex) - self.f(theta - ex)) / (2 * h[..., 0])
            gy = (self.f(theta + ey) - self.f(theta - ey)) / (2 * h[..., 1])
        return np.stack([gx, gy], axis=-1)

    def _grid_minimum(self):
        (x0, x1), (y0, y1) = self.bounds
        xs, ys = np.linspace(x0, x1, 201), np.linspace(y0, y1, 201)
        Z = self.loss_grid(xs, ys)
        if not np.isfinite(Z).any():
            return np.zeros((0, 2))
        j, i = np.unravel_index(np.nanargmin(np.where(np.isfinite(Z), Z, np.nan)), Z.shape)
        return np.array([[xs[i], ys[j]]])


class LeastSquares(Landscape):
    """Least squares with d parameters: l_i(θ) = 1/2 (x_i · θ − y_i)^2 over N real examples.

    The features x_i ~ N(0, diag(h)) with h_j log-spaced from 1 down to 1/κ (j = 1 … d), the
    targets y_i = x_i · w* + σ ε_i with w* ~ N(0, I) and ε_i ~ N(0, 1), all drawn from the
    scenario's seed: the noisy quadratic model of Zhang et al. 2019 made of real examples. Its
    Hessian is the data's H = XᵀX/N (close to diag(h)), its minimum θ* = H⁻¹ Xᵀy/N, and every
    method starts at θ = 0.

    The canvas shows it on a stated plane: through θ* along H's steepest (u₁) and flattest (u_d)
    eigenvectors, coordinates (a, b) = ((θ − θ*)·u₁, (θ − θ*)·u_d). The plane's value at a run's
    point is J(θ* + a u₁ + b u_d), which is below the run's true J(θ) (the other d − 2
    directions add their part); ``to_plane`` and ``plane_loss`` say which is which.
    """

    key = "least_squares"
    title = "Least squares, d parameters"
    param_names = ("along u₁ (steepest)", "along u_d (flattest)")
    DEFAULT_DIMS = 100
    DEFAULT_KAPPA = 4.0

    def __init__(self, n=16384, rng=None, noise=0.5, dims=None, kappa=None):
        rng = rng or np.random.default_rng(0)
        d = int(dims or self.DEFAULT_DIMS)
        self.kappa = float(kappa or self.DEFAULT_KAPPA)
        self.dim = d
        self.sigma = float(noise)
        self.spectrum = self.kappa ** (-np.arange(d) / max(d - 1, 1))     # h_j: 1 … 1/κ
        self.x = rng.standard_normal((n, d)) * np.sqrt(self.spectrum)
        self.w_true = rng.standard_normal(d)
        self.y = self.x @ self.w_true + self.sigma * rng.standard_normal(n)
        self.H = self.x.T @ self.x / n
        self.xy = self.x.T @ self.y / n
        self.theta_star = np.linalg.solve(self.H, self.xy)
        r = self.x @ self.theta_star - self.y
        self.j_star = float(0.5 * np.mean(r * r))
        self.eigenvalues, self.eigenvectors = np.linalg.eigh(self.H)      # ascending
        self.plane_axes = np.stack([self.eigenvectors[:, -1], self.eigenvectors[:, 0]])
        self.start = np.zeros(d)
        a, b = self.to_plane(self.start)
        span = 1.3 * max(abs(a), abs(b), 1.0)
        super().__init__(n, ((-span, span), (-span, span)))
        self.dim = d
        self.minima = np.zeros((1, 2))            # θ* on the plane

    # the plane the canvas shows ------------------------------------------------------------
    def to_plane(self, theta) -> np.ndarray:
        """(a, b) of θ on the plane through θ* along u₁ and u_d (shape (..., 2))."""
        return (np.asarray(theta, float) - self.theta_star) @ self.plane_axes.T

    def plane_loss(self, ab) -> np.ndarray:
        """J on the plane: J* + 1/2 (λ₁ a² + λ_d b²)."""
        ab = np.asarray(ab, float)
        return self.j_star + 0.5 * (self.eigenvalues[-1] * ab[..., 0] ** 2
                                    + self.eigenvalues[0] * ab[..., 1] ** 2)

    @property
    def grid_terms(self) -> int:
        return 1

    def loss_grid(self, xs, ys, should_stop=None, examples=None):
        X, Y = np.meshgrid(np.asarray(xs, float), np.asarray(ys, float))
        return self.plane_loss(np.stack([X, Y], axis=-1))

    # the finite sum --------------------------------------------------------------------------
    def example_losses(self, theta, idx):
        theta = np.asarray(theta, float)
        r = np.einsum("...bd,...d->...b", self.x[idx], theta) - self.y[idx]
        return 0.5 * r * r

    def example_grads(self, theta, idx):
        theta = np.asarray(theta, float)
        xi = self.x[idx]
        r = np.einsum("...bd,...d->...b", xi, theta) - self.y[idx]
        return r[..., None] * xi

    def batch_grad(self, theta, idx):
        theta = np.asarray(theta, float)
        idx = np.asarray(idx)
        if idx.shape[-1] == self.n and np.array_equal(idx.reshape(-1, self.n)[0],
                                                      np.arange(self.n)):
            return self.grad(theta)
        xi = self.x[idx]                                       # (..., b, d)
        r = np.einsum("...bd,...d->...b", xi, theta) - self.y[idx]
        return np.einsum("...b,...bd->...d", r, xi) / idx.shape[-1]

    def loss(self, theta):
        """J(θ) = J* + 1/2 (θ − θ*)ᵀ H (θ − θ*), the mean of the N terms (exact algebra)."""
        e = np.asarray(theta, float) - self.theta_star
        return self.j_star + 0.5 * np.einsum("...i,ij,...j->...", e, self.H, e)

    def grad(self, theta):
        return np.asarray(theta, float) @ self.H - self.xy

    def noise_scales(self, theta) -> tuple[float, float]:
        """(B_simple, B_noise) at θ with the exact H and the per-example gradient covariance."""
        theta = np.asarray(theta, float)
        r = self.x @ theta - self.y
        g = self.x.T @ r / self.n
        if not hasattr(self, "_norms"):
            self._norms = np.einsum("id,id->i", self.x, self.x)
            self._hnorms = np.einsum("id,de,ie->i", self.x, self.H, self.x)
        r2 = r * r
        tr_sigma = float(r2 @ self._norms) / self.n - float(g @ g)
        tr_h_sigma = float(r2 @ self._hnorms) / self.n - float(g @ self.H @ g)
        gg, ghg = float(g @ g), float(g @ self.H @ g)
        return (tr_sigma / gg if gg > 0 else float("inf"),
                tr_h_sigma / ghg if ghg > 0 else float("inf"))


LANDSCAPES = {cls.key: cls for cls in (LinearRegression, LogisticRegression, Ravine, Rosenbrock,
                                        Himmelblau, Saddle, SharpFlat, CustomFunction,
                                        LeastSquares)}


def make_landscape(key: str, n: int, seed: int, noise: float = 1.0, expression: str | None = None,
                   bounds=None, dims: int | None = None,
                   kappa: float | None = None) -> Landscape:
    """Build a landscape from its key; the data come from a generator seeded with ``seed``."""
    if key not in LANDSCAPES:
        raise KeyError(key)
    rng = np.random.default_rng([seed, 0xDA7A])
    if key == LeastSquares.key:
        landscape = LeastSquares(n=n, rng=rng, noise=noise, dims=dims, kappa=kappa)
        if bounds:
            landscape.bounds = bounds
        return landscape
    if key == "custom":
        if not expression:
            raise ValueError("the custom landscape needs a function of x and y")
        kwargs = {"bounds": bounds} if bounds else {}
        return CustomFunction(expression, n=n, rng=rng, noise=noise, **kwargs)
    landscape = LANDSCAPES[key](n=n, rng=rng, noise=noise)
    if bounds:
        landscape.bounds = bounds
    return landscape
