"""Aggressor delta: taker column when present, else close location; against hand values and a plain loop."""

from __future__ import annotations

import numpy as np

from nexus.indicators.flow import aggressor_delta
from nexus.lookahead import check_causal
from tests.conftest import make_bars


def test_hand_values():
    h = np.array([2.0, 2.0, 2.0, 5.0])
    lo = np.array([1.0, 1.0, 1.0, 5.0])
    c = np.array([2.0, 1.0, 1.5, 5.0])
    v = np.array([10.0, 10.0, 10.0, 7.0])
    np.testing.assert_array_equal(aggressor_delta(h, lo, c, v), [10.0, -10.0, 0.0, 0.0])  # H == L: 0
    np.testing.assert_array_equal(aggressor_delta(h, lo, c, v, taker_buy=np.array([10.0, 0.0, 2.5, 7.0])), [10.0, -10.0, -5.0, 7.0])


def test_matches_plain_loop_on_random_bars():
    b = make_bars(400, seed=3)
    d = aggressor_delta(b.high, b.low, b.close, b.volume)
    for i in range(len(b)):
        rng = b.high[i] - b.low[i]
        want = ((b.close[i] - b.low[i]) - (b.high[i] - b.close[i])) / rng * b.volume[i] if rng > 0 else 0.0
        assert abs(d[i] - want) <= 1e-12 * max(1.0, abs(want))
    t = aggressor_delta(b.high, b.low, b.close, b.volume, b.taker_buy_volume)
    np.testing.assert_allclose(t, b.taker_buy_volume - (b.volume - b.taker_buy_volume), rtol=1e-14)


def test_causal():
    b = make_bars(300, seed=4)
    check_causal(lambda x: aggressor_delta(x.high, x.low, x.close, x.volume, x.taker_buy_volume), b).raise_if_failed()
