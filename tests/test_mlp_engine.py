"""The real-network mode's engine: faithful to plain PyTorch, honest batching, deterministic,
falls back to the CPU, and draws the plane right. CPU only; CUDA tests skip without a GPU."""
import dataclasses
import math
import time

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gdviz.core.optimizers import OPTIMIZERS  # noqa: E402
from gdviz.core.simulation import Hyper  # noqa: E402
from gdviz.core.snapshot import MethodSnapshot, SimSnapshot  # noqa: E402
from gdviz.mlp import DATASETS, device as devmod  # noqa: E402
from gdviz.mlp.datasets import make_dataset  # noqa: E402
from gdviz.mlp.model import MlpSpec, batched_losses, evaluate, init_weights, to_module  # noqa: E402
from gdviz.mlp.optim import FlatOptimizer  # noqa: E402
from gdviz.mlp.simulation import MlpSimulation, MlpStepRecord  # noqa: E402
from gdviz.mlp.trainer import Trainer  # noqa: E402

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU")


def data(name="moons", n=120, seed=1):
    ds = make_dataset(name, n, 0.2, seed)
    return ds, torch.tensor(ds.x_train), torch.tensor(ds.y_train)


def small_sim(n=120, batch_size=16, epochs=2.0, seed=0, optimizer="sgd", lr=0.1, **kw):
    ds = make_dataset(kw.pop("dataset", "moons"), n, 0.2, seed=4)
    return MlpSimulation(ds, batch_size, Hyper(lr=lr, optimizer=optimizer, epochs=epochs),
                         hidden=(8, 8), seed=seed, device="cpu", **kw)


def reference_optimizer(name, params, lr):
    if name in ("sgd", "momentum", "nesterov"):
        m = 0.0 if name == "sgd" else 0.9
        return torch.optim.SGD(params, lr=lr, momentum=m, nesterov=name == "nesterov")
    return {"rmsprop": torch.optim.RMSprop, "adam": torch.optim.Adam}[name](params, lr=lr)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("activation,loss", [("tanh", "bce"), ("relu", "bce"), ("tanh", "mse")])
def test_update_equals_plain_pytorch_step(optimizer, activation, loss):
    _, x, y = data()
    spec = MlpSpec((2, 16, 16, 1), activation, loss)
    w0 = init_weights(spec, 3)
    trainer = Trainer(spec, w0, x, y, batch_size=7, seed=5, optimizer=optimizer)
    model = to_module(spec, w0)
    opt = reference_optimizer(optimizer, model.parameters(), 0.05)
    loss_fn = torch.nn.BCEWithLogitsLoss() if loss == "bce" else torch.nn.MSELoss()
    for _ in range(25):   # crosses an epoch end: 120 = 17 * 7 + 1, a batch of one
        idx, batch_loss = trainer.step(0.05)
        opt.zero_grad()
        ref_loss = loss_fn(model(x[idx]), y[idx])
        ref_loss.backward()
        ref_loss = ref_loss.detach()
        opt.step()
        ref = torch.nn.utils.parameters_to_vector(model.parameters())
        torch.testing.assert_close(trainer.w, ref.detach(), rtol=0, atol=1e-6)
        assert float(batch_loss) == pytest.approx(ref_loss.item(), abs=1e-6)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_graph_ready_update_matches_the_plain_one(optimizer):
    """The tensor-scalar update a CUDA graph replays, checked on the CPU."""
    p1 = torch.randn(50)
    p2 = p1.clone()
    a, b = FlatOptimizer(optimizer, p1), FlatOptimizer(optimizer, p2)
    for k in range(30):
        g = torch.randn(50, generator=torch.Generator().manual_seed(k))
        scal = torch.tensor(a.scalars(0.01), dtype=torch.float32)
        a.step(p1, g, 0.01)
        b.step_tensor(p2, g, scal)
    torch.testing.assert_close(p1, p2, rtol=1e-5, atol=1e-6)


def test_three_trainers_start_from_identical_weights():
    sim = small_sim()
    w = [r.trainer.w for r in sim.runs]
    assert w[0].numpy().tobytes() == w[1].numpy().tobytes() == w[2].numpy().tobytes()
    assert len({r.start_loss for r in sim.runs}) == 1


