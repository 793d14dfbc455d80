"""Kernels of the technical strategies (see technical.py for the rules).

Each strategy kernel fills zeroed ``sig`` (int8) and ``conf`` (float32) arrays the
caller supplies (a column of the signal matrix, or fresh zeros) and returns them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from nexus.indicators.scalar import sign_nb
from nexus.strategies.shared_nb import bucket_nb


@njit(cache=True)
def htf_deviation_nb(ts, close, base_ns, htf_ns, k, out=None):
    """Per base bar: last *closed* higher-timeframe close minus the mean of the last k closed HTF closes.

    An HTF bucket ``[b*htf, (b+1)*htf)`` counts once a bar closes at or after
    its end (``ts + base_ns >= (b+1)*htf``) or a bar of a later bucket
    arrives. NaN until k buckets closed.
    """
    m = close.shape[0]
    if out is None:
        out = np.empty(m)
    out[:] = np.nan
    ring = np.empty(k)
    n_closed = 0
    cur_b = np.int64(0)
    cur_close = 0.0
    open_bucket = False
    last = 0.0
    b = np.int64(0)
    b_end = np.int64(-1) << 62  # divide only when a bar leaves the current bucket
    for t in range(m):
        b, b_end = bucket_nb(ts[t], b, b_end, htf_ns)
        if open_bucket and b != cur_b:
            ring[n_closed % k] = cur_close
            n_closed += 1
            last = cur_close
            open_bucket = False
        if not open_bucket:
            if n_closed == 0 or b != cur_b:
                cur_b = b
                open_bucket = True
        if open_bucket:
            cur_close = close[t]
            if ts[t] + base_ns >= (cur_b + 1) * htf_ns:
                ring[n_closed % k] = cur_close
                n_closed += 1
                last = cur_close
                open_bucket = False
        if n_closed >= k:
            s = 0.0
            for j in range(k):
                s += ring[j]
            out[t] = last - s / k
    return out


@njit(cache=True)
def mtf_alignment_nb(close, sma, atr, dev5, dev60, sig, conf):
    m = close.shape[0]
    for t in range(m):
        d1 = close[t] - sma[t]
        a = sign_nb(d1)
        if a != 0 and a == sign_nb(dev5[t]) and a == sign_nb(dev60[t]) and atr[t] > 0.0:
            sig[t] = a
            x = abs(d1) / atr[t]
            conf[t] = 0.5 + 0.5 * (x if x < 1.0 else 1.0)
    return sig, conf


@njit(cache=True)
def delta_divergence_nb(high, low, cvd, lmin, hmax, cmin, cmax, sig, conf):
    m = cvd.shape[0]
    for t in range(1, m):
        p = t - 1
        if np.isnan(lmin[p]) or np.isnan(cmin[p]):
            continue
        bull = low[t] < lmin[p] and cvd[t] > cmin[p]
        bear = high[t] > hmax[p] and cvd[t] < cmax[p]
        if bull == bear:
            continue
        span = cmax[p] - cmin[p]
        if bull:
            sig[t] = 1
            x = (cvd[t] - cmin[p]) / span if span > 0.0 else 0.0
        else:
            sig[t] = -1
            x = (cmax[p] - cvd[t]) / span if span > 0.0 else 0.0
        conf[t] = 0.5 + 0.5 * (x if x < 1.0 else 1.0)
    return sig, conf
