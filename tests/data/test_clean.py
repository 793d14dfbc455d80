"""clean(): repairs and drops against a plain-Python reference; never invents bars."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nexus.data.bars import Bars
from nexus.data.clean import clean
from nexus.errors import ConfigError, ValidationError
from tests.conftest import MINUTE_NS, make_bars
from tests.data.test_validate import corrupt


def reference_clean(b: Bars, policy: str, duplicates: str = "last"):
    """Row-by-row: returns kept rows as (input row, dict of values), in output order."""
    cols = [c for c in b.columns if c != "ts"]
    rows = []
    for i in range(len(b)):
        r = {c: float(getattr(b, c)[i]) for c in cols}
        if any(not math.isfinite(x) for x in r.values()):
            continue
        if min(r["open"], r["high"], r["low"], r["close"]) <= 0 or r["volume"] < 0:
            continue
        rows.append((int(b.ts[i]), i, r))
    rows.sort(key=lambda x: x[0])  # stable: equal times keep input order
    by_ts: dict[int, list] = {}
    for ts, i, r in rows:
        by_ts.setdefault(ts, []).append((i, r))
    out = []
    for ts in sorted(by_ts):
        group = by_ts[ts]
        if all(g[1] == group[0][1] for g in group):
            chosen = [group[0]]
        elif duplicates == "last":
            chosen = [group[-1]]
        elif duplicates == "first":
            chosen = [group[0]]
        else:
            chosen = []
        for i, r in chosen:
            r = dict(r)
            top, bottom = max(r["open"], r["close"]), min(r["open"], r["close"])
            bad_ohlc = r["high"] < top or r["low"] > bottom
            bad_tb = "taker_buy_volume" in r and not (0 <= r["taker_buy_volume"] <= r["volume"])
            if policy == "drop" and (bad_ohlc or bad_tb):
                continue
            r["high"], r["low"] = max(r["high"], top), min(r["low"], bottom)
            if "taker_buy_volume" in r:
                r["taker_buy_volume"] = min(max(r["taker_buy_volume"], 0.0), r["volume"])
            out.append((ts, i, r))
    return out


@pytest.mark.parametrize("policy", ["repair", "drop"])
@pytest.mark.parametrize("duplicates", ["last", "first", "drop"])
def test_clean_matches_reference(policy, duplicates):
    b = corrupt(seed=11)
    # a conflicting duplicate and an identical one
    ts = b.ts.copy()
    ts[300] = ts[299]
    ts[600] = ts[599]
    arrays = {c: getattr(b, c).copy() for c in b.columns}
    arrays["ts"] = ts
    for c in b.columns:
        if c != "ts":
            arrays[c][600] = arrays[c][599]
    b = Bars.from_arrays(symbol=b.symbol, timeframe="1m", **arrays)
    got, rep = clean(b, policy=policy, duplicates=duplicates)
    ref = reference_clean(b, policy, duplicates)
    assert got.ts.tolist() == [t for t, _, _ in ref]
    for c in got.columns:
        if c != "ts":
            np.testing.assert_array_equal(getattr(got, c), np.array([r[c] for _, _, r in ref]), err_msg=c)
    assert rep.rows_in == len(b) and rep.rows_out == len(got) == len(ref)
    assert rep.after is not None and not rep.after.checks["nan_inf"].count
    # only the off-grid spacing planted by corrupt() can remain: it is not repairable here
    assert {c.rule for c in rep.after.errors} <= {"spacing_not_multiple"}
    assert rep.after.checks["gaps"].count >= 1  # gaps stay gaps


def test_report_lists_actions_with_input_rows():
    b = make_bars(100, seed=2)
    high = b.high.copy()
    high[10] = b.low[10]  # below open/close
    vol = b.volume.copy()
    vol[20] = -1
    order = np.arange(100)
    order[[50, 51]] = [51, 50]
    fixed, rep = clean(b.with_columns(high=high, volume=vol).take(order), policy="repair")
    actions = {(a.rule, a.action): (a.count, a.rows) for a in rep.actions}
    assert actions[("negative_volume", "dropped")] == (1, [20])
    assert actions[("high_below_open_close", "repaired")] == (1, [10])
    assert actions[("unsorted_timestamps", "sorted")][0] == 2
    assert fixed.high[10] == max(b.open[10], b.close[10])
    assert len(fixed) == 99 and rep.after.ok
    assert "dropped 1 row(s) for negative_volume" in rep.summary()


def test_clean_never_fills_gaps():
    b = make_bars(200, seed=3)
    holes = b.take(np.r_[0:50, 80:200])
    fixed, rep = clean(holes)
    assert len(fixed) == 170 and rep.actions == []
    assert rep.after.checks["gaps"].count == 1 and rep.after.missing_bars == 30


def test_clean_frames_and_timeframe_inference():
    b = make_bars(120, seed=4, step_ns=5 * MINUTE_NS, timeframe="5m")
    df = b.to_pandas().iloc[::-1]
    fixed, rep = clean(df, symbol="NQ")
    assert fixed.timeframe == "5m" and fixed.symbol == "NQ"
    np.testing.assert_array_equal(fixed.ts, b.ts)
    np.testing.assert_array_equal(fixed.close, b.close)
    fixed_pl, _ = clean(b.to_polars(), symbol="NQ", timeframe="5m")
    np.testing.assert_array_equal(fixed_pl.volume, b.volume)


def test_clean_refuses_what_it_cannot_repair():
    df = make_bars(10).to_pandas()
    df.index = df.index.tz_localize(None)
    with pytest.raises(ValidationError, match="timestamps are naive"):
        clean(df)
    with pytest.raises(ConfigError, match="policy 'fix'"):
        clean(make_bars(10), policy="fix")
    b = make_bars(10)
    ts = b.ts.copy()
    ts[5] = ts[4]
    with pytest.raises(ValidationError, match="row 5: conflicting duplicate"):
        clean(b.with_columns(ts=ts), duplicates="error")
