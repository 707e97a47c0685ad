"""One update of an analytic run in plain Python floats, bit-identical to the array path.

On two-element arrays NumPy spends about a microsecond per call, so the array path
(``MethodRun._step_arrays``) costs ~30 µs for ~10 flops. Here the very same floating-point
operations run in the same order on Python floats: per-example sums in NumPy's own order
(sequential down the batch for a gradient, pairwise from 0.0 for a mean loss), ``pow`` where
NumPy calls ``pow`` and a product where it squares an array, NumPy's own ``exp`` (called on a
float) where NumPy uses it. Landscapes without a float mirror here evaluate their own NumPy f
and grad f on the point, which is the very call the array path makes.

A full batch (``whole``) keeps NumPy for its N-element sums, on reused buffers and with as few
calls as the same rounding allows; where no overflow can happen it skips ``np.errstate``.

Python raises where NumPy returns inf or nan (``pow`` overflowing, division by zero): the caller
then takes the step on the array path from the untouched state. ``tests/test_fast_step.py``
checks the two paths against each other and against a copy of the original implementation.
"""
from __future__ import annotations


import numpy as np

from gdviz.core.landscapes import LinearRegression, TiltedLandscape

# Batches up to this size are summed in Python; larger ones with the array path's NumPy calls.
PYTHON_BATCH_LIMIT = 64

# Python raises these where NumPy (under errstate "ignore") returns inf or nan; NumPy raises
# FloatingPointError where ``whole`` skips errstate (no overflow possible) and the caller's
# errstate makes an underflow raise. The array path then takes the step under "ignore".
FLOAT_ERRORS = (OverflowError, ZeroDivisionError, ValueError, FloatingPointError)

_add, _subtract, _multiply = np.add, np.subtract, np.multiply
_add_reduce, _subtract_reduce = np.add.reduce, np.subtract.reduce


def pairwise_sum(values: list[float]) -> float:
    """NumPy's sum of a contiguous float64 array: 0.0 plus its pairwise sum (blocks of 8)."""
    return 0.0 + _pairwise(values, 0, len(values))


def _pairwise(a: list[float], lo: int, n: int) -> float:
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    if n <= 128:
        r0, r1, r2, r3, r4, r5, r6, r7 = a[lo:lo + 8]
        i = 8
        stop = n - n % 8
        while i < stop:
            k = lo + i
            r0 += a[k]
            r1 += a[k + 1]
            r2 += a[k + 2]
            r3 += a[k + 3]
            r4 += a[k + 4]
            r5 += a[k + 5]
            r6 += a[k + 6]
            r7 += a[k + 7]
            i += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            res += a[lo + i]
            i += 1
        return res
    half = n // 2
    half -= half % 8
    return _pairwise(a, lo, half) + _pairwise(a, lo + half, n - half)


def sequential_sum(column: np.ndarray) -> float:
    """NumPy's sum down axis 0 of an (n, k) C-ordered array, one column of it: in order from
    0.0. (The running sum's last value; 0.0 + turns an all-negative-zero sum into +0.0.)"""
    return 0.0 + float(np.add.accumulate(column)[-1])


class SequentialPair:
    """Two ``sequential_sum`` at once, as the running sum of a complex array: a complex add
    adds real and imaginary parts on their own, so each part is the same float64 sum, and the
    two dependency chains overlap (one pass instead of two). Buffers are reused."""

    def __init__(self, n: int):
        self.values = np.empty(n, complex)
        self.columns = self.values.view(np.float64).reshape(n, 2)   # write the terms here
        self._running = np.empty(n, complex)

    def sums(self) -> tuple[float, float]:
        last = np.add.accumulate(self.values, out=self._running)[-1]
        return 0.0 + float(last.real), 0.0 + float(last.imag)


