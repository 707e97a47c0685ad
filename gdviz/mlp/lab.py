"""The batch-size lab on the real network: every (η, seed) run of one batch size trained
together as one stack of weight vectors (batched matrix products, the backward written out).

Run (B, η, seed) is the mini-batch trainer of ``gdviz simulate SCENARIO --batch-size B --lr η
--seed seed``: that seed's data and validation set, its initial weights, its mini-batch shuffle
stream, torch.optim's update rule. The weights agree with that run up to float rounding (the
batched kernels sum in another order), not bit for bit as on the analytic landscapes: where the
training is chaotic (η far past the edge) rounding grows into a visibly different run within
tens of updates, and the step counts of such runs can differ from ``simulate``'s.

Target: a validation loss. J*_val of a seed is fixed before the sweep by a long reference run
on that seed's data, the same whatever grid is swept (``REFERENCE``: full-batch Adam from the
seed's initial weights; J*_val is the lowest validation loss it reaches). A run reaches the
target at the first update whose validation loss ≤ J*_val + ε (J_val(θ₀) − J*_val) and stops
there. Diverged: the weights not finite or the training loss past the engine's bound (for a
tanh network with logistic loss the loss is at most log 2 + Σ|last layer| whatever the data, so
the training loss is computed only where that bound passes the engine's). Every update's
validation loss is evaluated.

Noise scale: B_simple = tr Σ / |∇J|² along the full-batch path (B = N at its best η, the first
seed), from the N per-example gradients (each example a batch of one, the backward written out:
what ``vmap(grad(loss))`` gives, without its 2–4 s first call); there is
no Hessian here, so no B_noise.

The default grid starts at B = 1 (powers of four, and N) and the default budget is
``MLP_LAB_EPOCHS`` epochs, long enough that every B of ``mlp-moons``' default grid reaches the
target; a B that does not is reported as such and gets no regime, and regimes come only from a
fit over at least ``MIN_FIT_POINTS`` batch sizes that reached it.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from gdviz.core import METHOD_KEYS
from gdviz.core.batching import updates_per_epoch
from gdviz.core.lab import (DIVERGED, NOT_REACHED, REACHED, Fit, LabResult, LabSettings,
                            NoisePath, SeedTarget, best_per_batch, fit_tradeoff, lab_result)
from gdviz.core.limits import check_mlp_lab, check_seed_range, mlp_params
from gdviz.core.rules import budget_steps
from gdviz.core.schedules import scaled_lr, scheduled_lr
from gdviz.core.simulation import DIVERGENCE_FACTOR
from gdviz.mlp import require_torch
from gdviz.mlp.datasets import make_dataset
from gdviz.mlp.model import MlpSpec, _act_, example_losses, init_weights

torch = require_torch()

MLP_LR_COUNT = 8            # the smaller default grid: 8 η ...
MLP_LR_OCTAVES = 7          # ... from the top down 2^7
MLP_LR_TOP = 4.0            # SGD on these nets: past the edge for every built-in
MLP_TARGET_FRACTION = 0.2   # ε of the real network (J*_val is the reference run's)
MLP_LAB_EPOCHS = 80.0       # the default budget (None in LabSettings.max_epochs)
MIN_FIT_POINTS = 4          # regimes only from a fit over at least this many reached B
NOISE_PATH_POINTS = 60      # B_simple at most this many points of the full-batch path


@dataclasses.dataclass(frozen=True)
class ReferenceRun:
    """The long run that fixes J*_val, whatever the grid."""

    optimizer: str = "adam"
    lr: float = 0.03
    steps: int = 500        # 500 epochs: far past the sweep's budget, and about half a second

    def describe(self) -> str:
        return (f"J*_val = the lowest validation loss of a reference run on the seed's data: "
                f"full-batch {self.optimizer.capitalize()}, η = {self.lr:g}, {self.steps:,} "
                "steps from the seed's initial weights (fixed, whatever the grid)")


REFERENCE = ReferenceRun()


def auto_mlp_batch_sizes(n: int) -> tuple[int, ...]:
    """Powers of four from 1 up to N, and N."""
    sizes = [4 ** k for k in range(0, 12) if 4 ** k < n]
    return tuple(sizes + [n])


def auto_mlp_lrs(optimizer: str) -> tuple[float, ...]:
    top = MLP_LR_TOP if optimizer in ("sgd", "momentum", "nesterov") else 0.1
    exps = np.linspace(-MLP_LR_OCTAVES, 0.0, MLP_LR_COUNT)
    return tuple(sorted({float(f"{top * 2.0 ** e:.3g}") for e in exps}))


def mini_batch_seed(seed: int) -> int:
    """The mini-batch trainer's shuffle seed, as MlpSimulation derives it."""
    streams = np.random.SeedSequence(int(seed)).spawn(len(METHOD_KEYS))
    return int(streams[METHOD_KEYS.index("mini_batch")].generate_state(1)[0])


# the network on a stack of weight vectors -----------------------------------------------------
SMALL_ACTIVATIONS = 8192    # fewer activations than this: torch.tanh; more: model._act_'s
                            # sigmoid form (about six times faster per element on the CPU)


