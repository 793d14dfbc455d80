"""simulate_book against hand examples and against the plain-Python reference (book_reference.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexus.errors import ConfigError
from nexus.portfolio.book import corwin_schultz, rolling_sigma, simulate_book
from tests.portfolio import book_reference as ref

FIELDS = ("col", "idx", "size", "price", "fees", "commission", "exchange_fees", "slippage", "side", "reason",
          "order_type", "status")


def _bars(rng: np.random.Generator, n: int, k: int, tick: np.ndarray):
    c = np.empty((n, k))
    o = np.empty((n, k))
    h = np.empty((n, k))
    lo = np.empty((n, k))
    for j in range(k):
        p = 100.0 * (1 + j)
        for t in range(n):
            op = p * np.exp(rng.normal(0, 0.004)) if rng.random() < 0.3 else p  # gaps now and then
            cl = op * np.exp(rng.normal(0, 0.015))
            hi = max(op, cl) * np.exp(abs(rng.normal(0, 0.01)))
            lw = min(op, cl) * np.exp(-abs(rng.normal(0, 0.01)))
            if tick[j] > 0:  # prices on the tick grid, like real bars
                op, cl, hi, lw = (round(x / tick[j]) * tick[j] for x in (op, cl, hi, lw))
                hi, lw = max(hi, op, cl), min(lw, op, cl)
            o[t, j], h[t, j], lo[t, j], c[t, j] = op, hi, lw, cl
            p = cl
    return o, h, lo, c


@st.composite
def cases(draw, order_type):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(2, 40))
    k = draw(st.integers(1, 3))
    tick = np.array([draw(st.sampled_from([0.0, 0.01, 0.25])) for _ in range(k)])
    o, h, lo, c = _bars(rng, n, k, tick)
    dens = draw(st.sampled_from([0.1, 0.3, 0.6]))
    dec = np.where(rng.random((n, k)) < dens, rng.choice([-1, 1], (n, k)) * rng.uniform(0.05, 0.6, (n, k)), np.nan)
    kw = dict(
        tradable=rng.random((n, k)) < draw(st.sampled_from([1.0, 0.85])),
        day_id=np.cumsum(rng.random(n) < 0.15).astype(np.int64),
        spread=np.where(rng.random((n, k)) < 0.5, c * 0.001, np.nan) if draw(st.booleans()) else None,
        volume=rng.uniform(0.0, 50.0, (n, k)),
        funding=np.where(rng.random((n, k)) < 0.2, rng.normal(0, 1e-4, (n, k)), 0.0),
        roll_gap=np.where(rng.random((n, k)) < 0.08, rng.normal(0, 2.0, (n, k)), np.nan),
        init_cash=10_000.0,
        multiplier=rng.choice([1.0, 2.0, 20.0], k), tick_size=tick, lot_size=rng.choice([0.0, 0.01, 1.0], k),
        taker_fee=rng.choice([0.0, 0.001], k), maker_fee=rng.choice([-0.0001, 0.0, 0.0002], k),
        commission_per_contract=rng.choice([0.0, 0.85], k), exchange_fee_per_contract=rng.choice([0.0, 1.4], k),
        fill=draw(st.sampled_from(["aggressive", "realistic", "conservative"])),
        slippage_model=draw(st.sampled_from(["none", "fixed", "ticks", "spread", "volume"])),
        slippage=draw(st.sampled_from([0.0, 0.0005, 1.0, 2.0])),
        max_participation=draw(st.sampled_from([0.05, 0.5, 1.0])),
        stop_loss=draw(st.sampled_from([0.0, 0.01, 0.02])), take_profit=draw(st.sampled_from([0.0, 0.01, 0.03])),
        trailing_stop=draw(st.sampled_from([0.0, 0.015])), stop_first=draw(st.booleans()),
        symbol_cap=draw(st.sampled_from([0.3, 1.0])), gross_cap=draw(st.sampled_from([0.5, 1.0, 2.0])),
        daily_loss_limit=draw(st.sampled_from([0.0, 0.005, 0.02])),
        max_drawdown=draw(st.sampled_from([0.0, 0.01, 0.05])), cooloff_rows=draw(st.integers(0, 5)),
        max_hold_rows=draw(st.integers(0, 6)), min_hold_rows=draw(st.integers(0, 4)), pyramid=draw(st.booleans()),
        order_type=order_type, limit_offset=draw(st.sampled_from([0.0, 1.0, 3.0])),
        limit_offset_unit=draw(st.sampled_from(["ticks", "spreads"])), limit_timeout=draw(st.integers(0, 4)),
        timeout_action=draw(st.sampled_from(["cancel", "cross"])),
        time_in_force=draw(st.sampled_from(["gtc", "day", "ioc"])),
        stop_limit_offset=draw(st.sampled_from([0.0, 1.0, 4.0])),
    )
    return o, h, lo, c, dec, kw


def _reference(o, h, lo, c, dec, kw):
    n, k = c.shape
    cols = lambda name: np.broadcast_to(np.asarray(kw[name], dtype=float), (k,)).tolist()  # noqa: E731
    quoted = np.full((n, k), np.nan) if kw["spread"] is None else kw["spread"]
    half = np.where(np.isfinite(quoted), quoted / 2.0, corwin_schultz(h, lo) * c / 2.0)
    tick = np.asarray(kw["tick_size"], dtype=float)
    def offset(x):
        return np.broadcast_to(x * tick, (n, k)) if kw["limit_offset_unit"] == "ticks" else x * 2.0 * half

    off, off2 = offset(kw["limit_offset"]), offset(kw["stop_limit_offset"])
    return ref.run(
        o.tolist(), h.tolist(), lo.tolist(), c.tolist(), dec.tolist(), tradable=kw["tradable"].tolist(),
        day=kw["day_id"].tolist(), half=half.tolist(), sigma=rolling_sigma(c).tolist(), volume=kw["volume"].tolist(),
        funding=kw["funding"].tolist(), offset=np.asarray(off).tolist(), rolls=kw["roll_gap"].tolist(), mult=cols("multiplier"), tick=cols("tick_size"),
        lot=cols("lot_size"), taker=cols("taker_fee"), maker=cols("maker_fee"), comm=cols("commission_per_contract"),
        exch=cols("exchange_fee_per_contract"), cash=kw["init_cash"], fill=kw["fill"],
        slip_model=kw["slippage_model"], slip=kw["slippage"], max_part=kw["max_participation"], sl=kw["stop_loss"],
        tp=kw["take_profit"], trail=kw["trailing_stop"], stop_first=kw["stop_first"], symbol_cap=kw["symbol_cap"],
        gross_cap=kw["gross_cap"], dll=kw["daily_loss_limit"], mdd=kw["max_drawdown"], cooloff=kw["cooloff_rows"],
        max_hold=kw["max_hold_rows"], min_hold=kw["min_hold_rows"], pyramid=kw["pyramid"],
        order_type=kw["order_type"], timeout=kw["limit_timeout"], cross=kw["timeout_action"] == "cross",
        tif=kw["time_in_force"], stop_offset=np.asarray(off2).tolist())


def _compare(case):
    o, h, lo, c, dec, kw = case
    sim = simulate_book(o, h, lo, c, dec, **kw)
    r = _reference(o, h, lo, c, dec, kw)
    assert len(sim.fills) == len(r.fills)
    for got, want in zip(sim.fills, r.fills):
        for f in FIELDS:
            assert got[f] == pytest.approx(want[f], rel=1e-9, abs=1e-9), (f, got, want)
    assert len(sim.limits) == len(r.limits)
    for got, want in zip(sim.limits, r.limits):
        for f in ("col", "idx", "done_idx", "trigger_idx", "price", "stop", "weight", "order_type", "status"):
            assert got[f] == pytest.approx(want[f], rel=1e-12, abs=1e-12, nan_ok=True), (f, got, want)
    np.testing.assert_allclose(sim.value, r.value, rtol=1e-9, atol=1e-6)
    rej = {(int(t), int(j)): int(sim.reason[t, j]) for t, j in zip(*np.nonzero(sim.reason))}
    assert rej == r.rejected
    ex = {(int(t), int(j)): int(sim.exit_code[t, j]) for t, j in zip(*np.nonzero(sim.exit_code))}
    assert ex == r.exits
    return sim


@pytest.mark.parametrize("order_type", ["market", "limit", "stop", "stop_limit"])
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_orders_match_reference(order_type, data):
    """500 random books per order type: fills, fees, records, exits, rejections and equity as the reference's."""
    _compare(data.draw(cases(order_type)))