class SequentialRows:
    """``sequential_sum`` of k columns at once, without writing a running sum: NumPy sums
    ``a + b + ...`` pairwise but runs ``a - b - c ...`` left to right in a register, and
    ``0.0 - (-v0) - (-v1) ...`` is, bit for bit, ``0.0 + v0 + v1 ...`` (x - y is x + (-y) in
    IEEE 754). Write the negated terms of sum j into ``negated[j]``; buffers are reused.

    Only for finite terms: negating a nan flips its sign bit, where the running sum keeps it."""

    def __init__(self, k: int, n: int):
        self.rows = np.zeros((k, n + 1))          # column 0 stays 0.0: the sums' start
        self.negated = self.rows[:, 1:]
        self.out = np.empty(k)

    def sums(self) -> list[float]:
        return _subtract_reduce(self.rows, 1, None, self.out).tolist()


# landscapes ------------------------------------------------------------------------------------
class TiltedTerms:
    """l_i = f + a_i . theta, with f and grad f the landscape's own: its ``f_xy`` and ``grad_xy``
    on floats where it has them, else its NumPy ``f`` and ``grad_f`` on the point."""

    def __init__(self, landscape: TiltedLandscape):
        self.landscape = landscape
        if landscape.f_xy is not None:     # the landscape's formulas, run on floats
            self.f = self.loss = landscape.f_xy
            self.grad_f = self.grad = landscape.grad_xy
        self.tilts = landscape.tilts
        self.ax = landscape.tilts[:, 0].tolist()
        self.ay = landscape.tilts[:, 1].tolist()
        self._columns = None
        self._pair = None
        self._buffers = None
        # |grad f| + |f| + |x| + |y| at most this (summed): no term, product or sum of
        # ``whole`` comes near overflow, so no inf or nan can arise
        n, a_max = len(self.ax), float(np.max(np.abs(landscape.tilts), initial=0.0))
        scale = n * max(1.0, a_max)
        self._finite_limit = 1e100 / scale if scale < 1e100 else -1.0

    def f(self, x: float, y: float) -> float:
        with np.errstate(all="ignore"):
            return float(self.landscape.f(np.array((x, y))))

    def grad_f(self, x: float, y: float) -> tuple[float, float]:
        with np.errstate(all="ignore"):
            g = self.landscape.grad_f(np.array((x, y))).tolist()
        return g[0], g[1]

    def loss(self, x, y):
        return self.f(x, y)

    def grad(self, x, y):
        return self.grad_f(x, y)

    def batch(self, x: float, y: float, idx) -> tuple[float, float, float]:
        """(g_B, J_B) on the examples ``idx``: the mean of (grad f + a_i), summed in order, and
        the mean of f + a_i . theta (einsum starts its dot at 0.0), summed pairwise."""
        b = len(idx)
        if b == 1:
            return self.single(x, y, idx[0])
        gfx, gfy = self.grad_f(x, y)
        fv = self.f(x, y)
        ax, ay = self.ax, self.ay
        sx = sy = 0.0
        losses = []
        for i in idx:
            a, c = ax[i], ay[i]
            sx += gfx + a
            sy += gfy + c
            losses.append(fv + ((0.0 + a * x) + c * y))
        return sx / b, sy / b, pairwise_sum(losses) / b

    def single(self, x: float, y: float, i: int) -> tuple[float, float, float]:
        """``batch`` on the one example ``i``."""
        gfx, gfy = self.grad_f(x, y)
        fv = self.f(x, y)
        a, c = self.ax[i], self.ay[i]
        return ((0.0 + (gfx + a)) / 1, (0.0 + (gfy + c)) / 1,
                (0.0 + (fv + ((0.0 + a * x) + c * y))) / 1)

    def whole(self, x: float, y: float) -> tuple[float, float, float]:
        """``batch`` over every example, with NumPy's reductions on reused buffers.

        The gradient's two sums are one ``SequentialRows`` call on -(grad f + a_i), which is
        (-grad f) + (-a_i) exactly. Where anything could overflow, ``_whole_guarded``."""
        gfx, gfy = self.grad_f(x, y)
        fv = self.f(x, y)
        if not abs(gfx) + abs(gfy) + abs(fv) + abs(x) + abs(y) <= self._finite_limit:
            return self._whole_guarded(x, y, gfx, gfy, fv)
        buffers = self._buffers or self._allocate()
        neg_ax, neg_ay, cx, cy, rows, neg_gx, neg_gy, sums, losses, products, n = buffers
        _add(neg_ax, -gfx, neg_gx)
        _add(neg_ay, -gfy, neg_gy)
        gx, gy = _subtract_reduce(rows, 1, None, sums).tolist()
        _multiply(cx, x, losses)            # losses = fv + ((0.0 + cx * x) + cy * y)
        _add(losses, 0.0, losses)
        _multiply(cy, y, products)
        _add(losses, products, losses)
        _add(losses, fv, losses)
        return gx / n, gy / n, float(_add_reduce(losses)) / n

    def _allocate(self):
        cx, cy = self.columns
        n = len(cx)
        rows = SequentialRows(2, n)
        neg_gx, neg_gy = rows.negated
        self._buffers = (-cx, -cy, cx, cy, rows.rows, neg_gx, neg_gy, rows.out, np.empty(n),
                         np.empty(n), n)
        return self._buffers

    def _whole_guarded(self, x, y, gfx, gfy, fv):
        """``whole`` under errstate("ignore"), with running sums that keep a nan's bits."""
        n = len(self.ax)
        cx, cy = self.columns
        if self._pair is None:
            self._pair = SequentialPair(n)
        pair = self._pair
        terms = pair.columns
        with np.errstate(all="ignore"):
            np.add(cx, gfx, out=terms[:, 0])       # gfx + a_i
            np.add(cy, gfy, out=terms[:, 1])
            gx, gy = pair.sums()
            gx, gy = gx / n, gy / n
            losses = fv + ((0.0 + cx * x) + cy * y)
            batch_loss = float(np.add.reduce(losses)) / n
        return gx, gy, batch_loss

    @property
    def columns(self) -> tuple[np.ndarray, np.ndarray]:
        if self._columns is None:
            self._columns = (np.ascontiguousarray(self.tilts[:, 0]),
                             np.ascontiguousarray(self.tilts[:, 1]))
        return self._columns