class StackViews:
    """Per layer (Wᵀ (R, in, out), b (R, 1, out)) as views into a stack of flat weight vectors
    w (R, P), and the last layer's slice: made once, valid while w is updated in place."""

    def __init__(self, spec: MlpSpec, w):
        self.layers = [(w[:, o:b].view(-1, n_out, n_in).transpose(1, 2),
                        w[:, b:b + n_out].unsqueeze(1)) for o, n_out, n_in, b in spec.layers]
        off, n_out, _, b_off = spec.layers[-1]
        self.last = w[:, off:b_off + n_out]


def _tanh(z):
    return torch.tanh(z) if z.numel() < SMALL_ACTIVATIONS or z.is_cuda else _act_(z, "tanh")


def _forward(spec: MlpSpec, views: StackViews, x):
    """(inputs of each layer, output (R, n, 1)) for inputs x (R, n, d)."""
    hs, h, last = [x], x, len(views.layers) - 1
    for k, (Wt, b) in enumerate(views.layers):
        z = torch.baddbmm(b, h, Wt)
        if k < last:
            h = _tanh(z) if spec.activation == "tanh" else z.relu_()
            hs.append(h)
        else:
            h = z
    return hs, h


def stacked_losses(spec: MlpSpec, views: StackViews, x, y):
    """Mean loss of each row of the stack on its own data x (R, n, d), y (R, n, 1): (R,)."""
    _, out = _forward(spec, views, x)
    return example_losses(out, y, spec.loss).mean(dim=(1, 2))


def stacked_grads(spec: MlpSpec, views: StackViews, x, y):
    """Gradient of each row's mean loss on its own batch: (R, P), nn.Linear's flat layout."""
    r, n = x.shape[0], x.shape[1]
    g = torch.empty((r, spec.n_params), dtype=x.dtype, device=x.device)
    _StepBuffers(spec, r, n, x.device, g).grads(_Weights(spec, views), x, y)
    return g


class _Weights:
    """A stack of weight vectors (R, P) with its layer views made once: (Wᵀ, b) and W."""

    def __init__(self, spec: MlpSpec, w):
        self.views = w if isinstance(w, StackViews) else StackViews(spec, w)
        self.w = None if isinstance(w, StackViews) else w
        self.w_t = [wt.transpose(1, 2) for wt, _ in self.views.layers]


class _StepBuffers:
    """The forward and the written-out backward of a stack of R runs on batches of n examples,
    into buffers and views made once, the gradient written straight into g (R, P).

    Each kernel is the one the lab always used (``out=`` only): the numbers are the same bit
    for bit. For n = 1 a product over one term is an elementwise product (dᵀh, and d W for a
    layer with one output), and db = d: a layer's δ is computed in the bias slot of g (or
    copied there). An update is then about 17 kernels and no other tensor operation."""

    def __init__(self, spec: MlpSpec, r: int, n: int, device, g):
        self.spec, self.n, self.g = spec, n, g
        e = lambda *shape: torch.empty(shape, device=device)  # noqa: E731
        layers = spec.layers
        self.last = len(layers) - 1
        self.z = [e(r, n, n_out) for _, n_out, _, _ in layers]
        self.sigmoid_form = [spec.activation == "tanh" and r * n * n_out >= SMALL_ACTIVATIONS
                             and device.type != "cuda" for _, n_out, _, _ in layers]
        self.g_w = [g[:, o:b].view(-1, n_out, n_in) for o, n_out, n_in, b in layers]
        self.g_b = [g[:, b:b + n_out] for _, n_out, _, b in layers]
        # n = 1: δ of layer k lives in its bias slot of g, as (R, 1, out), unless a matrix
        # product reads it (k ≥ 1 with more than one output: one that reads a strided δ may
        # sum another way); such a δ has its own buffer and is copied there
        self.own_d = [n > 1 or (k > 0 and n_out > 1) for k, (_, n_out, _, _) in enumerate(layers)]
        if n == 1:
            self.d = [e(r, 1, n_out) if own else gb.unsqueeze(1)
                      for own, (_, n_out, _, _), gb in zip(self.own_d, layers, self.g_b)]
            self.gw = None
        else:
            # layer k's δ; the last layer's in place of its output
            self.d = [e(r, n, n_out) for _, n_out, _, _ in layers[:-1]] + [self.z[-1]]
            self.gw = [e(r, n_out, n_in) for _, n_out, n_in, _ in layers]
        self.d_t = [d.transpose(1, 2) for d in self.d]
        self.dh = [e(r, n, n_in) for _, _, n_in, _ in layers]
        self.h = [None] + self.z[:-1]           # the input of layer k (k ≥ 1)

    def grads(self, weights: _Weights, x, y):
        """The gradient of each row's mean loss on (x, y) into g; returns g."""
        spec, n, last, g = self.spec, self.n, self.last, self.g
        tanh = spec.activation == "tanh"
        h = x
        for k, (wt, b) in enumerate(weights.views.layers):
            z = torch.baddbmm(b, h, wt, out=self.z[k])
            if k < last:
                if not tanh:
                    h = z.relu_()
                elif self.sigmoid_form[k]:
                    h = _act_(z, "tanh")
                else:
                    h = torch.tanh(z, out=z)
        out, d = self.z[last], self.d[last]
        if spec.loss == "bce":      # σ into a whole buffer (a strided one may take torch's
            torch.sub(torch.sigmoid(out, out=out), y, out=d)     # scalar σ: other rounding)
            if n > 1:                       # a division by 1 changes nothing: skipped
                d.div_(n)
        else:
            torch.sub(out, y, out=d).mul_(2.0 / n)
        for k in range(last, -1, -1):
            d = self.d[k]
            h_in = x if k == 0 else self.h[k]
            # dW = dᵀ h, (out, in) row-major; db = Σ d (a batch of one: d itself, in place)
            if n == 1:
                torch.mul(self.d_t[k], h_in, out=self.g_w[k])
                if self.own_d[k]:
                    self.g_b[k].copy_(d[:, 0])
            else:     # into a whole buffer: bmm into a strided view may sum another way
                self.g_w[k].copy_(torch.bmm(self.d_t[k], h_in, out=self.gw[k]))
                torch.sum(d, dim=1, out=self.g_b[k])
            if k:
                w = weights.w_t[k]
                if n == 1 and w.shape[1] == 1:
                    dh = torch.mul(d, w, out=self.dh[k])       # one output: a product
                else:
                    dh = torch.bmm(d, w, out=self.dh[k])
                if tanh:
                    torch.ops.aten.tanh_backward.grad_input(dh, self.h[k], grad_input=self.d[k - 1])
                else:
                    torch.ops.aten.threshold_backward.grad_input(dh, self.h[k], 0,
                                                                  grad_input=self.d[k - 1])
        return g


