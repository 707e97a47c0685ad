"""Contour lines and colour levels for a gridded landscape (NumPy + contourpy, no Qt)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import contourpy
import numpy as np


@dataclass(frozen=True)
class LandscapeView:
    """Everything the canvas needs to draw a landscape, computed off the GUI thread."""

    title: str
    param_names: tuple[str, str]
    xs: np.ndarray
    ys: np.ndarray
    Z: np.ndarray            # J on the grid, row-major [y, x]
    image: np.ndarray        # what the colour map shows (log-scaled where the range is wide)
    log_scaled: bool
    levels: np.ndarray
    line_x: np.ndarray       # all contour lines as one curve, split by ``connect``
    line_y: np.ndarray
    connect: np.ndarray
    minima: np.ndarray       # (k, 2)
    version: int = 0
    note: str = ""           # how the picture was made, when it is not J over every example
    data: object = None      # gdviz.core.data_view.DataSpace (analytic landscapes), for the data view
    # drawn at equal scale (a unit on one axis as long as on the other): the real network's
    # plane, whose two axes are lengths in the same weight space
    equal_scale: bool = False


# A picture costs grid points × the per-example terms each one sums. Above this many terms
# (about a second on a laptop core) the picture averages over a fixed sample of the examples
# on a coarser grid: any N then draws in about the same time. The runs always use every example.
GRID_BUDGET = 25_000_000
# The real network's plane costs a forward pass per grid point and drawn example: its grid
# shrinks (never below 96², the window's) so that it stays within the cost of 96² × 4,096.
PLANE_BUDGET = 96 * 96 * 4096
MIN_PLANE_RESOLUTION = 96
PLANE_REFERENCE_MACS = 304          # a 2-16-16-1 network's multiply-adds per example
SMALLEST_PLANE_RESOLUTION = 32      # a larger network's grid: down to 32² within the budget
COARSE_RESOLUTION = 160
PICTURE_SEED = 0x6D0C


@dataclass(frozen=True)
class GridPlan:
    """How a landscape's picture is computed: the grid size and, above the budget, a sample."""

    resolution: int
    examples: np.ndarray | None   # indices of the sampled examples, or None for all of them
    note: str = ""


