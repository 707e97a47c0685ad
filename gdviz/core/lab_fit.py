"""What the lab's runs say: the best η per batch size, McCandlish et al.'s fit, the noise
scales along the full-batch path, and the regime a batch size sits in."""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from gdviz.core.curvature import noise_scales
from gdviz.core.lab_grid import REACHED, BestRun, Fit, LabResult, LabSetup, NoisePath
from gdviz.core.optimizers import Optimizer
from gdviz.core.rules import budget_steps, lr_at

NOISE_PATH_POINTS = 200


def best_per_batch(result: LabResult) -> tuple[BestRun, ...]:
    """Per B, the η with the lowest median steps to target over seeds (a run that did not reach
    the target counts as infinitely many steps); ties go to the smaller η."""
    reached = result.status == REACHED
    steps = np.where(reached, result.steps, np.inf).astype(float)
    examples = np.where(reached, result.examples, np.inf).astype(float)
    time = np.where(reached, result.time, np.inf)
    out = []
    for i, b in enumerate(result.batch_sizes):
        med = np.median(steps[i], axis=1)
        if not result.done[i] or not np.isfinite(med).any():
            out.append(BestRun(int(b), None, None, None, None, None, None))
            continue
        j = int(np.argmin(med))
        with np.errstate(invalid="ignore"):   # inf (not reached) in the upper quartile
            q1, q3 = np.percentile(steps[i, j], [25, 75])
        out.append(BestRun(int(b), float(result.lrs[j]), _finite(med[j]), _finite(q1),
                           _finite(q3), _finite(np.median(examples[i, j])),
                           _finite(np.median(time[i, j]))))
    return tuple(out)


def _finite(v) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


MIN_FIT_POINTS = 4


def fit_tradeoff(best: tuple[BestRun, ...], n: int | None = None) -> Fit:
    """McCandlish et al.'s S = S_min (1 + B_crit/B), i.e. (S/S_min − 1)(E/E_min − 1) = 1 with
    E_min = S_min B_crit, over the best-η points of the batch sizes that reached the target
    (at least MIN_FIT_POINTS of them), fitted by least squares of the relative error in S.

    With N given, the finite-N form: a batch's gradient noise is (N − B)/(B (N − 1)) of one
    example's, not 1/B, so S = S_min (1 + B_crit (N − B)/(B (N − 1))), which keeps B = N (no
    noise at all) at S_min; for B ≪ N it is the form above."""
    pts = [(p.batch_size, p.steps_median) for p in best
           if p.steps_median is not None and p.examples_median is not None]
    if len(pts) < MIN_FIT_POINTS or len({b for b, _ in pts}) < 2:
        return Fit(None, None, None, len(pts))
    b = np.array([q[0] for q in pts], float)
    s = np.array([q[1] for q in pts], float)
    u = 1.0 / b if n is None or n <= 1 else (n - b) / (b * (n - 1.0))
    # minimise Σ ((S − a − c u)/S)²: the rows of the design scaled by 1/S
    design = np.stack([np.ones_like(u), u], axis=1) / s[:, None]
    (a, c), *_ = np.linalg.lstsq(design, np.ones_like(s), rcond=None)
    # a slope within rounding of zero (every B took the same steps) fits no hyperbola
    if a <= 0 or c <= 1e-9 * a * float(np.max(1.0 / u[u > 0], initial=1.0)):
        return Fit(None, None, None, len(pts))
    b_crit = c / a
    return Fit(float(a), float(a * b_crit), float(b_crit), len(pts))


