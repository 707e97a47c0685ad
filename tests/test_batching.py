import numpy as np
import pytest

from gdviz.core.batching import EpochSampler, batch_starts, updates_per_epoch


@pytest.mark.parametrize("n,b,ceil,floor", [(1000, 1, 1000, 1000), (1000, 1000, 1, 1),
                                            (1000, 250, 4, 4), (1000, 32, 32, 31), (7, 3, 3, 2)])
def test_updates_per_epoch(n, b, ceil, floor):
    assert updates_per_epoch(n, b) == ceil
    assert updates_per_epoch(n, b, drop_last=True) == floor
    assert len(batch_starts(n, b)) == ceil
    assert len(batch_starts(n, b, drop_last=True)) == floor


def test_each_epoch_is_a_fresh_permutation_and_last_batch_is_short():
    n, b = 103, 10
    sampler = EpochSampler(n, b, np.random.default_rng(1))
    epochs = []
    for _ in range(3):
        batches = [sampler.next_batch()[0] for _ in range(updates_per_epoch(n, b))]
        assert [len(x) for x in batches] == [10] * 10 + [3]
        epoch = np.concatenate(batches)
        assert sorted(epoch.tolist()) == list(range(n))
        epochs.append(epoch)
    assert sampler.epochs_completed == 3
    assert not np.array_equal(epochs[0], epochs[1])
    assert not np.array_equal(epochs[1], epochs[2])


def test_drop_last_skips_the_short_batch():
    sampler = EpochSampler(103, 10, np.random.default_rng(1), drop_last=True)
    sizes = [len(sampler.next_batch()[0]) for _ in range(20)]
    assert sizes == [10] * 20
    assert sampler.epochs_completed == 2


def test_batch_size_change_applies_mid_epoch():
    sampler = EpochSampler(100, 10, np.random.default_rng(0))
    first = sampler.next_batch()[0]
    sampler.set_batch_size(30)
    rest = [sampler.next_batch()[0] for _ in range(3)]
    assert [len(x) for x in rest] == [30, 30, 30]
    assert sorted(np.concatenate([first, *rest]).tolist()) == list(range(100))
    with pytest.raises(ValueError):
        sampler.set_batch_size(101)


def test_epoch_counter_never_runs_backwards_with_drop_last():
    sampler = EpochSampler(100, 32, np.random.default_rng(0), drop_last=True)
    epochs = []
    for _ in range(7):
        sampler.next_batch()
        epochs.append(sampler.epochs_completed + sampler.position / 100)
    assert epochs == sorted(epochs)
    assert epochs[2] == 1.0 and epochs[5] == 2.0
