"""The shared kernels in the forms the strategy matrix calls them (reused ``out`` buffers, moments
computed once) against pandas, plain loops and the allocating forms, and causal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nexus.indicators import rolling as R
from nexus.indicators import technical as T
from nexus.lookahead import check_causal


def _x(n=3000, seed=0, nans=True):
    rng = np.random.default_rng(seed)
    x = 60_000 + np.cumsum(rng.normal(0, 30, n))  # price level: cancellation-prone
    if nans:
        x[[0, 700, 701, 2500]] = np.nan
    return x


@pytest.mark.parametrize("n", [1, 2, 5, 20, 333])
def test_mean_std_into_buffers_match_two_pass_windows(n):
    x = _x()
    mean, std = np.full(x.size, 7.0), np.full(x.size, 7.0)  # stale buffers: every value must be written
    got_mean, got_std = R.rolling_mean_std_nb(x, n, 0, mean, std)
    assert got_mean is mean and got_std is std
    exact_mean = np.full(x.size, np.nan)
    exact_std = np.full(x.size, np.nan)
    for t in range(n - 1, x.size):
        w = x[t - n + 1:t + 1]
        if not np.isnan(w).any():
            exact_mean[t] = w.mean()
            exact_std[t] = np.sqrt(np.mean((w - w.mean()) ** 2))
    # a near-zero std of two prices at 60,000 is ill-conditioned: bound the error by the price level
    atol = 2e-11 * np.nanmax(np.abs(x))
    np.testing.assert_allclose(mean, exact_mean, rtol=1e-11, atol=atol, equal_nan=True)
    np.testing.assert_allclose(std, exact_std, rtol=1e-6, atol=atol, equal_nan=True)
    np.testing.assert_array_equal(R.rolling_sum_nb(x, n, np.full(x.size, 7.0)), R.rolling_sum_nb(x, n))


def test_long_series_sum_drift_stays_at_rounding_level():
    rng = np.random.default_rng(3)
    x = rng.gamma(2.0, 50.0, 300_000)
    got = R.rolling_sum_nb(x, 60)
    cs = np.concatenate([[0.0], np.cumsum(x.astype(np.longdouble))])
    want = (cs[60:] - cs[:-60]).astype(np.float64)
    np.testing.assert_allclose(got[59:], want, rtol=1e-10)


def test_zscore_from_moments_and_vwap_from_a_volume_sum_match_pandas():
    rng = np.random.default_rng(5)
    c = 100 + np.cumsum(rng.normal(0, 0.1, 500))
    h, lo, v = c + 0.1, c - 0.1, rng.gamma(2.0, 10.0, 500)
    v[100:130] = 0.0  # a window that traded nothing: NaN
    n = 20
    tp = (h + lo + c) / 3
    want = (pd.Series(tp * v).rolling(n).sum() / pd.Series(v).rolling(n).sum()).to_numpy(copy=True)
    want[~(pd.Series(v).rolling(n).sum().to_numpy() > 0)] = np.nan
    out = np.full(c.size, 7.0)
    got = T.vwap_nb(h, lo, c, v, n, R.rolling_sum_nb(v, n), out)
    assert got is out
    np.testing.assert_allclose(got, want, rtol=1e-10, equal_nan=True)
    np.testing.assert_array_equal(got, T.vwap_nb(h, lo, c, v, n))  # the volume sum given or not: same bits
    mean, std = R.rolling_mean_std_nb(v, n, 0)
    z = R.zscore_from_nb(v, mean, std)
    s = pd.Series(v)
    want_z = ((s - s.rolling(n).mean()) / s.rolling(n).std(ddof=0)).to_numpy(copy=True)
    want_z[~(s.rolling(n).std(ddof=0).to_numpy() > 1e-12)] = np.nan
    np.testing.assert_allclose(z, want_z, rtol=1e-8, equal_nan=True)
    np.testing.assert_array_equal(z, R.rolling_zscore_nb(v, n, 0))


def test_returns_true_range_and_lagged_ops_into_buffers():
    rng = np.random.default_rng(6)
    c = 100 + np.cumsum(rng.normal(0, 0.5, 300))
    h, lo = c + rng.uniform(0, 1, 300), c - rng.uniform(0, 1, 300)
    out = np.full(300, 7.0)
    assert T.returns_nb(c, out) is out
    np.testing.assert_allclose(out, pd.Series(c).pct_change().to_numpy(), rtol=1e-13, equal_nan=True)
    tr = np.full(300, 7.0)
    T.true_range_nb(h, lo, c, tr)
    want = [h[0] - lo[0]] + [max(h[i] - lo[i], abs(h[i] - c[i - 1]), abs(lo[i] - c[i - 1])) for i in range(1, 300)]
    np.testing.assert_array_equal(tr, want)
    for k in (1, 3):
        np.testing.assert_array_equal(R.shift_nb(c, k), np.r_[[np.nan] * k, c[:-k]])
        np.testing.assert_array_equal(R.diff_nb(c, k), np.r_[[np.nan] * k, c[k:] - c[:-k]])
        np.testing.assert_allclose(T.roc_nb(c, k), np.r_[[np.nan] * k, c[k:] / c[:-k] - 1.0], rtol=1e-15, equal_nan=True)
    np.testing.assert_allclose(T.log_returns_nb(c), np.r_[np.nan, np.log(c[1:] / c[:-1])], rtol=1e-15, equal_nan=True)
    short = R.shift_nb(c[:2], 5)  # k beyond the series: all NaN, no out-of-bounds write
    assert short.shape == (2,) and np.isnan(short).all()


def test_autocorr_matches_pandas():
    r = np.random.default_rng(4).standard_t(4, 2000) * 1e-3
    r[0] = np.nan
    n = 30
    want = pd.Series(r).rolling(n).corr(pd.Series(r).shift(1)).to_numpy()
    np.testing.assert_allclose(R.rolling_autocorr1_nb(r, n, np.full(r.size, 7.0)), want, atol=1e-9, equal_nan=True)


def test_buffer_forms_are_causal():
    x = _x(3000, seed=7)

    def fn(a):
        mean, std = R.rolling_mean_std_nb(a, 25, 0, np.empty(a.size), np.empty(a.size))
        return (R.rolling_sum_nb(a, 25, np.empty(a.size)), mean, std, R.zscore_from_nb(a, mean, std),
                R.rolling_extreme_nb(a, 25, True, np.empty(a.size), np.empty(a.size)),
                R.rolling_autocorr1_nb(a, 25, np.empty(a.size)), T.returns_nb(a, np.empty(a.size)),
                R.diff_nb(a, 3), R.shift_nb(a, 2))

    check_causal(fn, x, n_random=30).raise_if_failed()