def noise_path(setup: LabSetup, landscape, start, target_loss: float, lam: float,
               best: tuple[BestRun, ...]) -> NoisePath:
    """B_simple and B_noise along the first seed's full-batch path at its best η, or at
    1/λ_max where that is smaller (plain SGD): past 1/λ_max a step overshoots the steepest
    direction, and the path's few points zig-zag across the valley instead of following the
    descent whose noise scale McCandlish et al. average (on lesson 7's least squares, the
    mean B_noise is 63 at the best η 1.58 over 3 points, 173–215 at η = 0.1 … 0.8)."""
    start = np.array(start, float)
    n, hyper = setup.n, setup.hyper
    own = getattr(landscape, "noise_scales", None)     # d parameters: the landscape's own
    scales_at = own if own is not None else (lambda p: noise_scales(landscape, p))
    b_start, _ = scales_at(start)
    full = [p for p in best if p.batch_size == n]
    lr = full[0].lr if full else None
    if lr is None:
        return NoisePath(None, np.zeros(0), np.zeros(0), np.zeros(0), _finite(b_start), None, None)
    opt = Optimizer(hyper.optimizer, momentum=hyper.momentum)
    # η scaled for B = N (and capped below), then scheduled step by step as it stands
    rate = lr_at(dataclasses.replace(hyper, schedule="constant"), n, 0.0, lr=lr)
    scheduled = dataclasses.replace(hyper, lr_scaling="none")
    if hyper.optimizer == "sgd" and np.isfinite(lam) and lam > 0 and rate > 1.0 / lam:
        lr, rate = lr / (rate * lam), 1.0 / lam
    budget = budget_steps(n, n, setup.drop_last, setup.max_epochs)
    theta, path, at_target = start, [start], None
    with np.errstate(all="ignore"):
        for k in range(budget):
            eta = lr_at(scheduled, n, float(k), lr=rate)
            theta = opt.step(theta, landscape.batch_grad(theta, np.arange(n)), eta)
            path.append(theta)
            if float(landscape.loss(theta)) <= target_loss:
                at_target = theta
                break
    path = np.array(path)
    # the steps' points (where each update's gradient was taken), up to the target
    stepped = path[:-1] if at_target is not None else path
    pick = np.unique(np.linspace(0, len(stepped) - 1,
                                 min(len(stepped), NOISE_PATH_POINTS)).astype(int))
    pts = stepped[pick]
    scales = np.array([scales_at(p) for p in pts])
    losses = np.asarray(landscape.loss(pts), float)
    b_simple_t = b_noise_t = None
    if at_target is not None:
        bs, bn = scales_at(at_target)
        b_simple_t, b_noise_t = _finite(bs), _finite(bn)
    with np.errstate(all="ignore"):
        means = [np.mean(c[np.isfinite(c)]) if np.isfinite(c).any() else float("nan")
                 for c in (scales[:, 0], scales[:, 1])]
    return NoisePath(lr, losses, scales[:, 0], scales[:, 1], _finite(b_start), b_simple_t,
                     b_noise_t, _finite(means[0]), _finite(means[1]))


def summarize(lab, result: LabResult) -> LabResult:
    """*result* with its best η per B, fit and noise path; a lab that summarizes its own way
    (the copies lab: theory curves, the least-squares landscape's many parameters) does so."""
    if hasattr(lab, "summarize"):
        return lab.summarize(result)
    best = best_per_batch(result)
    return dataclasses.replace(result, best=best, fit=fit_tradeoff(best, lab.n),
                               noise=noise_path(lab.setup, lab.landscapes[0], lab.targets[0].start,
                                                   lab.targets[0].loss, lab.lam, best))


def regime(batch_size: float, b_crit: float | None) -> str | None:
    """Where B sits on the fitted hyperbola: S/S_min = 1 + B_crit/B, E/E_min = 1 + B/B_crit.

    'perfect scaling' while examples stay within 25 % of E_min (B ≤ B_crit/4), 'no further
    benefit' once steps are within 25 % of S_min (B ≥ 4 B_crit), 'diminishing returns' between.
    """
    if b_crit is None:
        return None
    if batch_size <= b_crit / 4:
        return "perfect scaling"
    if batch_size >= 4 * b_crit:
        return "no further benefit"
    return "diminishing returns"


def noise_disagreement(result) -> float | None:
    """How many times B_noise averaged along the path (McCandlish et al.'s prediction for
    B_crit) and the fitted B_crit differ, when that is more than 2×; None otherwise."""
    b_crit = result.fit.b_crit
    b_noise = getattr(result.noise, "b_noise_path_mean", None)
    if b_crit is None or b_noise is None:
        return None
    ratio = b_noise / b_crit
    return None if 0.5 <= ratio <= 2.0 else max(ratio, 1 / ratio)
