"""Kernels of the ML-flavoured strategies (see ml_flavoured.py for the rules).

Each strategy kernel fills zeroed ``sig`` (int8) and ``conf`` (float32) arrays the
caller supplies (a column of the signal matrix, or fresh zeros) and returns them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from nexus.indicators.scalar import conf_nb, sign_nb


@njit(cache=True)
def momentum_ignition_nb(open_, high, low, close, r, sigma, vz, vz_prior_max, k, z, quiet_z, body, sig, conf):
    m = close.shape[0]
    for t in range(1, m):
        s = sigma[t - 1]
        rng = high[t] - low[t]
        if not (s > 0.0) or not (rng > 0.0):
            continue
        if abs(r[t]) > k * s and vz[t] > z and vz_prior_max[t - 1] < quiet_z and abs(close[t] - open_[t]) > body * rng:
            sig[t] = sign_nb(r[t])
            conf[t] = conf_nb(abs(r[t]) / s, k)
    return sig, conf


@njit(cache=True)
def volume_imbalance_nb(open_, close, volume, r, dsum, vsum, sigma, n, thr, w_v, w_d, w_r, sig, conf):
    # up/down volume and the return sum run inline (exact recompute every 4096 bars)
    m = close.shape[0]
    root = np.sqrt(n)
    lim = np.arctanh(thr) if thr < 1.0 else np.inf  # compare the raw score; tanh only where it fires
    uv = 0.0
    dv = 0.0
    rs = 0.0
    k = 0
    period = max(n, 4096)
    for t in range(m):
        # branch-free: bar direction is a coin flip the predictor cannot learn
        uv += volume[t] * (close[t] > open_[t])
        dv += volume[t] * (close[t] < open_[t])
        if t >= 1:
            rs += r[t]
        if t >= n:
            o = t - n
            uv -= volume[o] * (close[o] > open_[o])
            dv -= volume[o] * (close[o] < open_[o])
            if o >= 1:
                rs -= r[o]
        k += 1
        if k == period:
            k = 0
            uv = 0.0
            dv = 0.0
            rs = 0.0
            for j in range(max(0, t - n + 1), t + 1):
                if close[j] > open_[j]:
                    uv += volume[j]
                elif close[j] < open_[j]:
                    dv += volume[j]
                if j >= 1:
                    rs += r[j]
        if t < n:
            continue  # r[0] is undefined: the return sum needs n returns
        ud = uv + dv
        if not (ud > 0.0) or not (vsum[t] > 0.0) or not (sigma[t] > 0.0):
            continue
        x = w_v * (uv - dv) / ud + w_d * dsum[t] / vsum[t] + w_r * rs / (sigma[t] * root)
        if abs(x) > lim:
            score = np.tanh(x)
            if abs(score) > thr:
                sig[t] = sign_nb(score)
                conf[t] = abs(score)
    return sig, conf
