"""The block window-statistic passes (both paths: no NaN, and NaN skipped) against pandas' rolling, and causal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nexus.indicators.block_stats import pair_nb, slot_nb

H = 64  # history before the block, as the engine's buffers hold


def _series(kind: str, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = 60_000.0 + np.cumsum(rng.normal(0, 5, n))
    if kind in ("flat", "both"):
        x[300:340] = x[299]  # a flat stretch longer than every window
    if kind in ("nan", "both"):
        x[rng.choice(n, 25, replace=False)] = np.nan
        x[500:530] = np.nan
    return x


def _buffer(x: np.ndarray) -> np.ndarray:
    return np.concatenate([np.full(H, np.nan), x])  # NaN before the first bar, as in the engine


@pytest.mark.parametrize("kind", ["clean", "flat", "nan", "both"])
@pytest.mark.parametrize("n,minp", [(5, 5), (20, 20), (20, 1), (20, 2), (50, 50)])
def test_slot_mean_and_variance_equal_pandas(kind, n, minp):
    x = _series(kind, 1200, 3)
    buf = _buffer(x)
    mean = np.empty(len(x))
    var = np.empty(len(x))
    # several blocks, as the engine calls it: each block reads its own history from the buffer
    for p0 in range(H, H + len(x), 256):
        p1 = min(H + len(x), p0 + 256)
        slot_nb(buf, p0, p1, n, minp, mean[p0 - H:p1 - H], var[p0 - H:p1 - H], True, True)
    s = pd.Series(x)
    want_mean = s.rolling(n, min_periods=minp).mean().to_numpy()
    want_var = s.rolling(n, min_periods=max(minp, 2)).var().to_numpy()
    np.testing.assert_allclose(mean, want_mean, rtol=0, atol=1e-8)
    np.testing.assert_allclose(var, want_var, rtol=1e-9, atol=1e-6)
    if kind == "flat":
        # a window of equal values: mean exactly the value, variance exactly 0 (no rounding noise)
        assert np.all(var[300 + n - 1:340] == 0.0)
        assert np.all(mean[300 + n - 1:340] == x[299])


@pytest.mark.parametrize("kind", ["clean", "flat", "nan"])
@pytest.mark.parametrize("lag", [0, 1])
def test_pair_correlation_equals_pandas(kind, lag):
    x = _series(kind, 900, 4)
    y = np.diff(np.r_[x[0], x]) if lag == 1 else _series("clean", 900, 9)
    if lag == 1:
        x = y  # lag-1 autocorrelation of one series
    bx, by = _buffer(x), _buffer(y)
    n = 19 if lag == 1 else 20
    got = np.empty(len(x))
    for p0 in range(H, H + len(x), 200):
        p1 = min(H + len(x), p0 + 200)
        pair_nb(bx, by, lag, p0, p1, n, n, got[p0 - H:p1 - H])
    a = pd.Series(x)
    b = pd.Series(y).shift(lag)
    want = a.rolling(n, min_periods=n).corr(b).to_numpy(copy=True)
    # pandas returns +-inf or noise on a constant side; the pass returns NaN there by definition
    const = (a.rolling(n).std() == 0) | (b.rolling(n).std() == 0)
    want[const.to_numpy()] = np.nan
    ok = np.isfinite(want) & np.isfinite(got)
    np.testing.assert_allclose(got[ok], want[ok], atol=1e-8)
    assert np.array_equal(np.isnan(got), np.isnan(want) | ~np.isfinite(want))


def test_passes_are_causal_across_block_edges():
    """Exact on the engine's inputs: NaN only before the first bar (validated bars), flat stretches allowed.

    (With NaN inside the series a block whose later bars hold a NaN takes the NaN-skipping path for all
    its bars, which rounds differently from the fast path in the last bits; the engine never sees that.)
    """
    from nexus.lookahead import check_causal

    def fn(x):
        buf = _buffer(x)
        mean = np.empty(len(x))
        var = np.empty(len(x))
        corr = np.empty(len(x))
        for p0 in range(H, H + len(x), 128):
            p1 = min(H + len(x), p0 + 128)
            slot_nb(buf, p0, p1, 20, 20, mean[p0 - H:p1 - H], var[p0 - H:p1 - H], True, True)
            pair_nb(buf, buf, 1, p0, p1, 19, 19, corr[p0 - H:p1 - H])
        return {"mean": mean, "var": var, "corr": corr}

    check_causal(fn, _series("flat", 700, 5), n_random=15, extra_cuts=[127, 128, 129, 256, 300, 340]).raise_if_failed()
