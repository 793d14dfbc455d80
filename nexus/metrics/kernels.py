"""numba kernels for metrics: period returns, drawdowns, exposure. Column by column, O(n), no n x m temporaries."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def drawdown_nb(value, init):
    """Per column: max drawdown as a fraction (<= 0), in currency (<= 0), and the longest stretch under water in bars.

    The initial value counts as the first peak. A stretch under water runs from
    the bar after a peak to the bar that regains it (or the last bar). Row by
    row with per-column state, so a C-ordered [n, k] value is read sequentially.
    """
    n, k = value.shape
    mdd = np.zeros(k)
    mdd_cur = np.zeros(k)
    dur = np.zeros(k, dtype=np.int64)
    peak = init.copy()
    peak_i = np.full(k, -1, dtype=np.int64)
    for t in range(n):
        for j in range(k):
            v = value[t, j]
            if v >= peak[j]:
                if t - peak_i[j] - 1 > dur[j]:
                    dur[j] = t - peak_i[j] - 1
                peak[j] = v
                peak_i[j] = t
            else:
                d = v / peak[j] - 1.0 if peak[j] > 0.0 else 0.0
                if d < mdd[j]:
                    mdd[j] = d
                if v - peak[j] < mdd_cur[j]:
                    mdd_cur[j] = v - peak[j]
    for j in range(k):
        if n - 1 - peak_i[j] > dur[j]:
            dur[j] = n - 1 - peak_i[j]
    return mdd, mdd_cur, dur


@njit(cache=True)
def exposure_nb(trades, n, group_start):
    """Bars whose closing position is non-zero in any column of the group, per group.

    A trade holds a position at the close of bars entry_idx .. exit_idx - 1
    (closed) or entry_idx .. n - 1 (open). Trades are sorted by column and
    groups are contiguous columns, so one n-sized buffer is reused.
    """
    n_groups = group_start.shape[0] - 1
    out = np.zeros(n_groups, dtype=np.int64)
    diff = np.zeros(n + 1, dtype=np.int64)
    i = 0
    n_tr = trades.shape[0]
    for g in range(n_groups):
        diff[:] = 0
        any_trade = False
        while i < n_tr and trades[i]["col"] < group_start[g + 1]:
            tr = trades[i]
            a = tr["entry_idx"]
            b = tr["exit_idx"] if tr["status"] == 1 else n
            if b > a:
                diff[a] += 1
                diff[b] -= 1
                any_trade = True
            i += 1
        if any_trade:
            run = 0
            c = 0
            for t in range(n):
                run += diff[t]
                if run > 0:
                    c += 1
            out[g] = c
    return out


@njit(cache=True)
def group_sums_nb(values, cols, group_of_col, n_groups):
    out = np.zeros(n_groups)
    for i in range(values.shape[0]):
        out[group_of_col[cols[i]]] += values[i]
    return out


@njit(cache=True)
def order_notional_nb(orders, mult_a):
    out = np.empty(orders.shape[0])
    for i in range(orders.shape[0]):
        o = orders[i]
        r = o["idx"] if mult_a.shape[0] > 1 else 0
        c = o["col"] if mult_a.shape[1] > 1 else 0
        out[i] = o["size"] * o["price"] * mult_a[r, c]
    return out


@njit(cache=True)
def return_moments_nb(value, init, ends, rf):
    """Per column, over period returns r (computed on the fly, never stored) and excess x = r - rf:
    mean(x), std(x, ddof=1), std(r, ddof=1), sqrt(mean(min(x, 0)^2)), and whether x is constant.

    One pass of sums shifted by the first return (so the variance does not
    cancel catastrophically), row by row so a C-ordered value matrix is read
    sequentially. std(r) equals std(x): rf is a constant shift.
    """
    n_p = ends.shape[0]
    k = value.shape[1]
    mean = np.full(k, np.nan)
    std_x = np.full(k, np.nan)
    down = np.full(k, np.nan)
    const = np.zeros(k, dtype=np.bool_)
    if n_p == 0:
        return mean, std_x, std_x.copy(), down, const
    shift = np.empty(k)
    s1 = np.zeros(k)
    s2 = np.zeros(k)
    sd = np.zeros(k)
    lo = np.full(k, np.inf)
    hi = np.full(k, -np.inf)
    prev = init.copy()
    for p in range(n_p):
        row = ends[p]
        for j in range(k):
            v = value[row, j]
            x = v / prev[j] - 1.0 - rf
            prev[j] = v
            if p == 0:
                shift[j] = x
            d = x - shift[j]
            s1[j] += d
            s2[j] += d * d
            if x < 0.0:
                sd[j] += x * x
            if x < lo[j]:
                lo[j] = x
            if x > hi[j]:
                hi[j] = x
    for j in range(k):
        mean[j] = shift[j] + s1[j] / n_p
        if n_p > 1:
            var = (s2[j] - s1[j] * s1[j] / n_p) / (n_p - 1)
            std_x[j] = np.sqrt(var) if var > 0.0 else 0.0
        down[j] = np.sqrt(sd[j] / n_p)
        const[j] = lo[j] == hi[j]
    return mean, std_x, std_x.copy(), down, const
