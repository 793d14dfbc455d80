"""Paired and row-statistic stationary bootstrap against a plain-numpy re-implementation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nexus.errors import ValidationError
from nexus.metrics.bootstrap_diff import diff_intervals, mean_interval, stat_interval


def _plain_indices(n, block, n_boot, rng):
    new = rng.random((n_boot, n)) < 1.0 / block
    starts = rng.integers(0, n, size=(n_boot, n))
    out = np.empty((n_boot, n), dtype=np.int64)
    for i in range(n_boot):
        for t in range(n):
            out[i, t] = starts[i, t] if t == 0 or new[i, t] else (out[i, t - 1] + 1) % n
    return out


def _plain_sharpe(r, ppy):
    mu = sum(r) / len(r)
    sd = math.sqrt(sum((x - mu) ** 2 for x in r) / (len(r) - 1))
    return mu / sd * math.sqrt(ppy)


def _plain_total(r):
    v = 1.0
    for x in r:
        v *= 1.0 + x
    return (v - 1.0) * 100.0


def test_diff_intervals_match_a_plain_paired_bootstrap():
    rng = np.random.default_rng(3)
    a = rng.normal(0.001, 0.01, 80)
    b = 0.5 * a + rng.normal(0.0, 0.01, 80)
    got = diff_intervals(a, b, 252.0, n_boot=60, seed=7, block=4.0, level=0.8)
    idx = _plain_indices(80, 4.0, 60, np.random.default_rng(7))
    sharpe = [_plain_sharpe(a[i], 252.0) - _plain_sharpe(b[i], 252.0) for i in idx]
    total = [_plain_total(a[i]) - _plain_total(b[i]) for i in idx]
    assert got["Sharpe Ratio"] == pytest.approx((np.percentile(sharpe, 10), np.percentile(sharpe, 90)), rel=1e-9)
    assert got["Total Return [%]"] == pytest.approx((np.percentile(total, 10), np.percentile(total, 90)), rel=1e-9)


def test_diff_of_a_series_with_itself_is_exactly_zero():
    r = np.random.default_rng(1).normal(0.001, 0.01, 100)
    got = diff_intervals(r, r.copy(), 365.0, n_boot=50, seed=0)
    assert got["Sharpe Ratio"] == (0.0, 0.0)
    assert got["Max Drawdown [%]"] == (0.0, 0.0)


def test_diff_intervals_refuse_misaligned_series_and_are_nan_when_too_short():
    with pytest.raises(ValidationError, match="aligned"):
        diff_intervals(np.zeros(5), np.zeros(6), 252.0)
    out = diff_intervals(np.array([0.1, np.nan]), np.array([0.0, 0.1]), 252.0)
    assert all(math.isnan(v) for pair in out.values() for v in pair)


def test_stat_interval_matches_plain_loop_and_is_seeded():
    x = np.random.default_rng(5).normal(0.2, 1.0, 120)
    got = stat_interval(120, lambda idx: x[idx].mean(axis=1), n_boot=90, seed=11, block=6.0, chunk=40)
    rng = np.random.default_rng(11)
    # chunks draw their random numbers one after another from the same generator
    means = np.concatenate([[x[i].mean() for i in _plain_indices(120, 6.0, 40, rng)] for _ in range(2)]
                           + [[x[i].mean() for i in _plain_indices(120, 6.0, 10, rng)]])
    assert got == pytest.approx((np.percentile(means, 2.5), np.percentile(means, 97.5)), rel=1e-9)
    assert stat_interval(120, lambda idx: x[idx].mean(axis=1), n_boot=90, seed=11, block=6.0, chunk=40) == got


def test_mean_interval_holds_the_sample_mean_and_widens_with_autocorrelation():
    rng = np.random.default_rng(2)
    e = rng.normal(0.0, 1.0, 3000)
    ar = np.empty_like(e)
    ar[0] = e[0]
    for t in range(1, len(e)):
        ar[t] = 0.9 * ar[t - 1] + e[t]  # long-run sd of the mean is ~10x the iid one
    lo_iid, hi_iid = mean_interval(ar, n_boot=300, seed=0, block=1.0)
    lo, hi = mean_interval(ar, n_boot=300, seed=0)
    assert lo < ar.mean() < hi  # percentile interval around the sample mean
    assert (hi - lo) > 2.5 * (hi_iid - lo_iid)
