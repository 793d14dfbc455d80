"""Numba kernels of the labels (forward-looking by definition; imported only by training code)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def forward_vol_nb(close, h):
    """std (ddof=1) of the log returns r[t+1..t+h]; NaN where the window runs past the end."""
    n = close.shape[0]
    out = np.full(n, np.nan)
    if n <= h or h < 2:
        return out
    r = np.empty(n)
    r[0] = 0.0
    for i in range(1, n):
        r[i] = np.log(close[i] / close[i - 1])
    s1 = 0.0
    s2 = 0.0
    for i in range(1, h + 1):
        s1 += r[i]
        s2 += r[i] * r[i]
    for t in range(0, n - h):
        if t > 0:
            # window slides from r[t..t+h-1] to r[t+1..t+h]
            s1 += r[t + h] - r[t]
            s2 += r[t + h] * r[t + h] - r[t] * r[t]
            if t % 4096 == 0:
                s1 = 0.0
                s2 = 0.0
                for i in range(t + 1, t + h + 1):
                    s1 += r[i]
                    s2 += r[i] * r[i]
        var = (s2 - s1 * s1 / h) / (h - 1)
        out[t] = np.sqrt(var) if var > 0.0 else 0.0
    return out


@njit(cache=True)
def triple_barrier_nb(close, high, low, side, up, dn, horizon):
    """First barrier touched after bar t by a trade entered at close[t] in direction side[t].

    +1 the profit barrier (close * (1 + up[t]) for a long), -1 the loss barrier
    (close * (1 - dn[t])), 0 neither within ``horizon`` bars; NaN when the data
    ends first or side is 0. A bar touching both counts as a loss (the stop is
    assumed hit first, the conservative reading).
    """
    n = close.shape[0]
    out = np.full(n, np.nan)
    for t in range(n):
        d = side[t]
        if d == 0 or not (up[t] > 0.0) or not (dn[t] > 0.0):
            continue
        c0 = close[t]
        if d > 0:
            hi_b = c0 * (1.0 + up[t])
            lo_b = c0 * (1.0 - dn[t])
        else:
            hi_b = c0 * (1.0 + dn[t])
            lo_b = c0 * (1.0 - up[t])
        res = np.nan
        last = min(n - 1, t + horizon)
        for s in range(t + 1, last + 1):
            hit_hi = high[s] >= hi_b
            hit_lo = low[s] <= lo_b
            if hit_hi or hit_lo:
                if d > 0:
                    res = -1.0 if hit_lo else 1.0
                else:
                    res = -1.0 if hit_hi else 1.0
                break
        if res != res and t + horizon <= n - 1:
            res = 0.0
        out[t] = res
    return out
