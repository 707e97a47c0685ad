"""The real network's step records: estimate and full gradient where the step began, and the
step drawn is the step the weights really took."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gdviz.core.simulation import Hyper  # noqa: E402
from gdviz.mlp.datasets import make_dataset  # noqa: E402
from gdviz.mlp.model import to_module  # noqa: E402
from gdviz.mlp.simulation import MlpSimulation  # noqa: E402


def small_sim(n=60, batch_size=12, optimizer="sgd", lr=0.1, epochs=2.0):
    ds = make_dataset("moons", n, 0.2, seed=4)
    return MlpSimulation(ds, batch_size, Hyper(lr=lr, optimizer=optimizer, epochs=epochs),
                         hidden=(8,), seed=1, device="cpu")


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_full_batch_and_b_equal_n_estimate_equals_full_gradient(optimizer):
    sim = small_sim(batch_size=60, optimizer=optimizer, lr=0.05)
    out = sim.run_to_end()
    for key in ("full_batch", "mini_batch"):
        assert len(out[key]) == 2
        for r in out[key]:
            assert r.grad_estimate.tobytes() == r.grad_full.tobytes()


def test_full_gradient_is_taken_where_the_step_began():
    sim = small_sim()
    run = sim.run("mini_batch")
    x, y = torch.tensor(sim.dataset.x_train), torch.tensor(sim.dataset.y_train)
    for _ in range(5):
        rec = sim._step(run)
        # an independent reference: autograd through nn.Sequential at the weights before the step
        model = to_module(sim.spec, torch.tensor(run.w_before, dtype=torch.float32))
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x), y)
        grads = torch.autograd.grad(loss, list(model.parameters()))
        g_ref = torch.cat([g.reshape(-1) for g in grads]).double().numpy()
        np.testing.assert_allclose(run.grad_full_w, g_ref, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(rec.grad_full, sim.plane.vector_coords(g_ref), rtol=1e-4,
                                   atol=1e-6)
        np.testing.assert_allclose(rec.theta_before, sim.plane.coords(run.w_before))


def test_theta_before_is_the_previous_theta_on_the_final_plane():
    out = small_sim().run_to_end()
    for recs in out.values():
        np.testing.assert_array_equal(recs[0].theta_before, np.zeros(2))
        for prev, rec in zip(recs, recs[1:]):
            assert rec.theta_before.tobytes() == prev.theta.tobytes()


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_snapshot_arrows_follow_the_weights(optimizer):
    sim = small_sim(optimizer=optimizer, lr=0.05)
    sim.advance_to(180)
    snap = sim.snapshot()
    full = snap.method("full_batch")
    # full batch: the same rule fed the full gradient is the step taken, to the bit
    assert (full.theta - full.theta_before).tobytes() == full.true_step.tobytes()
    mini = snap.method("mini_batch")
    run = sim.run("mini_batch")
    np.testing.assert_allclose(mini.theta - mini.theta_before,
                               sim.plane.vector_coords(run.w - run.w_before), atol=1e-9)
    assert mini.rule.name == optimizer and mini.rule.v is None and mini.rule.m.shape == (2,)
    assert mini.step_lr == 0.05
