"""Metrics against hand-made numbers, a plain-Python loop, and empyrical-reloaded."""

from __future__ import annotations

import empyrical
import numpy as np
import pandas as pd
import pytest

import nexus as nx
from nexus.metrics import stats

DAY = 86_400_000_000_000
T0 = 1_704_067_200_000_000_000  # 2024-01-01, a Monday


def test_hand_made_two_bars():
    s = stats(np.array([0.1, -0.1]), periods_per_year=1)
    assert s["Total Return [%]"] == pytest.approx(-1.0)
    assert s["Max Drawdown [%]"] == pytest.approx(-10.0)
    assert s["Max Drawdown [$]"] == pytest.approx(-0.11)
    assert s["Max Drawdown Duration [bars]"] == 1
    assert s["CAGR [%]"] == pytest.approx((0.99 ** 0.5 - 1) * 100)


def test_drawdown_duration_is_longest_stretch_under_water():
    # value: 1.1, 1.0, 1.05, 1.2 (recovered after 2 bars under water), 1.0, 1.0, 1.0 (3 bars to the end)
    v = np.array([1.1, 1.0, 1.05, 1.2, 1.0, 1.0, 1.0])
    r = v / np.r_[1.0, v[:-1]] - 1
    s = stats(r, periods_per_year=1)
    assert s["Max Drawdown Duration [bars]"] == 3
    assert s["Max Drawdown [%]"] == pytest.approx((1.0 / 1.2 - 1) * 100)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_per_bar_basis_matches_empyrical(seed):
    rng = np.random.default_rng(seed)
    r = rng.normal(0.0005, 0.01, size=(400, 3))
    s = stats(r, periods_per_year=252)
    assert s.loc["Annualisation [bars/year]"].tolist() == [252.0] * 3 and s.attrs["basis"] == "bar"
    for j in range(3):
        x = r[:, j]
        col = s[j]
        assert col["CAGR [%]"] / 100 == pytest.approx(empyrical.annual_return(x, annualization=252), rel=1e-9)
        assert col["Volatility (ann.) [%]"] / 100 == pytest.approx(
            empyrical.annual_volatility(x, annualization=252), rel=1e-9)
        assert col["Sharpe Ratio"] == pytest.approx(empyrical.sharpe_ratio(x, annualization=252), rel=1e-9)
        assert col["Sortino Ratio"] == pytest.approx(empyrical.sortino_ratio(x, annualization=252), rel=1e-9)
        assert col["Max Drawdown [%]"] / 100 == pytest.approx(empyrical.max_drawdown(x), rel=1e-9)
        assert col["Calmar Ratio"] == pytest.approx(empyrical.calmar_ratio(x, annualization=252), rel=1e-9)
        assert col["Total Return [%]"] / 100 == pytest.approx(empyrical.cum_returns_final(x), rel=1e-9)


def test_risk_free_matches_empyrical():
    rng = np.random.default_rng(5)
    x = rng.normal(0.001, 0.01, size=300)
    s = stats(x, periods_per_year=365, risk_free=0.0002)
    assert s["Sharpe Ratio"] == pytest.approx(empyrical.sharpe_ratio(x, risk_free=0.0002,
                                                                                annualization=365), rel=1e-9)
    assert s["Sortino Ratio"] == pytest.approx(empyrical.sortino_ratio(x, required_return=0.0002,
                                                                                  annualization=365), rel=1e-9)


def test_daily_basis_resamples_and_uses_365_for_weekends():
    rng = np.random.default_rng(3)
    n = 60 * 24 * 20  # 20 days of minutes, weekends included
    ts = T0 + np.arange(n, dtype=np.int64) * 60_000_000_000
    r = rng.normal(0, 0.0005, size=n)
    s = stats(pd.Series(r, index=pd.to_datetime(ts, utc=True)))
    daily = (1 + pd.Series(r, index=pd.to_datetime(ts, utc=True))).resample("1D").prod() - 1
    assert len(daily) == 20
    assert s["Annualisation [days/year]"] == 365 and s.attrs["basis"] == "daily" and "Annualisation [bars/year]" not in s
    assert s["Sharpe Ratio"] == pytest.approx(empyrical.sharpe_ratio(daily.to_numpy(), annualization=365),
                                                     rel=1e-9)
    assert s["CAGR [%]"] / 100 == pytest.approx(empyrical.annual_return(daily.to_numpy(), annualization=365),
                                                       rel=1e-9)
    assert s["Volatility (ann.) [%]"] / 100 == pytest.approx(
        empyrical.annual_volatility(daily.to_numpy(), annualization=365), rel=1e-9)
    # the drawdown is measured per bar, so it is at least as deep as the daily one
    assert s["Max Drawdown [%]"] / 100 <= empyrical.max_drawdown(daily.to_numpy()) + 1e-15


def test_weekday_only_data_uses_252():
    days = pd.bdate_range("2024-01-01", periods=30, tz="UTC")
    r = np.random.default_rng(4).normal(0, 0.01, size=30)
    s = stats(pd.Series(r, index=days))
    assert s["Annualisation [days/year]"] == 252
    assert s["Sharpe Ratio"] == pytest.approx(empyrical.sharpe_ratio(r, annualization=252), rel=1e-9)


