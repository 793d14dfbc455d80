"""Strategy kernels shared by several rules against plain-loop references."""

from __future__ import annotations

import numpy as np

from nexus.strategies.detection_nb import rolling_argmax_nb
from nexus.strategies.shared_nb import bucket_nb, deviation_signal_nb, flow_signal_nb


def _conf(x, thr):
    return 1.0 if thr <= 0 else min(1.0, max(0.0, x / (2 * thr)))


def test_deviation_signal_follows_or_fades_the_deviation():
    rng = np.random.default_rng(1)
    n = 400
    close = 100 + rng.normal(0, 1, n)
    center = 100 + rng.normal(0, 0.2, n)
    scale = rng.uniform(0.0, 1.0, n)
    scale[::7] = 0.0
    center[::11] = np.nan
    for side in (-1, 1):
        sig, conf = deviation_signal_nb(close, center, scale, 1.5, side, np.zeros(n, np.int8), np.zeros(n, np.float32))
        for t in range(n):
            z = (close[t] - center[t]) / scale[t] if scale[t] > 0 else np.nan
            if np.isfinite(z) and abs(z) > 1.5:
                assert sig[t] == side * np.sign(z) and conf[t] == np.float32(_conf(abs(z), 1.5))
            else:
                assert sig[t] == 0 and conf[t] == 0


def test_flow_signal_with_and_without_the_trend_filter():
    rng = np.random.default_rng(2)
    n = 500
    num, den = rng.normal(0, 3, n), rng.uniform(-0.2, 1.0, n)
    close, sma = 100 + rng.normal(0, 1, n), np.full(n, 100.0)
    none = np.empty(0)
    for trend in (False, True):
        c, s = (close, sma) if trend else (none, none)
        sig, conf = flow_signal_nb(num, den, 2.0, 0.8, c, s, np.zeros(n, np.int8), np.zeros(n, np.float32))
        for t in range(n):
            x = num[t] / (den[t] * 2.0) if den[t] > 0 else 0.0
            fires = den[t] > 0 and abs(x) > 0.8 and (not trend or (close[t] - sma[t]) * x > 0)
            assert sig[t] == (np.sign(x) if fires else 0)
            assert conf[t] == (np.float32(_conf(abs(x), 0.8)) if fires else 0)


def test_bucket_divides_only_on_a_change_and_matches_floor_division():
    from numba import njit

    @njit
    def run(ts, width):
        out = np.empty(ts.shape[0], np.int64)
        b = np.int64(0)
        b_end = np.int64(-1) << 62
        for t in range(ts.shape[0]):
            b, b_end = bucket_nb(ts[t], b, b_end, width)
            out[t] = b
        return out

    ts = np.sort(np.random.default_rng(3).integers(0, 10**12, 3000)).astype(np.int64)
    ts = np.r_[ts, ts[::-1]]  # also moving backwards
    width = np.int64(3_600_000_000)
    np.testing.assert_array_equal(run(ts, width), ts // width)


def test_rolling_argmax_latest_on_ties():
    v = np.array([1.0, 3.0, 3.0, 2.0, 0.5, 0.5, 0.5])
    assert rolling_argmax_nb(v, 3).tolist() == [-1, -1, 2, 2, 2, 3, 6]
    rng = np.random.default_rng(8)
    x = rng.integers(0, 5, 500).astype(float)  # many ties
    for n in (1, 4, 9):
        got = rolling_argmax_nb(x, n)
        for t in range(n - 1, x.size):
            w = x[t - n + 1:t + 1]
            assert got[t] == t - n + 1 + (n - 1 - int(np.argmax(w[::-1])))
