"""Speed of the real-network mode against the loop a user would write.

    python benchmarks/mlp.py [--seconds 1.5] [--n 400] [--threads 0]

Training: updates per second of one gdviz trainer (data on the device, flat weights, a
hand-written backward, a CUDA graph per batch size on CUDA) against TensorDataset +
DataLoader(shuffle=True) + zero_grad/backward/step on an nn.Sequential, both with Adam, the
same 2-16-16-1 network and data, in this run, at B = 1, 32 and N.
Loss plane: the whole grid in one batched computation against evaluating grid points one by
one; the one-by-one time is measured on a subset of points and extrapolated (said so below).
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from gdviz.core.simulation import Hyper
from gdviz.mlp.datasets import make_dataset
from gdviz.mlp.model import MlpSpec, evaluate, init_weights, to_module
from gdviz.mlp.simulation import MlpSimulation
from gdviz.mlp.trainer import Trainer

ONE_BY_ONE_POINTS = 256


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def rate(step, device, seconds: float) -> float:
    """Calls of ``step`` per second, after a warm-up; best of three rounds."""
    for _ in range(20):
        step()
    sync(device)
    best = 0.0
    for _ in range(3):
        count, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds / 3:
            for _ in range(10):
                step()
            count += 10
            sync(device)
        best = max(best, count / (time.perf_counter() - t0))
    return best


def gdviz_rate(spec, w0, x, y, b, seconds):
    trainer = Trainer(spec, w0, x, y, b, seed=0, optimizer="adam")
    return rate(lambda: trainer.step(1e-3), x.device, seconds)


def dataloader_rate(spec, w0, x_cpu, y_cpu, b, device, seconds):
    model = to_module(spec, w0.to(device))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x_cpu, y_cpu),
                                         batch_size=b, shuffle=True)
    batches = iter(())

    def step():
        nonlocal batches
        try:
            xb, yb = next(batches)
        except StopIteration:
            batches = iter(loader)
            xb, yb = next(batches)
        xb, yb = xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
        opt.zero_grad()
        loss_fn(model(xb), yb).backward()
        opt.step()
    return rate(step, device, seconds)


def plane_times(device: torch.device, side: int, n: int):
    """(batched grid seconds, extrapolated one-by-one seconds) for a side² grid."""
    ds = make_dataset("moons", n, 0.15, seed=3)
    sim = MlpSimulation(ds, 32, Hyper(lr=0.01, optimizer="adam", epochs=2), device=device.type,
                        seed=3)
    sim.run_to_end()   # the plane through the real trajectories
    land, plane = sim.landscape, sim.plane
    (x0, x1), (y0, y1) = land.bounds
    xs, ys = np.linspace(x0, x1, side), np.linspace(y0, y1, side)
    land.loss_grid(xs[:8], ys[:8])   # warm-up
    best = float("inf")
    for k in range(3):
        sync(device)
        t0 = time.perf_counter()
        land.loss_grid(xs + k * 1e-9, ys)   # a new grid each time: no cache
        sync(device)
        best = min(best, time.perf_counter() - t0)
    origin = torch.tensor(plane.origin, dtype=torch.float32, device=sim.device)
    e1, e2 = (torch.tensor(e, dtype=torch.float32, device=sim.device) for e in plane.basis)
    rng = np.random.default_rng(0)
    pts = rng.uniform([x0, y0], [x1, y1], size=(ONE_BY_ONE_POINTS, 2))
    sync(device)
    t0 = time.perf_counter()
    for a, b in pts:
        float(evaluate(sim.spec, origin + float(a) * e1 + float(b) * e2, sim.x, sim.y))
    per_point = (time.perf_counter() - t0) / ONE_BY_ONE_POINTS
    return best, per_point * side * side


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument("--seconds", type=float, default=1.5, help="measuring time per figure")
    ap.add_argument("--n", type=int, default=400, help="training examples N")
    ap.add_argument("--threads", type=int, default=0,
                    help="torch intra-op threads for both sides (0: torch's default)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    ds = make_dataset("moons", args.n, 0.15, seed=3)
    spec = MlpSpec((2, 16, 16, 1))
    w0 = init_weights(spec, 0)
    x_cpu, y_cpu = torch.tensor(ds.x_train), torch.tensor(ds.y_train)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads; network "
          f"2-16-16-1 tanh, BCE, Adam; moons N = {args.n}"
          + ("" if len(devices) > 1 else "; no CUDA GPU here, CUDA rows skipped"))
    rows = []
    for dev in devices:
        x, y = x_cpu.to(dev), y_cpu.to(dev)
        goal = "≥ 10x at B = 1" if dev.type == "cuda" else "≥ 1.2x"
        for b in (1, 32, args.n):
            ours = gdviz_rate(spec, w0, x, y, b, args.seconds)
            base = dataloader_rate(spec, w0, x_cpu, y_cpu, b, dev, args.seconds)
            label = f"updates/s, B = {'N' if b == args.n else b}"
            rows.append((dev.type, label, f"{ours:,.0f}", f"{base:,.0f}", f"{ours / base:.1f}x",
                         goal if b == 1 or dev.type == "cpu" else ""))
        side, limit = (512, "50 ms") if dev.type == "cuda" else (128, "300 ms")
        batched, one_by_one = plane_times(dev, side, args.n)
        rows.append((dev.type, f"loss plane {side}x{side}, ms", f"{batched * 1e3:,.1f}",
                     f"{one_by_one * 1e3:,.0f}*", f"{one_by_one / batched:.1f}x",
                     f"≤ {limit}, ≥ 50x"))
    head = ("device", "figure", "gdviz", "baseline", "ratio", "goal")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    for r in [head] + rows:
        print("  ".join(str(v).rjust(w) if i in (2, 3, 4) else str(v).ljust(w)
                        for i, (v, w) in enumerate(zip(r, widths))))
    print("baseline for updates/s: TensorDataset + DataLoader(shuffle=True) + zero_grad/backward/"
          "step, batches moved to the device per step.")
    print(f"* one-by-one: {ONE_BY_ONE_POINTS} random points of the plane evaluated one at a time "
          "(weights = origin + a d1 + b d2, one forward over all N), extrapolated to the grid.")


if __name__ == "__main__":
    main()