def test_honest_batching_each_epoch_a_permutation():
    sim = small_sim(n=100, batch_size=30, epochs=3)
    out = sim.run_to_end()
    assert [r.updates_per_epoch for r in sim.runs] == [1, 4, 100]
    mini = out["mini_batch"]
    assert len(mini) == 12 and [len(r.batch) for r in mini[:4]] == [30, 30, 30, 10]
    epochs = [np.concatenate([r.batch for r in mini[4 * e:4 * e + 4]]) for e in range(3)]
    for used in epochs:
        assert sorted(used.tolist()) == list(range(100))
    assert not np.array_equal(epochs[0], epochs[1])   # reshuffled
    assert len(out["stochastic"]) == 300 and len(out["full_batch"]) == 3


def test_drop_last_gives_floor_updates():
    sim = small_sim(n=100, batch_size=30, epochs=2, drop_last=True)
    out = sim.run_to_end()
    assert sim.run("mini_batch").updates_per_epoch == 3
    assert [len(r.batch) for r in out["mini_batch"]] == [30] * 6


def test_batch_of_n_follows_the_full_batch_path():
    sim = small_sim(n=100, batch_size=100)
    out = sim.run_to_end()
    a = np.array([r.loss for r in out["full_batch"]])
    b = np.array([r.loss for r in out["mini_batch"]])
    assert a.tobytes() == b.tobytes()


def test_same_seed_bit_identical_other_seed_differs():
    def trace(seed):
        sim = small_sim(seed=seed, optimizer="adam", lr=0.01)
        out = sim.run_to_end()
        return {k: (np.array([r.theta for r in v]), np.array([r.loss for r in v]))
                for k, v in out.items()}, sim.run("stochastic").trainer.w.numpy().tobytes()
    a, wa = trace(5)
    b, wb = trace(5)
    c, wc = trace(6)
    for key in a:
        assert a[key][0].tobytes() == b[key][0].tobytes()
        assert a[key][1].tobytes() == b[key][1].tobytes()
    assert wa == wb and wa != wc


def test_records_carry_val_loss_and_plane_coordinates():
    sim = small_sim(n=100, batch_size=25, epochs=1)
    recs = sim.run_to_end()["mini_batch"]
    assert all(isinstance(r, MlpStepRecord) for r in recs)
    assert all(r.theta.shape == (2,) and math.isfinite(r.val_loss) for r in recs)
    assert recs[-1].val_loss == pytest.approx(sim.run("mini_batch").val_loss)
    # the last record's theta is the run's current position on the final plane
    np.testing.assert_allclose(recs[-1].theta, sim.run("mini_batch").theta)


def test_large_n_evaluates_the_full_loss_at_a_cadence():
    sim = small_sim(n=5000, batch_size=500, epochs=0.02)
    assert sim.eval_every(1) == 5 and sim.eval_every(500) == 1
    recs = sim.run_to_end()["stochastic"]
    losses = np.array([r.loss for r in recs])
    assert np.isnan(losses[:4]).all() and np.isfinite(losses[4::5]).all()
    assert np.isfinite(losses[-1])
    assert np.all(np.isfinite(sim.run("stochastic").loss_curve.array()))


def test_batch_size_and_hyper_change_without_reset():
    sim = small_sim(batch_size=8, epochs=3)
    sim.advance_to(40)
    w = sim.run("mini_batch").trainer.w.clone()
    sim.set_batch_size(24)
    sim.set_hyper(Hyper(lr=0.01, optimizer="adam", epochs=3))
    recs = [r for r in sim.advance_by(24) if r.method == "mini_batch"]
    assert len(recs[0].batch) == 24 and recs[0].lr == 0.01
    assert not torch.equal(w, sim.run("mini_batch").trainer.w)
    assert sim.run("mini_batch").updates == 6


@pytest.mark.parametrize("clock,target,expected", [("updates", 5, (5, 5, 5)),
                                                   ("examples", 120, (1, 8, 120))])
def test_clock_keeps_methods_on_equal_terms(clock, target, expected):
    sim = small_sim(clock_kind=clock, batch_size=16, epochs=5)
    sim.advance_to(target)
    assert tuple(r.updates for r in sim.runs) == expected
    assert sim.next_event() is not None and sim.tick_size() == 1.0


