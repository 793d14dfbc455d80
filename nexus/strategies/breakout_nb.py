"""Kernels of the event-driven and breakout strategies (see breakout.py for the rules).

Each strategy kernel fills zeroed ``sig`` (int8) and ``conf`` (float32) arrays the
caller supplies (a column of the signal matrix, or fresh zeros) and returns them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from nexus.indicators.scalar import conf_nb, sign_nb


@njit(cache=True)
def event_driven_nb(r, sigma, vz, k, z, hold, sig, conf):
    m = r.shape[0]
    pend_dir = 0
    pend_conf = 0.0
    act_dir = 0
    act_conf = 0.0
    remaining = 0
    for t in range(m):
        if pend_dir != 0:
            if r[t] * pend_dir > 0.0:
                act_dir = pend_dir
                act_conf = pend_conf
                remaining = hold
            pend_dir = 0
        if remaining > 0:
            sig[t] = act_dir
            conf[t] = act_conf
            remaining -= 1
        if t >= 1:
            s = sigma[t - 1]
            if s > 0.0 and vz[t] > z and abs(r[t]) > k * s:
                pend_dir = sign_nb(r[t])
                pend_conf = conf_nb(abs(r[t]) / s, k)
    return sig, conf


@njit(cache=True)
def low_volume_node_nb(bins, node, mean, frac, sig, conf):
    m = bins.shape[0]
    for t in range(1, m):
        if np.isnan(node[t]) or mean[t] <= 0.0 or bins[t] == bins[t - 1]:
            continue
        lim = frac * mean[t]
        if node[t] < lim:
            sig[t] = 1 if bins[t] > bins[t - 1] else -1
            conf[t] = 1.0 - 0.5 * node[t] / lim
    return sig, conf


@njit(cache=True)
def absorption_nb(high, low, close, vz, atr, z, range_frac, hold, sig, conf):
    m = close.shape[0]
    has = False
    a_idx = 0
    a_hi = 0.0
    a_lo = 0.0
    a_conf = 0.0
    for t in range(m):
        if has and t - a_idx > hold:
            has = False
        if has:
            if close[t] > a_hi:
                sig[t] = 1
                conf[t] = a_conf
                has = False
            elif close[t] < a_lo:
                sig[t] = -1
                conf[t] = a_conf
                has = False
        if vz[t] > z and (high[t] - low[t]) < range_frac * atr[t]:
            has = True
            a_idx = t
            a_hi = high[t]
            a_lo = low[t]
            a_conf = conf_nb(vz[t], z)
    return sig, conf
