"""The batch-size lab: steps, examples and hardware time to a target loss over (B, η, seed).

``Lab(scenario, settings)`` is the lab's front door. It is the single-run lab
(``LabSettings(criterion="single_run")`` on a two-parameter landscape); for every other criterion,
and the least-squares landscape, it returns the copies' lab (gdviz.core.lab_copies). The lab's
parts, each importing only those before it:

* gdviz.core.lab_grid: settings, statuses, the automatic grid, each seed's target, the results;
* gdviz.core.lab_block: the vectorised stepper (every run of one batch size at once);
* gdviz.core.lab_fit: the best η per batch size, the fit, the noise path, the regimes;
* gdviz.core.lab_copies: the lab counted on shuffle-copies;
* this module: ``Lab``, and the names of the parts that other modules import from here.

Run (B, η, seed) is exactly the mini-batch run of ``gdviz simulate SCENARIO --batch-size B
--lr η --seed seed --epochs E`` (with the scenario's optimizer, η-vs-B rule and schedule): the
scenario with that seed builds its own data (the seed draws the data as well as the shuffles),
the run starts at the scenario's mini-batch start, its shuffles come from the mini-batch's
stream ``SeedSequence(seed).spawn(3)[1]`` one permutation per epoch, and its batch gradients
are the landscape's own ``batch_grad`` (bit-identical when vectorised over runs). Its step count
is the first update whose loss J(θ) ≤ target = J* + ε (J(θ₀) − J*).
"""
from __future__ import annotations

import numpy as np

from gdviz.core.curvature import stability_limit
from gdviz.core.lab_block import Block, stack_landscapes
from gdviz.core.lab_fit import (MIN_FIT_POINTS, NOISE_PATH_POINTS, best_per_batch,
                                fit_tradeoff, noise_disagreement, noise_path, regime, summarize)
from gdviz.core.lab_grid import (CRITERIA, DEFAULT_FRACTION,
                                 DEFAULT_LR_COUNT, DIVERGED, LR_SPAN_OCTAVES, MAX_RUNS,
                                 NOT_REACHED, REACHED, STATUS_NAMES, BestRun, Fit, LabResult,
                                 LabSettings, LabSetup, NoisePath, SeedTarget, auto_batch_sizes, auto_lrs,
                                 lab_result, lr_top, seed_targets)
from gdviz.core.lab_copies import CopiesLab
from gdviz.core.landscapes import LANDSCAPES, CustomFunction, LinearRegression, TiltedLandscape
from gdviz.core.limits import check_lab, check_seed_range
from gdviz.core.simulation import DIVERGENCE_FACTOR

# what other modules import from here (the parts' names, and the lab itself)
__all__ = ["BestRun", "CRITERIA", "CopiesLab", "DEFAULT_FRACTION",
           "DEFAULT_LR_COUNT", "DIVERGED", "Fit", "LR_SPAN_OCTAVES", "Lab", "LabResult",
           "LabSettings", "LabSetup", "MAX_RUNS", "MIN_FIT_POINTS", "NOISE_PATH_POINTS", "NOT_REACHED",
           "NoisePath", "REACHED", "STATUS_NAMES", "SeedTarget", "auto_batch_sizes", "auto_lrs",
           "best_per_batch", "fit_tradeoff", "lab_result", "noise_disagreement",
           "noise_path", "regime", "seed_targets", "summarize"]

class Lab:
    """A lab for one scenario: the grid, the per-seed data and the sweep itself.

    Counted on single runs over data seeds (``criterion="single_run"`` on a 2-D landscape);
    every other criterion, and the least-squares landscape, is a ``CopiesLab``."""

    def __new__(cls, scenario, settings: LabSettings = LabSettings()):
        if scenario.landscape != "mlp" and (settings.criterion != "single_run"
                                            or scenario.landscape == "least_squares"):
            return CopiesLab(scenario, settings)
        return super().__new__(cls)

    def __init__(self, scenario, settings: LabSettings = LabSettings()):
        if scenario.landscape == "mlp":
            raise ValueError("this lab sweeps the analytic landscapes; an MLP scenario is "
                             "swept by gdviz.mlp.lab.MlpLab")
        settings.check(scenario.n_examples)
        max_epochs = float(settings.max_epochs if settings.max_epochs is not None
                           else scenario.epochs)
        self.scenario = scenario.with_changes(epochs=max_epochs)
        self.settings = settings
        self.setup = setup = LabSetup.of(self.scenario, max_epochs)
        self.hyper, self.hardware, self.n = setup.hyper, setup.hardware, setup.n
        self.drop_last, self.max_epochs = setup.drop_last, setup.max_epochs
        check_lab(self.n, sorted(set(settings.batch_sizes or auto_batch_sizes(self.n))),
                  len(set(settings.lrs or ())) or DEFAULT_LR_COUNT, settings.seeds, max_epochs,
                  self.drop_last, not issubclass(LANDSCAPES[scenario.landscape],
                                                 (TiltedLandscape, LinearRegression)))
        seed0 = self.scenario.seed
        check_seed_range(seed0, settings.seeds, "seed", "seeds")
        self.seeds = tuple(seed0 + i for i in range(settings.seeds))
        self.fraction = (DEFAULT_FRACTION if settings.target_fraction is None
                         else settings.target_fraction)
        self.landscapes, self.targets, self.lam = seed_targets(
            self.scenario, self.seeds, self.fraction)
        self.edge = stability_limit(self.lam, self.hyper.optimizer, self.hyper.momentum)
        self.batch_sizes = np.array(sorted(set(settings.batch_sizes or auto_batch_sizes(self.n))),
                                    np.int64)
        self.lrs = np.array(sorted(set(settings.lrs or auto_lrs(self._lr_top()))), float)
        runs = len(self.batch_sizes) * len(self.lrs) * len(self.seeds)
        if runs > MAX_RUNS:
            raise ValueError(f"{runs} runs is too many for one lab (at most {MAX_RUNS})")
        self.starts = np.array([t.start for t in self.targets], float)
        self.target_loss = np.array([t.loss for t in self.targets], float)
        self.bound = np.array([DIVERGENCE_FACTOR * (1.0 + abs(t.start_loss))
                               for t in self.targets], float)
        self.stacked = stack_landscapes(self.landscapes)
        # every built-in J is non-finite where θ is; a user's f may not be (exp(-x²) at ∞)
        self.check_theta = any(isinstance(l, CustomFunction) for l in self.landscapes)

    def _lr_top(self) -> float:
        return lr_top(self.edge, self.targets[0], self.landscapes[0])

    def run(self, progress=None, cancelled=None) -> LabResult | None:
        """Sweep every batch size (the largest, quickest first); ``progress(result)`` gets the
        partial result after each one. None when ``cancelled()`` turned true."""
        k, l, s = len(self.batch_sizes), len(self.lrs), len(self.seeds)
        steps = np.zeros((k, l, s), np.int64)
        examples = np.zeros((k, l, s), np.int64)
        status = np.full((k, l, s), NOT_REACHED, np.int8)
        done = np.zeros(k, bool)
        result = None
        for i in range(k - 1, -1, -1):
            b = int(self.batch_sizes[i])
            out = Block(self, b).run(cancelled)
            if out is None:
                return None
            steps[i], examples[i], status[i] = (a.reshape(l, s) for a in out)
            done[i] = True
            result = self._result(steps, examples, status, done)
            if progress is not None:
                progress(result)
        return summarize(self, result)

    def _result(self, steps, examples, status, done) -> LabResult:
        return lab_result(self, steps, examples, status, done)
