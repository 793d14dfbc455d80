"""Rolling kernels against pandas and plain loops, plus NaN containment, drift and causality."""

import numpy as np
import pandas as pd
import pytest

from nexus import indicators as ind
from nexus.indicators import rolling as r
from nexus.lookahead import check_causal
from tests.conftest import make_bars


def _series(n=3000, seed=0, level=60_000.0):
    rng = np.random.default_rng(seed)
    return level * np.exp(np.cumsum(rng.normal(0, 0.002, n)))


@pytest.mark.parametrize("n", [1, 2, 7, 50])
def test_mean_sum_std_var_match_pandas(n):
    x = _series()
    s = pd.Series(x).rolling(n)
    np.testing.assert_allclose(r.rolling_mean_nb(x, n), s.mean(), rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(r.rolling_sum_nb(x, n), s.sum(), rtol=1e-12, equal_nan=True)
    # exact per-window reference: pandas' online variance loses ~1e-5 relative at n=2 on 60,000-level prices
    pad = [np.nan] * (n - 1)
    std0 = np.array(pad + [x[i - n + 1 : i + 1].std() for i in range(n - 1, x.size)])
    np.testing.assert_allclose(r.rolling_std_nb(x, n, 0), std0, rtol=1e-9, equal_nan=True)
    if n > 1:
        var1 = np.array(pad + [x[i - n + 1 : i + 1].var(ddof=1) for i in range(n - 1, x.size)])
        np.testing.assert_allclose(r.rolling_var_nb(x, n, 1), var1, rtol=1e-9, equal_nan=True)


@pytest.mark.parametrize("n", [1, 3, 20])
def test_min_max_match_pandas(n):
    x = _series(seed=3)
    x[::7] = x[::7].round(-1)  # ties
    s = pd.Series(x).rolling(n)
    np.testing.assert_array_equal(r.rolling_max_nb(x, n), s.max().to_numpy())
    np.testing.assert_array_equal(r.rolling_min_nb(x, n), s.min().to_numpy())


def test_cov_corr_zscore_match_pandas():
    rng = np.random.default_rng(5)
    x = _series(seed=1)
    y = 0.3 * x + rng.normal(0, 50, x.size)
    sx, sy = pd.Series(x), pd.Series(y)
    np.testing.assert_allclose(r.rolling_cov_nb(x, y, 30, 1), sx.rolling(30).cov(sy), rtol=1e-7, equal_nan=True)
    np.testing.assert_allclose(r.rolling_corr_nb(x, y, 30), sx.rolling(30).corr(sy), rtol=1e-7, atol=1e-10, equal_nan=True)
    zs = (sx - sx.rolling(30).mean()) / sx.rolling(30).std(ddof=0)
    np.testing.assert_allclose(r.rolling_zscore_nb(x, 30, 0), zs, rtol=1e-6, atol=1e-8, equal_nan=True)


def test_ema_and_wilder_match_definitions():
    x = _series(500, seed=2)
    x[100] = np.nan
    ref = pd.Series(x).ewm(span=10, adjust=False, ignore_na=True, min_periods=10).mean()
    np.testing.assert_allclose(r.ema_nb(x, 10), ref, rtol=1e-12, equal_nan=True)
    # Wilder: plain loop seeded by the mean of the first n values
    y = _series(300, seed=4)
    n = 14
    want = np.full(y.size, np.nan)
    s = y[:n].mean()
    want[n - 1] = s
    for i in range(n, y.size):
        s = s + (y[i] - s) / n
        want[i] = s
    np.testing.assert_allclose(r.wilder_nb(y, n), want, rtol=1e-13, equal_nan=True)


def test_nan_stays_inside_its_window():
    x = _series(200)
    x[50] = np.nan
    for out in (r.rolling_mean_nb(x, 10), r.rolling_std_nb(x, 10, 0), r.rolling_max_nb(x, 10), r.rolling_min_nb(x, 10)):
        assert np.isnan(out[50:60]).all()
        assert np.isfinite(out[60:]).all()
        assert np.isfinite(out[9:50]).all()


def test_drift_stays_tiny_over_a_million_bars():
    x = _series(1_000_000, seed=9)
    n = 200
    got = r.rolling_mean_nb(x, n)
    got_sd = r.rolling_std_nb(x, n, 0)
    for i in (n - 1, 123_456, 999_999):
        w = x[i - n + 1 : i + 1]
        assert abs(got[i] - w.mean()) <= 1e-10 * abs(w.mean())
        assert abs(got_sd[i] - w.std()) <= 1e-8 * w.std()


def test_wrappers_handle_columns_and_bad_windows():
    x = np.column_stack([_series(100, seed=s) for s in range(3)])
    out = ind.sma(x, 5)
    assert out.shape == x.shape
    np.testing.assert_allclose(out[:, 2], r.rolling_mean_nb(np.ascontiguousarray(x[:, 2]), 5), equal_nan=True)
    with pytest.raises(Exception, match="positive integer"):
        ind.sma(x, 0)


def test_rolling_kernels_are_causal():
    bars = make_bars(400, seed=7)

    def fn(b):
        c, v = b.close, b.volume
        return {
            "mean": r.rolling_mean_nb(c, 20), "std": r.rolling_std_nb(c, 20, 0), "max": r.rolling_max_nb(c, 20),
            "min": r.rolling_min_nb(c, 20), "corr": r.rolling_corr_nb(c, v, 20), "ema": r.ema_nb(c, 20),
            "wilder": r.wilder_nb(c, 20), "z": r.rolling_zscore_nb(c, 20, 0), "cov": r.rolling_cov_nb(c, v, 20, 1),
            "ac1": r.rolling_autocorr1_nb(np.diff(c, prepend=np.nan), 20),
            "mean_std": np.column_stack(r.rolling_mean_std_nb(c, 20, 1)),
        }

    check_causal(fn, bars, n_random=15, extra_cuts=[19, 20, 21, 40, 41]).raise_if_failed()


def test_autocorr1_and_mean_std_match_pandas():
    rng = np.random.default_rng(12)
    x = rng.normal(0, 1, 2000).cumsum()
    r1 = np.diff(x, prepend=np.nan)
    s = pd.Series(r1)
    want = s.rolling(30).corr(s.shift(1))
    np.testing.assert_allclose(r.rolling_autocorr1_nb(r1, 30), want, rtol=1e-8, atol=1e-10, equal_nan=True)
    mean, std = r.rolling_mean_std_nb(x, 25, 1)
    np.testing.assert_allclose(mean, pd.Series(x).rolling(25).mean(), rtol=1e-10, equal_nan=True)
    np.testing.assert_allclose(std, pd.Series(x).rolling(25).std(ddof=1), rtol=1e-8, equal_nan=True)
