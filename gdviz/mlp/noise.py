"""Gradient noise of the real network, measured like the analytic landscapes' (gdviz.core.noise)
but without ever holding all N per-example gradients at once.

A layer's gradient for example i is an outer product, dℓ_i/dW = δ_i h_iᵀ (δ_i its output error,
h_i its input) and dℓ_i/db = δ_i. So one pass that keeps δ and h per layer gives the full gradient
(Σ δ_i h_iᵀ / N), every |∇ℓ_i|² = Σ_layers |δ_i|²(|h_i|² + 1) and so tr Σ exactly, and the gradient
of any sampled batch from the rows it draws, at a cost of B·P per batch rather than N·P memory.
Everything runs in float64, so the small differences g_B − ∇J of large batches are not rounding.
"""
from __future__ import annotations

import math

import numpy as np

from gdviz.core.noise import MAX_DRAWS, NoiseMeasurement, NoiseStats, sample_batches
from gdviz.mlp import require_torch
from gdviz.mlp.model import MlpSpec

torch = require_torch()

WORK_ELEMENTS = 10_000_000   # multiply-adds spent on batch gradients per measurement, roughly
MIN_DRAWS = 20               # a big network gets fewer batches (and a wider error bar)
CHUNK_ELEMENTS = 4_000_000   # batch-gradient entries held at once


def layer_terms(spec: MlpSpec, w, x, y) -> list[tuple]:
    """Per layer (δ (n, out), h (n, in)): every example's output error of the layer (the
    derivative of its own loss ℓ_i) and the layer's input."""
    with torch.no_grad():
        views = spec.views(w)
        hs, h = [x], x
        for k, (W, b) in enumerate(views):
            h = torch.addmm(b, h, W.t())
            if k < len(views) - 1:
                h = torch.tanh(h) if spec.activation == "tanh" else torch.relu(h)
                hs.append(h)
        d = torch.sigmoid(h) - y if spec.loss == "bce" else 2.0 * (h - y)
        terms = [None] * len(views)
        for k in range(len(views) - 1, -1, -1):
            terms[k] = (d, hs[k])
            if k:
                dh = d @ views[k][0]
                d = (torch.ops.aten.tanh_backward(dh, hs[k]) if spec.activation == "tanh"
                     else torch.ops.aten.threshold_backward(dh, hs[k], 0))
        return terms


def per_example_grads(spec: MlpSpec, w, x, y):
    """All n per-example gradients (n, P), in the flat layout (small problems and tests)."""
    out = torch.empty(len(x), spec.n_params, dtype=w.dtype, device=w.device)
    for (gW, gb), (d, h) in zip(spec.views(out), layer_terms(spec, w, x, y)):
        torch.mul(d[:, :, None], h[:, None, :], out=gW)
        gb.copy_(d)
    return out


def _batch_means(spec: MlpSpec, terms, idx) -> "torch.Tensor":
    """Mean gradient of each batch, rows of idx (k, b): a (k, P) tensor."""
    k = idx.shape[0]
    out = torch.empty(k, spec.n_params, dtype=terms[0][0].dtype, device=terms[0][0].device)
    for (gW, gb), (d, h) in zip(spec.views(out), terms):
        db, hb = d[idx], h[idx]                       # (k, b, out), (k, b, in)
        torch.bmm(db.transpose(1, 2), hb, out=gW)
        torch.sum(db, dim=1, out=gb)
    return out / idx.shape[1]


def measure_noise(spec: MlpSpec, w, x, y, batch_size: int, rng: np.random.Generator,
                  work: int = WORK_ELEMENTS) -> NoiseMeasurement:
    """|g_B − ∇J|² over sampled batches of B at weights w (mean ± standard error), and tr Σ,
    |∇J|² and the prediction from all N examples exactly."""
    w, x, y = w.double(), x.double(), y.double()
    n, p = len(x), spec.n_params
    terms = layer_terms(spec, w, x, y)
    full = torch.cat([torch.cat([(d.t() @ h).reshape(-1), d.sum(0)]) for d, h in terms]) / n
    sq_norms = sum((d * d).sum(1) * ((h * h).sum(1) + 1.0) for d, h in terms)
    norm2 = float(full @ full)
    trace = max(0.0, float(sq_norms.mean()) - norm2)
    stats = NoiseStats(trace, norm2, trace / norm2 if norm2 > 0 else math.inf)
    b = min(max(1, int(batch_size)), n)
    rest = n - b
    drawn = min(b, rest)
    k = int(np.clip(work // (max(drawn, 1) * p), MIN_DRAWS, MAX_DRAWS))
    if rest == 0:
        return NoiseMeasurement(b, n, 0.0, 0.0, k, stats)
    # B (g_B − ∇J) = −(N−B)(g_rest − ∇J): for B > N/2 the examples left out are drawn instead
    factor = 1.0 if drawn == b else (rest / b) ** 2
    idx = torch.from_numpy(sample_batches(n, drawn, k, rng)).to(x.device)
    chunk = max(1, CHUNK_ELEMENTS // max(p, drawn * max(spec.sizes)))
    sq = torch.cat([((_batch_means(spec, terms, idx[s:s + chunk]) - full) ** 2).sum(1)
                    for s in range(0, k, chunk)]).cpu().numpy() * factor
    return NoiseMeasurement(b, n, float(sq.mean()), float(np.std(sq, ddof=1) / math.sqrt(k)),
                            k, stats)
