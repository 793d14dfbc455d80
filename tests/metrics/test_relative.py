"""Benchmark-relative statistics against empyrical-reloaded."""

from __future__ import annotations

import empyrical as ep
import numpy as np
import pytest

from nexus.metrics.relative import RELATIVE_KEYS, relative_stats


@pytest.mark.parametrize("ppy", [252.0, 365.0])
def test_relative_stats_match_empyrical(ppy):
    rng = np.random.default_rng(3)
    b = rng.normal(0.0008, 0.012, 300)
    r = np.column_stack([0.6 * b + rng.normal(0.0004, 0.006, 300), -0.3 * b + rng.normal(0.0, 0.01, 300)])
    out = relative_stats(r, b, ppy)
    for j in range(2):
        rj = r[:, j]
        assert out["Beta"][j] == pytest.approx(ep.beta(rj, b), rel=1e-12)
        assert out["Alpha (ann.) [%]"][j] == pytest.approx(ep.alpha(rj, b, annualization=ppy) * 100, rel=1e-10)
        assert out["Information Ratio"][j] == pytest.approx(ep.excess_sharpe(rj, b) * np.sqrt(ppy), rel=1e-10)
        assert out["Tracking Error (ann.) [%]"][j] == pytest.approx(ep.annual_volatility(rj - b, annualization=ppy) * 100, rel=1e-12)
        up = rj[b > 0], b[b > 0]
        down = rj[b < 0], b[b < 0]
        assert out["Up Capture"][j] == pytest.approx(ep.annual_return(up[0], annualization=ppy)
                                                     / ep.annual_return(up[1], annualization=ppy), rel=1e-10)
        assert out["Down Capture"][j] == pytest.approx(ep.annual_return(down[0], annualization=ppy)
                                                       / ep.annual_return(down[1], annualization=ppy), rel=1e-10)
    if ppy == 252.0:  # empyrical's own capture functions use 252 days
        assert out["Up Capture"][0] == pytest.approx(ep.up_capture(r[:, 0], b), rel=1e-10)
        assert out["Down Capture"][0] == pytest.approx(ep.down_capture(r[:, 0], b), rel=1e-10)


def test_relative_stats_hand_example_and_edges():
    # r = 2 b exactly: beta 2, alpha 0, active = b
    b = np.array([0.01, -0.02, 0.02, 0.005])
    out = relative_stats(2 * b, b, 1.0)
    assert out["Beta"][0] == pytest.approx(2.0)
    assert out["Alpha (ann.) [%]"][0] == pytest.approx(0.0, abs=1e-12)
    assert out["Tracking Error (ann.) [%]"][0] == pytest.approx(np.std(b, ddof=1) * 100)
    # the benchmark itself: tracking error 0 -> information ratio NaN, captures 1
    same = relative_stats(b, b, 252.0)
    assert np.isnan(same["Information Ratio"][0]) and same["Up Capture"][0] == pytest.approx(1.0)
    assert same["Down Capture"][0] == pytest.approx(1.0)
    # fewer than two periods and a constant benchmark
    assert all(np.isnan(v[0]) for v in relative_stats(b[:1], b[:1], 252.0).values())
    assert np.isnan(relative_stats(b, np.full(4, 0.01), 252.0)["Beta"][0])
    assert set(out) == set(RELATIVE_KEYS)
