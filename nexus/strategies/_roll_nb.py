"""Lean rolling kernels for the strategy matrix's hot path.

Same semantics as :mod:`nexus.indicators.rolling` (a bar's value uses bars
``t-n+1 .. t``; the first ``n-1`` bars and any window holding a NaN are NaN),
tested against it, but built for the >= 1M bars/s budget of the twenty-strategy
matrix: one pass, no per-bar modulo, no temporary arrays. Running sums are
recomputed exactly every ``max(n, 4096)`` bars and moments are taken around an
anchor reset at each recompute, so drift stays at rounding level.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_RECOMPUTE = 4096


@njit(cache=True)
def rsum_nb(x, n, out=None):
    m = x.shape[0]
    if out is None:
        out = np.empty(m)
    period = max(n, _RECOMPUTE)
    s = 0.0
    nans = 0
    k = 0
    for i in range(m):
        v = x[i]
        if np.isnan(v):
            nans += 1
        else:
            s += v
        if i >= n:
            o = x[i - n]
            if np.isnan(o):
                nans -= 1
            else:
                s -= o
        k += 1
        if k == period:
            k = 0
            s = 0.0
            for j in range(max(0, i - n + 1), i + 1):
                if not np.isnan(x[j]):
                    s += x[j]
        out[i] = s if (i >= n - 1 and nans == 0) else np.nan
    return out


@njit(cache=True)
def rmean_nb(x, n, out=None):
    out = rsum_nb(x, n, out)
    inv = 1.0 / n
    for i in range(out.shape[0]):
        out[i] *= inv
    return out


@njit(cache=True)
def _window_moments(x, lo, hi):
    """Exact two-pass mean and sum of squared deviations of x[lo:hi]."""
    k = hi - lo
    mu = 0.0
    for j in range(lo, hi):
        mu += x[j]
    mu /= k
    m2 = 0.0
    for j in range(lo, hi):
        d = x[j] - mu
        m2 += d * d
    return mu, m2


@njit(cache=True)
def rmean_std_nb(x, n, mean=None, std=None):
    """Rolling mean and population standard deviation in one pass.

    A sliding Welford update of the squared deviations (error relative to the
    spread, not the price level) with the mean kept as an anchored running sum
    (the anchor sits on the data, so the mean carries no level-sized rounding),
    recomputed exactly every ``max(n, 1024)`` bars and whenever a window
    becomes NaN-free again.
    """
    m = x.shape[0]
    if mean is None:
        mean = np.empty(m)
    if std is None:
        std = np.empty(m)
    period = max(n, 1024)
    inv = 1.0 / n
    mu = 0.0
    m2 = 0.0
    a = 0.0  # anchor
    sa = 0.0  # sum of (x - a) over the window
    nans = 0
    k = 0
    dirty = True
    for i in range(m):
        v = x[i]
        if np.isnan(v):
            nans += 1
        if i >= n and np.isnan(x[i - n]):
            nans -= 1
        if i < n - 1 or nans > 0:
            mean[i] = np.nan
            std[i] = np.nan
            dirty = True
            continue
        if dirty or k >= period:
            mu, m2 = _window_moments(x, i - n + 1, i + 1)
            a = v
            sa = 0.0
            for j in range(i - n + 1, i + 1):
                sa += x[j] - a
            k = 0
            dirty = False
        else:
            old = x[i - n]
            d = v - old
            sa += d
            nmu = a + sa * inv
            m2 += d * (v - nmu + old - mu)
            mu = nmu
            k += 1
        mean[i] = mu
        std[i] = np.sqrt(m2 / n) if m2 > 0.0 else 0.0
    return mean, std


@njit(cache=True)
def rextreme_nb(x, n, is_max, out=None, scratch=None):
    """Rolling max (is_max) or min by van Herk / Gil-Werman: blocks of n bars, a prefix
    extreme within each block and a suffix extreme, combined per bar in O(1) without
    data-dependent branches. The window ``t-n+1 .. t`` always spans at most two blocks
    whose parts end by t, so no value uses a later bar. A NaN makes its windows NaN."""
    m = x.shape[0]
    g = np.empty(m) if out is None else out  # extreme from the block start to i; becomes the output in place
    h = np.empty(m) if scratch is None else scratch  # extreme from i to the block end
    for s0 in range(0, m, n):
        e = min(s0 + n, m)
        acc = x[s0]
        g[s0] = acc
        for i in range(s0 + 1, e):
            v = x[i]
            acc = max(acc, v) if is_max else min(acc, v)
            g[i] = acc
        acc = x[e - 1]
        h[e - 1] = acc
        for i in range(e - 2, s0 - 1, -1):
            v = x[i]
            acc = max(acc, v) if is_max else min(acc, v)
            h[i] = acc
    last_nan = -1
    for i in range(m):
        if np.isnan(x[i]):
            last_nan = i
        if i < n - 1 or last_nan > i - n:
            g[i] = np.nan
        else:
            a = h[i - n + 1]
            b = g[i]
            g[i] = (a if a > b else b) if is_max else (a if a < b else b)
    return g


@njit(cache=True)
def autocorr1_nb(r, n, out=None):
    """Rolling correlation of r_t with r_{t-1} over the n pairs ending at t (NaN where undefined)."""
    m = r.shape[0]
    if out is None:
        out = np.empty(m)
    out[:] = np.nan
    period = max(n, _RECOMPUTE)
    sx = sy = sxx = syy = sxy = 0.0
    bad = 0
    k = 0
    for i in range(1, m):
        x = r[i]
        y = r[i - 1]
        if np.isnan(x) or np.isnan(y):
            bad += 1
        else:
            sx += x
            sy += y
            sxx += x * x
            syy += y * y
            sxy += x * y
        if i - n >= 1:
            x = r[i - n]
            y = r[i - n - 1]
            if np.isnan(x) or np.isnan(y):
                bad -= 1
            else:
                sx -= x
                sy -= y
                sxx -= x * x
                syy -= y * y
                sxy -= x * y
        k += 1
        if k == period:
            k = 0
            sx = sy = sxx = syy = sxy = 0.0
            for j in range(max(1, i - n + 1), i + 1):
                x = r[j]
                y = r[j - 1]
                if not (np.isnan(x) or np.isnan(y)):
                    sx += x
                    sy += y
                    sxx += x * x
                    syy += y * y
                    sxy += x * y
        if i >= n and bad == 0:
            vx = sxx / n - (sx / n) ** 2
            vy = syy / n - (sy / n) ** 2
            if vx > 0.0 and vy > 0.0:
                c = (sxy / n - (sx / n) * (sy / n)) / np.sqrt(vx * vy)
                out[i] = min(1.0, max(-1.0, c))
    return out


@njit(cache=True)
def zscore_from_nb(x, mean, std, out=None):
    """(x - mean) / std where std > 0, else NaN (NaN stays NaN)."""
    m = x.shape[0]
    if out is None:
        out = np.empty(m)
    for i in range(m):
        s = std[i]
        out[i] = (x[i] - mean[i]) / s if s > 0.0 else np.nan
    return out


@njit(cache=True)
def vwap_nb(high, low, close, volume, vsum, n, out=None):
    """Rolling VWAP of the typical price over n bars given the rolling volume sum ``vsum``."""
    m = close.shape[0]
    if out is None:
        out = np.empty(m)
    period = max(n, _RECOMPUTE)
    s = 0.0
    k = 0
    for i in range(m):
        s += (high[i] + low[i] + close[i]) / 3.0 * volume[i]
        if i >= n:
            o = i - n
            s -= (high[o] + low[o] + close[o]) / 3.0 * volume[o]
        k += 1
        if k == period:
            k = 0
            s = 0.0
            for j in range(max(0, i - n + 1), i + 1):
                s += (high[j] + low[j] + close[j]) / 3.0 * volume[j]
        out[i] = s / vsum[i] if (i >= n - 1 and vsum[i] > 0.0) else np.nan
    return out


@njit(cache=True)
def first_bad_nb(a, strictly_positive):
    """Index of the first value that is not finite or not > 0 (>= 0 unless strictly_positive); -1 if none."""
    for i in range(a.shape[0]):
        v = a[i]
        if not np.isfinite(v) or v < 0.0 or (strictly_positive and v == 0.0):
            return i
    return -1


@njit(cache=True)
def first_bad_taker_nb(tb, volume):
    for i in range(tb.shape[0]):
        v = tb[i]
        if not np.isfinite(v) or v < 0.0 or v > volume[i] * (1.0 + 1e-9) + 1e-12:
            return i
    return -1


@njit(cache=True)
def first_unsorted_nb(ts):
    for i in range(1, ts.shape[0]):
        if ts[i] <= ts[i - 1]:
            return i
    return -1


@njit(cache=True)
def returns_nb(close, out=None):
    """Simple close-to-close returns, r[0] = NaN (as nexus.indicators.technical.returns_nb), into ``out``."""
    m = close.shape[0]
    if out is None:
        out = np.empty(m)
    if m:
        out[0] = np.nan
    for i in range(1, m):
        out[i] = close[i] / close[i - 1] - 1.0
    return out


@njit(cache=True)
def true_range_nb(high, low, close, out=None):
    """True range, the first bar's own range (as nexus.indicators.technical.true_range_nb), into ``out``."""
    m = close.shape[0]
    if out is None:
        out = np.empty(m)
    if m:
        out[0] = high[0] - low[0]
    for i in range(1, m):
        pc = close[i - 1]
        out[i] = max(high[i] - low[i], abs(high[i] - pc), abs(low[i] - pc))
    return out
