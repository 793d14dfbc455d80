"""A slow, plain reference for every MQScore component, written from docs/mqscore.md.

Means, quantiles and the VWAP come from pandas rolling windows (an independent
implementation); variances, correlations, price bins (``numpy.histogram``) and
Savitzky-Golay fits (``numpy.polyfit``) from numpy over the explicit trailing
slice at each scored bar; the recursive indicators (EMA via pandas ``ewm``,
Wilder RSI and ADX) from plain Python loops over the full history. Nothing
here imports the kernels.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

NEUTRAL = 0.5


def _c(v, neutral=NEUTRAL):
    """Clip to [0, 1]; a value that could not be computed becomes neutral."""
    v = float(v)
    if not math.isfinite(v):
        return neutral
    return min(1.0, max(0.0, v))


def _div(a, b):
    a = float(a)
    b = float(b)
    if not (math.isfinite(a) and math.isfinite(b)) or b == 0.0:
        return float("nan")
    return a / b


def _wilder_loop(x, n, start):
    out = np.full(len(x), np.nan)
    if len(x) < start + n:
        return out
    e = sum(x[start:start + n]) / n
    out[start + n - 1] = e
    for t in range(start + n, len(x)):
        e = e + (x[t] - e) / n
        out[t] = e
    return out


def rsi_loop(close, n=14):
    gains = [0.0] + [max(close[i] - close[i - 1], 0.0) for i in range(1, len(close))]
    losses = [0.0] + [max(close[i - 1] - close[i], 0.0) for i in range(1, len(close))]
    ag = _wilder_loop(gains, n, 1)
    al = _wilder_loop(losses, n, 1)
    rsi = np.full(len(close), np.nan)
    for t in range(len(close)):
        if np.isnan(ag[t]):
            continue
        if al[t] == 0:
            rsi[t] = 100.0 if ag[t] > 0 else 50.0
        else:
            rsi[t] = 100.0 - 100.0 / (1.0 + ag[t] / al[t])
    return rsi


def adx_loop(high, low, close, n=14):
    N = len(close)
    tr = [0.0] * N
    pdm = [0.0] * N
    mdm = [0.0] * N
    for i in range(1, N):
        tr[i] = max(high[i] - low[i], abs(high[i] - close[i - 1]), abs(low[i] - close[i - 1]))
        up = high[i] - high[i - 1]
        dn = low[i - 1] - low[i]
        pdm[i] = up if up > dn and up > 0 else 0.0
        mdm[i] = dn if dn > up and dn > 0 else 0.0
    atr = _wilder_loop(tr, n, 1)
    sp = _wilder_loop(pdm, n, 1)
    sm = _wilder_loop(mdm, n, 1)
    dx = [float("nan")] * N
    for i in range(n, N):
        pdi = 100 * sp[i] / atr[i] if atr[i] > 0 else 0.0
        mdi = 100 * sm[i] / atr[i] if atr[i] > 0 else 0.0
        dx[i] = 100 * abs(pdi - mdi) / (pdi + mdi) if pdi + mdi > 0 else 0.0
    adx = _wilder_loop(dx, n, n)
    return adx, np.array(pdm), np.array(mdm)


def savgol_endpoint(window):
    """Endpoint of a least-squares cubic through the trailing 21 values."""
    x = np.arange(21, dtype=float)
    coef = np.polyfit(x, window - window[-1], 3)
    return window[-1] + np.polyval(coef, 20.0)


def _last(series, t, n):
    x = np.asarray(series, float)[max(0, t - n + 1):t + 1]
    return x[~np.isnan(x)]


def _var(series, t, n, minp=None):
    x = _last(series, t, n)
    if len(x) < max(2, n if minp is None else minp):
        return float("nan")
    return float(np.var(x, ddof=1))


def _std(series, t, n, minp=None):
    return math.sqrt(_var(series, t, n, minp))


def _corr(a, b, t, n):
    x = np.asarray(a, float)[t - n + 1:t + 1]
    y = np.asarray(b, float)[t - n + 1:t + 1]
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = x[ok], y[ok]
    if len(x) < n or np.all(x == x[0]) or np.all(y == y[0]):
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def reference_components(bars, at, window=200, use_taker=None):
    """Components at bar indices ``at``: dict "dimension.component" -> array (same order as ``at``)."""
    o, h, l, c, v = (np.asarray(getattr(bars, k), float) for k in ("open", "high", "low", "close", "volume"))
    if use_taker is None:
        use_taker = bars.has("taker_buy_volume")
    N = len(c)
    C = pd.Series(c)
    V = pd.Series(v)
    r = C.pct_change()
    rng = pd.Series((h - l) / c)
    sma20_v = V.rolling(20).mean()
    sma50_v = V.rolling(50).mean()
    sma20_c = C.rolling(20).mean()
    sma50_c = C.rolling(50).mean()
    sma100_c = C.rolling(100).mean()
    rng_mean = rng.rolling(20).mean()
    ratio = V / sma20_v
    impact = (r.abs() / ratio).where((V > 0) & (sma20_v > 0))
    impact_m = impact.rolling(20, min_periods=1).mean()
    q25 = V.rolling(50).quantile(0.25)
    q75 = V.rolling(50).quantile(0.75)
    r2 = r * r
    rsi = rsi_loop(list(c))
    macd = C.ewm(span=12, adjust=False).mean() - C.ewm(span=26, adjust=False).mean()
    hist = macd - macd.ewm(span=9, adjust=False).mean()
    hist_max = hist.abs().rolling(window, min_periods=1).max()
    # imbalance
    tp = (h + l + c) / 3.0
    pv_sum = pd.Series(tp * v).rolling(window, min_periods=1).sum()
    v_sum = V.rolling(window, min_periods=1).sum()
    vwap = (pv_sum / v_sum).where(v_sum > 0)
    dev_m = ((C - vwap) / vwap).rolling(20, min_periods=1).mean()
    if use_taker:
        tb = np.asarray(bars.taker_buy_volume, float)
        up, down = tb, v - tb
    else:
        up = np.where(c > o, v, 0.0)
        down = np.where(c < o, v, 0.0)
    tot = up + down
    flow = pd.Series(np.where(tot > 0, (up - down) / np.where(tot > 0, tot, 1.0), 0.0))
    flow_m = flow.rolling(20).mean()
    size = r.abs() * V
    size_m = size.rolling(20).mean()
    dcv_sum = (C.diff() * V).rolling(20).sum()
    # trend
    adx, pdm, mdm = adx_loop(h, l, c)
    pdm_m = pd.Series(pdm).where(np.arange(N) > 0).rolling(14).mean()
    mdm_m = pd.Series(mdm).where(np.arange(N) > 0).rolling(14).mean()
    side = (C > sma20_c).astype(float).where(sma20_c.notna()).rolling(20).mean()
    agree = ((sma20_c > sma20_c.shift(5)) == (V > sma20_v)).astype(float)
    agree = agree.where(sma20_c.shift(5).notna() & sma20_v.notna()).rolling(20).mean()
    # noise
    need = sorted({k for t in at for k in range(max(20, t - 19), t + 1)})
    sg = pd.Series(np.nan, index=range(N))
    for k in need:
        sg[k] = savgol_endpoint(c[k - 20:k + 1])
    dC = C.diff()
    pct_v = V.pct_change().where(V.shift(1) > 0)

    out: dict[str, list[float]] = {}

    def put(name, value):
        out.setdefault(name, []).append(value)

    r2_lag = r2.shift(1)
    r_lag = r.shift(1)
    res = C - sg
    dev20 = C - sma20_c
    for t in at:
        sv = sma20_v[t]
        rng_std = _std(rng, t, 20)
        s20, s50, s100 = _std(r, t, 20), _std(r, t, 50), _std(r, t, 100)
        std20_c = _std(C, t, 20)
        put("liquidity.spread_proxy", _c(1 - rng_mean[t]))
        put("liquidity.volume_stability", _c(1 - _div(_std(V, t, 20), sv)))
        put("liquidity.price_impact", _c(1 / (1 + impact_m[t])))
        put("liquidity.range_stability", _c(1 - rng_std))
        put("liquidity.volume_depth", _c(_div(q75[t] - q25[t], sv)))
        put("volatility.vol_ratio_20_50", _c(1 - abs(_div(s20, s50) - 1)))
        put("volatility.vol_clustering", _c(abs(_corr(r2, r2_lag, t, 19))))
        put("volatility.range_stability", _c(1 - rng_std))
        put("volatility.vol_ratio_50_100", _c(1 - abs(_div(s50, s100) - 1)))
        put("momentum.roc20", _c(abs(c[t] / c[t - 20] - 1)))
        put("momentum.roc50", _c(abs(c[t] / c[t - 50] - 1)))
        put("momentum.volume_surge", _c(abs(_div(v[t], sma50_v[t]) - 1)))
        put("momentum.sma_alignment", 1.0 if (sma20_c[t] > sma50_c[t]) == (sma50_c[t] > sma100_c[t]) else 0.0)
        put("momentum.rsi_distance", _c(abs(rsi[t] - 50) / 50))
        put("momentum.macd_strength", _c(_div(abs(hist[t]), hist_max[t])))
        put("momentum.return_size_stability", _c(1 - _std(r.abs(), t, 20)))
        put("imbalance.vwap_deviation", _c(1 - abs(dev_m[t])))
        put("imbalance.flow_balance", _c(1 - abs(flow_m[t])))
        put("imbalance.flow_size_stability", _c(1 - _div(_std(size, t, 20), size_m[t])))
        counts, _ = np.histogram(c[t - window + 1:t + 1], bins=20)
        put("imbalance.price_dispersion", _c(1 - counts.max() / window))
        put("imbalance.signed_volume_balance", _c(1 / (1 + abs(dcv_sum[t]))))
        put("trend.adx", _c(adx[t] / 100))
        put("trend.dm_balance", _c(_div(abs(pdm_m[t] - mdm_m[t]), pdm_m[t] + mdm_m[t])))
        put("trend.sma_gap", _c(abs(sma20_c[t] - sma100_c[t]) / sma100_c[t]))
        put("trend.side_persistence", _c(abs(side[t] - 0.5) * 2))
        upper = sma20_c[t] + 2 * std20_c
        lower = sma20_c[t] - 2 * std20_c
        exc = max(0.0, (c[t] - upper) / upper, (lower - c[t]) / lower if lower > 0 else 0.0)
        put("trend.bollinger_excess", _c(exc))
        put("trend.trend_volume_agreement", _c(agree[t]))
        put("noise.savgol_snr", _c(math.tanh(_div(_var(sg, t, 20), _var(res, t, 20)) / 10)))
        put("noise.sma_snr", _c(math.tanh(_div(_var(sma20_c, t, 20), _var(dev20, t, 20)) / 10)))
        put("noise.diff_vol_ratio", _c(math.tanh(_div(_std(dC, t, 20), _std(dC, t, 5)) / 5)))
        put("noise.volume_steadiness", _c(math.tanh(_div(sv, _std(pct_v, t, 20, minp=2)) / 10)))
        put("noise.price_volume_corr", _c(abs(_corr(C, V, t, 20))))
        put("noise.range_stability", _c(1 - rng_std))
        put("noise.return_autocorr", _c(abs(_corr(r, r_lag, t, 19))))
    return {k: np.array(vals) for k, vals in out.items()}


DIM_WEIGHTS = {
    "liquidity": (0.25, 0.25, 0.25, 0.15, 0.10),
    "volatility": (0.25, 0.25, 0.25, 0.25),
    "momentum": (0.20, 0.20, 0.15, 0.15, 0.10, 0.10, 0.10),
    "imbalance": (0.25, 0.25, 0.20, 0.15, 0.15),
    "trend": (0.25, 0.20, 0.15, 0.15, 0.15, 0.10),
    "noise": (0.20, 0.15, 0.15, 0.15, 0.10, 0.15, 0.10),
}
COMPOSITE_WEIGHTS = {"liquidity": 0.15, "volatility": 0.15, "momentum": 0.15, "imbalance": 0.15, "trend": 0.20, "noise": 0.20}


def reference_dims(comps):
    """Dimensions from reference components, in insertion order of DIM_WEIGHTS."""
    dims = {}
    for dim, w in DIM_WEIGHTS.items():
        names = [k for k in comps if k.startswith(dim + ".")]
        dims[dim] = np.clip(sum(wi * comps[k] for wi, k in zip(w, names)), 0, 1)
    dims["composite"] = np.clip(sum(COMPOSITE_WEIGHTS[d] * dims[d] for d in COMPOSITE_WEIGHTS), 0, 1)
    return dims


def reference_regime(dims, rule="reference"):
    """Rule regime code and normalised scores per bar, in plain Python."""
    codes, scores = [], []
    for i in range(len(dims["composite"])):
        liq, vol, mom, imb, trd, noi = (dims[d][i] for d in ("liquidity", "volatility", "momentum", "imbalance", "trend", "noise"))
        m = (liq + vol + mom + imb + trd + noi) / 6
        s = [0.0] * 6
        if vol > 0.7 and liq < 0.3:
            s[0] = 0.8
        if trd > 0.7 and mom > 0.6:
            s[1] = 0.8
        if trd < 0.3 and noi < 0.4:
            s[2] = 0.7
        if m > 0.7 and trd > 0.6:
            s[3] = 0.9
        if m < 0.3 or (noi < 0.3 if rule == "consistent" else noi > 0.7):
            s[4] = 0.7
        if sum(s) == 0:
            s[5] = 1.0
        tot = sum(s)
        s = [x / tot for x in s]
        codes.append(int(np.argmax(s)))
        scores.append(s)
    return np.array(codes), np.array(scores)
