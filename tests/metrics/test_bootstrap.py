"""Stationary bootstrap against plain loops: resample indices, path statistics, block length, intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nexus.metrics.bootstrap import (INTERVAL_KEYS, bootstrap_intervals, optimal_block_length, path_stats,
                                     stationary_indices)


def _loop_indices(n, block, n_boot, rng):
    new = rng.random((n_boot, n)) < 1.0 / block
    starts = rng.integers(0, n, size=(n_boot, n))
    out = np.empty((n_boot, n), dtype=np.int64)
    for i in range(n_boot):
        for t in range(n):
            if t == 0 or new[i, t]:
                out[i, t] = starts[i, t]
            else:
                out[i, t] = (out[i, t - 1] + 1) % n
    return out


def _loop_stats(r, ppy):
    n = len(r)
    mu = sum(r) / n
    sd = math.sqrt(sum((x - mu) ** 2 for x in r) / (n - 1))
    down = math.sqrt(sum(min(x, 0.0) ** 2 for x in r) / n)
    v, peak, mdd = 1.0, 1.0, 0.0
    for x in r:
        v *= 1.0 + x
        peak = max(peak, v)
        mdd = min(mdd, v / peak - 1.0)
    cagr = v ** (ppy / n) - 1.0
    return {"Sharpe Ratio": mu / sd * math.sqrt(ppy), "Sortino Ratio": mu * ppy / (down * math.sqrt(ppy)),
            "Calmar Ratio": cagr / abs(mdd), "Total Return [%]": (v - 1) * 100, "Max Drawdown [%]": mdd * 100}


def _loop_block(x):
    n = len(x)
    m = sum(x) / n
    e = [v - m for v in x]
    acv = lambda k: sum(e[i] * e[i + k] for i in range(n - k)) / n  # noqa: E731
    kn = max(5, int(math.sqrt(math.log10(n))))
    m_max = min(int(math.ceil(math.sqrt(n))) + kn, n - 1)
    crit = 2 * math.sqrt(math.log10(n) / n)
    a0 = acv(0)
    m_hat = None
    for mm in range(m_max - kn + 1):
        if all(abs(acv(k) / a0) < crit for k in range(mm + 1, mm + kn + 1)):
            m_hat = mm
            break
    big = m_max if m_hat is None else min(2 * max(m_hat, 1), m_max)
    g, lr = 0.0, a0
    for k in range(1, big + 1):
        lam = 1.0 if k / big <= 0.5 else 2 * (1 - k / big)
        g += 2 * lam * k * acv(k)
        lr += 2 * lam * acv(k)
    b = (2 * g * g / (2 * lr * lr)) ** (1 / 3) * n ** (1 / 3)
    return min(max(b, 1.0), math.ceil(min(3 * math.sqrt(n), n / 3)))


def test_indices_match_loop():
    a = stationary_indices(40, 4.0, 7, np.random.default_rng(5))
    b = _loop_indices(40, 4.0, 7, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    # mean block length ~ 4: share of continuations ~ 3/4
    big = stationary_indices(500, 4.0, 200, np.random.default_rng(1))
    cont = np.mean(big[:, 1:] == (big[:, :-1] + 1) % 500)
    assert cont == pytest.approx(0.75, abs=0.01)


def test_path_stats_match_loop():
    rng = np.random.default_rng(2)
    r = rng.normal(0.001, 0.02, (5, 60))
    got = path_stats(r, 365.0)
    for i in range(5):
        want = _loop_stats(list(r[i]), 365.0)
        for k in INTERVAL_KEYS:
            assert got[k][i] == pytest.approx(want[k], rel=1e-10)


def test_block_length_matches_loop_and_grows_with_persistence():
    rng = np.random.default_rng(4)
    noise = rng.normal(0, 1, 400)
    ar = np.empty(400)
    ar[0] = 0
    for t in range(1, 400):
        ar[t] = 0.8 * ar[t - 1] + noise[t]
    for x in (noise, ar):
        assert optimal_block_length(x) == pytest.approx(_loop_block(list(x)), rel=1e-9)
    assert optimal_block_length(ar) > 3 * optimal_block_length(noise)


def test_intervals_are_percentiles_of_loop_resamples_and_seeded():
    rng = np.random.default_rng(9)
    r = rng.normal(0.0005, 0.01, 120)
    ci = bootstrap_intervals(r, 252.0, n_boot=150, level=0.8, seed=11)
    block = optimal_block_length(r)
    idx = _loop_indices(120, block, 150, np.random.default_rng(11))
    sharpes = [_loop_stats(list(r[row]), 252.0)["Sharpe Ratio"] for row in idx]
    assert ci["Sharpe Ratio"] == pytest.approx((np.percentile(sharpes, 10), np.percentile(sharpes, 90)), rel=1e-10)
    assert bootstrap_intervals(r, 252.0, n_boot=150, level=0.8, seed=11) == ci
    assert bootstrap_intervals(r, 252.0, n_boot=150, level=0.8, seed=12) != ci
    lo, hi = ci["Max Drawdown [%]"]
    assert lo <= hi <= 0
    assert all(math.isnan(v) for v in bootstrap_intervals(r[:2], 252.0)["Sharpe Ratio"])
