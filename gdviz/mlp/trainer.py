"""One trainer: its weights, optimizer state and honest batching, with the data on the device."""
from __future__ import annotations

from gdviz.core.batching import EpochSampler
from gdviz.mlp import require_torch
from gdviz.mlp.device import short_error
from gdviz.mlp.model import MlpSpec, loss_and_grad
from gdviz.mlp.optim import FlatOptimizer

torch = require_torch()

GRAPH_WARMUP = 3   # eager updates at a batch size before its CUDA graph is captured
MAX_GRAPHS = 4     # graphs kept (batch sizes: B, the short last batch, earlier slider values)


class TorchEpochSampler(EpochSampler):
    """gdviz.core.batching.EpochSampler's rules with a seeded torch.Generator.

    A fresh permutation each epoch, drawn on the CPU, so every device sees the same batches;
    a batch's indices go to the device with it. B may change mid-epoch.
    """

    def __init__(self, n: int, batch_size: int, seed: int, drop_last: bool = False):
        self.generator = torch.Generator().manual_seed(int(seed))
        super().__init__(n, batch_size, rng=None, drop_last=drop_last)

    def _permutation(self):
        return torch.randperm(self.n, generator=self.generator)


class Trainer:
    """Flat weights ``w`` trained on (x, y) with B examples per update.

    On CUDA each batch size's update is captured once as a CUDA graph and replayed: a B = 1
    update is then one launch instead of dozens.
    """

    def __init__(self, spec: MlpSpec, weights, x, y, batch_size: int, seed: int,
                 optimizer: str = "sgd", momentum: float = 0.9, drop_last: bool = False,
                 use_graphs: bool | None = None):
        self.spec = spec
        self.x, self.y = x, y
        self.device = x.device
        self.w = weights.to(self.device, torch.float32).clone()
        self.g = torch.zeros_like(self.w)
        self.sampler = TorchEpochSampler(len(x), batch_size, seed, drop_last)
        self._pending = None   # a batch drawn whose update has not been committed yet
        self.momentum = momentum
        self.optimizer = FlatOptimizer(optimizer, self.w, momentum=momentum)
        self.use_graphs = self.device.type == "cuda" if use_graphs is None else use_graphs
        self.notice: str | None = None
        self._reset_graphs()

    @property
    def n(self) -> int:
        return len(self.x)

    def set_optimizer(self, name: str, momentum: float) -> None:
        """A new optimizer (fresh state) from the next update; the weights stay."""
        self.momentum = momentum
        self.optimizer = FlatOptimizer(name, self.w, momentum=momentum)
        self._reset_graphs()

    def to(self, device, x, y) -> None:
        """Move weights, optimizer state, permutation and data to ``device``."""
        self.x, self.y, self.device = x, y, device
        self.w, self.g = self.w.to(device), self.g.to(device)
        self.optimizer.to(device)
        self.use_graphs = self.use_graphs and device.type == "cuda"
        self._reset_graphs()

    def restart_on(self, device, x, y, weights) -> None:
        """Continue on ``device`` from ``weights`` with fresh optimizer state: for a GPU whose
        memory can no longer be read."""
        self.x, self.y, self.device = x, y, device
        self.w = weights.to(device, torch.float32).clone()
        self.g = torch.zeros_like(self.w)
        self.optimizer = FlatOptimizer(self.optimizer.name, self.w, momentum=self.momentum)
        self.use_graphs = False
        self._reset_graphs()

    def step(self, lr: float, commit: bool = True):
        """One update on the next batch: (CPU batch indices, batch loss as a 0-dim tensor).

        With ``commit=False`` the batch stays pending until ``commit()``, so an update that
        failed on the GPU is retried on the same batch.
        """
        if self._pending is None:
            self._pending, _ = self.sampler.next_batch()
        idx_cpu = self._pending
        whole = len(idx_cpu) == self.n
        if whole:
            # The whole data set in index order, as full batch sums it: B = N follows it exactly.
            idx_cpu = torch.arange(self.n)
        idx = None if whole else idx_cpu.to(self.device, non_blocking=True)
        if self.use_graphs:
            loss = self._graph_step(idx, lr)
        else:
            xb, yb = (self.x, self.y) if whole else (self.x[idx], self.y[idx])
            loss = loss_and_grad(self.spec, self.w, xb, yb, self.g)
            self.optimizer.step(self.w, self.g, lr)
        if commit:
            self.commit()
        return idx_cpu, loss

    def commit(self) -> None:
        self._pending = None

    # CUDA graphs ---------------------------------------------------------------------------
    def _reset_graphs(self) -> None:
        self._graphs: dict[int, tuple] = {}
        self._warm: dict[int, int] = {}
        self._stream = None

    def _tensor_step(self, idx, scal, loss_out) -> None:
        xb, yb = (self.x, self.y) if idx is None else (self.x[idx], self.y[idx])
        loss_out.copy_(loss_and_grad(self.spec, self.w, xb, yb, self.g))
        self.optimizer.step_tensor(self.w, self.g, scal)

    def _graph_step(self, idx, lr: float):
        key = self.n if idx is None else len(idx)
        entry = self._graphs.get(key)
        scal_host = torch.tensor(self.optimizer.scalars(lr), dtype=torch.float32)
        if entry is None:
            if self._stream is None:
                self._stream = torch.cuda.Stream(self.device)
            if self._warm.get(key, 0) < GRAPH_WARMUP:
                # Real updates, run on the capture stream so cuBLAS is set up before capture.
                self._warm[key] = self._warm.get(key, 0) + 1
                loss = torch.empty((), device=self.device)
                self._stream.wait_stream(torch.cuda.current_stream(self.device))
                with torch.cuda.stream(self._stream):
                    self._tensor_step(idx, scal_host.to(self.device), loss)
                torch.cuda.current_stream(self.device).wait_stream(self._stream)
                return loss
            if len(self._graphs) >= MAX_GRAPHS:   # B moved on: free the oldest graph's memory
                self._graphs.pop(next(iter(self._graphs)))
            entry = self._capture(key, idx is not None)
            if entry is None:
                return self.step_eager_after_failure(idx, lr)
        idx_buf, scal_buf, loss_buf, graph = entry
        if idx_buf is not None:
            idx_buf.copy_(idx)
        scal_buf.copy_(scal_host, non_blocking=True)
        graph.replay()
        self.optimizer.t += 1   # the replay ran the update; the Python counter must follow
        return loss_buf.clone()

    def _capture(self, key: int, indexed: bool):
        idx_buf = torch.zeros(key, dtype=torch.long, device=self.device) if indexed else None
        scal_buf = torch.ones(2, device=self.device)
        loss_buf = torch.zeros((), device=self.device)
        t = self.optimizer.t
        try:
            torch.cuda.synchronize(self.device)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph, stream=self._stream):
                self._tensor_step(idx_buf, scal_buf, loss_buf)   # recorded, not run
        except Exception as exc:
            self.use_graphs = False
            self.notice = f"CUDA graph capture failed ({short_error(exc)}): stepping eagerly."
            return None
        finally:
            self.optimizer.t = t
        self._graphs[key] = (idx_buf, scal_buf, loss_buf, graph)
        return self._graphs[key]

    def step_eager_after_failure(self, idx, lr: float):
        xb, yb = (self.x, self.y) if idx is None else (self.x[idx], self.y[idx])
        loss = loss_and_grad(self.spec, self.w, xb, yb, self.g)
        self.optimizer.step(self.w, self.g, lr)
        return loss
