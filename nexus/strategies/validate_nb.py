"""numba scans run on the bars before any strategy kernel (see ``context.validate_bars``)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def first_bad_nb(a, strictly_positive):
    """Index of the first value that is not finite or not > 0 (>= 0 unless strictly_positive); -1 if none."""
    for i in range(a.shape[0]):
        v = a[i]
        if not np.isfinite(v) or v < 0.0 or (strictly_positive and v == 0.0):
            return i
    return -1


@njit(cache=True)
def first_bad_taker_nb(tb, volume):
    for i in range(tb.shape[0]):
        v = tb[i]
        if not np.isfinite(v) or v < 0.0 or v > volume[i] * (1.0 + 1e-9) + 1e-12:
            return i
    return -1


@njit(cache=True)
def first_unsorted_nb(ts):
    for i in range(1, ts.shape[0]):
        if ts[i] <= ts[i - 1]:
            return i
    return -1
