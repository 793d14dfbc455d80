"""Sweeps: the best row is an independent single backtest, chunking and engines change nothing."""

import numpy as np
import pandas as pd
import pytest

import nexus as nx
from nexus.metrics import daily_returns
from nexus.sweep.grid import chunks, expand_grid
from nexus.sweep.walkforward import make_windows, walk_forward
from tests.conftest import make_bars

GRID = {"fast": [5, 10, 20], "slow": [40, 80]}
SIM = dict(fees=0.001, slippage=0.0005, price="close", init_cash=10_000.0)


@pytest.fixture(scope="module")
def bars():
    # 5-minute bars over three weeks: weekends included, so the daily basis is 365 days
    return make_bars(6000, seed=11, vol=0.003, timeframe="5m", step_ns=300_000_000_000)


@pytest.fixture(scope="module")
def result(bars):
    return nx.sweep("sma_crossover", GRID, data=bars, progress=False, **SIM)


def _single(bars, fast, slow):
    from nexus.strategies import signals

    sig = signals(bars, ["sma_crossover"], params={"sma_crossover": {"fast": fast, "slow": slow}}).signal[:, 0]
    close = bars.to_pandas()["close"]  # the index carries the timestamps for the daily basis
    return nx.Portfolio.from_signals(close, sig == 1, sig == -1, open=bars.open, high=bars.high, low=bars.low, **SIM)


def test_best_row_equals_an_independent_single_backtest(bars, result):
    best = result.best_params
    pf = _single(bars, **best)
    st = nx.stats(pf)
    key = result.metric_key
    assert result.best[key] == st[key]  # exactly
    assert result.best["End Value"] == st["End Value"]
    assert result.best["Trades"] == len(pf.trades)
    # and the table really is sorted by the metric
    assert (np.diff(result.table[key].to_numpy()) <= 0).all()
    assert len(result.table) == 6


def test_every_row_matches_its_own_backtest(bars, result):
    for (fast, slow), row in result.table.iterrows():
        pf = _single(bars, fast, slow)
        assert row["End Value"] == pytest.approx(float(np.asarray(pf.value)[-1]), rel=1e-12)


def test_chunk_size_changes_nothing(bars, result):
    other = nx.sweep("sma_crossover", GRID, data=bars, progress=False, chunk_columns=1, **SIM)
    pd.testing.assert_frame_equal(other.table, result.table)
    np.testing.assert_array_equal(other.trial_returns, result.trial_returns)


def test_overfitting_stats_are_reported(result):
    of = result.overfitting
    assert 0.0 <= of["psr"] <= 1.0 and 0.0 <= of["dsr"] <= of["psr"]
    assert of["n_trials"] == 6
    assert 0.0 <= of["pbo"] <= 1.0


def test_daily_returns_compound_to_the_final_value():
    ts = np.arange(5) * 12 * 3_600_000_000_000  # half-days
    value = np.array([[100.0], [110.0], [99.0], [120.0], [126.0]])
    day_ts, r = daily_returns(value, ts, 100.0)
    np.testing.assert_allclose(r[:, 0], [110 / 100 - 1, 120 / 110 - 1, 126 / 120 - 1])
    assert np.prod(1 + r[:, 0]) * 100 == pytest.approx(126.0)


def test_grid_random_is_seeded_and_constrained():
    g = {"fast": range(1, 30), "slow": range(1, 30)}
    a = expand_grid(g, method="random", n_iter=25, seed=4, where=lambda p: p["fast"] < p["slow"])
    b = expand_grid(g, method="random", n_iter=25, seed=4, where=lambda p: p["fast"] < p["slow"])
    assert a == b and len(a) == 25 and all(p["fast"] < p["slow"] for p in a)
    assert len(expand_grid(g, where=lambda p: p["fast"] < p["slow"])) == 29 * 28 // 2
    assert [len(c) for c in chunks(list(range(10)), 4)] == [4, 4, 2]
    with pytest.raises(nx.errors.ConfigError, match="unknown"):
        nx.sweep("sma_crossover", GRID, data=make_bars(100), metric="nope")


def test_heatmap_writes_a_png(result, tmp_path):
    path = tmp_path / "heat.png"
    result.heatmap("fast", "slow", path=str(path))
    assert path.stat().st_size > 1000


def test_walk_forward_windows_and_stitching(bars):
    wins = make_windows(len(bars), n_windows=3, train_ratio=2)
    for w in wins:
        assert w.train_start < w.train_end < w.test_end
    assert all(a.test_end == b.train_end for a, b in zip(wins, wins[1:]))  # test spans tile without overlap
    wf = walk_forward("sma_crossover", GRID, data=bars, n_windows=3, train_ratio=2, **SIM)
    assert len(wf.windows) == 3
    # each window's out-of-sample end value equals an independent run of its chosen parameters
    cash = SIM["init_cash"]
    for i, w in enumerate(wins):
        row = wf.windows.loc[i]
        span = bars[w.train_start:w.test_end]
        from nexus.strategies import signals

        sig = signals(span, ["sma_crossover"], params={"sma_crossover": {"fast": int(row["fast"]), "slow": int(row["slow"])}}).signal[:, 0]
        k = w.train_end - w.train_start
        b = span[k:]
        s = sig[k:]
        pf = nx.Portfolio.from_signals(b.close, s == 1, s == -1, open=b.open, high=b.high, low=b.low,
                                       **{**SIM, "init_cash": cash})
        cash = float(np.asarray(pf.value)[-1])
        assert row["OOS End Value"] == pytest.approx(cash, rel=1e-12)
    assert wf.equity.iloc[-1] == pytest.approx(cash, rel=1e-9)


@pytest.mark.ray
def test_ray_engine_gives_the_same_table(bars, result):
    ray = pytest.importorskip("ray")
    try:
        other = nx.sweep("sma_crossover", GRID, data=bars, progress=False, engine="ray", num_cpus=2, chunk_columns=2, **SIM)
    finally:
        ray.shutdown()
    pd.testing.assert_frame_equal(other.table, result.table)
    np.testing.assert_array_equal(other.trial_returns, result.trial_returns)
