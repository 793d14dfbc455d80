"""Numba kernels of the feature matrix: one pass over the bars, float32 out.

Every bar feature is a function of a trailing window (longest 100 bars) kept
as running sums. Sums are re-anchored (recomputed from the window) at every
row whose index is a multiple of ``ANCHOR`` and at the first row of a chunk,
so (a) float drift stays bounded over 950k bars and (b) the result does not
depend on how the rows were chunked or where the input was truncated: the
value at row t is a function of rows 0..t and of t alone, as causality asks.
The RSI is Cutler's (windowed mean of gains and losses) rather than Wilder's
recursive one for the same reason.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from nexus.indicators.scalar import close_location_value_nb, ema_step_nb

ANCHOR = 4096
LONGEST = 960  # longest window, in bars (16 hours of 1-minute bars: regimes last hours to days)
BAR_WARMUP = LONGEST  # rows before it are NaN; row BAR_WARMUP is the first full row

BAR_FEATURES = (
    "ret_1", "ret_5", "ret_15", "ret_60",
    "rv_20", "rv_60", "rv_ratio",
    "range_1", "range_20", "range_ratio",
    "vol_ratio_20", "vol_z_60",
    "rsi_14", "dist_sma20", "dist_sma100", "z_close_20",
    "clv", "clv_20", "flow_20", "ret_z_60",
    "tod_sin", "tod_cos", "dow_sin", "dow_cos",
    "ret_240", "ret_960", "rv_240", "rv_960", "vol_level", "trend_240", "trend_960", "vol_rel_long",
)
LONG_SPAN = 4320.0  # bars (3 days of 1-minute bars) of the EMA giving a symbol's normal volatility

# running sums as (source, window); sources as filled by _fill_sources:
# 0 log return, 1 its square, 2 range/close, 3 volume, 4 volume^2, 5 gain, 6 loss, 7 close, 8 close^2,
# 9 close location, 10 flow, 11 log close (for the multi-bar returns, not summed)
SUM_SRC = np.array([0, 1, 0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 7, 9, 10, 0, 1, 0, 1], dtype=np.int64)
SUM_WIN = np.array([20, 20, 60, 60, 20, 20, 60, 60, 14, 14, 20, 20, 100, 20, 20, 240, 240, 960, 960], dtype=np.int64)

_DAY_NS = 86_400_000_000_000
_TWO_PI = 2.0 * np.pi


@njit(cache=True)
def _var(s1, s2, n):
    m = s1 / n
    var = (s2 - s1 * m) / (n - 1)
    return var if var > 0.0 else 0.0


@njit(cache=True)
def _ratio(a, b):
    return a / b if b != 0.0 else 0.0


@njit(cache=True)
def _fill_sources(h, l, c, v, flow, lo, hi, src):
    """Per-row sources of the running sums for rows lo..hi-1 into ``src[row - lo]`` (same values as _source)."""
    prev_logc = np.log(c[lo - 1]) if lo > 0 else 0.0
    for i in range(lo, hi):
        logc = np.log(c[i])
        r = logc - prev_logc if i > 0 else 0.0
        d = c[i] - c[i - 1] if i > 0 else 0.0
        rng = h[i] - l[i]
        src[i - lo, 0] = r
        src[i - lo, 1] = r * r
        src[i - lo, 2] = rng / c[i]
        src[i - lo, 3] = v[i]
        src[i - lo, 4] = v[i] * v[i]
        src[i - lo, 5] = d if d > 0.0 else 0.0
        src[i - lo, 6] = -d if d < 0.0 else 0.0
        src[i - lo, 7] = c[i]
        src[i - lo, 8] = c[i] * c[i]
        src[i - lo, 9] = close_location_value_nb(h[i], l[i], c[i])
        src[i - lo, 10] = flow[i]
        src[i - lo, 11] = logc
        prev_logc = logc


@njit(cache=True)
def bar_features_nb(ts, h, l, c, v, flow, start, stop, out):
    """Fill ``out[start:stop]`` (float32 [n, len(BAR_FEATURES)]) from the bar arrays."""
    nsum = SUM_SRC.shape[0]
    sums = np.zeros(nsum)
    # sources of this chunk plus the longest window before it: chunk-sized scratch, not n-sized
    lo = max(0, start - LONGEST)
    src = np.empty((stop - lo, 12))
    _fill_sources(h, l, c, v, flow, lo, stop, src)
    dow_sin = np.empty(7)
    dow_cos = np.empty(7)
    for k in range(7):
        dow_sin[k] = np.sin(_TWO_PI * k / 7.0)
        dow_cos[k] = np.cos(_TWO_PI * k / 7.0)
    for t in range(start, stop):
        if t == start or t % ANCHOR == 0:
            for j in range(nsum):
                acc = 0.0
                for i in range(max(0, t - SUM_WIN[j] + 1), t + 1):
                    acc += src[i - lo, SUM_SRC[j]]
                sums[j] = acc
        else:
            for j in range(nsum):
                w = SUM_WIN[j]
                sums[j] += src[t - lo, SUM_SRC[j]]
                if t - w >= 0:
                    sums[j] -= src[t - w - lo, SUM_SRC[j]]
        if t < BAR_WARMUP:
            for k in range(out.shape[1]):
                out[t, k] = np.nan
            continue
        lr = src[t - lo, 0]
        rv20 = np.sqrt(_var(sums[0], sums[1], 20.0))
        rv60 = np.sqrt(_var(sums[2], sums[3], 60.0))
        rg = (h[t] - l[t]) / c[t]
        rg20 = sums[4] / 20.0
        vm20 = sums[5] / 20.0
        vm60 = sums[6] / 60.0
        vs60 = np.sqrt(_var(sums[6], sums[7], 60.0))
        gl = sums[8] + sums[9]
        sma20 = sums[10] / 20.0
        sd20 = np.sqrt(_var(sums[10], sums[11], 20.0))
        sma100 = sums[12] / 100.0
        out[t, 0] = lr
        logc = src[t - lo, 11]
        out[t, 1] = logc - src[t - 5 - lo, 11]
        out[t, 2] = logc - src[t - 15 - lo, 11]
        out[t, 3] = logc - src[t - 60 - lo, 11]
        out[t, 4] = rv20
        out[t, 5] = rv60
        out[t, 6] = _ratio(rv20, rv60) - 1.0 if rv60 > 0.0 else 0.0
        out[t, 7] = rg
        out[t, 8] = rg20
        out[t, 9] = _ratio(rg, rg20) - 1.0 if rg20 > 0.0 else 0.0
        out[t, 10] = _ratio(v[t], vm20) - 1.0 if vm20 > 0.0 else 0.0
        out[t, 11] = _ratio(v[t] - vm60, vs60)
        out[t, 12] = (sums[8] - sums[9]) / gl if gl > 0.0 else 0.0  # (RSI - 50) / 50
        out[t, 13] = c[t] / sma20 - 1.0
        out[t, 14] = c[t] / sma100 - 1.0
        out[t, 15] = _ratio(c[t] - sma20, sd20)
        out[t, 16] = close_location_value_nb(h[t], l[t], c[t])
        out[t, 17] = sums[13] / 20.0
        out[t, 18] = sums[14] / 20.0
        out[t, 19] = _ratio(lr, rv60)
        tod = (ts[t] % _DAY_NS) / _DAY_NS
        dow = ((ts[t] // _DAY_NS) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        out[t, 20] = np.sin(_TWO_PI * tod)
        out[t, 21] = np.cos(_TWO_PI * tod)
        out[t, 22] = dow_sin[dow]
        out[t, 23] = dow_cos[dow]
        rv240 = np.sqrt(_var(sums[15], sums[16], 240.0))
        rv960 = np.sqrt(_var(sums[17], sums[18], 960.0))
        r240 = logc - src[t - 240 - lo, 11]
        r960 = logc - src[t - 960 - lo, 11]
        out[t, 24] = r240
        out[t, 25] = r960
        out[t, 26] = rv240
        out[t, 27] = rv960
        out[t, 28] = np.log(rv60 / rv960) if rv60 > 0.0 and rv960 > 0.0 else 0.0
        out[t, 29] = _ratio(r240, rv240 * np.sqrt(240.0))
        out[t, 30] = _ratio(r960, rv960 * np.sqrt(960.0))


@njit(cache=True)
def log_ema_gap_nb(x, span, out):
    """out[t] = log(x[t]) - EMA(log x)[t] with alpha 2/(span+1), seeded at the first positive x.

    A recursive state over the whole series (so it runs unchunked, in order);
    NaN rows leave the state untouched and give NaN.
    """
    alpha = 2.0 / (span + 1.0)
    m = np.nan
    for t in range(x.shape[0]):
        v = x[t]
        if not (v > 0.0):
            out[t] = np.nan if v != v else 0.0
            continue
        lv = np.log(v)
        m = lv if m != m else ema_step_nb(m, lv, alpha)
        out[t] = lv - m


SIG_FEATURES = ("sig_agg", "sig_conf", "sig_long", "sig_short", "sig_active", "sig_hit_100", "sig_pnl_100")
SIG_WINDOW = 100


@njit(cache=True)
def _agg(signal, conf, i, min_conf):
    """Layer-4 aggregate with unit weights: sum(s*c)/sum(c) over strategies with c >= min_conf."""
    num = 0.0
    den = 0.0
    for j in range(signal.shape[1]):
        cj = conf[i, j]
        if cj >= min_conf and signal[i, j] != 0:
            num += signal[i, j] * cj
            den += cj
    return num / den if den > 0.0 else 0.0


@njit(cache=True)
def _outcome(signal, conf, c, i, min_conf, what):
    """What the aggregate decided at bar i-1 earned at bar i: 0 active, 1 hit, 2 pnl, 3 squared return."""
    if i == 0:
        return 0.0
    a = _agg(signal, conf, i - 1, min_conf)
    d = 1.0 if a > 0.0 else (-1.0 if a < 0.0 else 0.0)
    r = np.log(c[i] / c[i - 1])
    if what == 0:
        return abs(d)
    if what == 1:
        return 1.0 if d * r > 0.0 else 0.0
    if what == 2:
        return d * r
    return r * r


@njit(cache=True)
def sig_features_nb(signal, conf, c, min_conf, start, stop, out):
    """Fill ``out[start:stop]`` (float32 [n, len(SIG_FEATURES)]): aggregate signal and its recent record."""
    k = signal.shape[1]
    sums = np.zeros(4)
    w = SIG_WINDOW
    for t in range(start, stop):
        if t == start or t % ANCHOR == 0:
            for q in range(4):
                acc = 0.0
                for i in range(max(0, t - w + 1), t + 1):
                    acc += _outcome(signal, conf, c, i, min_conf, q)
                sums[q] = acc
        else:
            for q in range(4):
                sums[q] += _outcome(signal, conf, c, t, min_conf, q)
                if t - w >= 0:
                    sums[q] -= _outcome(signal, conf, c, t - w, min_conf, q)
        nl = 0.0
        ns = 0.0
        csum = 0.0
        cn = 0.0
        for j in range(k):
            if conf[t, j] >= min_conf and signal[t, j] != 0:
                csum += conf[t, j]
                cn += 1.0
                if signal[t, j] > 0:
                    nl += 1.0
                else:
                    ns += 1.0
        out[t, 0] = _agg(signal, conf, t, min_conf)
        out[t, 1] = csum / cn if cn > 0.0 else 0.0
        out[t, 2] = nl / k
        out[t, 3] = ns / k
        out[t, 4] = cn / k
        if t < w:
            out[t, 5] = np.nan
            out[t, 6] = np.nan
            continue
        active = round(sums[0])
        out[t, 5] = sums[1] / active if active > 0 else 0.5
        out[t, 6] = sums[2] / np.sqrt(sums[3]) if sums[3] > 0.0 else 0.0