def loss_bound_of_weights(spec: MlpSpec, views: StackViews):
    """An upper bound of the logistic loss of a tanh network on any data, from its last layer
    alone: |out| ≤ Σ|W_L| + |b_L| (each input of it is within ±1), ℓ ≤ log 2 + |out|. None
    where no such bound holds (ReLU, squared error)."""
    if spec.activation != "tanh" or spec.loss != "bce":
        return None
    return views.last.abs().sum(dim=1)


class _Stack:
    """The weights of the runs still going, updated in place, with their views."""

    def __init__(self, spec: MlpSpec, w):
        self.spec = spec
        self.w = w.contiguous()
        self._made()

    def _made(self) -> None:
        self.weights = _Weights(self.spec, self.w)
        self.views = self.weights.views
        self.g = torch.empty_like(self.w)
        self._buffers: dict[int, _StepBuffers] = {}     # per batch length

    def keep(self, rows) -> None:
        self.w = self.w[rows].contiguous()
        self._made()

    def buffers(self, n: int) -> _StepBuffers:
        buffers = self._buffers.get(n)
        if buffers is None:
            buffers = self._buffers[n] = _StepBuffers(self.spec, len(self.w), n,
                                                      self.w.device, self.g)
        return buffers

    def grads(self, x, y):
        """The gradients (R, P) into a buffer that the next call overwrites."""
        return self.buffers(x.shape[1]).grads(self.weights, x, y)

    def losses(self, x, y):
        return stacked_losses(self.spec, self.views, x, y)


class _StackedRule:
    """torch.optim's rules on a stack of flat weight vectors, one learning rate per row."""

    def __init__(self, name: str, shape, momentum: float, device):
        self.name, self.momentum, self.t = name, momentum, 0
        self.m = torch.zeros(shape, device=device)
        self.v = torch.zeros(shape, device=device)
        self.b1, self.b2, self.alpha, self.eps = 0.9, 0.999, 0.99, 1e-8
        self.tmp = torch.empty(shape, device=device)

    def keep(self, rows) -> None:
        self.m, self.v = self.m[rows], self.v[rows]
        self.tmp = torch.empty_like(self.m)

    def step(self, w, g, lr, out=None) -> None:
        """Update the stack w (R, P) in place, or into *out* (the same arithmetic as
        w − step); ``lr`` is (R, 1)."""
        self.t += 1
        name = self.name
        out = w if out is None else out
        if name == "sgd":
            torch.sub(w, torch.mul(lr, g, out=self.tmp), out=out)
            return
        if name in ("momentum", "nesterov"):
            self.m.mul_(self.momentum).add_(g)
            d = g + self.momentum * self.m if name == "nesterov" else self.m
            torch.sub(w, torch.mul(lr, d, out=self.tmp), out=out)
            return
        if name == "rmsprop":
            # in place (as momentum's m): a CUDA graph replays into the state it captured
            self.v.mul_(self.alpha).add_((1 - self.alpha) * g * g)
            torch.sub(w, lr * g / (self.v.sqrt() + self.eps), out=out)
            return
        self.m = torch.lerp(self.m, g, 1 - self.b1)
        self.v = self.v * self.b2 + (1 - self.b2) * g * g
        step = lr / (1 - self.b1 ** self.t)
        torch.sub(w, step * self.m / (self.v.sqrt() / math.sqrt(1 - self.b2 ** self.t)
                                      + self.eps), out=out)


def per_example_grads(spec: MlpSpec, w, x, y):
    """Every example's gradient (n, P) at weights w (P,): each a batch of one, from the
    written-out backward (``gdviz.mlp.noise``: dℓ_i/dW = δ_i h_iᵀ, dℓ_i/db = δ_i). It gives
    what ``vmap(grad(loss))`` gives, to rounding (tested against a plain autograd loop),
    without torch.func's first call, which imports torch._dynamo: 2–4 s here."""
    from gdviz.mlp.noise import per_example_grads as grads
    with torch.no_grad():
        return grads(spec, w, x, y)


