"""Labels against plain-Python references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nexus.errors import ValidationError
from nexus.models import labels as lab
from tests.conftest import make_bars


@pytest.fixture(scope="module")
def bars():
    return make_bars(800, seed=21)


def test_forward_return_and_direction_hand_checked():
    c = np.array([100.0, 110.0, 99.0, 99.5])
    np.testing.assert_allclose(lab.forward_return(c, 1)[:3], np.log([1.1, 0.9, 99.5 / 99.0]))
    assert np.isnan(lab.forward_return(c, 1)[3])
    d = lab.forward_direction(c, 1, threshold=0.02)
    np.testing.assert_array_equal(d[:3], [2.0, 0.0, 1.0])
    assert np.isnan(d[3])


def test_forward_volatility_matches_pandas(bars):
    h = 15
    lr = pd.Series(np.log(bars.close)).diff()
    want = lr.rolling(h).std().shift(-h).to_numpy()  # std of r[t+1..t+h]
    got = lab.forward_volatility(bars.close, h)
    np.testing.assert_allclose(got[:-h], want[:-h], rtol=1e-9)
    assert np.isnan(got[-h:]).all()


def _tb_loop(c, hi, lo, side, up, dn, horizon):
    out = np.full(len(c), np.nan)
    for t in range(len(c)):
        if side[t] == 0:
            continue
        if side[t] > 0:
            top, bot = c[t] * (1 + up[t]), c[t] * (1 - dn[t])
        else:
            top, bot = c[t] * (1 + dn[t]), c[t] * (1 - up[t])
        for s in range(t + 1, min(len(c), t + horizon + 1)):
            win = hi[s] >= top if side[t] > 0 else lo[s] <= bot
            lose = lo[s] <= bot if side[t] > 0 else hi[s] >= top
            if lose:
                out[t] = -1
                break
            if win:
                out[t] = 1
                break
        else:
            if t + horizon <= len(c) - 1:
                out[t] = 0
    return out


def test_triple_barrier_matches_loop(bars):
    rng = np.random.default_rng(3)
    n = len(bars)
    side = rng.choice([-1, 0, 1], size=n)
    up = rng.uniform(0.001, 0.01, n)
    dn = rng.uniform(0.001, 0.01, n)
    got = lab.triple_barrier(bars.close, bars.high, bars.low, side, up, dn, 20)
    want = _tb_loop(bars.close, bars.high, bars.low, side, up, dn, 20)
    np.testing.assert_array_equal(got, want)
    assert {-1.0, 0.0, 1.0} <= set(np.unique(got[~np.isnan(got)]))


def test_triple_barrier_hand_case():
    c = np.array([100.0, 100.0, 100.0, 100.0])
    hi = np.array([100.0, 101.0, 103.0, 100.0])
    lo = np.array([100.0, 99.5, 97.0, 100.0])
    # long at 100 with +2% / -1%: bar 2 touches both -> the stop is assumed first
    assert lab.triple_barrier(c, hi, lo, 1, 0.02, 0.01, 3)[0] == -1.0
    # short at 100 with +2% profit (price 98) / -3% loss (103): bar 2 low 97 reaches profit, high 103 the stop
    assert lab.triple_barrier(c, hi, lo, -1, 0.02, 0.03, 3)[0] == -1.0
    assert lab.triple_barrier(c, hi, lo, -1, 0.02, 0.031, 3)[0] == 1.0
    # nothing within 1 bar: time-out
    assert lab.triple_barrier(c, hi, lo, 1, 0.02, 0.01, 1)[0] == 0.0


def test_strategy_forward_perf_matches_loop(bars):
    rng = np.random.default_rng(4)
    sig = rng.integers(-1, 2, size=(len(bars), 3)).astype(np.int8)
    h = 7
    got = lab.strategy_forward_perf(sig, bars.close, h)
    r = np.diff(np.log(bars.close))
    for t in (0, 100, len(bars) - h - 1):
        want = [(sig[t:t + h, j] * r[t:t + h]).sum() for j in range(3)]
        np.testing.assert_allclose(got[t], want, rtol=1e-10, atol=1e-14)
    assert np.isnan(got[-h:]).all()


def test_bad_input_is_refused():
    with pytest.raises(ValidationError, match="row 2"):
        lab.forward_return(np.array([1.0, 2.0, -1.0]), 1)
    with pytest.raises(ValidationError, match="horizon"):
        lab.forward_return(np.array([1.0, 2.0]), 0)
