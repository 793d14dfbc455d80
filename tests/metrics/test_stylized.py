"""Stylized facts against independent references: pandas autocorrelation, scipy kurtosis, plain loops."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from nexus.data.bars import Bars
from nexus.errors import DataError
from nexus.metrics import stylized as S

MIN = 60_000_000_000
HOUR = 60 * MIN


def _walk(n, seed=0, sd=1e-3, tf=MIN):
    rng = np.random.default_rng(seed)
    ts = np.arange(n, dtype=np.int64) * tf
    close = 100 * np.exp(np.cumsum(rng.normal(0, sd, n)))
    return ts, close


def test_acf_and_kurtosis_match_pandas_and_scipy():
    x = np.random.default_rng(3).standard_t(5, 5_000)
    s = pd.Series(x)
    # pandas' autocorr uses per-segment means; the sample ACF uses the full mean: compare with a plain loop
    d = x - x.mean()
    for lag in (1, 5, 30):
        ref = sum(d[i] * d[i - lag] for i in range(lag, len(d))) / sum(v * v for v in d)
        assert S.acf(x, [lag])[0] == pytest.approx(ref, rel=1e-10)
        assert S.acf(x, [lag])[0] == pytest.approx(s.autocorr(lag), abs=0.01)
    assert S.excess_kurtosis(x) == pytest.approx(sps.kurtosis(x, fisher=True, bias=True), rel=1e-10)


def test_hill_tail_index_of_a_pareto_sample():
    x = np.random.default_rng(4).pareto(3.0, 200_000) + 1.0  # tail index 3
    assert S.hill_tail_index(x, tail=0.02) == pytest.approx(3.0, rel=0.1)


def test_momentum_sharpe_matches_a_plain_loop():
    rng = np.random.default_rng(5)
    lc = np.cumsum(rng.normal(0.0, 0.01, 3_000))
    L, ppy = 7, 8760.0
    pnl = []
    for t in range(L, len(lc) - 1):
        sig = np.sign(lc[t] - lc[t - L])
        pnl.append(sig * (math.exp(lc[t + 1] - lc[t]) - 1))
    pnl = np.array(pnl)
    ref = pnl.mean() / pnl.std() * math.sqrt(ppy)
    assert S.momentum_sharpe(lc, L, ppy) == pytest.approx(ref, rel=1e-10)


def test_a_trending_series_earns_and_a_random_walk_does_not():
    n = 120 * 24 * 60
    ts, close = _walk(n, seed=1)
    f = S.facts_from_arrays(ts, close, close, np.ones(n), timeframe_ns=MIN, name="rw")
    assert all(abs(v) < 1.5 for v in f.figures["momentum_sharpe"].values())
    # AR(1) positive autocorrelation of hourly returns: momentum earns, and the acf verdict fails
    rng = np.random.default_rng(2)
    e = rng.normal(0, 1e-3, n // 60)
    r = np.empty_like(e)
    r[0] = e[0]
    for i in range(1, r.size):
        r[i] = 0.3 * r[i - 1] + e[i]
    lc = np.cumsum(r)
    ts_h = np.arange(lc.size, dtype=np.int64) * HOUR
    g = S.facts_from_arrays(ts_h, np.exp(lc), np.exp(lc), np.ones(lc.size), timeframe_ns=HOUR, name="ar")
    assert g.figures["acf_r"]["1"] == pytest.approx(0.3, abs=0.03)
    assert g.figures["momentum_sharpe"]["6"] > 5
    failed = {v.fact for v in g.failed()}
    assert "acf r lag 1h" in failed and "momentum/reversal L=6h" in failed


def test_hourly_clock_takes_the_last_close_of_each_hour():
    n = 30 * 24 * 60
    ts, close = _walk(n, seed=6)
    f = S.facts_from_arrays(ts, close, close, np.ones(n), timeframe_ns=MIN)
    hourly = close[59::60]  # bar opened at hh:59 closes the hour
    r = np.diff(np.log(hourly))
    assert f.figures["returns"] == r.size
    assert f.figures["excess_kurtosis"] == pytest.approx(sps.kurtosis(r), rel=1e-9)
    ppy = r.size / (n * MIN / S.NS_YEAR)
    assert f.figures["annual_volatility"] == pytest.approx(r.std() * math.sqrt(ppy), rel=1e-9)


def test_open_close_and_volume_facts():
    n = 30 * 24 * 60
    ts, close = _walk(n, seed=7)
    rng = np.random.default_rng(8)
    open_ = np.r_[close[0], close[:-1]].copy()
    moved = rng.random(n) < 0.7
    open_[moved] *= 1.0001
    r = np.abs(np.diff(np.log(close)))
    volume = np.r_[1.0, 1.0 + 500 * r]
    f = S.facts_from_arrays(ts, open_, close, volume, timeframe_ns=MIN)
    assert f.figures["open_ne_prev_close"] == pytest.approx(np.mean(open_[1:] != close[:-1]))
    assert f.figures["volume_abs_r_corr"] == pytest.approx(np.corrcoef(volume[1:], r)[0, 1], rel=1e-9)


def test_bad_input_gets_one_line_errors():
    ts, close = _walk(3_000)  # 50 hourly returns: too few for a 24-hour autocorrelation
    with pytest.raises(DataError, match="too short.*lag of 24 hours.*49 returns, at least 116") as e:
        S.facts_from_arrays(ts, close, close, np.ones(3_000), timeframe_ns=MIN, name="BTCUSDT/1m")
    assert "BTCUSDT/1m" in str(e.value) and "\n" not in str(e.value)
    n = 60 * 24 * 60
    ts, close = _walk(n)
    close[10] = 0.0
    with pytest.raises(DataError, match="XRPUSDT/1m: non-positive.*bar 10"):
        S.facts_from_arrays(ts, close, close, np.ones(n), timeframe_ns=MIN, name="XRPUSDT/1m")


def test_stylized_facts_reads_bars_and_is_exported():
    import nexus as nx

    n = 60 * 24 * 60
    ts, close = _walk(n, seed=9)
    b = Bars.from_arrays(ts=ts, open=close, high=close, low=close, close=close, volume=np.ones(n), symbol="BTCUSDT", timeframe="1m")
    f = nx.stylized_facts(b)
    assert f.name == "BTCUSDT/1m" and set(f.figures["momentum_sharpe_1m"]) == {"5", "15", "60"}
    vol = next(v for v in f.verdicts if v.fact == "annual volatility")
    assert vol.band == S.VOL_BANDS["BTC"]
    d = f.to_dict()
    assert d["series"] == "BTCUSDT/1m" and len(d["verdicts"]) == len(f.verdicts)


def test_facts_figure_renders(tmp_path):
    from nexus.report.facts_figures import save_facts_figure

    n = 60 * 24 * 60
    ts, close = _walk(n, seed=10)
    f = S.facts_from_arrays(ts, close, close, np.ones(n), timeframe_ns=MIN)
    p = save_facts_figure(f, tmp_path / "f.png")
    assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_doctests():
    import doctest

    import nexus.metrics.stylized as mod
    import nexus.report.facts_figures as fig

    for m in (mod, fig):
        r = doctest.testmod(m)
        assert r.attempted > 0 and r.failed == 0, m.__name__


def test_acf_on_clock_pairs_values_a_clock_time_apart():
    x = np.random.default_rng(11).normal(size=400)
    # complete clock: the plain sample ACF
    np.testing.assert_allclose(S.acf_on_clock(x, np.arange(400), [1, 7, 24]), S.acf(x, [1, 7, 24]), rtol=1e-12)
    # a session clock: 8 closed slots after every 16 open ones (like a market shut at night)
    slots = np.array([k + 8 * (k // 16) for k in range(400)])
    d = x - x.mean()
    where = {int(s): i for i, s in enumerate(slots)}
    for lag in (1, 24):
        pairs = [(i, where[s + lag]) for i, s in enumerate(slots) if s + lag in where]
        ref = sum(d[i] * d[j] for i, j in pairs) / (d @ d) * (len(x) - lag) / len(pairs)
        assert S.acf_on_clock(x, slots, [lag])[0] == pytest.approx(ref, rel=1e-12)
