"""Kernels of the baseline strategies (see baselines.py).

Each strategy kernel fills zeroed ``sig`` (int8) and ``conf`` (float32) arrays the
caller supplies (a column of the signal matrix, or fresh zeros) and returns them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from nexus.indicators.scalar import sign_nb


@njit(cache=True)
def sma_cross_nb(fast, slow, sig, conf):
    m = fast.shape[0]
    for t in range(m):
        d = fast[t] - slow[t]
        if d > 0.0:
            sig[t] = 1
            conf[t] = 1.0
        elif d < 0.0:
            sig[t] = -1
            conf[t] = 1.0
    return sig, conf


@njit(cache=True)
def sma_cross_columns_nb(smas, fast_idx, slow_idx):
    """One int8 column per (fast, slow) pair from a [n, n_windows] matrix of SMAs."""
    m = smas.shape[0]
    p = fast_idx.shape[0]
    out = np.zeros((m, p), dtype=np.int8)
    for t in range(m):
        for j in range(p):
            d = smas[t, fast_idx[j]] - smas[t, slow_idx[j]]
            if d > 0.0:
                out[t, j] = 1
            elif d < 0.0:
                out[t, j] = -1
    return out


@njit(cache=True)
def ts_momentum_nb(close, lookback, sig, conf):
    m = close.shape[0]
    for t in range(lookback, m):
        s = sign_nb(close[t] - close[t - lookback])
        sig[t] = s
        conf[t] = 1.0 if s != 0 else 0.0
    return sig, conf


@njit(cache=True)
def donchian_nb(close, hmax, lmin, sig, conf):
    m = close.shape[0]
    state = 0
    for t in range(1, m):
        if close[t] > hmax[t - 1]:
            state = 1
        elif close[t] < lmin[t - 1]:
            state = -1
        sig[t] = state
        conf[t] = 1.0 if state != 0 else 0.0
    return sig, conf
