"""Composite, grade, rule regimes, confidence and gate from the six dimensions (numba)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def composite_nb(dims, weights, floors, warm):
    """Composite [N] (clipped weighted sum of dims [6, N]) and grade codes (int8, -1 in warm-up)."""
    N = dims.shape[1]
    comp = np.empty(N)
    grade = np.full(N, -1, np.int8)
    for t in range(N):
        if t < warm:
            comp[t] = np.nan
            continue
        s = 0.0
        for i in range(6):
            s += weights[i] * dims[i, t]
        s = min(1.0, max(0.0, s))
        comp[t] = s
        g = 0
        for j in range(floors.shape[0]):
            if s >= floors[j]:
                g = j
        grade[t] = g
    return comp, grade


@njit(cache=True, nogil=True, error_model="numpy")
def rule_scores_nb(dims, warm, consistent):
    """Normalised rule scores [N, 6] float32 (NaN in warm-up); dims rows: liq, vol, mom, imb, trend, noise."""
    N = dims.shape[1]
    out = np.full((N, 6), np.nan, np.float32)
    for t in range(warm, N):  # six scalars per bar: a scratch array reset by slice cost more than the rules
        liq = dims[0, t]
        vol = dims[1, t]
        mom = dims[2, t]
        trd = dims[4, t]
        noi = dims[5, t]
        m = (dims[0, t] + dims[1, t] + dims[2, t] + dims[3, t] + dims[4, t] + dims[5, t]) / 6.0
        r0 = 0.8 if (vol > 0.7 and liq < 0.3) else 0.0
        r1 = 0.8 if (trd > 0.7 and mom > 0.6) else 0.0
        r2 = 0.7 if (trd < 0.3 and noi < 0.4) else 0.0
        r3 = 0.9 if (m > 0.7 and trd > 0.6) else 0.0
        choppy = noi < 0.3 if consistent else noi > 0.7
        r4 = 0.7 if (m < 0.3 or choppy) else 0.0
        tot = r0 + r1 + r2 + r3 + r4
        r5 = 0.0
        if tot == 0.0:
            r5 = 1.0
            tot = 1.0
        inv = 1.0 / tot  # one division: the scores are stored as float32 anyway
        out[t, 0] = r0 * inv
        out[t, 1] = r1 * inv
        out[t, 2] = r2 * inv
        out[t, 3] = r3 * inv
        out[t, 4] = r4 * inv
        out[t, 5] = r5 * inv
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def regime_gate_nb(scores, composite, liquidity, crisis, min_composite, min_liquidity, warm):
    """Regime (argmax, first on ties; -1 in warm-up), confidence (max score) and gate."""
    N = scores.shape[0]
    regime = np.full(N, -1, np.int8)
    conf = np.full(N, np.nan)
    gate = np.zeros(N, np.bool_)
    for t in range(warm, N):
        best = 0
        for i in range(1, 6):
            if scores[t, i] > scores[t, best]:
                best = i
        if scores[t, best] != scores[t, best]:
            continue
        regime[t] = best
        conf[t] = scores[t, best]
        gate[t] = composite[t] >= min_composite and liquidity[t] >= min_liquidity and not crisis[best]
    return regime, conf, gate
