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


def _problem(sizes, batch_size: int, optimizer: str, activation: str, n: int):
    """(model, x, y, the batch's indices, the loss, the optimizer) of a probe, seeded."""
    import torch
    gen = torch.Generator().manual_seed(0)
    model = _model(sizes, activation)
    x = torch.randn(n, sizes[0], generator=gen)
    y = (torch.rand(n, sizes[-1], generator=gen) > 0.5).float()
    idx = torch.randperm(n, generator=gen)[:batch_size]
    return model, x, y, idx, torch.nn.BCEWithLogitsLoss(), _optimizer(optimizer, model.parameters())


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

    model, x, y, idx, loss_fn, opt = _problem(sizes, batch_size, optimizer, activation, n)
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


def profiled_peak(sizes, batch_size: int, optimizer: str = "sgd", activation: str = "tanh",
                  n: int = 512) -> tuple[int, int]:
    """(the peak bytes, the bytes held after the step) of one steady-state step (a warm-up step
    first, so the optimizer state exists; ``zero_grad()`` sets the gradients to None, as the
    exported script does), from torch's CPU memory profiler: the parameters and the optimizer
    state held before, plus the largest running sum of every allocation and free the profiler
    records during ``xb, yb = x[idx], y[idx]``, the forward pass, the loss, ``backward()`` and
    ``step()``."""
    import torch
    from torch._C._profiler import _EventType
    from torch.profiler import ProfilerActivity, profile

    n = max(n, batch_size)
    model, x, y, idx, loss_fn, opt = _problem(sizes, batch_size, optimizer, activation, n)

    def step():
        xb, yb = x[idx], y[idx]
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()

    opt.zero_grad()
    step()                                   # the optimizer state now exists
    opt.zero_grad()
    gc.collect()
    held = sum(p.nbytes for p in model.parameters())
    held += sum(t.nbytes for st in opt.state.values() for t in st.values()
                if isinstance(t, torch.Tensor))
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    allocs = []

    def walk(node):
        if node.tag == _EventType.Allocation:
            allocs.append((node.start_time_ns, node.extra_fields.alloc_size))
        for child in node.children:
            walk(child)

    for root in prof.profiler.kineto_results.experimental_event_tree():
        walk(root)
    top = held
    for _, size in sorted(allocs, key=lambda a: a[0]):
        held += size
        top = max(top, held)
    return top, held


def cuda_step_peak(sizes, batch_size: int, optimizer: str = "sgd",
                   n: int = 4096) -> tuple[int, int]:
    """(the CUDA allocator's peak during one steady-state step, what it held just before the
    step), both without the data set: ``torch.cuda.max_memory_allocated`` around the step,
    after a warm-up step (so the optimizer state and cuBLAS's workspace exist) and
    ``zero_grad()`` (gradients None, as the exported script does). What is held before minus
    the parameters and the optimizer state is the fixed overhead (cuBLAS workspace)."""
    import torch
    dev = torch.device("cuda")
    model = _model(sizes).to(dev)
    x = torch.randn(n, sizes[0], device=dev)
    y = (torch.rand(n, sizes[-1], device=dev) > 0.5).float()
    loss_fn = torch.nn.BCEWithLogitsLoss()
    opt = _optimizer(optimizer, model.parameters())
    idx = torch.randint(0, n, (batch_size,), device=dev)

    def step():
        xb, yb = x[idx], y[idx]
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()

    opt.zero_grad()
    step()
    opt.zero_grad()
    torch.cuda.synchronize()
    data = x.nbytes + y.nbytes + idx.element_size() * idx.numel()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated() - data
    step()
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() - data, before