def _flat(n, px=100.0):
    a = np.full((n, 1), px)
    return a, a.copy(), a.copy(), a.copy()


def test_nq_fees_per_contract_and_side():
    o, h, lo, c = _flat(4, 20_000.0)
    dec = np.full((4, 1), np.nan)
    dec[0, 0] = 0.5
    dec[2, 0] = -0.5
    sim = simulate_book(o, h, lo, c, dec, init_cash=1_000_000.0, multiplier=20.0, tick_size=0.25, lot_size=1.0,
                        commission_per_contract=0.85, exchange_fee_per_contract=1.40, fill="realistic",
                        pyramid=False)
    f = sim.fills
    # 0.5 x 1M / (20,000 x 20) = 1.25 -> 1 contract; reversal: close 1, open 1 short
    assert f["size"].tolist() == [1.0, 1.0, 1.0]
    assert (f["fees"] / f["size"]).tolist() == pytest.approx([2.25, 2.25, 2.25])
    assert f["commission"].tolist() == pytest.approx([0.85] * 3) and f["exchange_fees"].tolist() == pytest.approx([1.4] * 3)
    assert f["reason"].tolist() == [0, 9, 0]  # signal, reversal, signal
    assert sim.value[-1] == pytest.approx(1_000_000.0 - 3 * 2.25)


