"""API edges: containers, lazy broadcasting, groups, causality, plot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

import nexus as nx
from nexus.errors import ConfigError
from nexus.lookahead import check_causal
from nexus.portfolio.broadcast import to_flex
from tests.conftest import make_bars


def _signals(close):
    fast = pd.Series(close).rolling(5).mean().to_numpy()
    slow = pd.Series(close).rolling(20).mean().to_numpy()
    above = fast > slow
    prev = np.r_[False, above[:-1]]
    return above & ~prev, ~above & prev


def test_pandas_and_polars_inputs_give_the_same_result():
    b = make_bars(400, seed=3)
    en, ex = _signals(b.close)
    base = nx.Portfolio.from_signals(b.close, en, ex, open=b.open, fees=0.001)
    idx = pd.to_datetime(b.ts, utc=True)
    pdf = nx.Portfolio.from_signals(pd.Series(b.close, index=idx), pd.Series(en, index=idx),
                                    pd.Series(ex, index=idx), open=pd.Series(b.open, index=idx), fees=0.001)
    plf = nx.Portfolio.from_signals(pl.Series("c", b.close), pl.Series(en), pl.Series(ex), open=pl.Series(b.open),
                                    fees=0.001, ts=b.ts)
    np.testing.assert_array_equal(base.value, pdf.value)
    np.testing.assert_array_equal(base.value, plf.value)
    assert pdf.ts is not None and pdf.ts[0] == b.ts[0]
    # 400 minutes of a Monday: no weekend bar, so the default basis is 252 days; crypto users can force 365
    assert pdf.stats()["Annualisation [days/year]"] == 252 and "Sharpe Ratio" in pdf.stats().index
    assert pdf.stats(year_days=365)["Annualisation [days/year]"] == 365
    assert isinstance(pdf.wrap(pdf.value), pd.Series)


def test_naive_datetime_index_is_refused_unless_tz_given():
    idx = pd.date_range("2024-01-01", periods=5, freq="1min")
    c = pd.Series([1.0, 2, 3, 4, 5], index=idx)
    with pytest.raises(nx.errors.NexusError):
        nx.Portfolio.from_signals(c, [1, 0, 0, 0, 0], [0, 0, 0, 0, 0])
    pf = nx.Portfolio.from_signals(c, [1, 0, 0, 0, 0], [0, 0, 0, 0, 0], tz="UTC")
    assert pf.ts[0] == pd.Timestamp("2024-01-01", tz="UTC").value


def test_parameter_vector_makes_columns_without_copies():
    b = make_bars(300, seed=4)
    en, ex = _signals(b.close)
    stops = [0.005, 0.01, 0.02]
    pf = nx.Portfolio.from_signals(b.close, en, ex, open=b.open, high=b.high, low=b.low, sl_stop=stops)
    assert pf.value.shape == (300, 3)
    for j, s in enumerate(stops):
        one = nx.Portfolio.from_signals(b.close, en, ex, open=b.open, high=b.high, low=b.low, sl_stop=s)
        np.testing.assert_array_equal(pf.value[:, j], one.value)
    # the flex form stays small: scalar (1, 1), per column (1, m), per bar (n, 1)
    assert to_flex(0.1, 300, 3, "x").shape == (1, 1)
    assert to_flex(stops, 300, 3, "x").shape == (1, 3)
    assert to_flex(np.zeros(300), 300, 3, "x").shape == (300, 1)
    with pytest.raises(ConfigError, match="fits neither"):
        to_flex([1.0, 2.0], 300, 3, "fees")


def test_per_bar_fees_apply_on_the_fill_bar():
    c = np.array([10.0, 10.0, 10.0, 10.0, 10.0])
    fees = np.array([0.0, 0.01, 0.0, 0.02, 0.0])
    pf = nx.Portfolio.from_signals(c, [0, 1, 0, 0, 0], [0, 0, 0, 1, 0], price="close", size=1.0, fees=fees)
    np.testing.assert_allclose(pf.orders["fees"], [0.1, 0.2])


def test_mismatched_widths_and_split_groups_are_refused():
    c = np.ones((10, 3)) * 5
    with pytest.raises(ConfigError, match="column counts"):
        nx.Portfolio.from_signals(c, np.zeros((10, 2), bool), np.zeros((10, 3), bool))
    with pytest.raises(ConfigError, match="split"):
        nx.Portfolio.from_signals(c, np.zeros((10, 3), bool), np.zeros((10, 3), bool), group_by=["a", "b", "a"],
                                  cash_sharing=True)
    with pytest.raises(ConfigError, match="init_cash"):
        nx.Portfolio.from_signals(c, np.zeros((10, 3), bool), np.zeros((10, 3), bool), init_cash=[1.0, 2.0])


def test_simulation_is_causal():
    """Truncating the bars at t changes no value, cash or position before t."""
    b = make_bars(500, seed=5)

    def run(bars):
        en, ex = _signals(bars.close)
        pf = nx.Portfolio.from_signals(bars.close, en, ex, open=bars.open, high=bars.high, low=bars.low,
                                       direction="both", fees=0.001, slippage=0.0005, sl_stop=0.004,
                                       tsl_stop=0.006, funding_rate=0.0001)
        return {"value": pf.value, "cash": pf.cash, "position": pf.position}

    check_causal(run, b, n_random=15).raise_if_failed()

    def run_targets(bars):
        w = np.where(np.arange(len(bars)) % 7 == 0, np.sin(np.arange(len(bars)) / 9.0), np.nan)
        pf = nx.Portfolio.from_targets(bars.close, w, open=bars.open, fees=0.001)
        return {"value": pf.value, "position": pf.position}

    check_causal(run_targets, b, n_random=15).raise_if_failed()


def test_plot_to_file_and_figure(tmp_path):
    b = make_bars(3000, seed=6)
    en, ex = _signals(b.close)
    pf = nx.Portfolio.from_signals(b.close, en, ex, open=b.open, ts=b.ts, direction="both")
    fig = pf.plot(tmp_path / "eq.png", max_points=600)
    assert (tmp_path / "eq.png").stat().st_size > 10_000
    ax1, ax2 = fig.axes
    # the decimated line keeps the extremes of the value curve
    y = ax1.lines[0].get_ydata()
    assert y.max() == pf.value.max() and y.min() == pf.value.min()
    assert len(ax1.collections) >= 2  # entry and exit markers
    with pytest.raises(ConfigError, match="out of range"):
        pf.plot(column=3)
