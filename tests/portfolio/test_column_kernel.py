"""The single-column kernel (no stops, no funding) against the reference simulator and the general kernel."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

import nexus as nx
import nexus.portfolio.signals as signals_mod
from nexus.lookahead import check_causal
from tests.conftest import make_bars
from tests.portfolio import reference as ref
from tests.portfolio.test_vs_reference import SETTINGS, _market, assert_orders_equal, cases, run_both

_DROP = ("sl_stop", "tp_stop", "tsl_stop", "funding_rate", "group_by", "cash_sharing")


def one_column(case: dict) -> dict:
    """The case's first column without stops, funding or groups: what the column kernel serves."""
    out = dict(case)
    for k in ("close", "open", "high", "low", "volume"):
        if out[k] is not None:
            out[k] = np.ascontiguousarray(out[k][:, :1])
    out["sig"] = {k: np.ascontiguousarray(v[:, :1]) for k, v in case["sig"].items()}
    out["kw"] = {k: v for k, v in case["kw"].items() if k not in _DROP}
    out["use_stops"] = False
    return out


def general(monkeypatch, fn, *args, **kw):
    with monkeypatch.context() as mp:
        mp.setattr(signals_mod, "_COLUMN_KERNEL", False)
        return fn(*args, **kw)


def assert_same_run(a, b):
    for name in a.orders.dtype.names:
        np.testing.assert_array_equal(a.orders[name], b.orders[name], err_msg=name)
    np.testing.assert_array_equal(a.value, b.value)
    np.testing.assert_array_equal(a.cash, b.cash)
    np.testing.assert_array_equal(a.position, b.position)


@SETTINGS
@given(cases())
def test_column_kernel_equals_reference_and_general_kernel(case):
    case = one_column(case)
    pf, (orders, value, cash, pos), _ = run_both(case)
    assert_orders_equal(pf.orders, orders)
    np.testing.assert_allclose(pf.value.reshape(value.shape), value, rtol=1e-9, atol=1e-7)
    np.testing.assert_allclose(pf.cash.reshape(cash.shape), cash, rtol=1e-9, atol=1e-7)
    np.testing.assert_allclose(pf.position.reshape(pos.shape), pos, rtol=1e-9, atol=1e-12)
    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(signals_mod, "_COLUMN_KERNEL", False)
        other, _, _ = run_both(case)
    finally:
        mp.undo()
    assert_same_run(pf, other)


@pytest.mark.parametrize("price", ["next_open", "close", "next_worst"])
@pytest.mark.parametrize("direction", ["long", "short", "both"])
def test_long_sparse_series_with_per_bar_parameters(monkeypatch, price, direction):
    """20,000 bars, signals about every 50 bars, fees / size / multiplier per bar: bit-equal to the
    general kernel and equal to the reference."""
    rng = np.random.default_rng(5)
    n = 20_000
    close, open_, high, low, volume = _market(rng, n, 1)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.002, size=(n, 1)), axis=0))
    open_ = np.r_[close[:1], close[:-1]] * np.exp(rng.normal(0, 0.0005, size=(n, 1)))
    high = np.maximum(open_, close) * 1.001
    low = np.minimum(open_, close) * 0.999
    en = rng.random(n) < 0.02
    ex = rng.random(n) < 0.02
    fees = rng.choice([0.0, 0.001, 0.002], size=n)
    size = rng.choice([1.0, 2.0, 3.0], size=n)
    mult = np.where(np.arange(n) < n // 2, 1.0, 2.0)
    kw = dict(open=open_[:, 0], high=high[:, 0], low=low[:, 0], price=price, direction=direction, size=size,
              fees=fees, fixed_fees=0.5, slippage=0.0005, multiplier=mult, init_cash=1e6)
    pf = nx.Portfolio.from_signals(close[:, 0], en, ex, **kw)
    other = general(monkeypatch, nx.Portfolio.from_signals, close[:, 0], en, ex, **kw)
    assert len(pf.orders) > 300
    assert_same_run(pf, other)
    z = np.zeros((n, 1), bool)
    le, lx, se, sx = {"long": (en[:, None], ex[:, None], z, z), "short": (z, z, en[:, None], ex[:, None]),
                      "both": (en[:, None], z, ex[:, None], z)}[direction]
    full = lambda x: np.broadcast_to(np.asarray(x, float).reshape(-1, 1), (n, 1)).copy()  # noqa: E731
    P = dict(close=close, open=open_, high=high, low=low, volume=volume, le=le, lx=lx, se=se, sx=sx,
             size=full(size), fees=full(fees), fixed_fees=full(0.5), slippage=full(0.0005), sl=full(np.nan),
             tp=full(np.nan), tsl=full(np.nan), mult=full(mult), lot=full(0.0), tick=full(0.0), lev=full(1.0),
             funding=None, size_type="amount", price=price, slip_model="fixed", max_part=0.1, use_stops=False,
             groups=[[0]], init_cash=[1e6])
    orders, value, _, _ = ref.simulate_signals(P)
    assert_orders_equal(pf.orders, orders)
    np.testing.assert_allclose(pf.value.reshape(value.shape), value, rtol=1e-9)


def test_always_on_and_never_on_signals(monkeypatch):
    """An entry on every bar buys once and holds; no signal never trades."""
    close = np.array([10.0, 11.0, 12.0, 11.0, 13.0])
    on, off = np.ones(5, bool), np.zeros(5, bool)
    pf = nx.Portfolio.from_signals(close, on, off, size=2.0, price="close", init_cash=100.0)
    assert pf.orders["idx"].tolist() == [0]
    np.testing.assert_array_equal(pf.value, 80.0 + 2.0 * close)
    assert_same_run(pf, general(monkeypatch, nx.Portfolio.from_signals, close, on, off, size=2.0,
                                price="close", init_cash=100.0))
    none = nx.Portfolio.from_signals(close, off, off, init_cash=100.0)
    assert len(none.orders) == 0
    np.testing.assert_array_equal(none.value, np.full(5, 100.0))


@pytest.mark.parametrize("price", ["close", "next_open"])
def test_column_kernel_is_causal(price):
    """Truncating the bars at t changes no order, value, cash or position before t (the column kernel's path)."""
    b = make_bars(600, seed=21)
    rng = np.random.default_rng(2)
    en = rng.random(600) < 0.05
    ex = rng.random(600) < 0.05

    def run(bars):
        n = len(bars)
        pf = nx.Portfolio.from_signals(bars.close, en[:n], ex[:n], open=bars.open, direction="both", fees=0.001,
                                       slippage=0.0005, price=price)
        filled = np.zeros(n)
        filled[pf.orders["idx"]] = pf.orders["price"]
        return {"value": pf.value, "cash": pf.cash, "position": pf.position, "filled": filled}

    check_causal(run, b, n_random=15).raise_if_failed()
