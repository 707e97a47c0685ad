"""The batch-size lab on the real network: every (η, seed) run of one batch size trained
together with ``torch.func`` (``functional_call`` + ``vmap`` over the stacked weights).

Run (B, η, seed) is the mini-batch trainer of ``gdviz simulate SCENARIO --batch-size B --lr η
--seed seed``: that seed's data and validation set, its initial weights, its mini-batch shuffle
stream, torch.optim's update rule. The weights agree with that run up to float rounding (the
batched kernels sum in another order), not bit for bit as on the analytic landscapes: where the
training is chaotic (η far past the edge) rounding grows into a visibly different run within
tens of updates, and the step counts of such runs can differ from ``simulate``'s.

Target: a validation loss. J*_val of a seed is the lowest validation loss any run of the sweep
on that seed's data reaches within the budget (every run is trained for the whole budget, so
the target is known only at the end); a run reaches the target at the first update whose
validation loss ≤ J*_val + ε (J_val(θ₀) − J*_val). Diverged: the training loss not finite
or past the engine's bound. Every update is evaluated (N ≤ 20,000 examples, small nets).
"""
from __future__ import annotations

import math

import numpy as np

from gdviz.core import METHOD_KEYS
from gdviz.core.batching import updates_per_epoch
from gdviz.core.lab import (DIVERGED, lab_result, NOT_REACHED, REACHED, LabResult, LabSettings, NoisePath,
                            SeedTarget, best_per_batch, budget_steps, fit_tradeoff)
from gdviz.core.limits import check_mlp_lab, mlp_params
from gdviz.core.schedules import scaled_lr, scheduled_lr
from gdviz.core.simulation import DIVERGENCE_FACTOR
from gdviz.mlp import require_torch
from gdviz.mlp.datasets import make_dataset
from gdviz.mlp.model import MlpSpec, init_weights, mean_loss, to_module

torch = require_torch()

MLP_LR_COUNT = 8            # the smaller default grid: 8 η ...
MLP_LR_OCTAVES = 7          # ... from the top down 2^7
MLP_LR_TOP = 4.0            # SGD on these nets: past the edge for every built-in
# ε of the real network: J*_val is the single best run's, so 1 % of the way is met by it alone
MLP_TARGET_FRACTION = 0.2


def auto_mlp_batch_sizes(n: int) -> tuple[int, ...]:
    """Powers of four from 4 up to N, and N: B = 1 costs N updates an epoch for every run."""
    sizes = [4 ** k for k in range(1, 12) if 4 ** k < n]
    return tuple(sizes + [n])


def auto_mlp_lrs(optimizer: str) -> tuple[float, ...]:
    top = MLP_LR_TOP if optimizer in ("sgd", "momentum", "nesterov") else 0.1
    exps = np.linspace(-MLP_LR_OCTAVES, 0.0, MLP_LR_COUNT)
    return tuple(sorted({float(f"{top * 2.0 ** e:.3g}") for e in exps}))


def mini_batch_seed(seed: int) -> int:
    """The mini-batch trainer's shuffle seed, as MlpSimulation derives it."""
    streams = np.random.SeedSequence(int(seed)).spawn(len(METHOD_KEYS))
    return int(streams[METHOD_KEYS.index("mini_batch")].generate_state(1)[0])


class _StackedRule:
    """torch.optim's rules on a stack of flat weight vectors, one learning rate per row."""

    def __init__(self, name: str, shape, momentum: float, device):
        self.name, self.momentum, self.t = name, momentum, 0
        self.m = torch.zeros(shape, device=device)
        self.v = torch.zeros(shape, device=device)
        self.b1, self.b2, self.alpha, self.eps = 0.9, 0.999, 0.99, 1e-8

    def keep(self, rows) -> None:
        self.m, self.v = self.m[rows], self.v[rows]

    def step(self, w, g, lr):
        """New weights; ``lr`` is (R, 1)."""
        self.t += 1
        name = self.name
        if name == "sgd":
            return w - lr * g
        if name in ("momentum", "nesterov"):
            self.m = self.m * self.momentum + g
            d = g + self.momentum * self.m if name == "nesterov" else self.m
            return w - lr * d
        if name == "rmsprop":
            self.v = self.v * self.alpha + (1 - self.alpha) * g * g
            return w - lr * g / (self.v.sqrt() + self.eps)
        self.m = torch.lerp(self.m, g, 1 - self.b1)
        self.v = self.v * self.b2 + (1 - self.b2) * g * g
        step = lr / (1 - self.b1 ** self.t)
        return w - step * self.m / (self.v.sqrt() / math.sqrt(1 - self.b2 ** self.t) + self.eps)


