"""Resampling against pandas, as-of look-ups and alignment against brute force, causality."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nexus.data.bars import Bars
from nexus.data.calendar import NS_PER_MINUTE, session_bar_times
from nexus.data.resample import Aligned, align, asof, asof_index, complete_mask, group_index, resample
from nexus.data.timeframes import to_utc_ns
from nexus.errors import ConfigError, UnknownSymbolError, ValidationError
from nexus.lookahead import check_causal
from tests.conftest import make_bars

AGG = {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum", "trades": "sum",
       "quote_volume": "sum", "taker_buy_volume": "sum"}


def _with_gaps(b: Bars, seed: int, frac: float = 0.1) -> Bars:
    rng = np.random.default_rng(seed)
    keep = rng.random(len(b)) > frac
    keep[len(b) // 3: len(b) // 3 + 400] = False  # one long hole (hours with no bars)
    return b.take(keep)


def _full(b: Bars, seed: int = 0) -> Bars:
    """Add trades and quote volume so every aggregation rule is exercised."""
    rng = np.random.default_rng(seed)
    return b.with_columns(trades=rng.integers(1, 50, len(b)).astype(np.int64), quote_volume=b.volume * b.close)


def _crypto(n=6000, seed=0) -> Bars:
    b = make_bars(n, seed, symbol="BTCUSDT", t0=to_utc_ns("2024-03-07T13:37Z"))
    return _with_gaps(_full(b, seed), seed)


def _nq5(start="2024-03-01T00:00Z", end="2024-03-23T00:00Z", seed=1, gaps=True) -> Bars:
    """5-minute bars on the CME grid across the March 2024 DST change."""
    ts = session_bar_times(to_utc_ns(start), to_utc_ns(end), 5 * NS_PER_MINUTE, "CME_GLOBEX")
    b = make_bars(ts.size, seed, price=18000.0, symbol="NQ", timeframe="5m")
    b = _full(b.with_columns(ts=ts), seed)
    if gaps:
        rng = np.random.default_rng(seed)
        keep = rng.random(len(b)) > 0.05
        day = _trading_date(ts)
        keep &= ~((day.month == 3) & (day.day == 13))  # a whole missing trading day (Wednesday)
        b = b.take(keep)
    return b


def _pandas_reference(b: Bars, key: pd.Index | None = None, rule: str | None = None) -> pd.DataFrame:
    df = b.to_pandas()
    agg = {c: f for c, f in AGG.items() if c in df.columns}
    if rule is not None:
        out = df.resample(rule, label="left", closed="left", origin="epoch").agg(agg)
        return out[out["open"].notna()]
    return df.groupby(key).agg(agg)


def _assert_same(got: Bars, ref: pd.DataFrame, ref_ts: np.ndarray | None = None):
    ts = ref.index.as_unit("ns").asi8 if ref_ts is None else ref_ts
    np.testing.assert_array_equal(got.ts, ts)
    for c in ("open", "high", "low", "close"):
        np.testing.assert_array_equal(getattr(got, c), ref[c].to_numpy(), err_msg=c)
    for c in ("volume", "quote_volume", "taker_buy_volume"):
        if c in ref:
            np.testing.assert_allclose(getattr(got, c), ref[c].to_numpy(), rtol=1e-12, err_msg=c)
    if "trades" in ref:
        np.testing.assert_array_equal(got.trades, ref["trades"].to_numpy())


@pytest.mark.parametrize("tf, rule", [("5m", "5min"), ("15m", "15min"), ("1h", "1h"), ("4h", "4h"), ("1d", "24h")])
def test_24_7_matches_pandas_resample_with_gaps(tf, rule):
    b = _crypto()
    got = resample(b, tf)
    _assert_same(got, _pandas_reference(b, rule=rule))
    assert got.timeframe == tf and got.symbol == "BTCUSDT"


def test_weekly_bars_start_on_monday():
    b = make_bars(30_000, 2, symbol="ETHUSDT", t0=to_utc_ns("2024-01-03T05:00Z"))
    b = resample(b, "1h")
    got = resample(b, "1w")
    df = b.to_pandas()
    ref = df.groupby(df.index.tz_localize(None).to_period("W-SUN").start_time).agg({c: AGG[c] for c in df.columns})
    _assert_same(got, ref, ref_ts=ref.index.tz_localize("UTC").as_unit("ns").asi8)
    assert (pd.to_datetime(got.ts, unit="ns").day_of_week == 0).all()


def test_cme_hourly_matches_pandas():
    b = _nq5()
    got = resample(b, "1h")  # NQ -> CME_GLOBEX calendar from the instrument spec
    _assert_same(got, _pandas_reference(b, rule="1h"))
    assert got.meta["calendar"] == "CME_GLOBEX"


def _trading_date(ts: np.ndarray) -> pd.DatetimeIndex:
    local = pd.DatetimeIndex(pd.to_datetime(ts, unit="ns", utc=True)).tz_convert("America/Chicago")
    return (local.tz_localize(None) + pd.Timedelta(hours=7)).normalize()


def test_cme_daily_is_the_trading_day_not_the_utc_day():
    b = _nq5()
    got = resample(b, "1d")
    date = _trading_date(b.ts)
    ref = _pandas_reference(b, key=date)
    _assert_same(got, ref, ref_ts=ref.index.tz_localize("UTC").as_unit("ns").asi8)
    # 15 weekday sessions in the window minus the missing Wednesday (the Friday 2024-03-01 session is in)
    assert len(got) == 15
    # differs from naive UTC days: a UTC-day resample splits every session at midnight
    utc = resample(b, "1d", calendar="24/7")
    assert len(utc) != len(got) or not np.array_equal(utc.open, got.open)


def test_cme_4h_buckets_anchor_at_the_session_open():
    b = _nq5()
    got = resample(b, "4h")
    date = _trading_date(b.ts)
    open_local = date - pd.Timedelta(hours=7)  # 17:00 CT the evening before
    open_utc = open_local.tz_localize("America/Chicago").tz_convert("UTC")
    idx = pd.DatetimeIndex(pd.to_datetime(b.ts, unit="ns", utc=True))
    label = open_utc + ((idx - open_utc) // pd.Timedelta(hours=4)) * pd.Timedelta(hours=4)
    ref = _pandas_reference(b, key=label)
    _assert_same(got, ref)
    local_hours = pd.DatetimeIndex(pd.to_datetime(got.ts, unit="ns", utc=True)).tz_convert("America/Chicago").hour
    assert set(local_hours) <= {17, 21, 1, 5, 9, 13}


def test_nq_1h_from_5m_never_straddles_the_break():
    b = _nq5(gaps=False)
    h = resample(b, "1h")
    # the window opens at 18:00 CT inside the 2024-03-01 session (22 h left), then 15 whole sessions of 23 h
    assert len(h) == 22 + 15 * 23
    days = resample(b, "1d")
    via_hours = resample(h, "1d")
    np.testing.assert_allclose(days.volume, via_hours.volume, rtol=1e-12)
    for c in ("ts", "open", "high", "low", "close", "trades"):
        np.testing.assert_array_equal(getattr(days, c), getattr(via_hours, c))


def test_partial_last_bucket():
    b = make_bars(130, 0, t0=to_utc_ns("2024-01-01T00:00Z"))  # 2 h 10 min
    assert len(resample(b, "1h")) == 3
    assert len(resample(b, "1h", partial="drop")) == 2
    assert len(resample(b[:120], "1h", partial="drop")) == 2  # ends exactly on the hour: complete
    nq = _nq5(gaps=False)
    # the last 4h bucket of a session is 3 h long (13:00-16:00 CT) and complete
    assert len(resample(nq, "4h", partial="drop")) == len(resample(nq, "4h"))
    assert len(resample(nq[:-1], "1d", partial="drop")) == len(resample(nq, "1d")) - 1


def test_optional_columns_follow_the_input():
    b = make_bars(300, 0, taker=False)
    r = resample(b, "5m")
    assert r.columns == ("ts", "open", "high", "low", "close", "volume")
    assert len(resample(b[:0], "5m")) == 0


def test_group_index_matches_resample():
    b = _nq5()
    starts = group_index(b, "1d")
    r = resample(b, "1d")
    assert starts.size == len(r) + 1 and starts[-1] == len(b)
    np.testing.assert_array_equal(b.open[starts[:-1]], r.open)


def test_bad_input_errors():
    b = make_bars(100, 0, symbol="BTCUSDT")
    with pytest.raises(ConfigError, match="not a whole multiple of '1m'"):
        resample(b, "90s")
    with pytest.raises(ConfigError, match="timeframe"):
        resample(b, "5x")
    with pytest.raises(ConfigError, match="no timeframe"):
        resample(b.with_columns(timeframe=""), "5m")
    unsorted = b.take(np.r_[0:50, 60, 50:60, 61:100])
    with pytest.raises(ValidationError, match="BTCUSDT 1m row 51: timestamps must be strictly increasing"):
        resample(unsorted, "5m")
    with pytest.raises(ConfigError, match="only '1d'"):
        resample(_nq5(), "2d")
    with pytest.raises(ConfigError, match="partial"):
        resample(b, "5m", partial="maybe")
    with pytest.raises(ConfigError, match="takes a nexus Bars"):
        resample(b.to_pandas(), "5m")


# ------------------------------------------------------------------ as-of
def test_asof_index_against_loop():
    r = resample(_crypto(2000), "15m")
    rng = np.random.default_rng(0)
    at = np.sort(rng.integers(int(r.ts[0]) - 10**11, int(r.close_ts[-1]) + 10**11, 500))
    at = np.concatenate([at, r.close_ts[:5], r.close_ts[:5] - 1])
    ref = np.array([max([j for j in range(len(r)) if r.close_ts[j] <= t], default=-1) for t in at])
    np.testing.assert_array_equal(asof_index(r, at), ref)
    vals = asof(r, at, "high")
    np.testing.assert_array_equal(vals[ref >= 0], r.high[ref[ref >= 0]])
    assert np.isnan(vals[ref < 0]).all()
    assert complete_mask(r, int(r.close_ts[3])).sum() == 4
    with pytest.raises(ConfigError, match="no column 'trades'"):
        asof(make_bars(10), at, "trades")


# ------------------------------------------------------------------ align
def _align_reference(bars: Bars, clock_close: np.ndarray, start: int) -> dict[str, np.ndarray]:
    m = clock_close.size
    out = {k: np.full(m, np.nan) for k in ("open", "high", "low", "close", "volume")}
    out["fresh"] = np.zeros(m, bool)
    out["idx"] = np.full(m, -1)
    ct = bars.close_ts
    for i in range(m):
        prev = start if i == 0 else clock_close[i - 1]
        new = np.flatnonzero((ct > prev) & (ct <= clock_close[i]))
        known = np.flatnonzero(ct <= clock_close[i])
        last = known[-1] if known.size else -1
        out["idx"][i] = last
        out["close"][i] = bars.close[last] if last >= 0 else np.nan
        if new.size:
            out["fresh"][i] = True
            out["open"][i] = bars.open[new[0]]
            out["high"][i] = bars.high[new].max()
            out["low"][i] = bars.low[new].min()
            out["volume"][i] = bars.volume[new].sum()
        else:
            out["open"][i] = out["high"][i] = out["low"][i] = out["close"][i]
            out["volume"][i] = 0.0
    return out


def test_align_nq_on_the_crypto_minute_clock_matches_brute_force():
    t0 = to_utc_ns("2024-03-08T12:00Z")  # Friday: covers the close, the weekend and the Sunday open
    clock = make_bars(4 * 1440, 3, symbol="BTCUSDT", t0=t0)
    nq5 = _nq5("2024-03-07T00:00Z", "2024-03-13T00:00Z", gaps=True)
    nq1h = resample(nq5, "1h")
    a = align([clock, nq5, nq1h], clock)
    assert isinstance(a, Aligned) and a.close.shape == (len(clock), 3)
    assert a.symbols == ("BTCUSDT", "NQ", "NQ") and a.calendars == ("24/7", "CME_GLOBEX", "CME_GLOBEX")
    for j, b in enumerate([clock, nq5, nq1h]):
        ref = _align_reference(b, clock.close_ts, int(clock.ts[0]))
        np.testing.assert_array_equal(a.bar_index[:, j], ref["idx"])
        np.testing.assert_array_equal(a.fresh[:, j], ref["fresh"])
        for k in ("open", "high", "low", "close"):
            np.testing.assert_array_equal(getattr(a, k)[:, j], ref[k], err_msg=f"{k} col {j}")
        np.testing.assert_allclose(a.volume[:, j], ref["volume"], rtol=1e-12)
    # the clock symbol on its own clock is itself
    np.testing.assert_array_equal(a.close[:, 0], clock.close)
    assert a.fresh[:, 0].all()


def test_align_never_invents_trades_in_closed_hours():
    t0 = to_utc_ns("2024-03-08T12:00Z")
    clock = make_bars(4 * 1440, 3, symbol="BTCUSDT", t0=t0)
    nq5 = _nq5("2024-03-01T00:00Z", "2024-03-13T00:00Z", gaps=False)
    a = align([nq5], clock)
    col = a.column("NQ")
    closed = ~col["in_session"]
    assert closed.sum() > 2 * 1440  # the weekend and four daily breaks
    assert not col["fresh"][closed].any()
    assert (col["volume"][closed] == 0).all()
    # prices hold at the last close while closed (no invented moves)
    assert (col["high"][closed] == col["close"][closed]).all()
    # NQ trades 23 of 24 h on weekdays: a fresh 5m bar every fifth minute in session
    assert col["fresh"].sum() == ((nq5.close_ts > clock.ts[0]) & (nq5.close_ts <= clock.close_ts[-1])).sum()
    # volume is conserved: every NQ bar closing inside the clock is counted once
    inside = (nq5.close_ts > clock.ts[0]) & (nq5.close_ts <= clock.close_ts[-1])
    assert col["volume"].sum() == pytest.approx(nq5.volume[inside].sum(), rel=1e-12)
    # an intraday bar only arrives while the market is (just) open
    assert col["in_session"][col["fresh"]].all()
    np.testing.assert_array_equal(a["volume"][:, 0], col["volume"])
    assert set(a.keys()) >= {"close", "fresh", "in_session", "bar_index"}
    with pytest.raises(KeyError, match="fields"):
        a["vwap"]
    df = a.to_pandas("close")
    assert list(df.columns) == ["NQ"] and len(df) == len(clock)
    with pytest.raises(UnknownSymbolError):
        a.column("ES")


def test_align_array_clock_and_errors():
    b = resample(make_bars(600, 0), "5m")
    clock = b.close_ts[::2]
    a = align([b], clock)
    np.testing.assert_array_equal(a.close[:, 0], b.close[::2])
    # row 0 counts only bars closing exactly at clock[0]; later rows two bars each
    np.testing.assert_allclose(a.volume[1:, 0], b.volume[1:-1:2] + b.volume[2::2][: len(clock) - 1], rtol=1e-12)
    assert a.volume[0, 0] == b.volume[0]
    np.testing.assert_array_equal(a.taker_buy_volume[:, 0] > 0, np.ones(len(clock), bool))
    assert np.isnan(a.trades).all()  # make_bars has no trades column
    with pytest.raises(ValidationError, match="clock row 2"):
        align([b], np.array([3, 5, 4]) * 10**9)
    with pytest.raises(ConfigError, match="int64 ns"):
        align([b], np.array([1.5, 2.5]))
    with pytest.raises(ConfigError, match="at least one"):
        align([], clock)
    with pytest.raises(ConfigError, match="2 calendars for 1"):
        align([b], clock, calendars=["24/7", "24/7"])


# ------------------------------------------------------------------ causality
def test_higher_timeframe_on_the_minute_clock_is_causal():
    b = make_bars(3000, 5, symbol="BTCUSDT")
    report = check_causal(lambda x: align([x, resample(x, "15m"), resample(x, "1h")], x), b, n_random=25,
                          extra_cuts=[14, 15, 16, 59, 60, 61])
    assert report.ok, report.summary()
    report = check_causal(lambda x: asof(resample(x, "1h"), x.close_ts, "close"), b, n_random=25)
    assert report.ok, report.summary()


def test_session_resample_on_a_5m_clock_is_causal():
    nq5 = _nq5(gaps=True)
    report = check_causal(lambda x: align([resample(x, "1d"), resample(x, "4h"), resample(x, "1h")], x), nq5, n_random=25)
    assert report.ok, report.summary()


def test_reading_by_open_time_would_be_caught():
    # negative control: using bar open times as if they were close times peeks into the bucket
    b = make_bars(2000, 6)

    def leaky(x):
        r = resample(x, "15m")
        return r.close[np.maximum(asof_index(r.ts, x.close_ts), 0)]

    assert not check_causal(leaky, b, n_random=10).ok


def test_docstring_examples_run():
    import doctest

    import nexus.data.resample as mod

    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
