"""A pool of reusable 1-D buffers for the strategy context's shared series.

One twenty-strategy matrix over 950k bars needs about 45 shared series
(~350 MB). Allocated fresh each call, every page of them is faulted in and
zeroed by the kernel, which on a virtual machine costs about as much as the
arithmetic. ``signals`` therefore takes its series' buffers from this pool and
gives them back when a symbol is done, so later symbols and later calls reuse
memory that is already mapped. The pool keeps at most ``max_bytes`` (1 GB, or
``$NEXUS_POOL_MB`` megabytes; 0 keeps nothing between calls);
:func:`release_memory` empties it.

>>> from nexus.strategies.pool import POOL, release_memory
>>> b = POOL.take(1000, "float64"); POOL.give([b]); POOL.nbytes >= 8000
True
>>> release_memory(); POOL.nbytes
0
"""

from __future__ import annotations

import os
import threading

import numpy as np

_CHUNK = 1 << 16  # capacities are rounded up so symbols of nearly equal length share buffers


class BufferPool:
    """Free 1-D buffers by dtype; ``take(n)`` returns one with capacity >= n (slice it to n)."""

    def __init__(self, max_bytes: int = 1 << 30) -> None:
        self.max_bytes = int(max_bytes)
        self._free: list[np.ndarray] = []
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        return sum(b.nbytes for b in self._free)

    def take(self, n: int, dtype) -> np.ndarray:
        dt = np.dtype(dtype)
        with self._lock:
            best = -1
            for i, b in enumerate(self._free):
                if b.dtype == dt and b.shape[0] >= n and (best < 0 or b.shape[0] < self._free[best].shape[0]):
                    best = i
            if best >= 0:
                return self._free.pop(best)
        return np.empty(max(_CHUNK, -(-n // _CHUNK) * _CHUNK), dtype=dt)

    def give(self, buffers: list[np.ndarray]) -> None:
        with self._lock:
            self._free.extend(buffers)
            total = self.nbytes
            # over budget: drop the largest buffers first (they are the cheapest to find again)
            self._free.sort(key=lambda b: b.nbytes)
            while self._free and total > self.max_bytes:
                total -= self._free.pop().nbytes

    def clear(self) -> None:
        with self._lock:
            self._free.clear()


POOL = BufferPool(int(float(os.environ.get("NEXUS_POOL_MB", 1024)) * (1 << 20)))


def release_memory() -> None:
    """Return the strategy context's pooled buffers to the system."""
    POOL.clear()
