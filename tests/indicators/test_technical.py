"""Technical indicators against plain-loop references (textbook definitions) and causality."""

import numpy as np
import pandas as pd

from nexus import indicators as ind
from nexus.indicators import technical as t
from nexus.lookahead import check_causal
from tests.conftest import make_bars


def _wilder_loop(x, n):
    out = np.full(len(x), np.nan)
    vals = [(i, v) for i, v in enumerate(x) if not np.isnan(v)]
    if len(vals) < n:
        return out
    s = np.mean([v for _, v in vals[:n]])
    out[vals[n - 1][0]] = s
    for i, v in vals[n:]:
        s = s + (v - s) / n
        out[i] = s
    return out


def test_returns_roc_true_range():
    b = make_bars(300, seed=1)
    c = b.close
    np.testing.assert_allclose(t.returns_nb(c), pd.Series(c).pct_change(), rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(t.roc_nb(c, 5), pd.Series(c).pct_change(5), rtol=1e-12, equal_nan=True)
    tr = [b.high[0] - b.low[0]] + [
        max(b.high[i] - b.low[i], abs(b.high[i] - c[i - 1]), abs(b.low[i] - c[i - 1])) for i in range(1, len(c))
    ]
    np.testing.assert_allclose(t.true_range_nb(b.high, b.low, c), tr, rtol=1e-14)
    np.testing.assert_allclose(t.atr_nb(b.high, b.low, c, 14), _wilder_loop(np.array(tr), 14), rtol=1e-12, equal_nan=True)


def test_rsi_matches_wilder_loop_and_flat_is_50():
    c = make_bars(300, seed=2).close
    d = np.diff(c)
    ag = _wilder_loop(np.r_[np.nan, np.maximum(d, 0)], 14)
    al = _wilder_loop(np.r_[np.nan, np.maximum(-d, 0)], 14)
    want = 100 - 100 / (1 + ag / al)
    np.testing.assert_allclose(t.rsi_nb(c, 14), want, rtol=1e-10, equal_nan=True)
    assert np.isnan(t.rsi_nb(c, 14)[13]) and np.isfinite(t.rsi_nb(c, 14)[14])
    flat = np.full(50, 10.0)
    assert (t.rsi_nb(flat, 14)[14:] == 50.0).all()
    up = np.arange(1.0, 51.0)
    assert (t.rsi_nb(up, 14)[14:] == 100.0).all()


def test_macd_bollinger_vwap():
    b = make_bars(400, seed=3)
    c = pd.Series(b.close)
    line, sig, hist = ind.macd(b.close, 12, 26, 9)
    ema = lambda s, n: s.ewm(span=n, adjust=False, min_periods=n).mean()  # noqa: E731
    want_line = ema(c, 12) - ema(c, 26)
    np.testing.assert_allclose(line, want_line, rtol=1e-10, equal_nan=True)
    want_sig = want_line.ewm(span=9, adjust=False, ignore_na=True, min_periods=9).mean()
    np.testing.assert_allclose(sig, want_sig, rtol=1e-9, equal_nan=True)
    np.testing.assert_allclose(hist, want_line - want_sig, rtol=1e-8, atol=1e-12, equal_nan=True)
    mid, up, lo = ind.bollinger(b.close, 20, 2.0)
    np.testing.assert_allclose(up, c.rolling(20).mean() + 2 * c.rolling(20).std(ddof=0), rtol=1e-10, equal_nan=True)
    np.testing.assert_allclose(lo, c.rolling(20).mean() - 2 * c.rolling(20).std(ddof=0), rtol=1e-10, equal_nan=True)
    tp = (b.high + b.low + b.close) / 3
    want = pd.Series(tp * b.volume).rolling(30).sum() / pd.Series(b.volume).rolling(30).sum()
    np.testing.assert_allclose(ind.vwap(b.high, b.low, b.close, b.volume, 30), want, rtol=1e-10, equal_nan=True)


def test_adx_matches_loop_and_trend_is_strong():
    b = make_bars(300, seed=4)
    h, l, c = b.high, b.low, b.close
    n = 14
    pdm = np.full(len(c), np.nan)
    mdm = np.full(len(c), np.nan)
    tr = np.full(len(c), np.nan)
    for i in range(1, len(c)):
        up, down = h[i] - h[i - 1], l[i - 1] - l[i]
        pdm[i] = up if up > down and up > 0 else 0.0
        mdm[i] = down if down > up and down > 0 else 0.0
        tr[i] = max(h[i] - l[i], abs(h[i] - c[i - 1]), abs(l[i] - c[i - 1]))
    pdi = 100 * _wilder_loop(pdm, n) / _wilder_loop(tr, n)
    mdi = 100 * _wilder_loop(mdm, n) / _wilder_loop(tr, n)
    dx = 100 * np.abs(pdi - mdi) / (pdi + mdi)
    adx_want = _wilder_loop(dx, n)
    adx, p, m = ind.adx(h, l, c, n)
    np.testing.assert_allclose(p, pdi, rtol=1e-10, equal_nan=True)
    np.testing.assert_allclose(m, mdi, rtol=1e-10, equal_nan=True)
    np.testing.assert_allclose(adx, adx_want, rtol=1e-10, equal_nan=True)
    assert np.isnan(adx[2 * n - 2]) and np.isfinite(adx[2 * n - 1])
    # a clean up-trend: +DI dominates and ADX is high
    x = np.arange(100.0, 200.0)
    adx_t, p_t, m_t = ind.adx(x + 0.5, x - 0.5, x, n)
    assert adx_t[-1] > 90 and p_t[-1] > m_t[-1]


def test_close_location():
    h = np.array([2.0, 2.0, 2.0, 1.0])
    l = np.array([1.0, 1.0, 1.0, 1.0])
    c = np.array([2.0, 1.0, 1.5, 1.0])
    np.testing.assert_array_equal(t.close_location_nb(h, l, c), [1.0, -1.0, 0.0, 0.0])


def test_technical_kernels_are_causal():
    bars = make_bars(400, seed=8)

    def fn(b):
        line, sig, hist = t.macd_nb(b.close, 12, 26, 9)
        adx, p, m = t.adx_nb(b.high, b.low, b.close, 14)
        return {
            "ret": t.returns_nb(b.close), "roc": t.roc_nb(b.close, 10), "atr": t.atr_nb(b.high, b.low, b.close, 14),
            "rsi": t.rsi_nb(b.close, 14), "macd": line, "sig": sig, "hist": hist, "adx": adx, "pdi": p, "mdi": m,
            "vwap": t.vwap_nb(b.high, b.low, b.close, b.volume, 20), "clv": t.close_location_nb(b.high, b.low, b.close),
        }

    check_causal(fn, bars, n_random=15, extra_cuts=[14, 15, 27, 28, 35]).raise_if_failed()