def test_divergence_flags_a_method_and_keeps_the_snapshot_finite():
    sim = small_sim(lr=1e4, optimizer="sgd", epochs=2, dataset="curve", loss="mse")
    sim.run_to_end()
    assert "diverged" in {r.status for r in sim.runs}
    snap = sim.snapshot()
    for m in snap.methods:
        assert np.all(np.isfinite(m.trail))


# device -------------------------------------------------------------------------------------
def test_forced_cuda_without_gpu_falls_back_with_notice(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    dev, notice = devmod.resolve_device("cuda")
    assert dev.type == "cpu" and "CUDA" in notice
    dev, notice = devmod.resolve_device("auto")
    assert dev.type == "cpu" and "no CUDA GPU" in notice
    assert devmod.resolve_device("cpu") == (torch.device("cpu"), None)


def test_broken_or_full_gpu_falls_back_with_notice(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)

    def oom(device):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
    monkeypatch.setattr(devmod, "_probe", oom)
    dev, notice = devmod.resolve_device("auto")
    assert dev.type == "cpu" and "out of memory" in notice
    ds = make_dataset("moons", 100, 0.2, 0)
    sim = MlpSimulation(ds, 10, Hyper(epochs=1), hidden=(4,), device="cuda")
    assert sim.device.type == "cpu" and "out of memory" in sim.snapshot().extra.notice


def test_out_of_memory_while_training_moves_to_cpu_and_carries_on(monkeypatch):
    sim = small_sim(epochs=1)
    sim.device = torch.device("cuda")   # pretend: the failure handling is what is tested
    run = sim.run("mini_batch")
    real_step = run.trainer.step
    calls = []

    def failing_step(lr, commit=True):
        calls.append(lr)
        if len(calls) == 1:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory")
        return real_step(lr, commit)
    monkeypatch.setattr(run.trainer, "step", failing_step)
    version = sim.plane_version
    sim.advance_to(32)
    assert run.updates == 2 and sim.device.type == "cpu"
    assert "ran out of memory" in sim.notice and sim.plane_version > version
    assert sim.snapshot().extra.device == "cpu"


def test_failure_after_the_update_does_not_repeat_it(monkeypatch):
    ref = small_sim(epochs=1)
    ref.advance_to(32)
    sim = small_sim(epochs=1)
    sim.device = torch.device("cuda")   # pretend
    real_evaluate = sim.evaluate
    calls = []

    def failing_evaluate(w):
        calls.append(1)
        if len(calls) == 2:   # the mini-batch's first evaluation after its update
            raise RuntimeError("CUDA error: an illegal memory access was encountered")
        return real_evaluate(w)
    monkeypatch.setattr(sim, "evaluate", failing_evaluate)
    sim.advance_to(32)
    assert "failed" in sim.notice and sim.device.type == "cpu"
    for a, b in zip(ref.runs, sim.runs):
        assert a.updates == b.updates and a.examples_seen == b.examples_seen
        torch.testing.assert_close(a.trainer.w, b.trainer.w, rtol=0, atol=0)


def test_unreadable_gpu_restarts_from_the_last_good_weights(monkeypatch):
    sim = small_sim(epochs=1)
    sim.advance_to(16)
    sim.device = torch.device("cuda")   # pretend
    run = sim.run("stochastic")
    w_before = run.w.copy()
    monkeypatch.setattr(run.trainer, "to", lambda *a: (_ for _ in ()).throw(
        RuntimeError("CUDA error: unspecified launch failure")))
    sim._fall_back(RuntimeError("CUDA error: unspecified launch failure"))
    assert "restarted" in sim.notice and run.trainer.optimizer.t == 0
    np.testing.assert_allclose(run.trainer.w.double().numpy(), w_before, atol=1e-7)
    sim.advance_to(32)
    assert run.updates == 32


def test_other_errors_are_not_swallowed(monkeypatch):
    sim = small_sim()
    sim.device = torch.device("cuda")
    monkeypatch.setattr(sim.run("stochastic").trainer, "step",
                        lambda lr, commit=True: (_ for _ in ()).throw(KeyError("bug")))
    with pytest.raises(KeyError):
        sim.advance_to(1)


# the plane ------------------------------------------------------------------------------------
def test_plane_is_right():
    sim = small_sim(n=100, batch_size=10, epochs=3, optimizer="adam", lr=0.02)
    sim.run_to_end()   # the plane is re-aimed at the final weights when every run stops
    land, plane = sim.landscape, sim.plane
    assert land.param_names == ("plane axis 1 (fit to the three runs)",
                                "plane axis 2 (fit to the three runs)")
    np.testing.assert_allclose(plane.basis @ plane.basis.T, np.eye(2), atol=1e-12)
    snap = sim.snapshot()
    for run in sim.runs:
        # coordinates are the least-squares ones; the distance is what is left over
        resid = run.w - plane.origin - run.theta @ plane.basis
        np.testing.assert_allclose(plane.basis @ resid, 0.0, atol=1e-8)
        m = snap.method(run.key)
        assert m.extra.plane_distance == pytest.approx(np.linalg.norm(resid))
        # under the marker: the loss the surface shows there, and the network's own loss
        c = run.theta
        xs = np.array([land.bounds[0][0], c[0], land.bounds[0][1]])
        ys = np.array([land.bounds[1][0], c[1], land.bounds[1][1]])
        assert land.loss_grid(xs, ys)[1, 1] == pytest.approx(m.extra.plane_loss, rel=1e-6)
        model = to_module(sim.spec, torch.tensor(run.w, dtype=torch.float32))
        with torch.no_grad():
            ref = torch.nn.BCEWithLogitsLoss()(model(sim.x), sim.y)
        assert m.extra.true_loss == pytest.approx(float(ref), rel=1e-5)
        assert m.extra.true_loss == pytest.approx(run.loss, rel=1e-5)
    assert float(land.loss(np.zeros(2))) == pytest.approx(sim.run("full_batch").start_loss, rel=1e-5)
    # the fit is at least as close to the three networks as the old plane through the ends of
    # full batch and stochastic, which left the mini-batch off it
    ends = np.array([r.w for r in sim.runs]) - plane.origin
    assert _residual(ends, plane.basis) <= _residual(ends, _old_plane(ends[0], ends[2])) + 1e-12
    assert _residual(ends[1:2], _old_plane(ends[0], ends[2])) > (0.05 * np.linalg.norm(ends[1])) ** 2


def test_the_true_loss_under_each_marker_is_the_networks_own_without_a_second_pass(monkeypatch):
    """The note "training loss of each network": exactly the loss of the weights shown. Where
    the last update already evaluated it, the snapshot takes that number (no forward pass over
    the data per snapshot); where it did not (large N: a cadence), it evaluates."""
    import gdviz.mlp.simulation as simmod
    for n, batch_size, epochs in ((120, 16, 5.0), (5000, 500, 0.05)):
        sim = small_sim(n=n, batch_size=batch_size, epochs=epochs)
        sim.advance_to(60)
        snap = sim.snapshot()
        for run in sim.runs:
            ref = float(evaluate(sim.spec, run.trainer.w, sim.x, sim.y))
            assert snap.method(run.key).extra.true_loss == ref            # bit for bit
        sim.advance_to(61)
        passes = []
        original = simmod.evaluate
        monkeypatch.setattr(simmod, "evaluate",
                            lambda *a: (passes.append(len(a[2])), original(*a))[1])
        snap = sim.snapshot()
        monkeypatch.setattr(simmod, "evaluate", original)
        assert sim.run("stochastic").status == "running"
        stepped = [r for r in sim.runs if r.updates % sim.eval_every(r.batch_size) == 0]
        for run in sim.runs:
            assert snap.method(run.key).extra.true_loss == float(
                evaluate(sim.spec, run.trainer.w, sim.x, sim.y))
        # a pass over the training data only for a run whose last update skipped it
        assert passes.count(sim.n) <= len(sim.runs) - len(stepped)
        if n == 120:                                 # every update evaluates: never a pass
            assert passes.count(sim.n) == 0


def _old_plane(a, b):
    e1 = a / np.linalg.norm(a)
    b = b - (b @ e1) * e1
    return np.array([e1, b / np.linalg.norm(b)])


def _residual(d, basis):
    """Summed squared distance of displacements d (m, P) from the plane through 0 on basis."""
    return float(np.sum((d - d @ basis.T @ basis) ** 2))


def test_three_displacements_in_a_plane_all_lie_on_it():
    from gdviz.mlp.plane import make_plane
    spec = MlpSpec((2, 8, 8, 1))
    rng = np.random.default_rng(3)
    origin = rng.normal(size=spec.n_params)
    a, b = rng.normal(size=(2, spec.n_params))
    cases = {("fit to the three runs", "fit to the three runs"): (a, a - 0.5 * b, b),
             ("fit to the three runs", "random direction"): (a, 2 * a, -3 * a)}
    for axes, d in cases.items():
        ends = dict(zip(("full batch", "mini-batch", "stochastic"), [origin + x for x in d]))
        plane = make_plane(spec, origin, ends, "trajectories", seed=0)
        assert plane.axes == axes
        np.testing.assert_allclose(plane.basis @ plane.basis.T, np.eye(2), atol=1e-12)
        for w in ends.values():
            assert float(plane.distance(w)) < 1e-9 * np.linalg.norm(w - origin)
            np.testing.assert_allclose(origin + plane.coords(w) @ plane.basis, w, atol=1e-9)


def test_best_fit_plane_beats_the_old_plane_for_random_cases():
    from gdviz.mlp.plane import make_plane
    spec = MlpSpec((2, 6, 1))
    rng = np.random.default_rng(8)
    for _ in range(50):
        origin = rng.normal(size=spec.n_params)
        d = rng.normal(size=(3, spec.n_params)) * rng.uniform(0.01, 3, size=(3, 1))
        ends = dict(zip(("full batch", "mini-batch", "stochastic"), origin + d))
        plane = make_plane(spec, origin, ends, "trajectories", seed=1)
        best = _residual(d, plane.basis)
        assert best <= _residual(d, _old_plane(d[0], d[2])) + 1e-12
        # the optimum: no other plane through the start does better (Eckart–Young)
        sing = np.linalg.svd(d, compute_uv=False)
        assert best == pytest.approx(float(sing[2] ** 2), rel=1e-9)
        # Plane.distance agrees with the residual
        dist = [float(plane.distance(origin + di)) ** 2 for di in d]
        assert sum(dist) == pytest.approx(best, rel=1e-9)


def test_grid_in_one_batch_equals_points_one_by_one():
    sim = small_sim(n=100, epochs=1)
    sim.run_to_end()
    land = sim.landscape
    xs, ys = np.linspace(*land.bounds[0], 9), np.linspace(*land.bounds[1], 7)
    Z = land.loss_grid(xs, ys)
    for j in (0, 3, 6):
        for i in (0, 4, 8):
            w = plane_weights(sim.plane, xs[i], ys[j])
            one = float(evaluate(sim.spec, w, sim.x, sim.y))
            assert Z[j, i] == pytest.approx(one, rel=1e-5)
    W = torch.stack([plane_weights(sim.plane, a, b) for a in xs[:3] for b in ys[:2]])
    assert batched_losses(sim.spec, W, sim.x, sim.y).shape == (6,)


def plane_weights(plane, a, b):
    return torch.tensor(plane.origin + a * plane.basis[0] + b * plane.basis[1], dtype=torch.float32)


def test_before_any_movement_the_plane_is_random_filter_normalised():
    sim = small_sim()
    assert sim.plane.axes == ("random direction", "random direction")
    assert sim.landscape.bounds[0][1] > 0 and np.isfinite(sim.landscape.loss_grid([0.0], [0.0])).all()
    sim.advance_to(120)   # one full-batch update: examples clock, N = 120
    v = sim.plane_version
    sim.recompute_plane()
    assert sim.plane_version == v + 1
    assert sim.plane.axes == ("fit to the three runs", "fit to the three runs")
    for r in sim.runs:   # trails re-projected onto the new plane
        np.testing.assert_allclose(r.coords.array()[-1], sim.plane.coords(r.w))
        np.testing.assert_allclose(r.coords.array()[0], 0.0, atol=1e-12)


def test_random_plane_option():
    sim = small_sim(plane="random", epochs=1)
    sim.run_to_end()
    assert sim.plane.axes == ("random direction", "random direction")


# snapshots ----------------------------------------------------------------------------------
def _walk(obj, seen=()):
    if isinstance(obj, torch.Tensor):
        raise AssertionError("a tensor in a snapshot")
    if dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            _walk(getattr(obj, f.name))
    elif isinstance(obj, (tuple, list)):
        for v in obj:
            _walk(v)


@pytest.mark.parametrize("name", DATASETS)
def test_snapshot_holds_numpy_only_and_is_cheap(name):
    kw = {"loss": "mse"} if name == "curve" else {}
    sim = small_sim(dataset=name, **kw)
    sim.advance_to(40)
    snap = sim.snapshot(generation=3)
    assert isinstance(snap, SimSnapshot) and snap.generation == 3
    _walk(snap)
    ex = snap.extra
    assert ex.task == ("regression" if name == "curve" else "classification")
    assert ex.x_train.shape == (120, 1 if name == "curve" else 2) and len(ex.y_val) == 24
    for m in snap.methods:
        assert isinstance(m, MethodSnapshot) and m.theta.shape == (2,) and m.trail.shape[1] == 2
        b = m.extra.boundary
        assert b.shape == ((len(ex.grid_xs),) if name == "curve" else (64, 64))
        assert np.all(np.isfinite(b)) and m.extra.val_loss_curve.shape[1] == 2
    sim.advance_by(1)
    t = time.perf_counter()
    for _ in range(20):
        sim.snapshot()
    # typically well under a millisecond; the bound only catches a snapshot that recomputes
    # the plane or copies the weight history (loose: this machine is shared)
    assert (time.perf_counter() - t) / 20 < 0.1


def test_datasets_are_seeded_and_sized():
    a = make_dataset("spirals", 500, 0.1, seed=2, val_fraction=0.2)
    b = make_dataset("spirals", 500, 0.1, seed=2, val_fraction=0.2)
    assert a.x_train.tobytes() == b.x_train.tobytes()
    assert a.x_train.shape == (500, 2) and a.x_val.shape == (100, 2)
    assert set(np.unique(a.y_train)) == {0.0, 1.0}
    assert make_dataset("curve", 100, 0.1, 0, 0.0).x_val.shape == (0, 1)


# CUDA -----------------------------------------------------------------------------------------
@cuda
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_cuda_graph_training_matches_cpu(optimizer):
    ds = make_dataset("moons", 200, 0.2, 1)
    hyper = Hyper(lr=0.01, optimizer=optimizer, epochs=2)
    runs = [MlpSimulation(ds, 16, hyper, device=d, seed=2) for d in ("cpu", "cuda")]
    assert runs[1].device.type == "cuda" and runs[1].notice is None
    outs = [s.run_to_end() for s in runs]
    for key in outs[0]:
        a = np.array([r.loss for r in outs[0][key]])
        b = np.array([r.loss for r in outs[1][key]])
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)
    assert runs[1].run("stochastic").trainer._graphs   # graphs were captured and replayed
    Z = runs[1].landscape.loss_grid(np.linspace(-1, 1, 32), np.linspace(-1, 1, 32))
    assert np.all(np.isfinite(Z))


def test_a_proposed_plane_is_the_recomputed_one_once_adopted():
    """The window draws a new plane's picture while the runs go on: proposing changes nothing,
    adopting gives exactly the plane recompute_plane lays; a proposal overtaken by another
    plane is refused."""
    a, b = (small_sim(epochs=3) for _ in range(2))
    for sim in (a, b):
        sim.advance_to(150)
    before = b.snapshot()
    proposal = b.propose_plane()
    after = b.snapshot()
    assert b.plane_version == before.extra.plane_version == after.extra.plane_version
    assert all(np.array_equal(m.theta, n.theta) for m, n in zip(before.methods, after.methods))
    a.recompute_plane()
    assert b.adopt_plane(proposal) and b.plane_version == a.plane_version
    np.testing.assert_array_equal(b.plane.basis, a.plane.basis)
    assert b.landscape.bounds == a.landscape.bounds and b.landscape is proposal
    for ra, rb in zip(a.runs, b.runs):
        np.testing.assert_array_equal(ra.coords.array(), rb.coords.array())
    stale = b.propose_plane()
    b.recompute_plane()                  # (the user's R, or every run stopping)
    assert not b.adopt_plane(stale) and b.landscape is not stale
