"""Technical indicators as numba kernels over OHLCV arrays (float64).

Same conventions as :mod:`nexus.indicators.rolling`: causal, NaN during
warm-up, O(n). Wilder-smoothed indicators (ATR, RSI, ADX) follow Wilder's
original seeding (the mean of the first n values) so that they agree with
the textbook and with TA-Lib.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from nexus.indicators.rolling import (
    LAG_LOG_RATIO, LAG_RATIO, ema_nb, lag_op_nb, rolling_mean_nb, rolling_std_nb, rolling_sum_nb, wilder_nb,
)
from nexus.indicators.scalar import bar_true_range_nb, close_location_value_nb, directional_moves_nb


@njit(cache=True)
def returns_nb(close, out=None):
    """Simple close-to-close returns; r[0] is NaN. ``out`` may be a reused buffer."""
    return lag_op_nb(close, 1, LAG_RATIO, out)


@njit(cache=True)
def log_returns_nb(close):
    return lag_op_nb(close, 1, LAG_LOG_RATIO)


@njit(cache=True)
def roc_nb(close, n):
    """Rate of change over n bars: close[t] / close[t-n] - 1."""
    return lag_op_nb(close, n, LAG_RATIO)


@njit(cache=True)
def true_range_nb(high, low, close, out=None):
    """True range; the first bar's is its own range. ``out`` may be a reused buffer."""
    m = close.shape[0]
    if out is None:
        out = np.empty(m)
    if m == 0:
        return out
    out[0] = high[0] - low[0]
    for i in range(1, m):
        out[i] = bar_true_range_nb(high[i], low[i], close[i - 1])
    return out


@njit(cache=True)
def atr_nb(high, low, close, n):
    """Wilder's average true range (the first TR uses the bar's own range)."""
    return wilder_nb(true_range_nb(high, low, close), n)


@njit(cache=True)
def rsi_nb(close, n):
    """Wilder's RSI in [0, 100]; 50 when the window had no move, first value at bar n."""
    m = close.shape[0]
    gain = np.full(m, np.nan)
    loss = np.full(m, np.nan)
    for i in range(1, m):
        d = close[i] - close[i - 1]
        gain[i] = d if d > 0.0 else 0.0
        loss[i] = -d if d < 0.0 else 0.0
    ag = wilder_nb(gain, n)
    al = wilder_nb(loss, n)
    out = np.full(m, np.nan)
    for i in range(m):
        if np.isnan(ag[i]):
            continue
        if al[i] == 0.0:
            out[i] = 100.0 if ag[i] > 0.0 else 50.0
        else:
            out[i] = 100.0 - 100.0 / (1.0 + ag[i] / al[i])
    return out


@njit(cache=True)
def macd_nb(close, fast, slow, signal):
    """MACD line (EMA fast - EMA slow), its signal EMA and the histogram."""
    line = ema_nb(close, fast) - ema_nb(close, slow)
    sig = ema_nb(line, signal)
    return line, sig, line - sig


@njit(cache=True)
def bollinger_nb(close, n, k):
    """Bollinger bands with the population standard deviation (Bollinger's own choice)."""
    mid = rolling_mean_nb(close, n)
    sd = rolling_std_nb(close, n, 0)
    return mid, mid + k * sd, mid - k * sd


@njit(cache=True)
def vwap_nb(high, low, close, volume, n, vsum=None, out=None):
    """Rolling VWAP of the typical price (H+L+C)/3 over n bars; NaN when the window traded nothing.

    ``vsum``: the rolling volume sum over n bars when the caller has it already;
    ``out`` may be a reused buffer.
    """
    m = close.shape[0]
    pv = np.empty(m)
    for i in range(m):
        pv[i] = (high[i] + low[i] + close[i]) / 3.0 * volume[i]
    num = rolling_sum_nb(pv, n, out)
    den = rolling_sum_nb(volume, n) if vsum is None else vsum
    for i in range(m):
        num[i] = num[i] / den[i] if den[i] > 0.0 else np.nan
    return num


@njit(cache=True)
def adx_nb(high, low, close, n):
    """Wilder's ADX with +DI and -DI (all in [0, 100]); ADX's first value at bar 2n-1."""
    m = close.shape[0]
    pdm = np.full(m, np.nan)
    mdm = np.full(m, np.nan)
    tr = np.full(m, np.nan)
    for i in range(1, m):
        pdm[i], mdm[i] = directional_moves_nb(high[i], low[i], high[i - 1], low[i - 1])
        tr[i] = bar_true_range_nb(high[i], low[i], close[i - 1])
    spdm = wilder_nb(pdm, n)
    smdm = wilder_nb(mdm, n)
    str_ = wilder_nb(tr, n)
    pdi = np.full(m, np.nan)
    mdi = np.full(m, np.nan)
    dx = np.full(m, np.nan)
    for i in range(m):
        if str_[i] > 0.0:
            pdi[i] = 100.0 * spdm[i] / str_[i]
            mdi[i] = 100.0 * smdm[i] / str_[i]
            s = pdi[i] + mdi[i]
            dx[i] = 100.0 * abs(pdi[i] - mdi[i]) / s if s > 0.0 else 0.0
    adx = wilder_nb(dx, n)
    return adx, pdi, mdi


@njit(cache=True)
def close_location_nb(high, low, close):
    """((C - L) - (H - C)) / (H - L) in [-1, 1]; 0 for a bar with no range."""
    m = close.shape[0]
    out = np.empty(m)
    for i in range(m):
        out[i] = close_location_value_nb(high[i], low[i], close[i])
    return out
