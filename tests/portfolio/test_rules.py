"""One five-bar test per execution rule, with hand-computed numbers."""

from __future__ import annotations

import numpy as np
import pytest

import nexus as nx
from nexus.errors import ConfigError, ValidationError

C = np.array([10.0, 11.0, 12.0, 13.0, 14.0])
O = np.array([9.5, 10.5, 11.5, 12.5, 13.5])
H = np.array([10.5, 11.5, 12.75, 13.5, 14.5])
L = np.array([9.0, 10.0, 11.25, 12.0, 13.25])
E = np.array([0, 1, 0, 0, 0], bool)
X = np.array([0, 0, 0, 1, 0], bool)


def test_default_fills_at_next_open():
    pf = nx.Portfolio.from_signals(C, E, X, open=O, size=1.0, init_cash=100.0)
    assert pf.orders["idx"].tolist() == [2, 4]
    assert pf.orders["price"].tolist() == [11.5, 13.5]
    np.testing.assert_array_equal(pf.value, [100.0, 100.0, 100.5, 101.5, 102.0])


def test_close_fills_at_signal_close():
    pf = nx.Portfolio.from_signals(C, E, X, open=O, size=1.0, init_cash=100.0, price="close")
    assert pf.orders["idx"].tolist() == [1, 3]
    assert pf.orders["price"].tolist() == [11.0, 13.0]
    np.testing.assert_array_equal(pf.value, [100.0, 100.0, 101.0, 102.0, 102.0])


def test_next_worst_buys_at_high_sells_at_low():
    pf = nx.Portfolio.from_signals(C, E, X, open=O, high=H, low=L, size=1.0, init_cash=100.0, price="next_worst")
    assert pf.orders["price"].tolist() == [12.75, 13.25]
    assert pf.value[-1] == pytest.approx(100.5)


def test_without_open_next_open_is_previous_close():
    pf = nx.Portfolio.from_signals(C, E, X, size=1.0, init_cash=100.0)
    assert pf.orders["idx"].tolist() == [2, 4]
    assert pf.orders["price"].tolist() == [11.0, 13.0]


def test_signal_on_last_bar_never_fills():
    pf = nx.Portfolio.from_signals(C, [0, 0, 0, 0, 1], [0, 0, 0, 0, 0], open=O, size=1.0)
    assert len(pf.orders) == 0


# stops: long 1 unit entered at bar 0's close (100)
SC = np.array([100.0, 100.0, 100.0, 100.0, 100.0])
ENTRY0 = np.array([1, 0, 0, 0, 0], bool)
NOEXIT = np.zeros(5, bool)


def _stop_pf(o, h, lo, **kw):
    return nx.Portfolio.from_signals(SC, ENTRY0, NOEXIT, open=np.asarray(o, float), high=np.asarray(h, float),
                                     low=np.asarray(lo, float), size=1.0, price="close", init_cash=1000.0, **kw)


def test_stop_loss_intrabar_at_level():
    pf = _stop_pf([100, 99, 100, 100, 100], [100, 101, 100, 100, 100], [100, 94, 100, 100, 100], sl_stop=0.05)
    assert pf.orders["idx"].tolist() == [0, 1]
    assert pf.orders["price"][1] == 95.0
    assert pf.trades["exit_reason"].tolist() == [nx.portfolio.enums.Reason.sl]


def test_take_profit_intrabar_at_level():
    pf = _stop_pf([100, 100, 105, 100, 100], [100, 104, 111, 100, 100], [100, 98, 104, 100, 100], tp_stop=0.1)
    assert pf.orders["idx"].tolist() == [0, 2]
    assert pf.orders["price"][1] == pytest.approx(110.0)
    assert pf.trades["exit_reason"][0] == nx.portfolio.enums.Reason.tp


def test_stop_loss_wins_when_both_touched():
    pf = _stop_pf([100, 100, 100, 100, 100], [100, 111, 100, 100, 100], [100, 94, 100, 100, 100],
                  sl_stop=0.05, tp_stop=0.1)
    assert pf.orders["price"][1] == 95.0
    assert pf.trades["exit_reason"][0] == nx.portfolio.enums.Reason.sl


