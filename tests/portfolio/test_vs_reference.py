"""Property tests: the numba simulator equals the plain-Python reference on random small cases."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as hst

import nexus as nx
from tests.portfolio import reference as ref

SETTINGS = settings(max_examples=int(os.environ.get("NX_EXAMPLES", 100)), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _market(rng, n, m):
    r = rng.normal(0, 0.03, size=(n, m))
    close = 100 * np.exp(np.cumsum(r, axis=0))
    open_ = np.empty_like(close)
    open_[0] = 100.0
    open_[1:] = close[:-1] * np.exp(rng.normal(0, 0.01, size=(n - 1, m)))  # gaps
    high = np.maximum(open_, close) * (1 + np.abs(rng.normal(0, 0.02, size=(n, m))))
    low = np.minimum(open_, close) * (1 - np.abs(rng.normal(0, 0.02, size=(n, m))))
    volume = rng.uniform(1, 50, size=(n, m))
    return close, open_, high, low, volume


@hst.composite
def cases(draw):
    seed = draw(hst.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    n = draw(hst.integers(2, 30))
    m = draw(hst.integers(1, 3))
    close, open_, high, low, volume = _market(rng, n, m)
    p_sig = draw(hst.sampled_from([0.1, 0.3, 0.6]))
    sig = {k: rng.random((n, m)) < p_sig for k in ("entries", "exits", "short_entries", "short_exits")}
    mode = draw(hst.sampled_from(["long", "short", "both", "four"]))
    kw = dict(
        price=draw(hst.sampled_from(["next_open", "close", "next_worst"])),
        size_type=draw(hst.sampled_from(["amount", "value", "percent"])),
        fees=draw(hst.sampled_from([0.0, 0.001, 0.01])),
        fixed_fees=draw(hst.sampled_from([0.0, 1.0])),
        slippage_model=draw(hst.sampled_from(["fixed", "spread", "volume"])),
        multiplier=draw(hst.sampled_from([1.0, 20.0])),
        lot_size=draw(hst.sampled_from([0.0, 0.01, 1.0])),
        tick_size=draw(hst.sampled_from([0.0, 0.25])),
        leverage=draw(hst.sampled_from([1.0, 2.0, 0.5])),
        init_cash=draw(hst.sampled_from([1000.0, 100_000.0])),
    )
    kw["slippage"] = {"fixed": draw(hst.sampled_from([0.0, 0.001])), "spread": 0.3, "volume": 0.05}[kw["slippage_model"]]
    kw["size"] = {"amount": draw(hst.sampled_from([np.inf, 1.0, 3.0])), "value": 500.0,
                  "percent": draw(hst.sampled_from([0.5, 1.0, 1.5]))}[kw["size_type"]]
    if kw["slippage_model"] == "volume":
        kw["size"] = min(kw["size"], 2.0) if kw["size_type"] == "amount" else kw["size"]
    use_stops = draw(hst.booleans())
    if use_stops:
        kw["sl_stop"] = draw(hst.sampled_from([0.01, 0.03, np.nan]))
        kw["tp_stop"] = draw(hst.sampled_from([0.02, 0.05, np.nan]))
        kw["tsl_stop"] = draw(hst.sampled_from([0.02, np.nan]))
    if draw(hst.booleans()):
        kw["funding_rate"] = rng.normal(0, 0.001, size=(n, 1))
    if m > 1 and draw(hst.booleans()):
        kw["group_by"] = [0] * m if draw(hst.booleans()) else [0] + [1] * (m - 1)
        kw["cash_sharing"] = True
    with_ohl = draw(hst.booleans()) or kw["price"] == "next_worst"
    return dict(close=close, open=open_ if with_ohl else None, high=high if with_ohl else None,
                low=low if with_ohl else None, volume=volume, sig=sig, mode=mode, kw=kw, use_stops=use_stops)


def _full(x, n, m):
    a = np.asarray(x, dtype=float)
    if a.ndim == 1:
        a = a.reshape(n, 1) if a.shape[0] == n else a.reshape(1, -1)
    return np.broadcast_to(a, (n, m)).astype(float)


def run_both(case):
    close = case["close"]
    n, m = close.shape
    kw = dict(case["kw"])
    sig = case["sig"]
    mode = case["mode"]
    if mode == "four":
        sargs = dict(entries=sig["entries"], exits=sig["exits"], short_entries=sig["short_entries"],
                     short_exits=sig["short_exits"], direction="both")
        le, lx, se, sx = sig["entries"], sig["exits"], sig["short_entries"], sig["short_exits"]
    else:
        sargs = dict(entries=sig["entries"], exits=sig["exits"], direction=mode)
        z = np.zeros((n, m), bool)
        le, lx, se, sx = {"long": (sig["entries"], sig["exits"], z, z),
                          "short": (z, z, sig["entries"], sig["exits"]),
                          "both": (sig["entries"], z, sig["exits"], z)}[mode]
    pf = nx.Portfolio.from_signals(close, open=case["open"], high=case["high"], low=case["low"],
                                   volume=case["volume"], **sargs, **kw)
    if kw.get("cash_sharing"):
        labels = kw["group_by"]
        groups = []
        for j, lab in enumerate(labels):
            if j == 0 or lab != labels[j - 1]:
                groups.append([])
            groups[-1].append(j)
    else:
        groups = [[j] for j in range(m)]
    P = dict(close=close, open=case["open"], high=case["high"], low=case["low"], volume=case["volume"],
             le=le, lx=lx, se=se, sx=sx, size=_full(kw["size"], n, m), fees=_full(kw["fees"], n, m),
             fixed_fees=_full(kw["fixed_fees"], n, m), slippage=_full(kw["slippage"], n, m),
             sl=_full(kw.get("sl_stop", np.nan), n, m), tp=_full(kw.get("tp_stop", np.nan), n, m),
             tsl=_full(kw.get("tsl_stop", np.nan), n, m), mult=_full(kw["multiplier"], n, m),
             lot=_full(kw["lot_size"], n, m), tick=_full(kw["tick_size"], n, m), lev=_full(kw["leverage"], n, m),
             funding=_full(kw["funding_rate"], n, m) if "funding_rate" in kw else None,
             size_type=kw["size_type"], price=kw["price"], slip_model=kw["slippage_model"], max_part=0.1,
             use_stops=case["use_stops"], groups=groups, init_cash=[kw["init_cash"]] * len(groups))
    return pf, ref.simulate_signals(P), P


def assert_orders_equal(got, want):
    assert len(got) == len(want), (len(got), len(want))
    if not want:
        return
    w = np.array(want, dtype=float)
    np.testing.assert_array_equal(got["col"], w[:, 0])
    np.testing.assert_array_equal(got["idx"], w[:, 1])
    np.testing.assert_array_equal(got["side"], w[:, 6])
    np.testing.assert_array_equal(got["reason"], w[:, 7])
    for k, name in ((2, "size"), (3, "price"), (4, "fees"), (5, "slippage")):
        np.testing.assert_allclose(got[name], w[:, k], rtol=1e-9, atol=1e-9, err_msg=name)


@SETTINGS
@given(cases())
def test_signals_equal_reference(case):
    pf, (orders, value, cash, pos), P = run_both(case)
    assert_orders_equal(pf.orders, orders)
    np.testing.assert_array_equal(pf.orders["id"], np.arange(len(orders)))
    v = pf.value.reshape(len(value), -1) if pf.value.ndim == 1 else pf.value
    if case["kw"].get("cash_sharing"):
        np.testing.assert_allclose(v, value, rtol=1e-9, atol=1e-7)
        np.testing.assert_allclose(pf.cash.reshape(value.shape), cash, rtol=1e-9, atol=1e-7)
    else:
        np.testing.assert_allclose(v, value, rtol=1e-9, atol=1e-7)
    np.testing.assert_allclose(pf.position.reshape(pos.shape), pos, rtol=1e-9, atol=1e-12)
    # trades from the reference orders
    n, m = case["close"].shape
    want = ref.trades_from_orders(orders, case["close"], P["mult"], n)
    tr = pf.trades
    assert len(tr) == len(want)
    for name, key in (("col", "col"), ("entry_idx", "entry_idx"), ("exit_idx", "exit_idx"),
                      ("direction", "direction"), ("status", "status"), ("exit_reason", "exit_reason")):
        np.testing.assert_array_equal(tr[name], [w[key] for w in want], err_msg=name)
    for name, key in (("size", "size"), ("entry_price", "entry_price"), ("exit_price", "exit_price"),
                      ("fees", "fees"), ("pnl", "pnl"), ("return", "ret")):
        np.testing.assert_allclose(tr[name], [w[key] for w in want], rtol=1e-9, atol=1e-7, err_msg=name)


@SETTINGS
@given(cases())
def test_accounting_identity_every_bar(case):
    """cash + sum(position x close x multiplier) == value at every bar, to 1e-9 relative."""
    pf, _, P = run_both(case)
    n, m = case["close"].shape
    pos = pf.position.reshape(n, m)
    cash = pf.cash.reshape(n, -1)
    value = pf.value.reshape(n, -1)
    marked = pos * case["close"] * P["mult"]
    if case["kw"].get("cash_sharing"):
        labels = np.asarray(case["kw"]["group_by"])
        marked = np.stack([marked[:, labels == g].sum(axis=1) for g in dict.fromkeys(labels)], axis=1)
    np.testing.assert_allclose(cash + marked, value, rtol=1e-9, atol=1e-9 * np.abs(value).max())


@pytest.mark.parametrize("price", ["next_open", "close"])
def test_long_series_across_time_tiles_and_blocks(price):
    """n > the kernel's time tile and m > one block: still equal to the reference, column by column."""
    rng = np.random.default_rng(11)
    n, m = 5000, 11
    close, open_, high, low, volume = _market(rng, n, m)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.002, size=(n, m)), axis=0))
    open_ = np.r_[close[:1], close[:-1]]
    high = np.maximum(open_, close) * 1.001
    low = np.minimum(open_, close) * 0.999
    sig = {k: rng.random((n, m)) < 0.02 for k in ("entries", "exits", "short_entries", "short_exits")}
    kw = dict(price=price, size_type="percent", size=0.9, fees=0.001, fixed_fees=0.0, slippage=0.0005,
              slippage_model="fixed", multiplier=1.0, lot_size=0.0, tick_size=0.0, leverage=1.0,
              init_cash=10_000.0, sl_stop=0.01, tp_stop=np.nan, tsl_stop=0.02,
              group_by=[0, 0, 1, 2, 2, 2, 3, 4, 5, 6, 7], cash_sharing=True)
    case = dict(close=close, open=open_, high=high, low=low, volume=volume, sig=sig, mode="four", kw=kw,
                use_stops=True)
    pf, (orders, value, cash, pos), _ = run_both(case)
    assert len(orders) > 500
    assert_orders_equal(pf.orders, orders)
    np.testing.assert_allclose(pf.value, value, rtol=1e-9)
    np.testing.assert_allclose(pf.position, pos, rtol=1e-9, atol=1e-12)