def grid_plan(landscape, resolution: int = 220, budget: int = GRID_BUDGET) -> GridPlan:
    """The bounded-cost plan for ``landscape``'s picture (pure: no grid is computed)."""
    if not hasattr(landscape, "grid_terms"):   # the MLP plane: fewer points, every drawn example
        drawn = len(getattr(landscape, "x", ())) or 1
        # a network costlier per example than the built-ins' counts as that many forward passes
        per = max(1.0, getattr(landscape, "macs_per_example", 0) / PLANE_REFERENCE_MACS)
        fits = int(math.sqrt(PLANE_BUDGET / (drawn * per)))
        floor = MIN_PLANE_RESOLUTION if per <= 1 else SMALLEST_PLANE_RESOLUTION
        return GridPlan(min(resolution, max(floor, fits)), None)
    terms = int(landscape.grid_terms)
    if resolution * resolution * terms <= budget:
        return GridPlan(resolution, None)
    resolution = min(resolution, COARSE_RESOLUTION)
    sample = max(1, budget // (resolution * resolution))
    if 5 * sample >= 4 * terms:   # nearly all of them: not worth a sample (at most 1.25x budget)
        return GridPlan(resolution, None)
    rng = np.random.default_rng(PICTURE_SEED)
    examples = np.sort(rng.choice(landscape.n, size=sample, replace=False))
    note = (f"the picture averages a fixed sample of {sample:,} of the {landscape.n:,} examples; "
            f"the runs use all of them")
    return GridPlan(resolution, examples, note)


def display_levels(Z: np.ndarray) -> tuple[np.ndarray, bool]:
    """The image to colour: log10 of J above its minimum when J spans many orders of magnitude."""
    finite = np.isfinite(Z)
    if not finite.any():
        return np.zeros_like(Z), False
    low, high = np.min(Z[finite]), np.max(Z[finite])
    span = high - low
    if span <= 0:
        return np.zeros_like(Z), False
    shifted = np.where(finite, Z - low, span)
    median = np.median(shifted)
    if median > 0 and span / median > 30:
        return np.log10(shifted + 1e-3 * median), True
    return shifted, False


def contour_levels(Z: np.ndarray, count: int = 18) -> np.ndarray:
    """Levels spaced evenly in the displayed scale, so lines are dense near the minimum."""
    finite = Z[np.isfinite(Z)]
    if finite.size == 0:
        return np.zeros(0)
    low, high = finite.min(), np.quantile(finite, 0.98)
    if high <= low:
        return np.array([low])
    offset = np.geomspace(1e-3 * (high - low), high - low, count)
    return low + offset


def contour_lines(xs, ys, Z, levels) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All contour lines of ``levels`` as x, y arrays with a pyqtgraph connect array."""
    finite = np.isfinite(Z)
    if len(levels) == 0 or not finite.any():
        return np.zeros(0), np.zeros(0), np.zeros(0, bool)
    gen = contourpy.contour_generator(xs, ys, np.where(finite, Z, np.max(Z[finite])),
                                      line_type=contourpy.LineType.ChunkCombinedOffset)
    xs_out, ys_out, connect = [], [], []
    for level in levels:
        points, offsets = gen.lines(level)
        for pts, off in zip(points, offsets):
            if pts is None:
                continue
            xs_out.append(pts[:, 0])
            ys_out.append(pts[:, 1])
            c = np.ones(len(pts), bool)
            c[off[1:] - 1] = False  # break the curve at the end of every line
            connect.append(c)
    if not xs_out:
        return np.zeros(0), np.zeros(0), np.zeros(0, bool)
    return np.concatenate(xs_out), np.concatenate(ys_out), np.concatenate(connect)


def fit_aspect(frame, aspect: float):
    """*frame* ((x0, x1), (y0, y1)) widened about its centre along one axis so that its
    width / height is *aspect*: drawn at equal scale in a view of that shape, it fills it."""
    (x0, x1), (y0, y1) = frame
    w, h = x1 - x0, y1 - y0
    if not (aspect > 0 and w > 0 and h > 0):
        return frame
    if w / h < aspect:
        pad = (h * aspect - w) / 2
        return ((x0 - pad, x1 + pad), (y0, y1))
    pad = (w / aspect - h) / 2
    return ((x0, x1), (y0 - pad, y1 + pad))


def landscape_view(landscape, resolution: int = 220, version: int = 0,
                   should_stop=None, bounds=None) -> LandscapeView:
    """The picture of ``landscape`` at a bounded cost (see ``grid_plan``); *bounds*
    ((x0, x1), (y0, y1)): only that part of the landscape (default: all of it).

    ``should_stop()`` is asked between chunks of the grid; when it returns True the evaluation
    ends with ``gdviz.core.landscapes.GridCancelled`` within a few milliseconds, so a window
    can close or a signal be honoured in the middle of preparing a large landscape.
    """
    (x0, x1), (y0, y1) = landscape.bounds if bounds is None else bounds
    plan = grid_plan(landscape, resolution)
    xs, ys = np.linspace(x0, x1, plan.resolution), np.linspace(y0, y1, plan.resolution)
    with np.errstate(all="ignore"):
        if hasattr(landscape, "grid_terms"):
            Z = landscape.loss_grid(xs, ys, should_stop=should_stop, examples=plan.examples)
        else:   # the MLP plane: its own coarse grid and batched evaluation
            Z = landscape.loss_grid(xs, ys, should_stop=should_stop)
        Z = np.asarray(Z, float)
        image, log_scaled = display_levels(Z)
        levels = contour_levels(Z)
        lx, ly, connect = contour_lines(xs, ys, Z, levels)
    data = None
    if hasattr(landscape, "grid_terms"):    # an analytic landscape: its examples in data space
        from gdviz.core.data_view import data_space
        data = data_space(landscape)
    return LandscapeView(landscape.title, tuple(landscape.param_names), xs, ys, Z, image,
                         log_scaled, levels, lx, ly, connect, np.asarray(landscape.minima, float),
                         version, plan.note, data,
                         equal_scale=not hasattr(landscape, "grid_terms"))


@dataclass(frozen=True)
class ColorScale:
    """What the colour bar beside a landscape says: its title, the range of the image values
    it spans, and ticks (image value, label) labelled in units of J."""

    title: str
    levels: tuple[float, float]
    ticks: tuple[tuple[float, str], ...]


def color_scale(view: LandscapeView, max_ticks: int = 6) -> ColorScale:
    """The colour bar for ``view``: J itself on a linear scale, or J − min J on a log scale
    where the image is log-scaled (decades as ticks)."""
    finite = view.image[np.isfinite(view.image)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if hi <= lo:
        hi = lo + 1.0
    z = view.Z[np.isfinite(view.Z)]
    z_min = float(z.min()) if z.size else 0.0
    if view.log_scaled:
        # display_levels: image = log10(J - min J + eps); eps from the image's own minimum
        eps = 10.0 ** lo
        first, last = math.ceil(math.log10(max(eps, 1e-300))), math.floor(hi)
        step = max(1, math.ceil((last - first + 1) / max_ticks))
        ticks = tuple((math.log10(10.0 ** k + eps), _decade(k))
                      for k in range(first, last + 1, step)
                      if lo <= math.log10(10.0 ** k + eps) <= hi)
        return ColorScale("J − min J  (log scale)", (lo, hi), ticks)
    # display_levels: image = J - min J
    values = _nice_ticks(z_min + lo, z_min + hi, max_ticks)
    return ColorScale("J  (linear scale)", (lo, hi),
                      tuple((v - z_min, f"{v:.4g}") for v in values))


def _decade(k: int) -> str:
    return {0: "1", 1: "10", 2: "100", -1: "0.1", -2: "0.01", -3: "0.001"}.get(k, f"1e{k}")


def _nice_ticks(low: float, high: float, count: int) -> list[float]:
    raw = (high - low) / max(1, count)
    mag = 10.0 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(low / step - 1e-9) * step
    return [round(first + k * step, 12) for k in range(int((high - first) / step + 1e-9) + 1)]
