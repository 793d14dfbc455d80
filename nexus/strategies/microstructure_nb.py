"""Kernels of the microstructure strategies (see microstructure.py for the rules).

Each strategy kernel fills zeroed ``sig`` (int8) and ``conf`` (float32) arrays the
caller supplies (a column of the signal matrix, or fresh zeros) and returns them.
"""

from __future__ import annotations

from numba import njit

from nexus.indicators.scalar import conf_nb, sign_nb


@njit(cache=True)
def market_microstructure_nb(r, ac, sigma, k, ac_thr, sig, conf):
    m = r.shape[0]
    for t in range(m):
        s = sigma[t]
        if not (s > 0.0) or not (abs(r[t]) > k * s):
            continue
        a = ac[t]
        if a > ac_thr:
            sig[t] = sign_nb(r[t])
        elif a < -ac_thr:
            sig[t] = -sign_nb(r[t])
        else:
            continue
        conf[t] = conf_nb(abs(a), ac_thr)
    return sig, conf


@njit(cache=True)
def liquidity_absorption_nb(close, dsum, vsum, vmean, m_bars, thr, vmult, sig, conf):
    m = close.shape[0]
    for t in range(m_bars, m):
        if not (vsum[t] > 0.0) or not (vmean[t] > 0.0) or not (vsum[t] > vmult * m_bars * vmean[t]):
            continue
        imb = dsum[t] / vsum[t]
        move = close[t] - close[t - m_bars]
        if imb < -thr and move >= 0.0:
            sig[t] = 1
        elif imb > thr and move <= 0.0:
            sig[t] = -1
        else:
            continue
        conf[t] = conf_nb(abs(imb), thr)
    return sig, conf