def test_gap_through_stop_fills_at_open():
    pf = _stop_pf([100, 90, 100, 100, 100], [100, 92, 100, 100, 100], [100, 88, 100, 100, 100], sl_stop=0.05)
    assert pf.orders["price"][1] == 90.0
    pf = _stop_pf([100, 115, 100, 100, 100], [100, 118, 100, 100, 100], [100, 114, 100, 100, 100], tp_stop=0.1)
    assert pf.orders["price"][1] == 115.0


def test_trailing_stop_follows_the_high():
    # bar 1 lifts the peak to 120 (low 105 stays above 108); bar 2 touches 120 x 0.9 = 108
    pf = _stop_pf([100, 110, 115, 100, 100], [100, 120, 116, 100, 100], [100, 105, 107, 100, 100], tsl_stop=0.1)
    assert pf.orders["idx"].tolist() == [0, 2]
    assert pf.orders["price"][1] == pytest.approx(108.0)
    assert pf.trades["exit_reason"][0] == nx.portfolio.enums.Reason.tsl


def test_stops_not_checked_on_entry_bar_and_short_mirror():
    # bar 0's low of 50 happened before the close entry: ignored
    pf = _stop_pf([100, 100, 100, 100, 100], [100, 100, 100, 100, 100], [50, 100, 100, 100, 100], sl_stop=0.05)
    assert len(pf.orders) == 1
    # short entered at 100: stop at 105 touched by bar 2's high
    pf = nx.Portfolio.from_signals(SC, ENTRY0, NOEXIT, direction="short", open=SC, high=[100, 104, 106, 100, 100],
                                   low=SC, size=1.0, price="close", sl_stop=0.05)
    assert pf.orders["idx"].tolist() == [0, 2]
    assert pf.orders["side"].tolist() == [1, 0]
    assert pf.orders["price"][1] == pytest.approx(105.0)


def test_fixed_slippage_and_fees():
    pf = nx.Portfolio.from_signals(SC, ENTRY0, [0, 0, 1, 0, 0], size=2.0, price="close", slippage=0.01,
                                   fees=0.001, fixed_fees=0.5, init_cash=1000.0)
    o = pf.orders
    assert o["price"].tolist() == [101.0, 99.0]
    np.testing.assert_allclose(o["fees"], [2 * 101 * 0.001 + 0.5, 2 * 99 * 0.001 + 0.5])
    np.testing.assert_allclose(o["slippage"], [2.0, 2.0])
    assert pf.value[-1] == pytest.approx(1000 - 2 * 101 + 2 * 99 - o["fees"].sum())


def test_spread_slippage_uses_bar_range():
    pf = nx.Portfolio.from_signals(SC, ENTRY0, NOEXIT, high=[102, 100, 100, 100, 100], low=[98, 100, 100, 100, 100],
                                   size=1.0, price="close", slippage=0.5, slippage_model="spread")
    assert pf.orders["price"][0] == 102.0  # 100 + 0.5 x (102 - 98)


def test_volume_slippage_square_root_and_participation_cap():
    vol = np.full(5, 100.0)
    pf = nx.Portfolio.from_signals(SC, ENTRY0, NOEXIT, volume=vol, size=4.0, price="close", slippage=0.1,
                                   slippage_model="volume", init_cash=10_000.0)
    assert pf.orders["price"][0] == pytest.approx(100 * (1 + 0.1 * np.sqrt(4 / 100)))
    pf = nx.Portfolio.from_signals(SC, ENTRY0, NOEXIT, volume=vol, size=50.0, price="close", slippage=0.1,
                                   slippage_model="volume", init_cash=10_000.0, max_participation=0.1)
    assert pf.orders["size"][0] == 10.0


def test_lot_and_tick_rounding():
    c = np.array([30.0, 30.0, 100.13, 100.13, 100.13])
    pf = nx.Portfolio.from_signals(c, ENTRY0, NOEXIT, price="close", lot_size=1.0, init_cash=1000.0)
    assert pf.orders["size"][0] == 33.0
    pf = nx.Portfolio.from_signals(c, [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], price="close", size=1.0, tick_size=0.25)
    assert pf.orders["price"].tolist() == [100.25, 100.0]


