"""A bounded, decimated history of points, so a long run keeps memory and draw time flat."""
from __future__ import annotations

import numpy as np


class Trail:
    """Keeps at most ``capacity`` points of a growing series.

    When full, every other stored point is dropped and the stride doubles: the kept points stay
    evenly spread over the whole run, and the newest point is always available as ``last``.
    """

    def __init__(self, width: int = 2, capacity: int = 4096):
        self.capacity = capacity - capacity % 2
        self._data = np.empty((self.capacity, width))
        self._size = 0
        self._stride = 1
        self._count = 0
        self._last = None

    @property
    def last(self) -> np.ndarray | None:
        """The newest point (made an array only when asked, after ``append_pair``)."""
        if type(self._last) is tuple:
            self._last = np.array(self._last, dtype=float)
        return self._last

    @last.setter
    def last(self, point) -> None:
        self._last = point

    def append_pair(self, a: float, b: float) -> None:
        """``append((a, b))`` for two floats, without making an array per point."""
        self._last = point = (a, b)
        count = self._count
        if count % self._stride:        # not kept: ``_keep`` would only count it
            self._count = count + 1
        else:
            self._keep_due(point)

    def __len__(self) -> int:
        return self._size

    def append(self, point) -> None:
        self.last = np.array(point, dtype=float)
        self._keep(self.last)

    def _keep(self, point) -> None:
        """Store every stride-th point; a full buffer keeps every other one and doubles the
        stride, so memory stays bounded however long the run."""
        if self._count % self._stride == 0:
            self._keep_due(point)
        else:
            self._count += 1

    def _keep_due(self, point) -> None:
        """``_keep`` of a point whose count is a multiple of the stride."""
        size = self._size
        if size == self.capacity:
            half = self.capacity // 2
            self._data[:half] = self._data[0:self.capacity:2]
            self._size = size = half
            self._stride *= 2
            if self._count % self._stride:
                self._count += 1
                return
        self._data[size] = point
        self._size = size + 1
        self._count += 1

    def append_owned(self, point: np.ndarray) -> None:
        """``append`` for a float array the caller hands over and never changes: no copy."""
        self._last = point
        count = self._count
        if count % self._stride:        # as in append_pair
            self._count = count + 1
        else:
            self._keep_due(point)

    def array(self) -> np.ndarray:
        """A copy of the kept points with the newest point last."""
        out = self._data[:self._size]
        if self.last is not None and (self._size == 0 or not np.array_equal(out[-1], self.last)):
            out = np.vstack([out, self.last[None, :]])
        return out.copy()