def test_stop_loss_gap_fills_at_open_and_same_bar_conflict():
    c = np.array([[100.0], [100.0], [97.0], [100.0]])
    o = np.array([[100.0], [100.0], [96.0], [100.0]])  # bar 2 gaps below the 2 % stop
    h = np.array([[100.0], [100.0], [99.0], [100.0]])
    lo = np.array([[100.0], [100.0], [95.0], [100.0]])
    dec = np.full((4, 1), np.nan)
    dec[0, 0] = 1.0
    sim = simulate_book(o, h, lo, c, dec, init_cash=1000.0, stop_loss=0.02, fill="realistic")
    assert sim.fills["price"].tolist() == [100.0, 96.0] and sim.fills["reason"].tolist() == [0, 1]
    # a bar reaching both levels: the extreme nearer the open first, unless stop_first
    o2 = np.array([[100.0], [100.0], [101.5], [100.0]])
    h2 = np.array([[100.0], [100.0], [103.0], [100.0]])
    l2 = np.array([[100.0], [100.0], [97.0], [100.0]])
    c2 = np.array([[100.0], [100.0], [100.0], [100.0]])
    a = simulate_book(o2, h2, l2, c2, dec, init_cash=1000.0, stop_loss=0.02, take_profit=0.02, fill="realistic")
    b = simulate_book(o2, h2, l2, c2, dec, init_cash=1000.0, stop_loss=0.02, take_profit=0.02, fill="realistic",
                      stop_first=True)
    assert (a.fills["price"][-1], a.fills["reason"][-1]) == (102.0, 2)
    assert (b.fills["price"][-1], b.fills["reason"][-1]) == (98.0, 1)


def test_limit_touch_does_not_fill_trade_through_does():
    o, h, lo, c = _flat(5)
    dec = np.full((5, 1), np.nan)
    dec[0, 0] = 1.0
    lo[1, 0] = 99.0  # touches the 99.00 limit
    lo[2, 0] = 98.99  # trades through by one tick
    sim = simulate_book(o, h, lo, c, dec, init_cash=990.0, tick_size=0.01, maker_fee=0.0002, taker_fee=0.001,
                        order_type="limit", limit_offset=100, fill="realistic")
    assert sim.fills["idx"].tolist() == [2] and sim.fills["price"].tolist() == [99.0]
    assert sim.fills["fees"][0] == pytest.approx(10 * 99.0 * 0.0002)  # maker fee, 10 units
    assert sim.limits["status"].tolist() == [0] and sim.limits["done_idx"].tolist() == [2]
    lo[2, 0] = 99.0
    exp = simulate_book(o, h, lo, c, dec, init_cash=990.0, tick_size=0.01, order_type="limit", limit_offset=100,
                        limit_timeout=2)
    assert len(exp.fills) == 0 and exp.limits["status"].tolist() == [3] and exp.limits["done_idx"].tolist() == [3]
    crs = simulate_book(o, h, lo, c, dec, init_cash=1000.0, tick_size=0.01, order_type="limit", limit_offset=100,
                        limit_timeout=2, timeout_action="cross", taker_fee=0.001)
    assert crs.limits["status"].tolist() == [4] and crs.fills["idx"].tolist() == [3]
    assert crs.fills["fees"][0] == pytest.approx(crs.fills["size"][0] * 100.0 * 0.001)  # taker fee when crossing