class RegressionTerms:
    """Least squares: J and grad J are the landscape's own (``loss_wb``, ``grad_wb``, from the
    sufficient statistics); a batch's sums run over the data here, in NumPy's order."""

    def __init__(self, landscape: LinearRegression):
        self.landscape = landscape
        self.loss, self.grad = landscape.loss_wb, landscape.grad_wb
        self.xs = landscape.x.tolist()
        self.ys = landscape.y.tolist()
        self._pair = self._r = None
        self._buffers = None
        # |w| x_max + |b| at most this: every residual, product and sum of ``whole`` stays far
        # from overflow, so no inf or nan can arise (never true where the data is not finite)
        self._x_max = float(np.max(np.abs(landscape.x)))
        y_max = float(np.max(np.abs(landscape.y)))
        self._finite_limit = 1e100 / (landscape.n * max(1.0, self._x_max)) - y_max
        # a residual that is not 0 is at least |y| 2^-54 (it is y minus a float), so with
        # every |y| >= 2^-400 every r^2 is 0 or far above the subnormals
        self._halve_sum = float(np.min(np.abs(landscape.y))) >= 2.0**-400

    def batch(self, w, b, idx):
        n = len(idx)
        if n == 1:
            return self.single(w, b, idx[0])
        xs, ys = self.xs, self.ys
        sx = sy = 0.0
        losses = []
        for i in idx:
            xi = xs[i]
            r = w * xi + b - ys[i]
            sx += r * xi
            sy += r
            losses.append(0.5 * (r * r))
        return sx / n, sy / n, pairwise_sum(losses) / n

    def single(self, w, b, i):
        """``batch`` on the one example ``i``."""
        xi = self.xs[i]
        r = w * xi + b - self.ys[i]
        return (0.0 + r * xi) / 1, (0.0 + r) / 1, (0.0 + 0.5 * (r * r)) / 1

    def whole(self, w, b):
        """The array path's reductions on reused buffers: the same operations, elementwise.

        With the residuals negated, -r = y - (w x + b) (RN is symmetric: exactly -r but for
        the sign of a zero, which no sum below sees), the gradient's two sums are one
        ``SequentialRows`` call. The loss sums r^2 and halves the sum: where every r^2 is 0 or
        normal and nothing overflows, halving each term and each partial sum is exact, so the
        pairwise sum of 0.5 r^2 is 0.5 times that of r^2, to the bit. Where a step could
        overflow, ``_whole_guarded`` does it."""
        if not abs(w) * self._x_max + abs(b) <= self._finite_limit:
            return self._whole_guarded(w, b)
        buffers = self._buffers or self._allocate()
        x, y, rows, neg_rx, neg_r, squares, sums, n = buffers
        _multiply(x, w, neg_r)
        _add(neg_r, b, neg_r)
        _subtract(y, neg_r, neg_r)
        _multiply(neg_r, x, neg_rx)
        gx, gy = _subtract_reduce(rows, 1, None, sums).tolist()
        _multiply(neg_r, neg_r, squares)
        if self._halve_sum:
            return gx / n, gy / n, 0.5 * float(_add_reduce(squares)) / n
        _multiply(squares, 0.5, squares)
        return gx / n, gy / n, float(_add_reduce(squares)) / n

    def _allocate(self):
        land = self.landscape
        rows = SequentialRows(2, land.n)
        neg_rx, neg_r = rows.negated
        self._buffers = (land.x, land.y, rows.rows, neg_rx, neg_r, np.empty(land.n),
                         rows.out, land.n)
        return self._buffers

    def _whole_guarded(self, w, b):
        """``whole`` under errstate("ignore"), with running sums that keep a nan's bits."""
        land = self.landscape
        n = land.n
        if self._pair is None:
            self._pair, self._r = SequentialPair(n), np.empty(n)
        pair, r = self._pair, self._r
        terms = pair.columns
        with np.errstate(all="ignore"):
            np.multiply(land.x, w, r)      # r = w * x + b - y
            np.add(r, b, r)
            np.subtract(r, land.y, r)
            np.multiply(r, land.x, terms[:, 0])
            terms[:, 1] = r
            gx, gy = pair.sums()
            np.square(r, r)
            np.multiply(r, 0.5, r)
            batch_loss = float(np.add.reduce(r)) / n
        return gx / n, gy / n, batch_loss


def scalar_terms(landscape):
    """The float mirror of ``landscape``, or None where only the array path applies."""
    if type(landscape) is LinearRegression:
        return RegressionTerms(landscape)
    if isinstance(landscape, TiltedLandscape):
        return TiltedTerms(landscape)
    return None


# optimizers ------------------------------------------------------------------------------------
def rule_step(opt, m, v, t: int, x: float, y: float, gx: float, gy: float, lr: float):
    """The float backend of the optimizers: ``RuleSpec.update`` (gdviz.core.rules) on each
    coordinate, with ``math.sqrt`` (the spec's ``pair_update``, bound once per spec); the same
    operations in the same order as the array path, so the same numbers. Returns (new x,
    new y, new m, new v), m and v as float pairs."""
    return opt.spec.pair_update(m, v, t, x, y, gx, gy, lr)


def float_pair(state):
    """An optimizer buffer as a float pair (None stays None)."""
    if state is None or type(state) is tuple:
        return state
    a, b = state.tolist()
    return a, b