def test_futures_multiplier_pnl():
    c = np.array([100.0, 105.0, 110.0, 110.0, 110.0])
    pf = nx.Portfolio.from_signals(c, ENTRY0, [0, 0, 1, 0, 0], price="close", size=1.0, multiplier=20.0,
                                   init_cash=10_000.0, leverage=1.0)
    assert pf.trades["pnl"][0] == 200.0
    np.testing.assert_array_equal(pf.value, [10_000, 10_100, 10_200, 10_200, 10_200])


def test_funding_on_open_positions():
    pf = nx.Portfolio.from_signals(SC, ENTRY0, [0, 0, 0, 1, 0], price="close", size=2.0, init_cash=1000.0,
                                   funding_rate=0.01)
    # bars 0, 1, 2 end with 2 units open (bar 3 exits before the close's funding): 3 x 2 x 100 x 0.01
    assert pf.value[-1] == pytest.approx(1000.0 - 6.0)
    np.testing.assert_allclose(pf.cash, [798, 796, 794, 994, 994])


def test_leverage_cap():
    pf = nx.Portfolio.from_signals(SC, ENTRY0, NOEXIT, price="close", init_cash=1000.0, leverage=2.0)
    assert pf.orders["size"][0] == pytest.approx(20.0)
    pf = nx.Portfolio.from_signals(SC, ENTRY0, NOEXIT, price="close", init_cash=1000.0, fees=0.01)
    assert pf.orders["size"][0] == pytest.approx(1000 / (100 * 1.01))


def test_last_position_stays_open():
    c = np.array([10.0, 11.0, 12.0, 13.0, 14.0])
    pf = nx.Portfolio.from_signals(c, ENTRY0, NOEXIT, price="close", size=1.0, init_cash=100.0)
    assert len(pf.orders) == 1
    tr = pf.trades
    assert tr["status"][0] == nx.portfolio.enums.TradeStatus.open
    assert tr["exit_reason"][0] == nx.portfolio.enums.Reason.end
    assert tr["exit_idx"][0] == 4 and tr["pnl"][0] == 4.0
    assert pf.position[-1] == 1.0


def test_zero_cost_round_trip_is_exact():
    c = np.array([1234.25, 1250.5, 1199.75, 1300.125, 1300.125])
    for direction, sign in (("long", 1), ("short", -1)):
        pf = nx.Portfolio.from_signals(c, ENTRY0, [0, 0, 0, 1, 0], direction=direction, price="close", size=3.0,
                                       multiplier=20.0, init_cash=1e6, leverage=10.0)
        assert pf.trades["pnl"][0] == sign * 3.0 * (1300.125 - 1234.25) * 20.0
        assert pf.value[-1] - 1e6 == sign * 3.0 * (1300.125 - 1234.25) * 20.0


def test_reversal_is_close_plus_open():
    pf = nx.Portfolio.from_signals(C, [1, 0, 0, 0, 0], [0, 0, 1, 0, 0], direction="both", price="close", size=1.0)
    assert pf.orders["idx"].tolist() == [0, 2, 2]
    assert pf.orders["side"].tolist() == [0, 1, 1]
    assert pf.position.tolist() == [1, 1, -1, -1, -1]


def test_bad_inputs_are_named():
    with pytest.raises(ValidationError, match="row 2"):
        nx.Portfolio.from_signals([1.0, 2.0, np.nan, 3.0], [1, 0, 0, 0], [0, 0, 0, 0])
    with pytest.raises(ConfigError, match="entries has 3 bars"):
        nx.Portfolio.from_signals([1.0, 2.0, 3.0, 4.0], [1, 0, 0], [0, 0, 0, 0])
    with pytest.raises(ConfigError, match="volume"):
        nx.Portfolio.from_signals(C, E, X, slippage_model="volume", slippage=0.1)
    with pytest.raises(ConfigError, match="price="):
        nx.Portfolio.from_signals(C, E, X, price="tomorrow")
    with pytest.raises(ConfigError, match="fees"):
        nx.Portfolio.from_signals(C, E, X, fees=-0.1)