class MlpLab:
    """The lab for an ``mlp-*`` scenario, with the analytic lab's result (``LabResult``)."""

    def __init__(self, scenario, settings: LabSettings = LabSettings(), device: str | None = None):
        """*device*: "cpu", "cuda" or None for the scenario's own choice (auto: CUDA when
        present)."""
        from torch.func import functional_call, grad, vmap

        from gdviz.mlp.device import prefer_one_thread, resolve_device
        m = scenario.mlp
        n = scenario.n_examples
        settings.check(n)
        max_epochs = float(settings.max_epochs if settings.max_epochs is not None
                           else scenario.epochs)
        self.scenario = scenario.with_changes(epochs=max_epochs)
        self.settings, self.n, self.max_epochs = settings, n, max_epochs
        self.hyper = self.scenario.hyper()
        self.drop_last = scenario.drop_last
        self.hardware = self.scenario.hardware()
        self.device, self.notice = resolve_device(device or m.device)
        if self.device.type == "cpu":
            prefer_one_thread()
        self.seeds = tuple(scenario.seed + i for i in range(settings.seeds))
        self.fraction = (MLP_TARGET_FRACTION if settings.target_fraction is None
                         else settings.target_fraction)
        self.batch_sizes = np.array(sorted(set(settings.batch_sizes or auto_mlp_batch_sizes(n))),
                                    np.int64)
        self.lrs = np.array(sorted(set(settings.lrs or auto_mlp_lrs(self.hyper.optimizer))))
        check_mlp_lab(n, int(round(n * m.val_fraction)), self.batch_sizes, len(self.lrs),
                      len(self.seeds), max_epochs, self.drop_last,
                      mlp_params((2, *m.hidden, 1)))     # before any data or weights are made
        sets = [make_dataset(m.dataset, n, m.noise, s, m.val_fraction) for s in self.seeds]
        as_t = lambda a: torch.tensor(np.stack(a), dtype=torch.float32, device=self.device)  # noqa: E731
        self.x = as_t([d.x_train for d in sets])
        self.y = as_t([d.y_train for d in sets])
        self.x_val = as_t([d.x_val for d in sets])
        self.y_val = as_t([d.y_val for d in sets])
        self.spec = MlpSpec((sets[0].n_inputs, *m.hidden, 1), m.activation, m.loss)
        self.w0 = torch.stack([init_weights(self.spec, s) for s in self.seeds]).to(self.device)
        module = to_module(self.spec, self.w0[0])
        names = [name for name, _ in module.named_parameters()]
        shapes = [p.shape for _, p in module.named_parameters()]
        sizes = [p.numel() for _, p in module.named_parameters()]
        loss_name = self.spec.loss

        def loss_of(w, x, y):
            params = {k: t.view(s) for k, t, s in zip(names, torch.split(w, sizes), shapes)}
            return mean_loss(functional_call(module, params, (x,)), y, loss_name)

        self._grad = vmap(grad(loss_of))              # over runs: (R, P), (R, b, d), (R, b, 1)
        self._loss = vmap(loss_of)
        with torch.no_grad():
            train0 = self._loss(self.w0, self.x, self.y)
            val0 = self._loss(self.w0, self.x_val, self.y_val)
        self.start_loss = train0.double().cpu().numpy()
        self.start_val = val0.double().cpu().numpy()
        self.bound = DIVERGENCE_FACTOR * (1.0 + np.abs(self.start_loss))
        self.targets = None
        self.lam, self.edge = float("nan"), None

    # one batch size ------------------------------------------------------------------------
    def _block(self, b: int, cancelled):
        """Every (η, seed) run at batch size *b* over the whole budget: (validation loss after
        each update (T, R), the update each run diverged at or 0)."""
        lr_count, seed_count = len(self.lrs), len(self.seeds)
        runs = lr_count * seed_count
        lr_index = np.repeat(np.arange(lr_count), seed_count)
        seed_index = np.tile(np.arange(seed_count), lr_count)
        n, h = self.n, self.hyper
        u = updates_per_epoch(n, b, self.drop_last)
        budget = budget_steps(n, b, self.drop_last, self.max_epochs)
        gens = [torch.Generator().manual_seed(mini_batch_seed(s)) for s in self.seeds]
        history = np.full((budget, runs), np.inf)
        diverged_at = np.zeros(runs, np.int64)
        rows = np.arange(runs)
        sidx = torch.as_tensor(seed_index, device=self.device)
        w = self.w0[sidx].clone()
        base_lr = scaled_lr(self.lrs[lr_index], h.lr_scaling, b, h.lr_reference_batch)
        rule = _StackedRule(h.optimizer, w.shape, h.momentum, self.device)
        bound = self.bound[seed_index]
        e = j = 0
        perm = None
        for k in range(budget):
            if cancelled is not None and cancelled():   # every update: closing waits < 1 s
                return None
            lo, hi = j * b, min((j + 1) * b, n)
            if j == 0:
                perm = torch.stack([torch.randperm(n, generator=g) for g in gens]).to(self.device)
            if hi - lo == n:
                idx = torch.arange(n, device=self.device).expand(len(rows), n)
            else:
                idx = perm[sidx, lo:hi]
            xb = torch.gather(self.x[sidx], 1, idx[..., None].expand(-1, -1, self.x.shape[-1]))
            yb = torch.gather(self.y[sidx], 1, idx[..., None])
            lr = scheduled_lr(base_lr, h.schedule, e + lo / n, h.epochs)
            lr_t = torch.as_tensor(np.asarray(lr, np.float32), device=self.device)[:, None]
            g = self._grad(w, xb, yb)
            with torch.no_grad():
                w = rule.step(w, g, lr_t)
                train = self._loss(w, self.x[sidx], self.y[sidx]).double().cpu().numpy()
                val = self._loss(w, self.x_val[sidx], self.y_val[sidx]).double().cpu().numpy()
            finite = torch.isfinite(w).all(dim=1).cpu().numpy()
            bad = ~(finite & np.isfinite(train) & (np.abs(train) <= bound))
            history[k, rows] = np.where(bad, np.inf, val)
            if bad.any():                       # diverged: out of the block
                diverged_at[rows[bad]] = k + 1
                keep = ~bad
                keep_t = torch.as_tensor(keep, device=self.device)
                rows, w, sidx = rows[keep], w[keep_t], sidx[keep_t]
                base_lr, bound = base_lr[keep], bound[keep]
                rule.keep(keep_t)
                if not len(rows):
                    break
            j += 1
            if j == u:
                e, j = e + 1, 0
        return history, diverged_at

    def _counts(self, b: int, history, diverged_at, targets):
        """Steps, examples and status to the targets from a block's history."""
        n = self.n
        u = updates_per_epoch(n, b, self.drop_last)
        per_epoch = u * b if self.drop_last else n
        budget = len(history)
        seed_index = np.tile(np.arange(len(self.seeds)), len(self.lrs))
        target = np.array([t.loss for t in targets])[seed_index]
        hit = history <= target
        reached = hit.any(axis=0)
        first = np.where(reached, hit.argmax(axis=0) + 1, budget)
        diverged = (diverged_at > 0) & ~reached
        steps = np.where(diverged, diverged_at, first)
        status = np.where(reached, REACHED, np.where(diverged, DIVERGED, NOT_REACHED))
        e, j = divmod(steps - 1, u)
        examples = e * per_epoch + np.minimum((j + 1) * b, n)
        return steps, examples, status.astype(np.int8)

    def _targets(self, histories) -> tuple:
        """Per seed: J*_val, the lowest validation loss any run of the sweep reached."""
        eps = self.fraction
        seed_index = np.tile(np.arange(len(self.seeds)), len(self.lrs))
        targets = []
        for s, seed in enumerate(self.seeds):
            start = float(self.start_val[s])
            best = [float(np.min(h[:, seed_index == s])) for h, _ in histories]
            j_star = min(min(best), start)
            targets.append(SeedTarget(int(seed), (0.0, 0.0), start, j_star,
                                      j_star + eps * (start - j_star), False))
        return tuple(targets)

    def run(self, progress=None, cancelled=None) -> LabResult | None:
        """Every batch size (the largest first), then the counts to the target; partial
        results (``progress``) measure against the best validation loss seen so far."""
        k, l, s = len(self.batch_sizes), len(self.lrs), len(self.seeds)
        steps = np.zeros((k, l, s), np.int64)
        examples = np.zeros((k, l, s), np.int64)
        status = np.full((k, l, s), NOT_REACHED, np.int8)
        done = np.zeros(k, bool)
        histories: dict[int, tuple] = {}
        for i in range(k - 1, -1, -1):
            out = self._block(int(self.batch_sizes[i]), cancelled)
            if out is None:
                return None
            histories[i] = out
            done[i] = True
            self.targets = self._targets(list(histories.values()))
            for i2, (hist, div) in histories.items():
                counts = self._counts(int(self.batch_sizes[i2]), hist, div, self.targets)
                steps[i2], examples[i2], status[i2] = (a.reshape(l, s) for a in counts)
            if progress is not None:
                progress(self._result(steps, examples, status, done))
        return summarize_mlp(self._result(steps, examples, status, done))

    def _result(self, steps, examples, status, done) -> LabResult:
        return lab_result(self, steps, examples, status, done, measure="validation loss")


def summarize_mlp(result: LabResult) -> LabResult:
    """Best η per B and the fit; no noise-scale path (no Hessian of the network here)."""
    import dataclasses
    best = best_per_batch(result)
    empty = np.zeros(0)
    return dataclasses.replace(result, best=best, fit=fit_tradeoff(best),
                               noise=NoisePath(None, empty, empty, empty, None, None, None))
