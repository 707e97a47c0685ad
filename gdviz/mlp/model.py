"""The MLP as one flat weight vector, with a hand-written forward and backward.

The flat layout is nn.Linear's (for each layer: weight (out, in) row-major, then bias), so a
vector moves to and from a plain ``nn.Sequential`` unchanged. Writing the backward by hand keeps
an update to a few dozen kernels with no autograd graph, which is what makes B = 1 fast and lets
a CUDA graph capture the whole step.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from gdviz.mlp import require_torch

torch = require_torch()
F = torch.nn.functional

# Activations per chunk in batched evaluation: a CPU chunk stays in cache, a GPU chunk is big.
GRID_ELEMENTS = 1 << 18
GRID_ELEMENTS_CUDA = 1 << 26


@dataclass(frozen=True)
class MlpSpec:
    sizes: tuple[int, ...]          # (inputs, hidden..., 1)
    activation: str = "tanh"        # "tanh" | "relu"
    loss: str = "bce"               # "bce" (on logits) | "mse"

    @cached_property
    def layers(self) -> tuple[tuple[int, int, int, int], ...]:
        """Per layer (weight offset, out, in, bias offset) in the flat vector."""
        out, off = [], 0
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            out.append((off, n_out, n_in, off + n_out * n_in))
            off += n_out * n_in + n_out
        return tuple(out)

    @property
    def n_params(self) -> int:
        off, n_out, n_in, b_off = self.layers[-1]
        return b_off + n_out

    def views(self, flat):
        """(W, b) views of a flat vector (P,) or of a stack of them (K, P)."""
        lead = flat.shape[:-1]
        return [(flat[..., w:b].view(*lead, o, i), flat[..., b:b + o])
                for w, o, i, b in self.layers]

    @cached_property
    def weight_rows(self) -> tuple[tuple[int, int, int], ...]:
        """(offset, rows, row length) of each weight matrix: its rows are the filters."""
        return tuple((w, o, i) for w, o, i, _ in self.layers)


def init_weights(spec: MlpSpec, seed: int):
    """nn.Linear's default initialisation, U(±1/√fan_in), from a seeded CPU generator."""
    gen = torch.Generator().manual_seed(int(seed))
    flat = torch.empty(spec.n_params)
    for w, o, i, b in spec.layers:
        bound = 1.0 / math.sqrt(i)
        flat[w:b + o].uniform_(-bound, bound, generator=gen)
    return flat


def _act(z, name):
    return torch.tanh(z) if name == "tanh" else torch.relu(z)


def example_losses(out, y, loss: str):
    if loss == "bce":
        return F.binary_cross_entropy_with_logits(out, y, reduction="none")
    return (out - y).square()


def mean_loss(out, y, loss: str):
    if loss == "bce":
        return F.binary_cross_entropy_with_logits(out, y)
    return F.mse_loss(out, y)


def forward(spec: MlpSpec, flat, x):
    """Network output (n, 1) for inputs x (n, d)."""
    h = x
    views = spec.views(flat)
    for k, (W, b) in enumerate(views):
        h = torch.addmm(b, h, W.t())
        if k < len(views) - 1:
            h = _act(h, spec.activation)
    return h


def loss_and_grad(spec: MlpSpec, flat, x, y, grad_out):
    """Mean loss over (x, y); writes d loss / d flat into ``grad_out`` (P,) in place."""
    views = spec.views(flat)
    grads = spec.views(grad_out)
    hs = [x]
    h = x
    for k, (W, b) in enumerate(views):
        h = torch.addmm(b, h, W.t())
        if k < len(views) - 1:
            h = _act(h, spec.activation)
            hs.append(h)
    out = h
    loss = mean_loss(out, y, spec.loss)
    n = x.shape[0]
    # d loss / d out for the mean over n examples
    # the arithmetic of torch's loss backward kernels (bce: divide by n; mse: times 2/n)
    d = (torch.sigmoid(out) - y) / n if spec.loss == "bce" else (out - y) * (2.0 / n)
    for k in range(len(views) - 1, -1, -1):
        gW, gb = grads[k]
        torch.mm(d.t(), hs[k], out=gW)
        torch.sum(d, 0, out=gb)
        if k:
            dh = torch.mm(d, views[k][0])
            # autograd's own backward kernels, so gradients match nn.Module's bit for bit
            d = (torch.ops.aten.tanh_backward(dh, hs[k]) if spec.activation == "tanh"
                 else torch.ops.aten.threshold_backward(dh, hs[k], 0))
    return loss


