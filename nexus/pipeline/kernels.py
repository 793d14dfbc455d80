"""numba kernels of the pipeline's layers: rule scores, the signal filter, the aggregate, counts.

They produce targets' inputs and reason codes only; equity, costs and stops
live in the portfolio simulator (``nexus.portfolio.simulate_book``). Numbers in, numbers out;
the wrappers in ``layers/`` and ``runner.py`` validate and call them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

WARMUP_RETURNS = 20


@njit(cache=True)
def rule_scores_nb(open_, high, low, close, volume, lam_fast, lam_slow):
    """EWMA vol (fast, slow), data-quality and anomaly scores per bar, causal.

    sigma used to judge bar t is the fast EWMA *before* bar t, so a jump is
    measured against what was known when it happened.
    """
    n = close.shape[0]
    vol_fast = np.full(n, np.nan)
    vol_slow = np.full(n, np.nan)
    dq = np.zeros(n)
    anomaly = np.zeros(n)
    var_f = np.nan
    var_s = np.nan
    seen = 0
    for t in range(n):
        bad = not (np.isfinite(open_[t]) and np.isfinite(high[t]) and np.isfinite(low[t]) and np.isfinite(close[t])
                   and np.isfinite(volume[t])) or volume[t] <= 0.0 or high[t] < low[t] or close[t] <= 0.0
        r = np.nan
        if t > 0 and close[t - 1] > 0.0 and close[t] > 0.0:
            r = close[t] / close[t - 1] - 1.0
        prev_sigma = np.sqrt(var_f) if seen >= WARMUP_RETURNS else np.nan
        if np.isfinite(r):
            if np.isfinite(prev_sigma) and prev_sigma > 0.0:
                z = abs(r) / prev_sigma
                dq[t] = min(1.0, z / 8.0)
                anomaly[t] = min(1.0, z / 5.0)
            r2 = r * r
            if seen == 0:
                var_f = r2
                var_s = r2
            else:
                var_f = lam_fast * var_f + (1.0 - lam_fast) * r2
                var_s = lam_slow * var_s + (1.0 - lam_slow) * r2
            seen += 1
        if bad:
            dq[t] = 1.0
        if seen >= WARMUP_RETURNS:
            vol_fast[t] = np.sqrt(var_f)
            vol_slow[t] = np.sqrt(var_s)
    return vol_fast, vol_slow, dq, anomaly


@njit(cache=True)
def signal_filter_nb(signal, confidence, rows, min_confidence, enabled):
    """Layer 2 over ``rows`` of the full matrices: (keep, reason, passing [m, k]) without copying them first."""
    m = rows.shape[0]
    k = signal.shape[1]
    keep = np.zeros(m, np.bool_)
    reason = np.zeros(m, np.uint8)
    passing = np.zeros((m, k), np.bool_)
    thr = np.float32(min_confidence)
    for i in range(m):
        r = rows[i]
        fired = False
        ok = False
        for j in range(k):
            if signal[r, j] != 0:
                fired = True
                if (not enabled) or confidence[r, j] >= thr:
                    passing[i, j] = True
                    ok = True
        if not fired:
            reason[i] = 20
        elif not ok:
            reason[i] = 21
        else:
            keep[i] = True
    return keep, reason, passing


@njit(cache=True)
def aggregate_nb(signal, confidence, rows, passing, weights, threshold, min_mean_confidence, enabled):
    """Layer 4 in one pass per bar; same arithmetic as ``layers.aggregate.aggregate`` (its reference)."""
    m = rows.shape[0]
    k = signal.shape[1]
    agg = np.zeros(m)
    direction = np.zeros(m, np.int8)
    mean_conf = np.zeros(m)
    wconf = np.zeros(m)
    contrib = np.zeros((m, k), np.float32)
    keep = np.zeros(m, np.bool_)
    reason = np.zeros(m, np.uint8)
    thr = threshold if enabled else 0.0
    for i in range(m):
        r = rows[i]
        num = 0.0
        den = 0.0
        csum = 0.0
        cw = 0.0
        npass = 0
        for j in range(k):
            if passing[i, j]:
                c = np.float64(confidence[r, j])
                wc = np.float64(weights[i, j]) * c
                num += wc * signal[r, j]
                den += wc
                cw += wc * c
                csum += c
                npass += 1
        if den > 0.0:
            agg[i] = num / den
            wconf[i] = cw / den
        if npass > 0:
            mean_conf[i] = csum / npass
        d = 1 if agg[i] > thr else (-1 if agg[i] < -thr else 0)
        direction[i] = d
        if d == 0:
            reason[i] = 40
            continue
        tot = 0.0
        for j in range(k):
            if passing[i, j] and signal[r, j] == d:
                tot += np.float64(weights[i, j]) * np.float64(confidence[r, j])
        if tot > 0.0:
            for j in range(k):
                if passing[i, j] and signal[r, j] == d:
                    contrib[i, j] = np.float32(np.float64(weights[i, j]) * np.float64(confidence[r, j]) / tot)
        if enabled and mean_conf[i] < min_mean_confidence:
            reason[i] = 41
            continue
        keep[i] = True
    return agg, direction, mean_conf, wconf, contrib, keep, reason


@njit(cache=True)
def strategy_counts_nb(signal, confidence, ready, min_confidence):
    """Per strategy: bars where it fired and where it also passed the confidence filter (ready bars only)."""
    n, k = signal.shape
    fired = np.zeros(k, np.int64)
    passed = np.zeros(k, np.int64)
    thr = np.float32(min_confidence)
    for t in range(n):
        if not ready[t]:
            continue
        for j in range(k):
            if signal[t, j] != 0:
                fired[j] += 1
                if confidence[t, j] >= thr:
                    passed[j] += 1
    return fired, passed
