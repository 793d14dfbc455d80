"""Rolling helpers for the strategy matrix's hot path.

The rolling kernels are the shared ones of :mod:`nexus.indicators.rolling`
(one pass, no temporaries, optional ``out`` buffers); what remains here is
specific to the strategies: z-scores from precomputed moments, a VWAP from a
precomputed volume sum, and the input checks run before any kernel.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from nexus.indicators import rolling as _rolling

_RECOMPUTE = 4096

# The lean one-pass kernels first written here now live in nexus.indicators.rolling, shared by
# everyone; these names keep the strategy modules' call sites short.
rsum_nb = _rolling.rolling_sum_nb
rmean_nb = _rolling.rolling_mean_nb
rextreme_nb = _rolling.rolling_extreme_nb
autocorr1_nb = _rolling.rolling_autocorr1_nb


@njit(cache=True)
def rmean_std_nb(x, n, mean=None, std=None):
    """Rolling mean and population standard deviation in one pass."""
    return _rolling.rolling_mean_std_nb(x, n, 0, mean, std)


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