def test_daily_loss_limit_is_hard():
    n = 8
    c = np.array([100.0, 100.0, 99.0, 98.5, 97.0, 90.0, 80.0, 80.0])[:, None]
    o = np.r_[100.0, c[:-1, 0]][:, None]
    h, lo = np.maximum(o, c), np.minimum(o, c)
    dec = np.full((n, 1), np.nan)
    dec[0, 0] = 1.0
    dec[5, 0] = 1.0  # refused: the book is blocked for the day
    sim = simulate_book(o, h, lo, c, dec, init_cash=1000.0, daily_loss_limit=0.02, fill="realistic")
    # equity at the close of bar 3 is 985 (-1.5 %), at bar 4 970 (-3 %): flattened at bar 4's close
    assert sim.fills["idx"].tolist() == [1, 4] and sim.fills["reason"].tolist() == [0, 7]
    assert sim.value[-1] == pytest.approx(970.0) and sim.reason[5, 0] == 80
    # the worst day is the limit plus the move of the bar that crossed it
    assert sim.value[-1] / 1000.0 - 1 >= -0.02 - (98.5 - 97.0) / 98.5 - 1e-12


def _capped(n, **kw):
    """One buy of 10 units at bar 0 on flat bars of volume 40 with a 10 % participation cap."""
    o, h, lo, c = _flat(n)
    dec = np.full((n, 1), np.nan)
    dec[0, 0] = 1.0
    vol = np.full((n, 1), 40.0)
    return simulate_book(o, h, lo, c, dec, init_cash=1000.0, volume=vol, slippage_model="volume", slippage=0.0,
                         max_participation=0.1, **kw)


def test_partial_fills_under_participation_cap():
    sim = _capped(5, fill="realistic")
    # 10 units wanted, 4 per bar: 4, 4, 2 over bars 1..3
    assert sim.fills["size"].tolist() == [4.0, 4.0, 2.0] and sim.fills["status"].tolist() == [1, 1, 0]


def test_aggressive_fill_under_participation_cap_drops_the_rest_and_keeps_the_time_stop():
    sim = _capped(6, fill="aggressive", max_hold_rows=2)
    # 10 units wanted at bar 0's close, 4 allowed: the rest is not carried; held two bars, then the time stop
    assert sim.fills["size"].tolist() == [4.0, 4.0] and sim.fills["idx"].tolist() == [0, 2]
    assert sim.fills["status"].tolist() == [1, 0] and sim.fills["reason"].tolist() == [0, 6]


def test_corwin_schultz_closed_form_and_sigma():
    h = np.array([[101.0], [102.0], [101.5]])
    lo = np.array([[99.0], [99.5], [100.0]])
    s = corwin_schultz(h, lo)
    b = np.log(101 / 99) ** 2 + np.log(102 / 99.5) ** 2
    g = np.log(102 / 99) ** 2
    kk = 3 - 2 * np.sqrt(2)
    a = (np.sqrt(2 * b) - np.sqrt(b)) / kk - np.sqrt(g / kk)
    assert s[1, 0] == pytest.approx(max(0.0, 2 * (np.exp(a) - 1) / (1 + np.exp(a))))
    c = np.cumprod(1 + np.random.default_rng(0).normal(0, 0.01, 40))[:, None]
    sig = rolling_sigma(c, 20)
    r = c[1:, 0] / c[:-1, 0] - 1
    assert np.isnan(sig[19, 0]) and sig[20, 0] == pytest.approx(np.std(r[:20], ddof=1))
    assert sig[39, 0] == pytest.approx(np.std(r[19:39], ddof=1))


def test_refusals_name_the_valid_choices():
    o, h, lo, c = _flat(3)
    with pytest.raises(ConfigError, match="'aggressive', 'realistic', 'conservative'"):
        simulate_book(o, h, lo, c, np.full((3, 1), np.nan), fill="midpoint")
    with pytest.raises(ConfigError, match="'none', 'fixed', 'ticks', 'spread', 'volume'"):
        simulate_book(o, h, lo, c, np.full((3, 1), np.nan), slippage_model="magic")
    with pytest.raises(ConfigError, match="needs volume"):
        simulate_book(o, h, lo, c, np.full((3, 1), np.nan), slippage_model="volume")


