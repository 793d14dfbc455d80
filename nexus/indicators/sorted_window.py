"""The sorted trailing window shared by the rolling quantiles and the price-bin histogram.

``slide_sorted_nb`` replaces the value leaving the window by the one entering
it in a sorted buffer: counts of the values below old and new give both
places, then one pass of selects shifts the values between them by one
place, so a bar costs O(n) vectorised work with no data-dependent branch.
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
def count_below_nb(buf, m, v):
    """Number of values in buf[:m] below v, i.e. the first index whose value is >= v.

    A branch-free count the compiler vectorises: for the short windows this
    serves it beats a binary search, whose every step mispredicts half the time.
    """
    k = 0
    for j in range(m):
        k += buf[j] < v
    return k


@njit(cache=True, nogil=True, inline="always")
def slide_sorted_nb(buf, m, nans, new, old, has_old, tmp):
    """Insert ``new`` and remove ``old`` (when ``has_old``) in the sorted ``buf[:m]``; returns (m, nans).

    ``tmp`` is scratch of length >= m + 2. In the steady state (both values
    valid) the window is rebuilt in one pass of selects over a padded copy:
    a move loop of data-dependent length mispredicted at its end and cost
    ~4x more than everything else.
    """
    new_ok = new == new
    old_ok = has_old and old == old
    if new_ok and old_ok:
        if new == old:
            return m, nans
        i = count_below_nb(buf, m, old)  # old's place; buf[i] == old
        k = count_below_nb(buf, m, new)
        if new > old:
            k -= 1  # new's place once old is gone
        tmp[0] = 0.0
        tmp[m + 1] = 0.0
        for j in range(m):
            tmp[j + 1] = buf[j]
        for j in range(m):
            dn = tmp[j]  # every load unconditional, so the selects vectorise
            v = tmp[j + 1]
            up = tmp[j + 2]
            v = up if (j >= i) & (j < k) else v  # new > old: the values between move down
            v = dn if (j > k) & (j <= i) else v  # new < old: they move up
            buf[j] = new if j == k else v
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
