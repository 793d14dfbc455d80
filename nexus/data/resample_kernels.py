"""numba kernels for resampling (segment aggregation) and as-of alignment.

Bars arrive sorted, and every bucket label is non-decreasing in time, so a
bucket is a run of equal labels: one pass finds the runs, one pass per column
aggregates them. All O(n).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def group_starts_nb(labels):
    """Start index of each run of equal labels, plus ``len(labels)`` as a sentinel."""
    n = labels.shape[0]
    count = 0
    for i in range(n):
        if i == 0 or labels[i] != labels[i - 1]:
            count += 1
    out = np.empty(count + 1, dtype=np.int64)
    g = 0
    for i in range(n):
        if i == 0 or labels[i] != labels[i - 1]:
            out[g] = i
            g += 1
    out[count] = n
    return out


# what seg_reduce_nb computes per segment
SEG_FIRST, SEG_LAST, SEG_MAX, SEG_MIN, SEG_SUM = 0, 1, 2, 3, 4


@njit(cache=True)
def seg_reduce_nb(x, starts, op):
    """One value per segment ``starts[k] .. starts[k+1]-1`` of ``x`` (in its dtype): its first or last
    value, maximum, minimum or sum (``SEG_*``). Segments are runs of labels, so none is empty."""
    g = starts.shape[0] - 1
    out = np.empty(g, dtype=x.dtype)
    for k in range(g):
        s0 = starts[k]
        s1 = starts[k + 1]
        if op == SEG_FIRST:
            out[k] = x[s0]
        elif op == SEG_LAST:
            out[k] = x[s1 - 1]
        else:
            acc = x[s0]
            for i in range(s0 + 1, s1):
                v = x[i]
                if op == SEG_MAX:
                    acc = v if v > acc else acc
                elif op == SEG_MIN:
                    acc = v if v < acc else acc
                else:
                    acc += v
            out[k] = acc
    return out


@njit(cache=True)
def seg_mode_nb(codes, starts, n_codes):
    """Most frequent code per segment (ties go to the smallest code)."""
    g = starts.shape[0] - 1
    out = np.empty(g, dtype=codes.dtype)
    counts = np.zeros(n_codes, dtype=np.int64)
    for k in range(g):
        counts[:] = 0
        for i in range(starts[k], starts[k + 1]):
            counts[codes[i]] += 1
        best = 0
        for c in range(1, n_codes):
            if counts[c] > counts[best]:
                best = c
        out[k] = best
    return out


@njit(cache=True)
def align_into_nb(clock, start, close_ts, open_, high, low, close, volume, trades, quote_volume, taker_buy,
                  j, o_out, h_out, l_out, c_out, v_out, n_out, q_out, t_out, idx_out, fresh_out):
    """As-of alignment of one symbol onto a clock of read instants, written into column ``j``.

    Row i of the clock covers the interval (clock[i-1], clock[i]] (row 0:
    (start, clock[0]]). Source bars whose close time falls in a row's interval
    are *fresh* there: OHLC aggregate over them (first open, max high, min
    low, last close) and flows (volume, trades, quote and taker-buy volume)
    sum over them. A row without fresh bars repeats the last known close as a
    flat bar with zero flow, so no trade is invented. Bars that closed at or
    before ``start`` only set the as-of state. A flow array of length 0 means
    the symbol lacks that column: its output column is NaN.
    """
    m = clock.shape[0]
    n = close_ts.shape[0]
    has_v = volume.shape[0] == n
    has_n = trades.shape[0] == n
    has_q = quote_volume.shape[0] == n
    has_t = taker_buy.shape[0] == n
    k = 0
    last_close = np.nan
    last_idx = -1
    while k < n and close_ts[k] <= start:
        last_close = close[k]
        last_idx = k
        k += 1
    for i in range(m):
        c = clock[i]
        fresh = False
        o = np.nan
        h = np.nan
        lo = np.nan
        sv = 0.0
        sn = 0.0
        sq = 0.0
        st = 0.0
        while k < n and close_ts[k] <= c:
            if not fresh:
                o = open_[k]
                h = high[k]
                lo = low[k]
                fresh = True
            else:
                if high[k] > h:
                    h = high[k]
                if low[k] < lo:
                    lo = low[k]
            if has_v:
                sv += volume[k]
            if has_n:
                sn += trades[k]
            if has_q:
                sq += quote_volume[k]
            if has_t:
                st += taker_buy[k]
            last_close = close[k]
            last_idx = k
            k += 1
        if fresh:
            o_out[i, j] = o
            h_out[i, j] = h
            l_out[i, j] = lo
        else:
            o_out[i, j] = last_close
            h_out[i, j] = last_close
            l_out[i, j] = last_close
        c_out[i, j] = last_close
        v_out[i, j] = sv if has_v else np.nan
        n_out[i, j] = sn if has_n else np.nan
        q_out[i, j] = sq if has_q else np.nan
        t_out[i, j] = st if has_t else np.nan
        idx_out[i, j] = last_idx
        fresh_out[i, j] = fresh