def _cut(case, t):
    o, h, lo, c, dec, kw = case
    kw = dict(kw)
    for name in ("tradable", "spread", "volume", "funding", "roll_gap"):
        if kw[name] is not None:
            kw[name] = kw[name][:t]
    kw["day_id"] = kw["day_id"][:t]
    return o[:t], h[:t], lo[:t], c[:t], dec[:t], kw


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases("market") | cases("limit") | cases("stop") | cases("stop_limit"), st.floats(0.1, 0.95))
def test_truncating_the_bars_never_changes_the_past(case, frac):
    """Causality: the book simulated on bars 0..t-1 agrees with the full run on every output before t."""
    o, h, lo, c, dec, kw = case
    t = max(1, int(len(c) * frac))
    full = simulate_book(o, h, lo, c, dec, **kw)
    part = simulate_book(*_cut(case, t)[:5], **_cut(case, t)[5])
    np.testing.assert_allclose(part.value, full.value[:t], rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(part.reason, full.reason[:t])
    np.testing.assert_array_equal(part.exit_code, full.exit_code[:t])
    before = full.fills[full.fills["idx"] < t]
    assert len(part.fills) == len(before)
    for f in FIELDS:
        np.testing.assert_allclose(part.fills[f].astype(float), before[f].astype(float), rtol=1e-12, atol=1e-9)


def test_a_roll_closes_the_old_contract_and_opens_the_new_with_fees_on_both_legs():
    # front prices: the old contract at 20,000 until bar 2, the new one 50 points above from bar 2 on
    c = np.array([[20_000.0], [20_000.0], [20_050.0], [20_070.0]])
    o = np.array([[20_000.0], [20_000.0], [20_050.0], [20_050.0]])
    h, lo = np.maximum(o, c), np.minimum(o, c)
    dec = np.full((4, 1), np.nan)
    dec[0, 0] = 0.5
    gap = np.full((4, 1), np.nan)
    gap[2, 0] = 50.0
    sim = simulate_book(o, h, lo, c, dec, roll_gap=gap, init_cash=1_000_000.0, multiplier=20.0, tick_size=0.25,
                        lot_size=1.0, commission_per_contract=0.85, exchange_fee_per_contract=1.40)
    f = sim.fills
    assert f["reason"].tolist() == [0, 10, 10] and f["price"].tolist() == [20_000.0, 20_000.0, 20_050.0]
    assert f["side"].tolist() == [0, 1, 0] and f["size"].tolist() == [1.0, 1.0, 1.0]
    # P&L from contract prices only: +20 points x 20 in the new contract, three fills of 2.25
    assert sim.value[-1] == pytest.approx(1_000_000.0 + 20 * 20.0 - 3 * 2.25)


def test_time_in_force_day_and_ioc_expire_a_resting_limit():
    o, h, lo, c = _flat(5)
    dec = np.full((5, 1), np.nan)
    dec[0, 0] = 1.0
    lo[2, 0] = 98.99  # trades through the 99.00 limit on bar 2 only
    day = np.array([0, 0, 1, 1, 1])
    kw = dict(init_cash=990.0, tick_size=0.01, order_type="limit", limit_offset=100)
    gtc = simulate_book(o, h, lo, c, dec, day_id=day, **kw)
    ioc = simulate_book(o, h, lo, c, dec, day_id=day, time_in_force="ioc", **kw)
    dayo = simulate_book(o, h, lo, c, dec, day_id=day, time_in_force="day", **kw)
    assert gtc.fills["idx"].tolist() == [2] and gtc.limits["status"].tolist() == [0]
    assert len(ioc.fills) == 0 and ioc.limits["status"].tolist() == [3] and ioc.limits["done_idx"].tolist() == [2]
    assert len(dayo.fills) == 0 and dayo.limits["status"].tolist() == [3] and dayo.limits["done_idx"].tolist() == [2]
    with pytest.raises(ConfigError, match="'gtc', 'day', 'ioc'"):
        simulate_book(o, h, lo, c, dec, time_in_force="fok", **kw)


def test_stop_entry_fires_on_a_trade_at_the_stop_and_fills_at_the_open_after_a_gap():
    o, h, lo, c = _flat(5)
    dec = np.full((5, 1), np.nan)
    dec[0, 0] = 1.0  # buy stop 2 ticks above the 100.00 close: 100.02
    h[1, 0] = 100.01  # below the stop: nothing
    h[2, 0] = 100.02  # a trade at the stop fires it: fills at the stop plus one tick of slippage
    kw = dict(init_cash=1000.0, tick_size=0.01, order_type="stop", limit_offset=2, taker_fee=0.001,
              maker_fee=0.0002, slippage_model="ticks", slippage=1.0)
    sim = simulate_book(o, h, lo, c, dec, **kw)
    f = sim.fills
    assert f["idx"].tolist() == [2] and f["price"][0] == pytest.approx(100.03) and f["order_type"].tolist() == [2]
    size = 1000.0 / 100.02  # sized at the stop on equity at the open
    assert f["size"][0] == pytest.approx(size) and f["fees"][0] == pytest.approx(size * 100.03 * 0.001)
    assert sim.limits["status"].tolist() == [0] and sim.limits["trigger_idx"].tolist() == [2]
    assert sim.limits["stop"].tolist() == pytest.approx([100.02]) and sim.limits["order_type"].tolist() == [2]
    # bar 2 opens at 101 above the stop: the fill is at the open, not at the stop
    o2, h2 = o.copy(), h.copy()
    o2[2, 0], h2[2, 0] = 101.0, 101.0
    gap = simulate_book(o2, h2, lo, c, dec, **kw)
    assert gap.fills["price"].tolist() == pytest.approx([101.01])
    # a sell stop mirrors it: 100.00 - 2 ticks, fired by a low at 99.98
    sell = np.where(np.isfinite(dec), -1.0, np.nan)
    l3 = lo.copy()
    l3[3, 0] = 99.98
    s = simulate_book(o, o.copy(), l3, c, sell, **kw)
    assert s.fills["idx"].tolist() == [3] and s.fills["side"].tolist() == [1]
    assert s.fills["price"].tolist() == pytest.approx([99.97])


def test_stop_limit_fires_then_fills_by_the_limit_rule_with_the_maker_fee():
    o, h, lo, c = _flat(6)
    dec = np.full((6, 1), np.nan)
    dec[0, 0] = 1.0  # stop 100.02, limit 1 tick beyond: 100.03
    h[1, 0] = 100.50  # fires; closes at 100.00 <= 100.03 - 0.01: the limit traded through after the trigger
    kw = dict(init_cash=1000.0, tick_size=0.01, order_type="stop_limit", limit_offset=2, stop_limit_offset=1,
              taker_fee=0.001, maker_fee=0.0002, slippage_model="ticks", slippage=1.0)
    sim = simulate_book(o, h, lo, c, dec, **kw)
    assert sim.fills["idx"].tolist() == [1] and sim.fills["price"].tolist() == [100.03]
    assert sim.fills["fees"][0] == pytest.approx(sim.fills["size"][0] * 100.03 * 0.0002)  # maker, no slippage
    assert sim.fills["slippage"].tolist() == [0.0] and sim.fills["order_type"].tolist() == [3]
    # fired on bar 1 but closed at 100.03 (only a touch of the limit): it rests, and bar 3's low fills it
    c2, o2, h2, l2 = c.copy(), o.copy(), h.copy(), lo.copy()
    c2[1, 0] = 100.03
    o2[2, 0] = c2[2, 0] = h2[2, 0] = l2[2, 0] = 100.2  # no trade through 100.02 on bar 2
    o2[3, 0] = h2[3, 0] = c2[3, 0] = 100.2
    l2[3, 0] = 100.02
    rest = simulate_book(o2, h2, l2, c2, dec, **kw)
    assert rest.fills["idx"].tolist() == [3] and rest.limits["trigger_idx"].tolist() == [1]
    assert rest.limits["status"].tolist() == [0] and rest.limits["done_idx"].tolist() == [3]
    # the same under IOC expires on bar 2; an opposite decision on bar 2 cancels it
    ioc = simulate_book(o2, h2, l2, c2, dec, time_in_force="ioc", **kw)
    assert len(ioc.fills) == 0 and ioc.limits["status"].tolist() == [3] and ioc.limits["done_idx"].tolist() == [2]
    d2 = dec.copy()
    d2[1, 0] = -1.0
    opp = simulate_book(o2, h2, l2, c2, d2, **kw)
    assert opp.limits["status"].tolist()[0] == 2 and opp.limits["done_idx"].tolist()[0] == 1
    assert opp.limits["order_type"].tolist() == [3, 3] and opp.limits["weight"].tolist() == [1.0, -1.0]


def test_unknown_order_type_is_refused_with_the_valid_list():
    o, h, lo, c = _flat(3)
    with pytest.raises(ConfigError, match="'market', 'limit', 'stop', 'stop_limit'"):
        simulate_book(o, h, lo, c, np.full((3, 1), np.nan), order_type="trailing")