def test_edge_cases():
    # zero variance: Sharpe NaN (documented; empyrical gives inf), Sortino inf with a positive mean
    s = stats(np.full(10, 0.001), periods_per_year=252)
    assert np.isnan(s["Sharpe Ratio"])
    assert s["Sortino Ratio"] == np.inf
    assert np.isnan(s["Calmar Ratio"])
    s = stats(np.zeros(10), periods_per_year=252)
    assert np.isnan(s["Sharpe Ratio"]) and np.isnan(s["Sortino Ratio"])
    # empty input: NaN
    s = stats(np.zeros(0), periods_per_year=252)
    assert np.isnan(s["Total Return [%]"]) and np.isnan(s["Sharpe Ratio"])
    # no trades
    pf = nx.Portfolio.from_signals(np.array([1.0, 2.0, 3.0]), [0, 0, 0], [0, 0, 0])
    st = stats(pf)
    assert st["Total Trades"] == 0 and np.isnan(st["Win Rate [%]"]) and np.isnan(st["Profit Factor"])
    assert st["Exposure [%]"] == 0 and st["Total Return [%]"] == 0


def test_leading_nan_is_flat_later_nan_refused():
    s = stats(np.array([np.nan, 0.1, -0.05]), periods_per_year=1)
    assert s["Total Return [%]"] == pytest.approx((1.1 * 0.95 - 1) * 100)
    with pytest.raises(nx.errors.ConfigError, match="row 2"):
        stats(np.array([0.1, 0.1, np.nan]), periods_per_year=1)


def test_portfolio_trade_stats_match_a_loop():
    rng = np.random.default_rng(7)
    n = 600
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, size=(n, 2)), axis=0))
    entries = rng.random((n, 2)) < 0.05
    exits = rng.random((n, 2)) < 0.05
    pf = nx.Portfolio.from_signals(close, entries, exits, fees=0.001, slippage=0.001, price="close",
                                   direction="both")
    st = pf.stats()
    assert isinstance(st, pd.DataFrame) and list(st.columns) == [0, 1]
    for j in range(2):
        tr = [t for t in pf.trades if t["col"] == j]
        closed = [t for t in tr if t["status"] == 1]
        pnl = [t["pnl"] for t in closed]
        wins = [p for p in pnl if p > 0]
        losses = [p for p in pnl if p < 0]
        col = st[j]
        assert col["Closed Trades"] == len(closed)
        assert col["Win Rate [%]"] == pytest.approx(100 * len(wins) / len(closed))
        assert col["Profit Factor"] == pytest.approx(sum(wins) / -sum(losses))
        assert col["Expectancy [$]"] == pytest.approx(sum(pnl) / len(pnl))
        assert col["Largest Win [$]"] == pytest.approx(max(wins))
        assert col["Largest Loss [$]"] == pytest.approx(min(losses))
        assert col["Avg Losing Trade [$]"] == pytest.approx(sum(losses) / len(losses))
        o = pf.orders[pf.orders["col"] == j]
        assert col["Fees Paid [$]"] == pytest.approx(o["fees"].sum())
        assert col["Slippage Paid [$]"] == pytest.approx(o["slippage"].sum())
        pos = pf.position[:, j]
        assert col["Exposure [%]"] == pytest.approx(100 * np.mean(pos != 0))
        assert col["Turnover [x]"] == pytest.approx((o["size"] * o["price"]).sum() / pf.value[:, j].mean())
        # per-bar returns of the value agree with empyrical's view of the same curve
        r = pf.returns[:, j]
        assert col["Max Drawdown [%]"] / 100 == pytest.approx(empyrical.max_drawdown(r), rel=1e-9)


def test_grouped_stats_sum_columns():
    close = np.array([[10.0, 20.0], [11.0, 19.0], [12.0, 21.0], [13.0, 22.0]])
    pf = nx.Portfolio.from_signals(close, [[1, 1], [0, 0], [0, 0], [0, 0]], [[0, 0], [0, 1], [0, 0], [1, 0]],
                                   price="close", size=1.0, init_cash=[100.0, 100.0], group_by=["a", "a"])
    np.testing.assert_allclose(pf.value, [[200], [200], [201], [202]])  # 100+{0,1,2,3} and 100+{0,-1,-1,-1}
    s = pf.stats()
    assert s["Closed Trades"] == 2 and s["Start Value"] == 200.0
    assert s["Exposure [%]"] == 75.0


def test_stats_from_public_arrays_equal_portfolio_stats():
    rng = np.random.default_rng(11)
    n = 3 * 1440
    ts = T0 + 4 * DAY + np.arange(n, dtype=np.int64) * 60_000_000_000  # Friday to Sunday: the 365-day basis
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.001, size=n)))
    en, ex = rng.random(n) < 0.01, rng.random(n) < 0.01
    pf = nx.Portfolio.from_signals(close, en, ex, fees=0.001, ts=ts, init_cash=1000.0)
    a = pf.stats()
    b = stats(equity=pf.value, init_cash=1000.0, trades=pf.trades, orders=pf.orders, ts=pf.ts)
    pd.testing.assert_series_equal(a, b, check_names=False)
    assert a["Annualisation [days/year]"] == 365 and a.attrs["basis"] == "daily"
    # the same curve as returns: every ratio agrees (only the currency scale differs)
    r = stats(pd.Series(pf.returns, index=pd.to_datetime(ts, utc=True)))
    for key in ("Total Return [%]", "CAGR [%]", "Sharpe Ratio", "Sortino Ratio", "Max Drawdown [%]"):
        assert r[key] == pytest.approx(a[key], rel=1e-12)
    # and the Sharpe ratio is the one of the daily returns of the value curve
    from nexus.metrics import daily_returns

    _, d = daily_returns(pf.value, ts, 1000.0)
    assert len(d) == 3
    assert a["Sharpe Ratio"] == pytest.approx(d.mean() / d.std(ddof=1) * np.sqrt(365), rel=1e-12)


def test_stats_needs_returns_or_equity():
    with pytest.raises(nx.errors.ConfigError, match="returns or equity"):
        stats()
    with pytest.raises(nx.errors.ConfigError, match="returns or equity"):
        stats(np.zeros(3), equity=np.ones(3))
