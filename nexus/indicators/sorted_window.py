"""The sorted trailing window shared by the rolling quantiles and the price-bin histogram.

``slide_sorted_nb`` replaces the value leaving the window by the one entering
it in a sorted buffer: a binary search for the old value, then the values
between old and new shift by one place, so a bar costs O(log n + distance).
NaNs are counted, never stored. It is inlined into the callers' loops.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, inline="always")
def lower_bound_nb(buf, m, v):
    """First index in buf[:m] whose value is >= v."""
    lo = 0
    hi = m
    while lo < hi:
        mid = (lo + hi) >> 1
        if buf[mid] < v:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True, inline="always")
def slide_sorted_nb(buf, m, nans, new, old, has_old):
    """Insert ``new`` and remove ``old`` (when ``has_old``) in the sorted ``buf[:m]``; returns (m, nans)."""
    new_ok = new == new
    old_ok = has_old and old == old
    if new_ok and old_ok:
        i = lower_bound_nb(buf, m, old)
        if new > old:
            while i + 1 < m and buf[i + 1] < new:
                buf[i] = buf[i + 1]
                i += 1
        elif new < old:
            while i > 0 and buf[i - 1] > new:
                buf[i] = buf[i - 1]
                i -= 1
        buf[i] = new
        return m, nans
    if new_ok:
        i = m
        while i > 0 and buf[i - 1] > new:
            buf[i] = buf[i - 1]
            i -= 1
        buf[i] = new
        m += 1
    else:
        nans += 1
    if has_old:
        if old_ok:
            lo = lower_bound_nb(buf, m, old)
            for j in range(lo, m - 1):
                buf[j] = buf[j + 1]
            m -= 1
        else:
            nans -= 1
    return m, nans
