"""The strategies' lean rolling kernels agree with nexus.indicators.rolling and pandas, and are causal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nexus.indicators import rolling as R
from nexus.lookahead import check_causal
from nexus.strategies import _roll_nb as F


def _x(n=3000, seed=0, nans=True):
    rng = np.random.default_rng(seed)
    x = 60_000 + np.cumsum(rng.normal(0, 30, n))  # price level: cancellation-prone
    if nans:
        x[[0, 700, 701, 2500]] = np.nan
    return x


@pytest.mark.parametrize("n", [1, 2, 5, 20, 333])
def test_sums_means_std_match_the_shared_kernels(n):
    x = _x()
    np.testing.assert_allclose(F.rsum_nb(x, n), R.rolling_sum_nb(x, n), rtol=1e-11, equal_nan=True)
    np.testing.assert_allclose(F.rmean_nb(x, n), R.rolling_mean_nb(x, n), rtol=1e-11, equal_nan=True)
    mean, std = F.rmean_std_nb(x, n)
    np.testing.assert_allclose(mean, R.rolling_mean_nb(x, n), rtol=1e-11, equal_nan=True)
    exact = np.full(x.size, np.nan)  # two-pass over each window
    for t in range(n - 1, x.size):
        w = x[t - n + 1:t + 1]
        if not np.isnan(w).any():
            exact[t] = np.sqrt(np.mean((w - w.mean()) ** 2))
    # a near-zero std of two prices at 60,000 is ill-conditioned: bound the error by the price level
    atol = 2e-11 * np.nanmax(np.abs(x))
    np.testing.assert_allclose(std, exact, rtol=1e-6, atol=atol, equal_nan=True)
    np.testing.assert_allclose(std, R.rolling_std_nb(x, n, 0), rtol=1e-6, atol=atol, equal_nan=True)


@pytest.mark.parametrize("n", [1, 3, 7, 50])
def test_extremes_match_exactly(n):
    x = _x(seed=1)
    np.testing.assert_array_equal(F.rextreme_nb(x, n, True), R.rolling_max_nb(x, n))
    np.testing.assert_array_equal(F.rextreme_nb(x, n, False), R.rolling_min_nb(x, n))


def test_long_series_drift_stays_at_rounding_level():
    rng = np.random.default_rng(3)
    x = rng.gamma(2.0, 50.0, 300_000)
    got = F.rsum_nb(x, 60)
    cs = np.concatenate([[0.0], np.cumsum(x.astype(np.longdouble))])
    want = (cs[60:] - cs[:-60]).astype(np.float64)
    np.testing.assert_allclose(got[59:], want, rtol=1e-10)


def test_autocorr_matches_pandas():
    r = np.random.default_rng(4).standard_t(4, 2000) * 1e-3
    r[0] = np.nan
    n = 30
    want = pd.Series(r).rolling(n).corr(pd.Series(r).shift(1)).to_numpy()
    got = F.autocorr1_nb(r, n)
    np.testing.assert_allclose(got, want, atol=1e-9, equal_nan=True)


def test_vwap_and_zscore_helpers():
    rng = np.random.default_rng(5)
    c = 100 + np.cumsum(rng.normal(0, 0.1, 500))
    h, lo, v = c + 0.1, c - 0.1, rng.gamma(2.0, 10.0, 500)
    n = 20
    got = F.vwap_nb(h, lo, c, v, F.rsum_nb(v, n), n)
    tp = (h + lo + c) / 3
    want = (pd.Series(tp * v).rolling(n).sum() / pd.Series(v).rolling(n).sum()).to_numpy()
    np.testing.assert_allclose(got, want, rtol=1e-10, equal_nan=True)
    mean, std = F.rmean_std_nb(v, n)
    z = F.zscore_from_nb(v, mean, std)
    np.testing.assert_allclose(z, ((pd.Series(v) - pd.Series(v).rolling(n).mean()) / pd.Series(v).rolling(n).std(ddof=0)).to_numpy(),
                               rtol=1e-8, equal_nan=True)


def test_kernels_are_causal():
    x = _x(3000, seed=7)
    fn = lambda a: (F.rsum_nb(a, 25), *F.rmean_std_nb(a, 25), F.rextreme_nb(a, 25, True), F.autocorr1_nb(a, 25))  # noqa: E731
    check_causal(fn, x, n_random=30).raise_if_failed()


def test_rolling_argmax_latest_on_ties():
    from nexus.strategies.detection_nb import rolling_argmax_nb

    v = np.array([1.0, 3.0, 3.0, 2.0, 0.5, 0.5, 0.5])
    assert rolling_argmax_nb(v, 3).tolist() == [-1, -1, 2, 2, 2, 3, 6]
    rng = np.random.default_rng(8)
    x = rng.integers(0, 5, 500).astype(float)  # many ties
    for n in (1, 4, 9):
        got = rolling_argmax_nb(x, n)
        for t in range(n - 1, x.size):
            w = x[t - n + 1:t + 1]
            assert got[t] == t - n + 1 + (n - 1 - int(np.argmax(w[::-1])))