def test_columns_do_not_depend_on_their_neighbours():
    """20 independent columns in one call equal 20 one-column calls (blocks and threads change nothing)."""
    rng = np.random.default_rng(12)
    n, m = 3000, 20
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.003, size=(n, m)), axis=0))
    en = rng.random((n, m)) < 0.02
    ex = rng.random((n, m)) < 0.02
    kw = dict(fees=0.001, slippage=0.001, price="close", direction="both", tsl_stop=0.03)
    pf = nx.Portfolio.from_signals(close, en, ex, **kw)
    for j in range(m):
        one = nx.Portfolio.from_signals(close[:, j], en[:, j], ex[:, j], **kw)
        np.testing.assert_array_equal(pf.value[:, j], one.value)
        sel = pf.orders[pf.orders["col"] == j]
        np.testing.assert_array_equal(sel["price"], one.orders["price"])
        np.testing.assert_array_equal(sel["size"], one.orders["size"])


def test_threaded_and_serial_compilations_of_the_block_loop_agree():
    """A run big enough for the threaded kernel (n * m >= 2**22) equals the same columns run ten at a time,
    which take the serial compilation of the same loop."""
    rng = np.random.default_rng(13)
    n, m = 42_000, 100
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.003, size=(n, m)), axis=0))
    high, low = close * 1.002, close * 0.998
    en = rng.random((n, m)) < 0.01
    ex = rng.random((n, m)) < 0.01
    kw = dict(fees=0.001, slippage=0.001, direction="both", sl_stop=0.01, tp_stop=0.015, tsl_stop=0.02)
    pf = nx.Portfolio.from_signals(close, en, ex, high=high, low=low, **kw)
    assert n * m >= 1 << 22
    for j0 in range(0, m, 10):
        sl = slice(j0, j0 + 10)
        part = nx.Portfolio.from_signals(close[:, sl], en[:, sl], ex[:, sl], high=high[:, sl], low=low[:, sl], **kw)
        np.testing.assert_array_equal(pf.value[:, sl], part.value)
        sel = pf.orders[(pf.orders["col"] >= j0) & (pf.orders["col"] < j0 + 10)]
        assert len(sel) == len(part.orders) > 0
        np.testing.assert_array_equal(sel["price"], part.orders["price"])
        np.testing.assert_array_equal(sel["col"] - j0, part.orders["col"])
