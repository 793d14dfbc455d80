"""Degenerate bars: finite values or the documented neutral value, never NaN/Inf spreading."""

from __future__ import annotations

import numpy as np

from nexus.mqscore import api as mq
from nexus.data.bars import Bars
from tests.conftest import make_bars
from tests.mqscore.reference import reference_components

W = 200
DIMS = mq.DIMENSIONS + ("composite", "confidence")


def _with(bars, **cols):
    arrays = {k: v.copy() for k, v in bars.arrays().items()}
    arrays.update(cols)
    return Bars.from_arrays(symbol=bars.symbol, timeframe=bars.timeframe, **arrays)


def _finite_after_warmup(q):
    for name in DIMS:
        x = getattr(q, name)[W - 1:]
        assert np.isfinite(x).all(), name
        assert ((x >= 0) & (x <= 1)).all(), name
    assert np.isfinite(q.regime_scores[W - 1:]).all()


def test_zero_volume_stretch_gives_documented_neutrals():
    b = make_bars(1600, seed=4, taker=True)
    v = b.volume.copy()
    tb = b.taker_buy_volume.copy()
    v[600:1000] = 0.0
    tb[600:1000] = 0.0
    bz = _with(b, volume=v, taker_buy_volume=tb)
    q = mq.mqscore(bz)
    _finite_after_warmup(q)
    c = mq.components(bz)
    t = 999  # the last W bars (and every shorter window) traded nothing
    assert c["liquidity.volume_stability"][t] == 0.5  # CV of a zero mean
    assert c["liquidity.price_impact"][t] == 0.5  # no bar with volume
    assert c["liquidity.volume_depth"][t] == 0.5
    assert c["momentum.volume_surge"][t] == 0.5
    assert c["imbalance.vwap_deviation"][t] == 0.5  # no VWAP without volume
    assert c["imbalance.flow_balance"][t] == 1.0  # no flow either way
    assert c["imbalance.flow_size_stability"][t] == 0.5
    assert c["imbalance.signed_volume_balance"][t] == 1.0
    assert c["noise.volume_steadiness"][t] == 0.5
    assert c["noise.price_volume_corr"][t] == 0.5  # volume constant
    # once trading resumes and the windows have refilled the reference applies again
    at = list(range(1000 + W + 30, 1600, 13))
    ref = reference_components(bz, at)
    for k in ref:
        np.testing.assert_allclose(c[k][at], ref[k], atol=1e-8, err_msg=k)


def test_flat_prices_give_documented_neutrals():
    b = make_bars(1400, seed=6)
    o, h, lo, cl = (x.copy() for x in (b.open, b.high, b.low, b.close))
    p = cl[499]
    for arr in (o, h, lo, cl):
        arr[500:900] = p
    bf = _with(b, open=o, high=h, low=lo, close=cl)
    q = mq.mqscore(bf)
    _finite_after_warmup(q)
    c = mq.components(bf)
    t = 899
    assert c["liquidity.spread_proxy"][t] == 1.0
    assert c["liquidity.range_stability"][t] == 1.0
    assert c["volatility.vol_ratio_20_50"][t] == 0.5  # no volatility to compare
    assert c["volatility.vol_clustering"][t] == 0.5
    assert c["volatility.vol_ratio_50_100"][t] == 0.5
    assert c["momentum.roc20"][t] == 0.0 and c["momentum.roc50"][t] == 0.0
    assert c["imbalance.price_dispersion"][t] == 0.0  # every close in one bin
    assert c["noise.savgol_snr"][t] == 0.5 and c["noise.sma_snr"][t] == 0.5
    assert c["noise.diff_vol_ratio"][t] == 0.5 and c["noise.return_autocorr"][t] == 0.5
    assert c["noise.price_volume_corr"][t] == 0.5
    assert c["trend.dm_balance"][t] == 0.5  # no directional movement
    assert c["trend.bollinger_excess"][t] == 0.0


def test_price_gap_time_gap_and_extreme_bar():
    b = make_bars(1500, seed=9)
    o, h, lo, cl, v = (x.copy() for x in (b.open, b.high, b.low, b.close, b.volume))
    k = 700
    for arr in (o, h, lo, cl):  # a 40 % gap up that stays
        arr[k:] *= 1.4
    o[k] = cl[k - 1] * 1.4
    h[900] = cl[900] * 3.0  # one absurd high
    v[950] *= 1e6  # and one absurd volume
    ts = b.ts.copy()
    ts[1200:] += 7 * 86_400_000_000_000  # a week with no bars
    bx = _with(b, open=o, high=h, low=lo, close=cl, volume=v, ts=ts)
    q = mq.mqscore(bx)
    _finite_after_warmup(q)
    # a time gap changes nothing: scores read bars, not clocks
    q2 = mq.mqscore(_with(bx, ts=b.ts.copy()))
    assert np.array_equal(q.composite, q2.composite, equal_nan=True)
    # after the spikes left every window, agreement with the reference is back
    c = mq.components(bx)
    at = list(range(950 + W + 30, 1500, 11))
    ref = reference_components(bx, at)
    for name in ref:
        np.testing.assert_allclose(c[name][at], ref[name], atol=1e-8, err_msg=name)


def test_shorter_than_window_is_all_warmup():
    q = mq.mqscore(make_bars(150, seed=1))
    assert np.isnan(q.composite).all() and not q.gate.any() and (q.regime == -1).all()
    assert np.isnan(q.regime_scores).all()
