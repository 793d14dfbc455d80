"""validate(): every rule against a plain-Python reference, clear messages, all input kinds."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import polars as pl
import pytest

from nexus.data.bars import Bars
from nexus.data.validate import RULES, validate
from nexus.errors import ValidationError
from tests.conftest import MINUTE_NS, T0, make_bars


def reference_rows(ts, o, h, l, c, v, tb, tf):
    """Offending rows per rule, one bar at a time."""
    out = {r: [] for r in ("nan_inf", "non_positive_price", "high_below_open_close", "low_above_open_close",
                           "negative_volume", "taker_buy_outside_volume", "unsorted_timestamps",
                           "duplicate_timestamps", "spacing_not_multiple", "gaps")}
    for i in range(len(ts)):
        vals = [o[i], h[i], l[i], c[i], v[i], tb[i]]
        if any(not math.isfinite(x) for x in vals):
            out["nan_inf"].append(i)
        if any(x <= 0 for x in (o[i], h[i], l[i], c[i])):
            out["non_positive_price"].append(i)
        if h[i] < max(o[i], c[i]):
            out["high_below_open_close"].append(i)
        if l[i] > min(o[i], c[i]):
            out["low_above_open_close"].append(i)
        if v[i] < 0:
            out["negative_volume"].append(i)
        if tb[i] < 0 or tb[i] > v[i] * (1 + 1e-9) + 1e-12:
            out["taker_buy_outside_volume"].append(i)
        if i:
            d = ts[i] - ts[i - 1]
            if d < 0:
                out["unsorted_timestamps"].append(i)
            elif d == 0:
                out["duplicate_timestamps"].append(i)
            elif d % tf:
                out["spacing_not_multiple"].append(i)
            elif d > tf:
                out["gaps"].append(i)
    return out


def corrupt(n=2000, seed=0):
    """Random bars with every kind of defect sprinkled in."""
    b = make_bars(n, seed=seed, symbol="ETHUSDT")
    rng = np.random.default_rng(seed)
    cols = {k: getattr(b, k).copy() for k in ("ts", "open", "high", "low", "close", "volume", "taker_buy_volume")}
    pick = lambda k: rng.choice(n, k, replace=False)  # noqa: E731
    cols["close"][pick(5)] = np.nan
    cols["open"][pick(3)] = np.inf
    cols["low"][pick(4)] = -1.0
    i = pick(6)
    cols["high"][i] = np.minimum(cols["open"][i], cols["close"][i]) * 0.99
    i = pick(6)
    cols["low"][i] = np.maximum(cols["open"][i], cols["close"][i]) * 1.01
    cols["volume"][pick(4)] = -5.0
    i = pick(5)
    cols["taker_buy_volume"][i] = cols["volume"][i] * 1.5
    ts = cols["ts"]
    ts[500:] += 7 * MINUTE_NS  # one gap of 7 bars
    ts[900:] += 30_000_000_000  # half a minute off the grid from here on (one bad spacing)
    ts[1200] = ts[1199]  # duplicate
    ts[1500], ts[1501] = ts[1501], ts[1500]  # swapped pair
    return Bars.from_arrays(symbol="ETHUSDT", timeframe="1m", **cols)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_rule_matches_reference(seed):
    b = corrupt(seed=seed)
    rep = validate(b)
    ref = reference_rows(b.ts, b.open, b.high, b.low, b.close, b.volume, b.taker_buy_volume, MINUTE_NS)
    for rule, rows in ref.items():
        chk = rep.checks[rule]
        assert chk.count == len(rows), rule
        assert chk.rows.tolist() == rows[:10], rule
    assert not rep.ok
    assert {c.rule for c in rep.errors} == {r for r, rows in ref.items() if rows and RULES[r][0] == "error"}
    assert [c.rule for c in rep.warnings] == ["gaps"]


def test_clean_bars_pass_and_gaps_are_only_warnings():
    b = make_bars(1000, seed=4)
    keep = np.ones(1000, bool)
    keep[100:110] = False  # 10 missing bars in one gap
    keep[700] = False
    rep = validate(b.take(keep), timeframe="1m")
    assert rep.ok
    assert rep.checks["gaps"].count == 2 and rep.checks["gaps"].rows.tolist() == [100, 690]  # input rows 110 and 701
    assert rep.missing_bars == 11
    assert rep.raise_if_failed() is rep
    assert "warn  gaps: 2 (11 bars missing)" in rep.summary()


def test_message_names_symbol_row_time_rule_and_fix():
    b = make_bars(50, seed=1, symbol="SOLUSDT")
    vol = b.volume.copy()
    vol[[7, 9, 30]] = -1.0
    with pytest.raises(ValidationError) as exc:
        validate(b.with_columns(volume=vol)).raise_if_failed()
    msg = str(exc.value)
    assert msg.startswith("SOLUSDT 1m row 7 (2024-01-01T00:07:00+00:00): rule 'negative_volume'")
    assert "volume=-1.0" in msg and "3 row(s) fail it (first: 7, 9, 30)" in msg and "fix:" in msg
    assert "\n" not in msg
    assert exc.value.report.checks["negative_volume"].count == 3


def test_several_failed_rules_are_all_named():
    b = make_bars(40, seed=2)
    close = b.close.copy()
    close[3] = np.nan
    tb = b.taker_buy_volume.copy()
    tb[5] = -1
    with pytest.raises(ValidationError, match=r"row 3 .*'nan_inf'.*also failed: taker_buy_outside_volume \(1\)"):
        validate(b.with_columns(close=close, taker_buy_volume=tb)).raise_if_failed()


def test_timeframe_mismatch_and_inference():
    b = make_bars(300, seed=3, step_ns=5 * MINUTE_NS, timeframe="")
    rep = validate(b, timeframe="1m", symbol="NQ")
    assert not rep.ok and rep.checks["timeframe_mismatch"].failed
    assert "declared 1m but the most common spacing is 5m; pass timeframe='5m'" in rep.checks["timeframe_mismatch"].detail
    rep = validate(b)
    assert rep.ok and rep.inferred_timeframe == "5m" and rep.timeframe == "5m"
    assert validate(b, timeframe="5m").ok


def test_pandas_and_polars_frames_agree_with_bars():
    b = corrupt(seed=5)
    rb = validate(b)
    df = b.to_pandas()
    rp = validate(df, timeframe="1m", symbol="ETHUSDT")
    rl = validate(b.to_polars(), timeframe="1m", symbol="ETHUSDT")
    for r in (rp, rl):
        assert {k: (c.count, c.rows.tolist()) for k, c in r.checks.items()} == {k: (c.count, c.rows.tolist()) for k, c in rb.checks.items()}
    # a ts column instead of an index
    assert validate(df.reset_index(), timeframe="1m").checks["duplicate_timestamps"].count == 1


def test_naive_timestamps_refused_unless_zone_named():
    b = make_bars(100, seed=6)
    df = b.to_pandas()
    df.index = df.index.tz_localize(None)
    rep = validate(df, timeframe="1m", symbol="X")
    assert not rep.ok and rep.checks["naive_timezone"].failed
    with pytest.raises(ValidationError, match=r"X 1m all rows: rule 'naive_timezone'.*tz='UTC'"):
        rep.raise_if_failed()
    assert validate(df, timeframe="1m", tz="UTC").ok
    # the same wall times read in Chicago are shifted by the zone offset
    rep = validate(df, timeframe="1m", tz="America/Chicago")
    assert rep.ok and rep.ts[0] == b.ts[0] + 6 * 3600 * 10**9
    pl_naive = pl.DataFrame({"ts": df.index.to_numpy(), **{c: df[c].to_numpy() for c in df.columns}})
    assert validate(pl_naive, timeframe="1m").checks["naive_timezone"].failed
    assert validate(pl_naive, timeframe="1m", tz="UTC").ok


def test_mixed_time_zones_refused():
    times = [pd.Timestamp("2024-01-01 00:00", tz="UTC"), pd.Timestamp("2024-01-01 01:01", tz="Europe/Paris")]
    df = pd.DataFrame({"ts": pd.Series(times, dtype=object), "open": [1.0, 1], "high": [1.0, 1], "low": [1.0, 1],
                       "close": [1.0, 1], "volume": [1.0, 1]})
    rep = validate(df, timeframe="1m")
    assert rep.checks["mixed_timezones"].failed and not rep.ok


def test_missing_and_non_numeric_columns():
    df = make_bars(10).to_pandas().drop(columns=["volume"])
    rep = validate(df, timeframe="1m")
    assert rep.checks["missing_columns"].failed and "volume" in rep.checks["missing_columns"].detail
    df = make_bars(10).to_pandas()
    df["close"] = df["close"].astype(object)
    df.iloc[4, df.columns.get_loc("close")] = "n/a"
    rep = validate(df, timeframe="1m")
    assert rep.checks["non_numeric"].rows.tolist() == [4] and "'n/a'" in rep.checks["non_numeric"].detail


def test_taker_buy_tolerates_float_rounding_only():
    b = make_bars(20, seed=7)
    tb = b.volume.copy()
    tb[2] = b.volume[2] * (1 + 1e-12)  # decimal round trip noise: fine
    tb[3] = b.volume[3] * (1 + 1e-6)  # real excess
    rep = validate(b.with_columns(taker_buy_volume=tb))
    assert rep.checks["taker_buy_outside_volume"].rows.tolist() == [3]


def test_empty_and_single_row():
    b = make_bars(1)
    assert validate(b, timeframe="1m").ok
    assert validate(b[:0], timeframe="1m").ok


def test_unreadable_input_type():
    with pytest.raises(ValidationError, match="cannot validate a list"):
        validate([1, 2, 3])


def test_docstring_examples_run():
    import doctest

    import nexus.data.clean
    import nexus.data.store
    import nexus.data.validate

    for mod in (nexus.data.validate, nexus.data.clean, nexus.data.store):
        res = doctest.testmod(mod)
        assert res.attempted > 0 and res.failed == 0, mod.__name__


def test_string_times_with_mixed_offsets_are_refused():
    df = pd.DataFrame({"ts": ["2024-01-01T00:00:00+00:00", "2024-01-01T02:01:00+01:00"], "open": [1.0, 1], "high": [1.0, 1],
                       "low": [1.0, 1], "close": [1.0, 1], "volume": [1.0, 1]})
    rep = validate(df, timeframe="1m")
    assert not rep.ok and rep.checks["mixed_timezones"].failed and "Mixed timezones" in rep.checks["mixed_timezones"].detail