def simple_noise_scale(grads) -> float:
    """B_simple = tr Σ / |∇J|² from per-example gradients (n, P), Σ their population
    covariance, in float64."""
    g = grads.double()
    mean = g.mean(dim=0)
    norm2 = float(mean @ mean)
    trace = max(0.0, float((g * g).sum(dim=1).mean()) - norm2)
    return trace / norm2 if norm2 > 0 else math.inf


CHECK_EVERY = 32            # updates kept before their validation losses are judged at once
JUDGE_ELEMENTS = 1 << 18    # activations per piece of the judge's evaluation (a CPU piece
                            # stays in cache: about twice as fast as the whole at once)


class _Judge:
    """Mean loss of many weight vectors (M, P), each on its own data x (M, n, d), y (M, n, 1),
    in pieces whose activations stay in cache, into buffers made once, with the examples
    along the last axis (activations (M, out, n): W h is then a matrix product with W in
    its stored order, two to seven times faster here than h Wᵀ). The arithmetic is
    ``stacked_losses``' but for the order of each product's sum (rounding: it decides a
    step only where a loss lies within rounding of the target; the tests compare step counts
    with ``simulate``); the activation as ``_tanh`` chooses it for the whole stack."""

    def __init__(self, spec: MlpSpec, x, y):
        self.spec = spec
        self.x = x.transpose(1, 2).contiguous()          # (M, d, n)
        self.y = y.transpose(1, 2).contiguous()          # (M, 1, n)
        m, n = x.shape[0], x.shape[1]
        width = max(spec.sizes[1:])
        cuda = x.is_cuda
        self.piece = m if cuda else max(1, min(m, JUDGE_ELEMENTS // max(1, n * width)))
        self.bufs = [torch.empty((self.piece, n_out, n), device=x.device)
                     for _, n_out, _, _ in spec.layers]
        self.sigmoid_form = [spec.activation == "tanh" and not cuda
                             and m * n * n_out >= SMALL_ACTIVATIONS
                             for _, n_out, _, _ in spec.layers]
        self.out = torch.empty(m, device=x.device)

    def losses(self, flat):
        spec, last = self.spec, len(self.spec.layers) - 1
        m = flat.shape[0]
        for s in range(0, m, self.piece):
            e = min(m, s + self.piece)
            w, h = flat[s:e], self.x[s:e]
            for k, (o, n_out, n_in, b_off) in enumerate(spec.layers):
                z = self.bufs[k][:e - s]
                weight = w[:, o:b_off].view(-1, n_out, n_in)
                bias = w[:, b_off:b_off + n_out].unsqueeze(2)
                if k == last:
                    h = torch.baddbmm(bias, weight, h, out=z)
                elif self.sigmoid_form[k]:   # tanh z = 2 sigmoid(2z) − 1, 2z from the product
                    torch.baddbmm(bias, weight, h, beta=2.0, alpha=2.0, out=z)
                    h = torch.sigmoid(z, out=z).mul_(2.0).sub_(1.0)
                else:
                    torch.baddbmm(bias, weight, h, out=z)
                    h = torch.tanh(z, out=z) if spec.activation == "tanh" else z.relu_()
            self.out[s:e] = example_losses(h, self.y[s:e], spec.loss).mean(dim=(1, 2))
        return self.out[:m]


class _Ring:
    """The live runs' weights after each of the last c updates, in c slots (R, P) with their
    views made once: update i of a chunk reads the slot of the update before it and writes
    slot i, so the chunk's weights are kept for the judge without a copy."""

    def __init__(self, spec: MlpSpec, w, c: int):
        self.spec, self.c = spec, c
        self.slots = torch.empty((c, *w.shape), device=w.device)
        self.slots[c - 1] = w
        self.latest = c - 1
        self.weights = [_Weights(spec, self.slots[i]) for i in range(c)]
        self.g = torch.empty_like(w)
        self._buffers: dict[int, _StepBuffers] = {}

    @property
    def w(self):
        return self.slots[self.latest]

    def step(self, x, y, lr, rule, slot: int) -> None:
        n = x.shape[1]
        buffers = self._buffers.get(n)
        if buffers is None:
            buffers = self._buffers[n] = _StepBuffers(self.spec, self.g.shape[0], n,
                                                      self.g.device, self.g)
        g = buffers.grads(self.weights[self.latest], x, y)
        rule.step(self.slots[self.latest], g, lr, out=self.slots[slot])
        self.latest = slot

    def keep(self, rows) -> "_Ring":
        return _Ring(self.spec, self.w[rows], self.c)


class _Live:
    """The runs of one batch size still going: their rows, weights, data and settings."""

    def __init__(self, lab, seed_index, lr_index, b: int, budget: int):
        dev, h = lab.device, lab.hyper
        self.rows = np.arange(len(seed_index))
        self.sidx = torch.as_tensor(seed_index, device=dev)
        self.ring = _Ring(lab.spec, lab.w0[self.sidx], min(CHECK_EVERY, budget))
        self.x, self.y = lab.x[self.sidx], lab.y[self.sidx]
        self.xv, self.yv = lab.x_val[self.sidx], lab.y_val[self.sidx]
        self.target = torch.tensor([lab.targets[s].loss for s in seed_index],
                                   dtype=torch.float32, device=dev)
        self.bound = torch.as_tensor(lab.bound[seed_index], dtype=torch.float32, device=dev)
        self.base_lr = scaled_lr(lab.lrs[lr_index], h.lr_scaling, b, h.lr_reference_batch)
        self.lr_t = torch.as_tensor(np.asarray(self.base_lr, np.float32), device=dev)[:, None]
        self.perm_rows = self.xs_epoch = self.ys_epoch = None
        self.rule = None
        self.spec, self.b = lab.spec, b
        self._reps: dict = {}
        self._judges: dict = {}

    def new_epoch(self, perm, d_in: int) -> None:
        """This epoch's order, and every run's examples in it (so a batch is a slice)."""
        self.perm_rows = perm[self.sidx]
        self.xs_epoch = torch.gather(self.x, 1, self.perm_rows[..., None].expand(-1, -1, d_in))
        self.ys_epoch = torch.gather(self.y, 1, self.perm_rows[..., None])
        self._split()

    def _split(self) -> None:
        """The epoch's batches as views, made at once."""
        self.x_batches = self.xs_epoch.split(self.b, dim=1)
        self.y_batches = self.ys_epoch.split(self.b, dim=1)

    def _rep(self, name: str, c: int):
        key = (name, c)
        if key not in self._reps:
            t = getattr(self, name)
            self._reps[key] = t.unsqueeze(0).expand(c, *t.shape).reshape(c * t.shape[0],
                                                                        *t.shape[1:])
        return self._reps[key]

    def xv_rep(self, c: int):
        return self._rep("xv", c)

    def yv_rep(self, c: int):
        return self._rep("yv", c)

    def x_rep(self, c: int):
        return self._rep("x", c)

    def y_rep(self, c: int):
        return self._rep("y", c)

    def keep(self, keep: np.ndarray) -> bool:
        """Only the runs in *keep* go on; False when none is left."""
        if not keep.any():
            return False
        t = torch.as_tensor(keep, device=self.sidx.device)
        self.rows, self.sidx = self.rows[keep], self.sidx[t]
        self.ring = self.ring.keep(t)
        self.rule.keep(t)
        self.x, self.y, self.xv, self.yv = self.x[t], self.y[t], self.xv[t], self.yv[t]
        self.target, self.bound, self.lr_t = self.target[t], self.bound[t], self.lr_t[t]
        self.base_lr = self.base_lr[keep]
        self.perm_rows, self.xs_epoch, self.ys_epoch = (self.perm_rows[t], self.xs_epoch[t],
                                                        self.ys_epoch[t])
        self._split()
        self._reps = {}
        self._judges = {}
        return True

    def judged_losses(self, flat, c: int, train: bool = False):
        """The mean validation (or training) loss of each row of flat (c·R, P), the live runs'
        weights after c updates."""
        key = (c, train)
        judge = self._judges.get(key)
        if judge is None:
            x, y = (self.x_rep(c), self.y_rep(c)) if train else (self.xv_rep(c), self.yv_rep(c))
            judge = self._judges[key] = _Judge(self.spec, x, y)
        return judge.losses(flat)


class MlpLab:
    """The lab for an ``mlp-*`` scenario, with the analytic lab's result (``LabResult``)."""

    def __init__(self, scenario, settings: LabSettings = LabSettings(), device: str | None = None,
                 reference: ReferenceRun = REFERENCE):
        """*device*: "cpu", "cuda" or None for the scenario's own choice (auto: CUDA when
        present)."""
        from gdviz.mlp.device import prefer_one_thread, resolve_device
        m = scenario.mlp
        n = scenario.n_examples
        settings.check(n)
        max_epochs = float(settings.max_epochs if settings.max_epochs is not None
                           else MLP_LAB_EPOCHS)
        self.scenario = scenario.with_changes(epochs=max_epochs)
        self.settings, self.n, self.max_epochs = settings, n, max_epochs
        self.reference = reference
        self.hyper = self.scenario.hyper()
        self.drop_last = scenario.drop_last
        self.hardware = self.scenario.hardware()
        self.device, self.notice = resolve_device(device or m.device)
        if self.device.type == "cpu":
            prefer_one_thread()
        check_seed_range(scenario.seed, settings.seeds, "seed", "seeds")
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
        with torch.no_grad():
            start = _Stack(self.spec, self.w0.clone())
            train0 = start.losses(self.x, self.y)
            val0 = start.losses(self.x_val, self.y_val)
        self.start_loss = train0.double().cpu().numpy()
        self.start_val = val0.double().cpu().numpy()
        self.bound = DIVERGENCE_FACTOR * (1.0 + np.abs(self.start_loss))
        self.targets = self._reference_targets()
        self.lam, self.edge = float("nan"), None
        # fixed chunks (CUDA graphs on CUDA): None = on CUDA only; True also runs them
        # eagerly on the CPU (how the tests check that path)
        self.static_chunks: bool | None = None
        self.graphed: list[int] = []       # the batch sizes whose chunks replayed a CUDA graph
        self.graphs_on_cpu = False         # the tests: _capture's stand-in replays on the CPU

    # the target -----------------------------------------------------------------------------
    def _reference_targets(self) -> tuple:
        """Per seed: J*_val, the lowest validation loss of the reference run (``REFERENCE``),
        all seeds trained together."""
        ref = self.reference
        stack = _Stack(self.spec, self.w0.clone())
        rule = _StackedRule(ref.optimizer, stack.w.shape, 0.9, self.device)
        lr = torch.full((len(stack.w), 1), ref.lr, device=self.device)
        best = torch.as_tensor(self.start_val, dtype=torch.float32, device=self.device)
        with torch.no_grad():
            for _ in range(ref.steps):
                rule.step(stack.w, stack.grads(self.x, self.y), lr)
                val = stack.losses(self.x_val, self.y_val)
                best = torch.minimum(best, torch.nan_to_num(val, nan=math.inf))
        best = best.double().cpu().numpy()
        eps = self.fraction
        targets = []
        for s, seed in enumerate(self.seeds):
            start = float(self.start_val[s])
            j_star = min(float(best[s]), start)
            targets.append(SeedTarget(int(seed), (0.0, 0.0), start, j_star,
                                      j_star + eps * (start - j_star), False))
        return tuple(targets)

    # one batch size ------------------------------------------------------------------------
    def _block(self, b: int, cancelled):
        """Every (η, seed) run at batch size *b*, each until it reaches the target, diverges
        or the budget ends: (steps, status) per run, η-major.

        The weights after each update are kept for ``CHECK_EVERY`` updates and then judged
        together (validation loss, divergence) in one batched evaluation, update by update in
        order, so each run's first update at the target is found exactly; a run that stopped
        meanwhile has taken a few extra updates that count for nothing."""
        lr_count, seed_count = len(self.lrs), len(self.seeds)
        runs = lr_count * seed_count
        lr_index = np.repeat(np.arange(lr_count), seed_count)
        seed_index = np.tile(np.arange(seed_count), lr_count)
        n, h, dev = self.n, self.hyper, self.device
        u = updates_per_epoch(n, b, self.drop_last)
        budget = budget_steps(n, b, self.drop_last, self.max_epochs)
        gens = [torch.Generator().manual_seed(mini_batch_seed(s)) for s in self.seeds]
        steps = np.full(runs, budget, np.int64)
        status = np.full(runs, NOT_REACHED, np.int8)
        live = _Live(self, seed_index, lr_index, b, budget)
        if self._static_chunks(b):
            return self._block_static(live, b, budget, gens, steps, status, cancelled)
        ring = live.ring
        rule = _StackedRule(h.optimizer, ring.w.shape, h.momentum, dev)
        live.rule = rule
        d_in = self.x.shape[-1]
        constant = h.schedule == "constant"
        check = ring.c
        pending = 0                      # updates kept in the ring, not judged yet
        e = j = 0
        with torch.no_grad():
            for k in range(budget):
                if k % 64 == 0 and cancelled is not None and cancelled():
                    return None
                lo, hi = j * b, min((j + 1) * b, n)
                if j == 0:
                    perm = torch.stack([torch.randperm(n, generator=g) for g in gens]).to(dev)
                    live.new_epoch(perm, d_in)
                if hi - lo == n:
                    xb, yb = live.x, live.y   # the whole data set in index order, as simulate
                else:
                    xb, yb = live.x_batches[j], live.y_batches[j]
                if not constant:
                    lr = scheduled_lr(live.base_lr, h.schedule, e + lo / n, h.epochs)
                    live.lr_t = torch.as_tensor(np.asarray(lr, np.float32), device=dev)[:, None]
                ring.step(xb, yb, live.lr_t, rule, pending)
                pending += 1
                j += 1
                if j == u:
                    e, j = e + 1, 0
                if pending == check or k == budget - 1:
                    stopped = self._judge(live, ring.slots[:pending], k + 1 - pending, steps,
                                          status)
                    pending = 0
                    if stopped is not None:
                        if not live.keep(~stopped):
                            break
                        ring = live.ring
        return steps, status

    def _static_chunks(self, b: int) -> bool:
        """Whether B's runs step in fixed chunks over fixed buffers (``_block_static``): on
        CUDA (where a chunk is then one CUDA graph), unless ``static_chunks`` says otherwise,
        and only where every batch is a full B slice of one epoch's order (B divides N, B < N)
        and the rule's arithmetic does not depend on the update count (not Adam)."""
        wanted = self.device.type == "cuda" if self.static_chunks is None else self.static_chunks
        return (wanted and b < self.n and self.n % b == 0
                and self.hyper.optimizer in ("sgd", "momentum", "nesterov", "rmsprop"))

    def _block_static(self, live: "_Live", b: int, budget: int, gens, steps, status,
                      cancelled):
        """``_block`` with every run kept to the end of B (a run that stopped steps on and is
        no longer judged) and the updates in chunks of ``CHECK_EVERY`` over fixed buffers: a
        chunk's batches and learning rates are copied into them, then its updates run. On
        CUDA the first chunk runs eagerly (warming cuBLAS up) and is then captured as one
        CUDA graph that every later chunk replays: a chunk's hundreds of tiny kernels become
        one launch. The kernels, so the numbers, are ``_block``'s; only the batches are
        gathered a chunk at a time (B divides N: update k's batch is positions kB … kB + B − 1
        of the epochs' orders laid end to end)."""
        n, h, dev, spec = self.n, self.hyper, self.device, self.spec
        ring, d_in = live.ring, self.x.shape[-1]
        c, r = ring.c, len(live.rows)
        rule = live.rule = _StackedRule(h.optimizer, ring.w.shape, h.momentum, dev)
        epochs = -(-budget * b // n)
        orders = torch.stack([torch.cat([torch.randperm(n, generator=g) for _ in range(epochs)])
                              for g in gens]).to(dev)[live.sidx]        # (R, epochs · N)
        xin = torch.empty((c, r, b, d_in), device=dev)
        yin = torch.empty((c, r, b, 1), device=dev)
        lrin = torch.empty((c, r, 1), device=dev)
        lrin[:] = live.lr_t
        constant = h.schedule == "constant"
        active = torch.ones(r, dtype=torch.bool, device=dev)
        graph = stream = None
        use_graph = dev.type == "cuda" or self.graphs_on_cpu

        def fill(k0: int, m: int) -> None:
            idx = orders[:, k0 * b:(k0 + m) * b]
            xs = torch.gather(live.x, 1, idx[..., None].expand(-1, -1, d_in))
            ys = torch.gather(live.y, 1, idx[..., None])
            xin[:m].copy_(xs.view(r, m, b, d_in).transpose(0, 1))
            yin[:m].copy_(ys.view(r, m, b, 1).transpose(0, 1))
            if not constant:
                u = n // b                     # as _block: epoch + position / N
                rates = [scheduled_lr(live.base_lr, h.schedule,
                                      (k0 + i) // u + (k0 + i) % u * b / n, h.epochs)
                         for i in range(m)]
                lrin[:m].copy_(torch.as_tensor(np.asarray(rates, np.float32))[..., None])

        def updates(m: int) -> None:
            for i in range(m):
                ring.step(xin[i], yin[i], lrin[i], rule, i)

        with torch.no_grad():
            for k0 in range(0, budget, c):
                if cancelled is not None and cancelled():
                    return None
                m = min(c, budget - k0)
                fill(k0, m)
                if graph is not None and m == c:
                    graph.replay()
                elif use_graph and m == c:
                    if dev.type == "cuda":
                        stream = torch.cuda.Stream(dev)
                        stream.wait_stream(torch.cuda.current_stream(dev))
                        with torch.cuda.stream(stream):
                            updates(m)                 # real updates: the warm-up
                        torch.cuda.current_stream(dev).wait_stream(stream)
                    else:
                        updates(m)
                    latest = ring.latest           # recording moves it round the ring
                    graph, use_graph = self._capture(lambda: updates(c), stream, rule), False
                    ring.latest = latest           # (back where it started, unless it failed)
                    if graph is not None:
                        self.graphed.append(b)
                else:
                    updates(m)
                stopped = self._judge(live, ring.slots[:m], k0, steps, status, active)
                if stopped is not None:
                    active &= ~torch.as_tensor(stopped, device=dev)
                    if not bool(active.any()):
                        break
        return steps, status

    @staticmethod
    def _capture(updates, stream, rule):
        """A chunk's updates as a CUDA graph (recorded, not run), or None where capture
        fails (the chunks then run eagerly)."""
        t = rule.t
        try:
            torch.cuda.synchronize()
            graph = torch.cuda.CUDAGraph()
            # thread_local: the window's lab runs in a worker thread; CUDA work elsewhere
            # in the process must not break the capture
            with torch.cuda.graph(graph, stream=stream, capture_error_mode="thread_local"):
                updates()
        except Exception:
            return None
        finally:
            rule.t = t
        return graph

    def _judge(self, live: "_Live", snaps, first: int, steps, status, active=None):
        """The kept updates first+1 … first+c of the live runs, in order, as simulate judges
        each: diverged (weights not finite, training loss past the bound), else reached
        (validation loss ≤ target). Writes the stopped runs' steps and status; their mask
        over the live runs, or None when none stopped."""
        c, r, p = snaps.shape
        flat = snaps.reshape(c * r, p)
        val = live.judged_losses(flat, c).view(c, r)
        hit = val <= live.target
        total = flat.abs().sum(dim=1).view(c, r)     # ≥ Σ|last layer|; not finite with any w
        if loss_bound_of_weights(self.spec, StackViews(self.spec, flat[:1])) is not None:
            suspect = ~(total + math.log(2.0) <= live.bound)
        else:                            # no bound from the weights: the training loss itself
            train = live.judged_losses(flat, c, train=True).view(c, r)
            suspect = ~torch.isfinite(total) | ~(train.abs() <= live.bound)
        any_stop = (hit | suspect).any(dim=0)
        if active is not None:           # runs that stopped before: no longer judged
            any_stop &= active
        if not bool(any_stop.any()):
            return None
        hit_np, suspect_np = hit.cpu().numpy(), suspect.cpu().numpy()
        bound_np = live.bound.double().cpu().numpy()
        stopped = np.zeros(r, bool)
        for row in np.flatnonzero(any_stop.cpu().numpy()):
            for k in range(c):
                if suspect_np[k, row]:     # decided as simulate decides: the training loss
                    w = snaps[k, row][None]
                    one = stacked_losses(self.spec, StackViews(self.spec, w),
                                         live.x[row][None], live.y[row][None])
                    loss = float(one)
                    ok = (bool(torch.isfinite(w).all()) and math.isfinite(loss)
                          and abs(loss) <= bound_np[row])
                    if not ok:
                        steps[live.rows[row]] = first + k + 1
                        status[live.rows[row]] = DIVERGED
                        stopped[row] = True
                        break
                if hit_np[k, row]:
                    steps[live.rows[row]] = first + k + 1
                    status[live.rows[row]] = REACHED
                    stopped[row] = True
                    break
        return stopped if stopped.any() else None

    def _examples(self, b: int, steps):
        n = self.n
        u = updates_per_epoch(n, b, self.drop_last)
        per_epoch = u * b if self.drop_last else n
        e, j = divmod(steps - 1, u)
        return e * per_epoch + np.minimum((j + 1) * b, n)

    def run(self, progress=None, cancelled=None) -> LabResult | None:
        """Every batch size (the largest, quickest first); ``progress`` gets the result after
        each (the target is fixed beforehand, so partial results are final for their B)."""
        k, l, s = len(self.batch_sizes), len(self.lrs), len(self.seeds)
        steps = np.zeros((k, l, s), np.int64)
        examples = np.zeros((k, l, s), np.int64)
        status = np.full((k, l, s), NOT_REACHED, np.int8)
        done = np.zeros(k, bool)
        for i in range(k - 1, -1, -1):
            b = int(self.batch_sizes[i])
            out = self._block(b, cancelled)
            if out is None:
                return None
            steps[i] = out[0].reshape(l, s)
            status[i] = out[1].reshape(l, s)
            examples[i] = self._examples(b, steps[i])
            done[i] = True
            if progress is not None:
                progress(self._result(steps, examples, status, done))
        result = summarize_mlp(self._result(steps, examples, status, done))
        return dataclasses.replace(result, noise=self.noise_path(result))

    def _result(self, steps, examples, status, done) -> LabResult:
        return lab_result(self, steps, examples, status, done, measure="validation loss")

    # B_simple along the full-batch path -----------------------------------------------------
    def noise_path(self, result: LabResult) -> NoisePath:
        """B_simple at points of the first seed's full-batch path (B = N at its best η, or
        the start alone where B = N was not swept or never reached the target), from the N
        per-example gradients; at each point the lowest validation loss the path has had."""
        x, y = self.x[0], self.y[0]
        t0 = self.targets[0]
        w = self.w0[0].clone()
        start = simple_noise_scale(per_example_grads(self.spec, w, x, y))
        full = [p for p in result.best if p.batch_size == self.n and p.lr is not None]
        empty = np.zeros(0)
        if not full:
            return NoisePath(None, empty, empty, empty, _finite(start), None, None)
        lr = full[0].lr
        h = self.hyper
        rate = scaled_lr(lr, h.lr_scaling, self.n, h.lr_reference_batch)
        stack = _Stack(self.spec, w[None].clone())
        rule = _StackedRule(h.optimizer, stack.w.shape, h.momentum, self.device)
        budget = budget_steps(self.n, self.n, self.drop_last, self.max_epochs)
        path, losses, at_target = [w], [float(self.start_val[0])], None
        with torch.no_grad():
            for k in range(budget):
                eta = scheduled_lr(rate, h.schedule, float(k), h.epochs)
                lr_t = torch.full((1, 1), float(eta), device=self.device)
                rule.step(stack.w, stack.grads(x[None], y[None]), lr_t)
                val = float(stack.losses(self.x_val[:1], self.y_val[:1]))
                path.append(stack.w[0].clone())
                losses.append(val)
                if val <= t0.loss:
                    at_target = len(path) - 1
                    break
        pick = np.unique(np.linspace(0, len(path) - 1,
                                     min(len(path), NOISE_PATH_POINTS)).astype(int))
        if at_target is not None and at_target not in pick:
            pick = np.append(pick, at_target)
        scales = {int(i): simple_noise_scale(per_example_grads(self.spec, path[i], x, y))
                  for i in pick}
        b_simple = np.array([scales[int(i)] for i in pick])
        # against the lowest validation loss so far: it falls monotonically to the target
        # (the loss itself wobbles, which would draw the curve back and forth)
        best_so_far = np.minimum.accumulate(np.array(losses))
        return NoisePath(float(lr), best_so_far[pick], b_simple,
                         np.full(len(pick), np.nan), _finite(start),
                         None if at_target is None else _finite(scales[at_target]), None)


def _finite(v) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def summarize_mlp(result: LabResult) -> LabResult:
    """Best η per B and the fit over the B that reached the target; no fit (so no B_crit and
    no regimes) from fewer than ``MIN_FIT_POINTS`` of them. No noise path yet (``run`` adds
    it at the end)."""
    best = best_per_batch(result)
    fit = fit_tradeoff(best)
    if fit.points < MIN_FIT_POINTS:
        fit = Fit(None, None, None, fit.points)
    empty = np.zeros(0)
    return dataclasses.replace(result, best=best, fit=fit,
                               noise=NoisePath(None, empty, empty, empty, None, None, None))
