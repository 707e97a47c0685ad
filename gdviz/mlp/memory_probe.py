"""Measure what gdviz.mlp.memory computes: one plain PyTorch step under torch's CPU memory
profiler, or under the CUDA allocator's peak counter (imports torch; for tests and benchmarks)."""
from __future__ import annotations

import gc


def _model(sizes, activation: str = "tanh"):
    import torch
    nn = torch.nn
    layers = []
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if k < len(sizes) - 2:
            layers.append(nn.Tanh() if activation == "tanh" else nn.ReLU())
    return nn.Sequential(*layers)


def _optimizer(name: str, params):
    import torch
    if name in ("sgd", "momentum", "nesterov"):
        return torch.optim.SGD(params, lr=0.01, momentum=0.0 if name == "sgd" else 0.9,
                               nesterov=name == "nesterov")
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=0.001)
    return torch.optim.Adam(params, lr=0.001)


def profiled_step(sizes, batch_size: int, optimizer: str = "sgd", activation: str = "tanh",
                  n: int = 512) -> tuple[int, int]:
    """(bytes held after the forward pass, bytes held after the step) of the first step, as
    torch's CPU memory profiler counts them: the batch and the activations kept for the
    backward pass; then the batch, the loss, the gradients and the optimizer state."""
    import torch
    from torch.profiler import ProfilerActivity, profile, record_function

    gen = torch.Generator().manual_seed(0)
    model = _model(sizes, activation)
    x = torch.randn(n, sizes[0], generator=gen)
    y = (torch.rand(n, sizes[-1], generator=gen) > 0.5).float()
    idx = torch.randperm(n, generator=gen)[:batch_size]
    loss_fn = torch.nn.BCEWithLogitsLoss()
    opt = _optimizer(optimizer, model.parameters())
    gc.collect()
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        xb, yb = x[idx], y[idx]
        loss = loss_fn(model(xb), yb)
        with record_function("gdviz: backward and step"):
            loss.backward()
            opt.step()
    top = sorted((e for e in prof.events() if e.cpu_parent is None),
                 key=lambda e: e.time_range.start)
    held, after_forward = 0, None
    for e in top:
        if e.name == "gdviz: backward and step":
            after_forward = held
        held += e.cpu_memory_usage
    del xb, yb, loss
    return after_forward, held


def cuda_step_peak(sizes, batch_size: int, optimizer: str = "sgd", n: int = 4096) -> int:
    """Bytes the CUDA allocator holds at its peak during one steady-state step (after a warm-up
    step, so gradients and optimizer state exist), counting parameters, gradients and state:
    ``torch.cuda.max_memory_allocated`` around the step, the data set itself left out."""
    import torch
    dev = torch.device("cuda")
    model = _model(sizes).to(dev)
    x = torch.randn(n, sizes[0], device=dev)
    y = (torch.rand(n, sizes[-1], device=dev) > 0.5).float()
    loss_fn = torch.nn.BCEWithLogitsLoss()
    opt = _optimizer(optimizer, model.parameters())

    def step():
        idx = torch.randint(0, n, (batch_size,), device=dev)
        xb, yb = x[idx], y[idx]
        del idx
        opt.zero_grad(set_to_none=False)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()

    step()                                   # gradients and optimizer state now exist
    torch.cuda.synchronize()
    data = x.nbytes + y.nbytes
    torch.cuda.reset_peak_memory_stats()
    step()
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() - data
