"""Batching as the frameworks do it: without replacement, reshuffled every epoch.

The walk through an epoch and the budget are rules of ``gdviz.core.rules``; the samplers here
hold a run's permutations and its place in the walk."""
from __future__ import annotations

import numpy as np

from gdviz.core import rules
from gdviz.core.rules import next_span as _next_span
from gdviz.core.rules import updates_per_epoch  # noqa: F401 (named here for its users)


def batch_starts(n: int, batch_size: int, drop_last: bool = False) -> np.ndarray:
    """Examples seen at the end of each update of one epoch (for the update-rhythm strip)."""
    b = min(batch_size, n)
    ends = np.arange(b, n + 1, b)
    if not drop_last and n % b:
        ends = np.append(ends, n)
    return ends


def budget_spent(sampler: "EpochSampler", examples_seen: int, epochs: float) -> bool:
    """``rules.budget_spent`` for the run that ``sampler`` walks."""
    return rules.budget_spent(sampler.epochs_completed + sampler.position / sampler.n,
                              examples_seen, sampler.next_size(), sampler.n, epochs)


# Up to this N a DeferredEpochSampler keeps the walk's step from each place it has been (at most
# about 2N/B entries for a B), so a batch looks it up instead of working it out again.
SPAN_CACHE_LIMIT = 8192


class EpochSampler:
    """Yields index batches from a fresh permutation each epoch, drawn from its own generator.

    The batch size may change between calls; the new size applies from the next batch on, in
    the middle of the current epoch's permutation.
    """

    def __init__(self, n: int, batch_size: int, rng: np.random.Generator, drop_last: bool = False):
        self.n = n
        self.rng = rng
        self.drop_last = drop_last
        self.batch_size = 1
        self.position = 0       # examples already used in the current epoch
        self.set_batch_size(batch_size)
        self.epochs_completed = 0
        self._new_epoch()

    def set_batch_size(self, batch_size: int) -> None:
        rules.check_batch_size(batch_size, self.n)
        self.batch_size = int(batch_size)
        self._look_ahead()

    def _look_ahead(self) -> None:
        """The walk's next step from here (``rules.next_span``), worked out once each time the
        place or B changes, for the next batch to read; ``upcoming_size`` is that batch's size
        (``next_size()``)."""
        self._next = span = _next_span(self.n, self.position, self.batch_size, self.drop_last)
        self.upcoming_size = span[2] - span[1]

    def next_size(self) -> int:
        """Size of the batch that ``next_batch`` will return."""
        return self.upcoming_size

    def upcoming_batch(self) -> np.ndarray | None:
        """The batch ``next_batch`` will return (a read-only view), or None when it will come
        from a permutation not drawn yet (B grew past the rest of the epoch, drop_last)."""
        fresh, start, end, _ = self._next
        if fresh:
            return None
        batch = self._perm[start:end]
        batch.flags.writeable = False
        return batch

    def next_batch(self) -> tuple[np.ndarray, bool]:
        """The next batch (a read-only view) and whether it completed an epoch."""
        fresh, start, end, completed = self._next
        if fresh:
            self._new_epoch()  # B grew mid-epoch: the remainder is too short to use
        batch = self._perm[start:end]
        if completed:
            # start the next epoch at once, so position and epoch never run backwards
            self.epochs_completed += 1
            self._new_epoch()
        else:
            self.position = end
            self._look_ahead()
        return batch, completed

    def _new_epoch(self) -> None:
        # A new array, not an in-place shuffle: the batch handed out last stays valid.
        self._perm = self._permutation()
        self.position = 0
        self._look_ahead()

    def _permutation(self):
        return self.rng.permutation(self.n)

    @property
    def updates_per_epoch(self) -> int:
        return updates_per_epoch(self.n, self.batch_size, self.drop_last)


class DeferredEpochSampler(EpochSampler):
    """An EpochSampler that draws an epoch's permutation only once a batch needs its order.

    A batch of the whole dataset is summed in index order, so full batch never needs one; the
    generator still yields the same permutations in the same order, so every batch that does use
    one is the same as EpochSampler's. ``next_span`` hands out a batch without building a view.
    """

    _owed = 0       # permutations still to draw

    def set_batch_size(self, batch_size: int) -> None:
        self._ahead = {}    # place in the epoch -> (the walk's next step from there, its size)
        super().set_batch_size(batch_size)

    def _look_ahead(self) -> None:
        pos = self.position
        self._next, self.upcoming_size = self._ahead.get(pos) or self._step_from(pos)

    def _step_from(self, pos: int) -> tuple[tuple[bool, int, int, bool], int]:
        """``rules.next_span`` from ``pos`` and its size, kept for the next visit (N up to
        SPAN_CACHE_LIMIT)."""
        span = _next_span(self.n, pos, self.batch_size, self.drop_last)
        ahead = span, span[2] - span[1]
        if self.n <= SPAN_CACHE_LIMIT:
            self._ahead[pos] = ahead
        return ahead

    def _new_epoch(self) -> None:
        self._owed += 1
        self._drawn = None
        self._drawn_list = None
        self.position = 0
        self._next, self.upcoming_size = self._ahead.get(0) or self._step_from(0)  # _look_ahead

    @property
    def _perm(self) -> np.ndarray:
        while self._owed:           # the skipped epochs' permutations first, in order
            self._drawn = self._permutation()
            self._drawn.flags.writeable = False    # records keep views of it
            self._drawn_list = None
            self._owed -= 1
        return self._drawn

    def perm_list(self) -> list[int]:
        """The current epoch's permutation as Python ints (drawn if still owed)."""
        perm = self._perm
        if self._drawn_list is None:
            self._drawn_list = perm.tolist()
        return self._drawn_list

    def next_span(self) -> tuple[np.ndarray | None, list[int] | None, int, int]:
        """Like ``next_batch``: (the epoch's permutation, the same as a list, start, end), or
        (None, None, 0, n) for a batch of the whole dataset, whose order is never used."""
        fresh, start, end, completed = self._next
        if fresh:
            self._new_epoch()
        n = self.n
        if start == 0 and end == n:
            perm = perm_list = None
        else:
            perm_list = self._drawn_list
            if perm_list is None or self._owed:     # not drawn or not listed yet
                perm_list = self.perm_list()
            perm = self._drawn
        if completed:
            self.epochs_completed += 1
            self._new_epoch()
        else:               # _look_ahead, on the hot path
            self.position = end
            self._next, self.upcoming_size = self._ahead.get(end) or self._step_from(end)
        return perm, perm_list, start, end
