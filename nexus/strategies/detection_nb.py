"""Kernels of the detection strategies (see detection.py for the rules).

Each strategy kernel fills zeroed ``sig`` (int8) and ``conf`` (float32) arrays the
caller supplies (a column of the signal matrix, or fresh zeros) and returns them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from nexus.indicators.scalar import clip01_nb, conf_nb, sign_nb


@njit(cache=True)
def spoofing_nb(open_, close, delta, volume, vz, thr, z, sig, conf):
    m = close.shape[0]
    for t in range(1, m):
        p = t - 1
        if not (volume[p] > 0.0) or not (vz[p] > z):
            continue
        f = delta[p] / volume[p]
        if f > thr and close[t] < open_[p]:
            sig[t] = -1
        elif f < -thr and close[t] > open_[p]:
            sig[t] = 1
        else:
            continue
        conf[t] = conf_nb(abs(f), thr)
    return sig, conf


@njit(cache=True)
def iceberg_nb(hmax, lmin, dsum, vsum, vmean, atr, m_bars, vmult, range_k, thr, sig, conf):
    m = hmax.shape[0]
    for t in range(m):
        if not (vsum[t] > 0.0) or not (vmean[t] > 0.0):
            continue
        ratio = vsum[t] / (m_bars * vmean[t])
        if ratio > vmult and (hmax[t] - lmin[t]) < range_k * atr[t]:
            imb = dsum[t] / vsum[t]
            if abs(imb) > thr:
                sig[t] = -sign_nb(imb)
                conf[t] = conf_nb(ratio, vmult)
    return sig, conf


@njit(cache=True)
def liquidation_nb(close, atr, vz, m_bars, z, v_thr, sig, conf):
    m = close.shape[0]
    for t in range(m_bars + 1, m):
        if not (atr[t] > 0.0) or not (atr[t - 1] > 0.0) or not (vz[t] > z):
            continue
        vel = (close[t] - close[t - m_bars]) / atr[t]
        if not (abs(vel) > v_thr):
            continue
        prev = (close[t - 1] - close[t - 1 - m_bars]) / atr[t - 1]
        d = sign_nb(vel)
        # accelerating: the cascade runs on; decelerating on a volume climax: the hunt is over
        sig[t] = d if (vel - prev) * d > 0.0 else -d
        conf[t] = conf_nb(abs(vel), v_thr)
    return sig, conf


@njit(cache=True)
def rolling_argmax_nb(x, n, out=None, scratch=None):
    """Index of the largest x over ``t-n+1 .. t`` (the latest on ties), by van Herk /
    Gil-Werman blocks: O(1) per bar, no data-dependent deque. -1 in the warm-up."""
    m = x.shape[0]
    g = np.empty(m, dtype=np.int64) if out is None else out  # argmax from the block start to i; then the output
    h = np.empty(m, dtype=np.int64) if scratch is None else scratch  # argmax from i to the block end
    for s0 in range(0, m, n):
        e = min(s0 + n, m)
        acc = s0
        g[s0] = s0
        for i in range(s0 + 1, e):
            if x[i] >= x[acc]:
                acc = i
            g[i] = acc
        acc = e - 1
        h[e - 1] = acc
        for i in range(e - 2, s0 - 1, -1):
            if x[i] > x[acc]:
                acc = i
            h[i] = acc
    for i in range(m):
        if i < n - 1:
            g[i] = -1
        else:
            a = h[i - n + 1]
            b = g[i]
            g[i] = b if x[b] >= x[a] else a
    return g


@njit(cache=True)
def liquidity_trap_nb(high, low, close, top, atr, n, k, sig, conf):
    m = close.shape[0]
    # top[t-1]: the highest-volume bar among t-n .. t-1 (rolling_argmax_nb of the volume)
    for t in range(n, m):
        if not (atr[t] > 0.0):
            continue
        level = close[top[t - 1]]
        rng = high[t] - low[t]
        if close[t - 1] < level and high[t] > level + k * atr[t] and close[t] < level:
            sig[t] = -1
            conf[t] = clip01_nb((high[t] - close[t]) / rng, np.nan) if rng > 0.0 else 0.0
        elif close[t - 1] > level and low[t] < level - k * atr[t] and close[t] > level:
            sig[t] = 1
            conf[t] = clip01_nb((close[t] - low[t]) / rng, np.nan) if rng > 0.0 else 0.0
    return sig, conf