def evaluate(spec: MlpSpec, flat, x, y):
    """Mean loss (a 0-dim tensor), forward only; NaN for an empty set."""
    if x.shape[0] == 0:
        return torch.tensor(float("nan"))
    return mean_loss(forward(spec, flat, x), y, spec.loss)


def _act_(z, name: str):
    """The activation in place. tanh as 2 sigmoid(2z) - 1: on the CPU torch's sigmoid kernel is
    about six times faster than its tanh, and the two agree to ~2e-7."""
    if name == "relu":
        return z.relu_()
    if z.is_cuda:
        return z.tanh_()
    return torch.sigmoid(z.mul_(2.0), out=z).mul_(2.0).sub_(1.0)


def batched_losses(spec: MlpSpec, weights, x, y):
    """Mean loss over all of (x, y) for each row of ``weights`` (K, P): a (K,) tensor."""
    return _chunked_losses(spec, weights.shape[0], lambda s, e: weights[s:e], x, y)


def plane_losses(spec: MlpSpec, origin, basis, coords, x, y):
    """Mean loss at the weights origin + coords @ basis, for coords (K, 2): a (K,) tensor.

    The (K, P) weights are made chunk by chunk, so a 512² grid never holds them all at once.
    """
    return _chunked_losses(spec, coords.shape[0],
                           lambda s, e: torch.addmm(origin, coords[s:e], basis), x, y)


def _chunked_losses(spec: MlpSpec, k_total: int, weights_of, x, y):
    """Each layer is one batched matmul over a chunk of weight sets, into buffers reused from
    chunk to chunk; on the CPU a chunk is small enough to stay in cache."""
    n, device = x.shape[0], x.device
    width = max(spec.sizes[1:])
    budget = GRID_ELEMENTS_CUDA if x.is_cuda else GRID_ELEMENTS
    chunk = max(1, min(k_total, budget // max(1, n * width)))
    out = torch.empty(k_total, dtype=x.dtype, device=device)
    bufs = [torch.empty(chunk, n, o, dtype=x.dtype, device=device) for o in spec.sizes[1:]]
    xs = x.expand(chunk, -1, -1)
    last = len(spec.layers) - 1
    for s in range(0, k_total, chunk):
        w = weights_of(s, s + chunk)
        c = w.shape[0]
        h = xs[:c]
        for k, (W, b) in enumerate(spec.views(w)):
            z = bufs[k][:c]
            torch.baddbmm(b[:, None, :], h, W.transpose(1, 2), out=z)
            h = _act_(z, spec.activation) if k < last else z
        out[s:s + c] = example_losses(h, y.expand_as(h), spec.loss).mean(dim=(1, 2))
    return out


def to_module(spec: MlpSpec, flat):
    """A plain ``nn.Sequential`` holding these weights (for reference checks)."""
    nn = torch.nn
    layers = []
    for k, (n_in, n_out) in enumerate(zip(spec.sizes[:-1], spec.sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if k < len(spec.sizes) - 2:
            layers.append(nn.Tanh() if spec.activation == "tanh" else nn.ReLU())
    model = nn.Sequential(*layers).to(flat.device)
    torch.nn.utils.vector_to_parameters(flat.detach().clone(), model.parameters())
    return model
