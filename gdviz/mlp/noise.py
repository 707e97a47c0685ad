"""Gradient noise of the real network: every example's own gradient, measured like the analytic
landscapes' noise (gdviz.core.noise)."""
from __future__ import annotations

import numpy as np

from gdviz.core.noise import NoiseMeasurement, measure_from_grads
from gdviz.mlp import require_torch
from gdviz.mlp.model import MlpSpec

torch = require_torch()


def per_example_grads(spec: MlpSpec, w, x, y):
    """d ℓ_i / d w for every example: an (n, P) tensor, ℓ_i the loss of example i alone.

    The backward of gdviz.mlp.model.loss_and_grad without the sum over examples: a layer's
    per-example weight gradient is the outer product of its output error and its input. About
    a hundred times faster on the CPU than torch.func's vmap(grad), which the tests check it
    against.
    """
    with torch.no_grad():
        views = spec.views(w)
        out_grads = torch.empty(len(x), spec.n_params, dtype=w.dtype, device=w.device)
        grads = spec.views(out_grads)
        hs, h = [x], x
        for k, (W, b) in enumerate(views):
            h = torch.addmm(b, h, W.t())
            if k < len(views) - 1:
                h = torch.tanh(h) if spec.activation == "tanh" else torch.relu(h)
                hs.append(h)
        d = torch.sigmoid(h) - y if spec.loss == "bce" else 2.0 * (h - y)
        for k in range(len(views) - 1, -1, -1):
            gW, gb = grads[k]
            torch.mul(d[:, :, None], hs[k][:, None, :], out=gW)
            gb.copy_(d)
            if k:
                dh = d @ views[k][0]
                d = (torch.ops.aten.tanh_backward(dh, hs[k]) if spec.activation == "tanh"
                     else torch.ops.aten.threshold_backward(dh, hs[k], 0))
        return out_grads


def measure_noise(spec: MlpSpec, w, x, y, batch_size: int,
                  rng: np.random.Generator) -> NoiseMeasurement:
    """|g_B - ∇J|² over sampled batches of B at weights w, and its prediction from tr Σ."""
    grads = per_example_grads(spec, w, x, y).double().cpu().numpy()
    return measure_from_grads(grads, batch_size, rng)
