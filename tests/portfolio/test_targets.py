"""from_targets: hand-made rules and a property test against the plain-Python reference."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as hst

import nexus as nx
from tests.portfolio import reference as ref
from tests.portfolio.test_vs_reference import _full, _market, assert_orders_equal

SETTINGS = settings(max_examples=int(os.environ.get("NX_EXAMPLES", 100)), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def test_sells_before_buys_within_a_bar():
    # all cash is in column 0; moving to column 1 works only if the sale comes first
    close = np.array([[10.0, 20.0]] * 5)
    w = np.full((5, 2), np.nan)
    w[0] = [1.0, 0.0]
    w[2] = [0.0, 1.0]
    pf = nx.Portfolio.from_targets(close, w, price="close", init_cash=1000.0)
    o = pf.orders
    assert o["idx"].tolist() == [0, 2, 2] and o["col"].tolist() == [0, 0, 1]
    assert o["side"].tolist() == [0, 1, 0]
    assert o["size"].tolist() == [100.0, 100.0, 50.0]


def test_weight_is_of_group_total_value_not_free_cash():
    close = np.array([[10.0, 10.0], [20.0, 10.0], [20.0, 10.0]])
    w = np.full((3, 2), np.nan)
    w[0] = [0.5, np.nan]
    w[1] = [np.nan, 0.5]  # group value at bar 1 = 500 cash + 50 x 20 = 1500 -> 750 in column 1
    pf = nx.Portfolio.from_targets(close, w, price="close", init_cash=1000.0, leverage=2.0)
    assert pf.orders["size"].tolist() == [50.0, 75.0]
    # without leverage the buy is capped by the 500 of cash left: 50 units
    pf = nx.Portfolio.from_targets(close, w, price="close", init_cash=1000.0)
    assert pf.orders["size"].tolist() == [50.0, 50.0]


def test_rebalance_threshold_skips_small_trades():
    close = np.array([[10.0, 10.0], [10.5, 9.5], [10.5, 9.5]])
    w = np.array([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]])
    pf = nx.Portfolio.from_targets(close, w, price="close", init_cash=1000.0, rebalance_threshold=0.05)
    assert len(pf.orders) == 2  # drift of 2.5 % of value stays below the 5 % threshold
    pf = nx.Portfolio.from_targets(close, w, price="close", init_cash=1000.0, rebalance_threshold=0.0)
    assert len(pf.orders) == 4


def test_next_open_and_short_weights():
    close = np.array([[10.0], [12.0], [11.0], [10.0], [10.0]])
    open_ = np.array([[10.0], [11.0], [11.5], [10.5], [10.0]])
    w = np.array([[-0.5], [np.nan], [0.0], [np.nan], [np.nan]])
    pf = nx.Portfolio.from_targets(close, w, open=open_, init_cash=1100.0)
    o = pf.orders
    assert o["idx"].tolist() == [1, 3] and o["side"].tolist() == [1, 0]
    assert o["size"].tolist() == [50.0, 50.0]  # 0.5 x 1100 / 11
    assert pf.value[-1, 0] == pytest.approx(1100 + 50 * (11.0 - 10.5))


@hst.composite
def cases(draw):
    rng = np.random.default_rng(draw(hst.integers(0, 2**31 - 1)))
    n = draw(hst.integers(2, 25))
    m = draw(hst.integers(1, 4))
    close, open_, high, low, volume = _market(rng, n, m)
    tt = draw(hst.sampled_from(["weight", "amount", "value"]))
    scale = {"weight": 0.6, "amount": 5.0, "value": 400.0}[tt]
    target = rng.normal(0, scale, size=(n, m))
    if draw(hst.booleans()):
        target = np.abs(target)
    target[rng.random((n, m)) < draw(hst.sampled_from([0.0, 0.5, 0.9]))] = np.nan
    target[rng.random((n, m)) < 0.1] = 0.0
    kw = dict(
        target_type=tt,
        price=draw(hst.sampled_from(["next_open", "close", "next_worst"])),
        fees=draw(hst.sampled_from([0.0, 0.002])),
        fixed_fees=draw(hst.sampled_from([0.0, 0.5])),
        slippage_model=draw(hst.sampled_from(["fixed", "spread", "volume"])),
        multiplier=draw(hst.sampled_from([1.0, 5.0])),
        lot_size=draw(hst.sampled_from([0.0, 0.5])),
        tick_size=draw(hst.sampled_from([0.0, 0.25])),
        leverage=draw(hst.sampled_from([1.0, 3.0])),
        rebalance_threshold=draw(hst.sampled_from([0.0, 0.02])),
        init_cash=1000.0,
    )
    kw["slippage"] = {"fixed": 0.001, "spread": 0.2, "volume": 0.05}[kw["slippage_model"]]
    if draw(hst.booleans()):
        kw["funding_rate"] = rng.normal(0, 0.001, size=(n, 1))
    split = m > 1 and draw(hst.booleans())
    kw["group_by"] = [0] + [1] * (m - 1) if split else [0] * m
    return dict(close=close, open=open_, high=high, low=low, volume=volume, target=target, kw=kw)


@SETTINGS
@given(cases())
def test_targets_equal_reference(case):
    close = case["close"]
    n, m = close.shape
    kw = dict(case["kw"])
    pf = nx.Portfolio.from_targets(close, case["target"], open=case["open"], high=case["high"], low=case["low"],
                                   volume=case["volume"], **kw)
    labels = kw["group_by"]
    groups = []
    for j, lab in enumerate(labels):
        if j == 0 or lab != labels[j - 1]:
            groups.append([])
        groups[-1].append(j)
    P = dict(close=close, open=case["open"], high=case["high"], low=case["low"], volume=case["volume"],
             target=case["target"], target_type=kw["target_type"], thr=_full(kw["rebalance_threshold"], n, m),
             fees=_full(kw["fees"], n, m), fixed_fees=_full(kw["fixed_fees"], n, m),
             slippage=_full(kw["slippage"], n, m), mult=_full(kw["multiplier"], n, m), lot=_full(kw["lot_size"], n, m),
             tick=_full(kw["tick_size"], n, m), lev=_full(kw["leverage"], n, m),
             funding=_full(kw["funding_rate"], n, m) if "funding_rate" in kw else None,
             price=kw["price"], slip_model=kw["slippage_model"], max_part=0.1, groups=groups,
             init_cash=[1000.0] * len(groups))
    orders, value, cash, pos = ref.simulate_targets(P)
    assert_orders_equal(pf.orders, orders)
    np.testing.assert_allclose(pf.value, value, rtol=1e-9, atol=1e-7)
    np.testing.assert_allclose(pf.cash, cash, rtol=1e-9, atol=1e-7)
    np.testing.assert_allclose(pf.position, pos, rtol=1e-9, atol=1e-12)
    # accounting identity per group
    marked = pf.position * close * P["mult"]
    grp = np.stack([marked[:, g].sum(axis=1) for g in groups], axis=1)
    np.testing.assert_allclose(pf.cash + grp, pf.value, rtol=1e-9, atol=1e-9 * np.abs(pf.value).max())
