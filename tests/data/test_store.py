"""BarStore: round trip, merge semantics, pushdown, catalogue, fingerprint, aux data, errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from nexus.data import store_io, store_meta
from nexus.data.bars import Bars
from nexus.data.store import BarStore
from nexus.errors import StoreError, UnknownSymbolError, ValidationError
from tests.conftest import MINUTE_NS, T0, make_bars

DAY_NS = 1440 * MINUTE_NS


def full_bars(n: int = 3000, seed: int = 0, symbol: str = "BTCUSDT", t0: int = T0, step_ns: int = MINUTE_NS, timeframe: str = "1m") -> Bars:
    """make_bars plus trades and quote_volume, so every optional column is exercised."""
    b = make_bars(n, seed=seed, symbol=symbol, t0=t0, step_ns=step_ns, timeframe=timeframe)
    rng = np.random.default_rng(seed + 1000)
    return b.with_columns(trades=rng.integers(0, 500, n).astype(np.int64), quote_volume=b.volume * b.close)


def monthly_days(months: int = 24, seed: int = 0, symbol: str = "BTCUSDT") -> Bars:
    """One full day of 1-minute bars on the first of each month: a two-year series in little memory."""
    days = []
    for m in range(months):
        start = int((np.datetime64("2023-01", "M") + m).astype("datetime64[ns]").astype(np.int64))
        days.append(start + np.arange(1440, dtype=np.int64) * MINUTE_NS)
    ts = np.concatenate(days)
    return full_bars(ts.shape[0], seed=seed, symbol=symbol).with_columns(ts=ts)


def assert_bars_equal(a: Bars, b: Bars) -> None:
    assert a.columns == b.columns
    assert (a.symbol, a.timeframe) == (b.symbol, b.timeframe)
    for c in a.columns:
        x, y = getattr(a, c), getattr(b, c)
        assert x.dtype == y.dtype, c
        assert x.tobytes() == y.tobytes(), c  # bit-exact, -0.0 and NaN payloads included


@pytest.fixture
def store(tmp_path) -> BarStore:
    return BarStore(tmp_path / "bars", fsync=False)


# ------------------------------------------------------------------ round trip
def test_round_trip_is_bit_exact_with_optional_columns_and_meta(store):
    b = full_bars(50_000, seed=3).with_columns(meta={"origin": "unit test", "n": 3})
    b = Bars.from_arrays(symbol=b.symbol, timeframe=b.timeframe, meta={"origin": "unit test", "n": 3}, **b.arrays())
    rep = store.write(b, source="unit")
    assert rep.rows_in == rep.rows_added == rep.total_rows == 50_000
    assert rep.partitions_written == ["2024-01", "2024-02"]  # 50,000 minutes from 1 Jan span two months
    out = store.read("BTCUSDT", "1m")
    assert_bars_equal(out, b)
    assert dict(out.meta) == {"origin": "unit test", "n": 3}
    assert store.read("BTCUSDT", "1m", columns=[]).columns == ("ts", "open", "high", "low", "close", "volume")
    assert store.read("BTCUSDT", "1m", columns=["trades"]).columns == ("ts", "open", "high", "low", "close", "volume", "trades")


def test_parquet_files_carry_metadata_and_are_readable_by_other_tools(store):
    b = full_bars(2000, seed=1)
    store.write(b, source="synthetic")
    folder = store.root / "BTCUSDT" / "1m"
    files = sorted(folder.glob("*.parquet"))
    assert len(files) == 1
    md = store_io.read_file_metadata(files[0])
    assert md["symbol"] == "BTCUSDT" and md["timeframe"] == "1m" and md["source"] == "synthetic"
    assert md["schema_version"] == 1 and md["partition"] == "2024-01"
    assert md["instrument"].get("symbol") == "BTCUSDT"  # spec from nexus.data.instruments
    df = pd.read_parquet(files[0])  # a plain pandas read sees real UTC times
    assert str(df["ts"].dtype) == "datetime64[ns, UTC]"
    assert df["ts"].iloc[0] == pd.Timestamp("2024-01-01", tz="UTC")
    np.testing.assert_array_equal(df["close"].to_numpy(), b.close)
    meta = store.dataset_meta("BTCUSDT", "1m")
    assert meta["sources"] == ["synthetic"] and meta["rows"] == 2000 and meta["partitions"] == ["2024-01"]


def test_read_range_matches_numpy_mask(store):
    b = monthly_days(6, seed=2)
    store.write(b)
    for start, end in [("2023-02-01 10:00", "2023-03-01 05:00"), (None, "2023-01-01 00:10"), ("2023-06-01 23:59", None),
                       ("2023-01-15", "2023-01-20"), ("2030-01-01", None)]:
        out = store.read("BTCUSDT", "1m", start=start, end=end)
        lo = -np.inf if start is None else pd.Timestamp(start, tz="UTC").value
        hi = np.inf if end is None else pd.Timestamp(end, tz="UTC").value
        mask = (b.ts >= lo) & (b.ts < hi)
        assert_bars_equal(out, b.take(mask))


def test_partitioning_by_timeframe(store):
    store.write(full_bars(3000, step_ns=5 * MINUTE_NS, timeframe="5m", symbol="NQ"))      # 10 days: one month file
    store.write(full_bars(9000, step_ns=60 * MINUTE_NS, timeframe="1h", symbol="NQ"))     # ~1 year: yearly files
    store.write(full_bars(800, step_ns=DAY_NS, timeframe="1d", symbol="NQ"))              # one file
    assert store.dataset_meta("NQ", "5m")["partitions"] == ["2024-01"]
    assert store.dataset_meta("NQ", "1h")["partitions"] == ["2024", "2025"]
    assert store.dataset_meta("NQ", "1d")["partitions"] == ["all"]
    assert store.timeframes("NQ") == ["5m", "1h", "1d"]


# ------------------------------------------------------------------ merge
def _pandas_merge(old: Bars, new: Bars) -> pd.DataFrame:
    """Reference: concatenate, keep the last row per timestamp, sort."""
    both = pd.concat([old.to_pandas(), new.to_pandas()])
    return both[~both.index.duplicated(keep="last")].sort_index()


def test_append_and_overlap_merge_like_pandas(store):
    b = full_bars(6000, seed=4)
    store.write(b[:4000])
    rep = store.write(b[3000:])  # 1000 identical duplicates, 2000 new rows
    assert (rep.rows_added, rep.duplicates_collapsed, rep.rows_overwritten) == (2000, 1000, 0)
    assert_bars_equal(store.read("BTCUSDT", "1m"), b)


def test_identical_rewrite_touches_no_file(store):
    b = monthly_days(3)
    store.write(b)
    before = {p.name: p.stat().st_mtime_ns for p in (store.root / "BTCUSDT" / "1m").glob("*.parquet")}
    fp = store.fingerprint()
    rep = store.write(b)
    assert rep.rows_added == 0 and rep.duplicates_collapsed == len(b) and rep.partitions_written == []
    after = {p.name: p.stat().st_mtime_ns for p in (store.root / "BTCUSDT" / "1m").glob("*.parquet")}
    assert before == after and store.fingerprint() == fp


def test_append_rewrites_only_the_touched_partition(store):
    b = monthly_days(4)
    store.write(b[: 3 * 1440])
    files_before = set(p.name for p in (store.root / "BTCUSDT" / "1m").glob("*.parquet"))
    rep = store.write(b[3 * 1440:])
    assert rep.partitions_written == ["2023-04"]
    files_after = set(p.name for p in (store.root / "BTCUSDT" / "1m").glob("*.parquet"))
    assert files_before < files_after and len(files_after - files_before) == 1


def test_conflicting_duplicate_is_refused_then_overwritten(store):
    old = full_bars(2000, seed=5)
    store.write(old)
    new = full_bars(1000, seed=6, t0=T0 + 1500 * MINUTE_NS)  # 500 overlapping bars with different prices
    with pytest.raises(StoreError) as exc:
        store.write(new)
    msg = str(exc.value)
    assert "BTCUSDT 1m" in msg and "2024-01-02T01:00:00+00:00" in msg and "500 timestamp(s) conflict" in msg and "overwrite=True" in msg
    assert_bars_equal(store.read("BTCUSDT", "1m"), old)  # refused write changed nothing
    rep = store.write(new, overwrite=True)
    assert (rep.rows_overwritten, rep.rows_added) == (500, 500)
    ref = _pandas_merge(old, new)
    got = store.read("BTCUSDT", "1m").to_pandas()
    pd.testing.assert_frame_equal(got, ref, check_exact=True, check_freq=False)


def test_unsorted_input_without_validation_is_stored_sorted(store):
    b = full_bars(1000, seed=7)
    perm = np.random.default_rng(0).permutation(1000)
    store.write(b.take(perm), validate=False)
    assert_bars_equal(store.read("BTCUSDT", "1m"), b)


def test_column_mismatch_is_refused(store):
    b = full_bars(500)
    store.write(b)
    with pytest.raises(StoreError, match=r"columns .* but the store holds .*delete\('BTCUSDT', '1m'\)"):
        store.write(full_bars(500, t0=T0 + 500 * MINUTE_NS).with_columns(trades=None))


# ------------------------------------------------------------------ refusing bad input
def test_write_refuses_invalid_bars_naming_symbol_row_rule(store):
    b = full_bars(300, seed=8)
    high = b.high.copy()
    high[17] = min(b.open[17], b.close[17]) - 1.0
    with pytest.raises(ValidationError) as exc:
        store.write(b.with_columns(high=high))
    msg = str(exc.value)
    assert msg.startswith("BTCUSDT 1m row 17 (2024-01-01T00:17:00+00:00): rule 'high_below_open_close'")
    assert "clean(" in msg and exc.value.report is not None
    assert not store.has("BTCUSDT", "1m")


@pytest.mark.parametrize("symbol", ["BTC/USDT", "", "../evil", "a b"])
def test_bad_symbol_names_are_refused(store, symbol):
    with pytest.raises(StoreError, match="cannot be stored"):
        store.write(make_bars(10, symbol=symbol))


def test_write_needs_bars(store):
    with pytest.raises(StoreError, match="takes Bars"):
        store.write(make_bars(10).to_pandas())


# ------------------------------------------------------------------ pushdown
def test_one_day_read_of_two_year_series_opens_one_partition(store, monkeypatch):
    b = monthly_days(24, seed=9)
    store.write(b)
    assert len(store.dataset_meta("BTCUSDT", "1m")["partitions"]) == 24
    opened = []
    real, real_fd = store_io.open_partition, store_io.open_fd
    monkeypatch.setattr(store_io, "open_partition", lambda path, cols: opened.append(path.name) or real(path, cols))
    monkeypatch.setattr(store_io, "open_fd", lambda path: opened.append(path.name) or real_fd(path))
    day = store.read("BTCUSDT", "1m", start="2024-05-01", end="2024-05-02")
    assert len(opened) == 1 and opened[0].startswith("2024-05-")
    assert len(day) == 1440 and day.ts[0] == pd.Timestamp("2024-05-01", tz="UTC").value
    opened.clear()
    store.read("BTCUSDT", "1m")
    assert len(opened) == 24


# ------------------------------------------------------------------ catalogue
def test_catalogue_info_gaps_bytes_last_ts(store):
    b = monthly_days(3, seed=10)
    store.write(b)
    store.write(full_bars(100, symbol="ETHUSDT"))
    assert store.symbols() == ["BTCUSDT", "ETHUSDT"]
    assert store.has("BTCUSDT", "1m") and not store.has("BTCUSDT", "5m")
    assert store.last_ts("BTCUSDT", "1m") == int(b.ts[-1]) and store.last_ts("SOLUSDT", "1m") is None
    info = store.info().set_index("symbol")
    row = info.loc["BTCUSDT"]
    assert row["rows"] == len(b)
    assert row["first"] == pd.Timestamp(int(b.ts[0]), tz="UTC") and row["last"] == pd.Timestamp(int(b.ts[-1]), tz="UTC")
    assert row["gaps"] == int(np.sum(np.diff(b.ts) > MINUTE_NS)) == 2
    files = list((store.root / "BTCUSDT" / "1m").glob("*.parquet"))
    assert row["bytes"] == sum(f.stat().st_size for f in files)
    assert info.loc["ETHUSDT", "gaps"] == 0


def test_unknown_symbol_and_timeframe_list_what_exists(store):
    store.write(full_bars(100))
    with pytest.raises(UnknownSymbolError, match=r"'ETHUSDT' is not in the store .* stored: \['BTCUSDT'\]"):
        store.read("ETHUSDT", "1m")
    with pytest.raises(UnknownSymbolError, match=r"BTCUSDT has no '5m' bars .* stored timeframes: \['1m'\]"):
        store.read("BTCUSDT", "5m")
    with pytest.raises(StoreError, match=r"columns \['funding'\] are not stored"):
        store.read("BTCUSDT", "1m", columns=["funding"])


def test_corrupt_and_missing_files_name_the_file(store):
    store.write(monthly_days(2))
    folder = store.root / "BTCUSDT" / "1m"
    first = sorted(folder.glob("*.parquet"))[0]
    data = first.read_bytes()
    first.write_bytes(data[: len(data) // 2])
    with pytest.raises(StoreError) as exc:
        store.read("BTCUSDT", "1m")
    assert first.name in str(exc.value) and "corrupt" in str(exc.value) and "delete the dataset" in str(exc.value)
    assert store.verify() and first.name in store.verify()[0]
    first.unlink()
    with pytest.raises(StoreError, match=f"{first.name}: partition listed in the manifest .* is missing"):
        store.read("BTCUSDT", "1m")


def test_fingerprint_tracks_content(store):
    b = full_bars(1000, seed=11)
    store.write(b)
    store.write(full_bars(1000, symbol="ETHUSDT"))
    fp_all, fp_btc = store.fingerprint(), store.fingerprint(["BTCUSDT"])
    assert len(fp_all) == 64 and fp_all != fp_btc
    close = b.close.copy()
    close[500] *= 1.0000001  # a one-ulp-scale change must show
    high = np.maximum(b.high, close)
    store.write(b.with_columns(close=close, high=high), overwrite=True)
    assert store.fingerprint(["BTCUSDT"]) != fp_btc
    assert store.fingerprint(["ETHUSDT"]) == BarStore(store.root).fingerprint(["ETHUSDT"])
    with pytest.raises(UnknownSymbolError):
        store.fingerprint(["NOPE"])


# ------------------------------------------------------------------ aux, lifecycle
def test_aux_round_trip_and_errors(store):
    ts = T0 + np.arange(50, dtype=np.int64) * MINUTE_NS
    codes = (np.arange(50) % 5).astype(np.int8)
    store.write_aux("BTCUSDT", "1m", "regime", ts, {"regime": codes})
    out = store.read_aux("BTCUSDT", "1m", "regime")
    assert list(out) == ["ts", "regime"]
    np.testing.assert_array_equal(out["ts"], ts)
    assert out["regime"].dtype == np.int8 and np.array_equal(out["regime"], codes)
    assert store.aux_names("BTCUSDT", "1m") == ["regime"]
    with pytest.raises(StoreError, match="must be a numeric 1-D array of 50 rows"):
        store.write_aux("BTCUSDT", "1m", "bad", ts, {"x": np.zeros(49)})
    with pytest.raises(UnknownSymbolError, match=r"no aux data 'other' .* available: \['regime'\]"):
        store.read_aux("BTCUSDT", "1m", "other")
    assert not store.has("BTCUSDT", "1m")  # aux data is not a bar dataset


def test_mark_complete_and_delete(store):
    store.write(full_bars(100))
    store.write(full_bars(100, symbol="ETHUSDT"))
    path = store.mark_complete({"seed": 0, "symbols": ["BTCUSDT", "ETHUSDT"]})
    payload = json.loads(path.read_text())
    assert payload["info"]["seed"] == 0 and payload["fingerprint"] == store.fingerprint() and store.is_complete()
    store.delete("ETHUSDT", "1m")
    assert store.symbols() == ["BTCUSDT"] and not store.is_complete()
    assert not (store.root / "ETHUSDT").exists()
    with pytest.raises(UnknownSymbolError):
        store.delete("ETHUSDT", "1m")


def test_file_layout_is_plain_parquet(store):
    store.write(monthly_days(2))
    table = pq.read_table(sorted((store.root / "BTCUSDT" / "1m").glob("*.parquet"))[0])
    assert table.schema.field("close").nullable is False
    assert table.num_rows == 1440


def test_raw_read_path_equals_pyarrow_path(store, monkeypatch):
    """Reads copy verified value runs from the file; pyarrow's decoder must see the very same bars."""
    b = monthly_days(5, seed=12)
    store.write(b)
    man = store_meta.load_manifest(store.root / "BTCUSDT" / "1m")
    assert all(set(p.offsets) == set(b.columns) for p in man.partitions)
    fast = [store.read("BTCUSDT", "1m"), store.read("BTCUSDT", "1m", start="2023-02-01 05:00", end="2023-04-01 00:03")]
    arrow_calls = []
    real = store_io.open_partition
    monkeypatch.setattr(store_io, "open_partition", lambda path, cols: arrow_calls.append(path) or real(path, cols))
    for p in man.partitions:
        p.offsets = {}  # as written by a store without the fast path
    store_meta.save_manifest(store.root / "BTCUSDT" / "1m", man, fsync=False)
    slow = [store.read("BTCUSDT", "1m"), store.read("BTCUSDT", "1m", start="2023-02-01 05:00", end="2023-04-01 00:03")]
    assert len(arrow_calls) == 5 + 3
    for x, y in zip(fast, slow):
        assert_bars_equal(x, y)
    assert_bars_equal(fast[0], b)


def test_same_size_corruption_is_caught_by_verify(store):
    store.write(monthly_days(2, seed=13))
    f = sorted((store.root / "BTCUSDT" / "1m").glob("*.parquet"))[1]
    raw = bytearray(f.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    f.write_bytes(bytes(raw))
    problems = store.verify()
    assert len(problems) == 1 and f.name in problems[0] and "hash differs" in problems[0]


def test_append_off_the_stored_grid_is_refused_before_any_file_changes(store):
    b = monthly_days(2, seed=14)
    store.write(b)
    snap = store.fingerprint()
    late = full_bars(10, seed=15, t0=int(b.ts[-1]) + 90_000_000_000)  # 1.5 minutes after the last bar
    with pytest.raises(ValidationError, match=r"BTCUSDT 1m bar at 2023-02-02T00:00:30\+00:00.*rule 'spacing_not_multiple' \(90s after the bar at 2023-02-01T23:59:00"):
        store.write(late)
    # across a partition boundary too: the new month starts half a minute off the grid
    march = full_bars(10, seed=16, t0=int(np.datetime64("2023-03-01T00:00:30", "ns").astype(np.int64)))
    with pytest.raises(ValidationError, match="spacing_not_multiple"):
        store.write(march)
    assert store.fingerprint() == snap
    assert sorted(p.name for p in (store.root / "BTCUSDT" / "1m").iterdir() if p.name.startswith(".tmp")) == []
    store.write(march, validate=False)  # the caller may insist
    assert len(store.read("BTCUSDT", "1m")) == len(b) + 10


def test_daily_bars_across_daylight_saving_are_on_grid(store):
    # midnight New York in UTC: 05:00 in winter, 04:00 in summer
    days = pd.bdate_range("2024-03-01", "2024-11-29", tz="America/New_York")
    ts = days.tz_convert("UTC").as_unit("ns").asi8
    b = full_bars(len(ts), seed=17, symbol="NQ", timeframe="1d").with_columns(ts=ts)
    rep = store.write(b)
    assert rep.total_rows == len(ts)
    weekends = int(np.sum(np.diff(days.as_unit("ns").asi8) > 86_400_000_000_000 + 3_600_000_000_000))
    assert store.info().loc[0, "gaps"] == weekends


def test_concurrent_writers_to_one_dataset_lose_nothing(store):
    """The dataset lock serialises writers; without it one manifest update would be lost."""
    import threading

    b = monthly_days(6, seed=18)
    chunks = [b[i * 1440:(i + 1) * 1440] for i in range(6)]
    errors = []

    def write(chunk):
        try:
            BarStore(store.root, fsync=False).write(chunk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert_bars_equal(store.read("BTCUSDT", "1m"), b)


def test_empty_write_creates_nothing(store):
    rep = store.write(make_bars(10, symbol="BTCUSDT")[:0])
    assert rep.rows_in == 0 and rep.total_rows == 0 and not store.has("BTCUSDT", "1m")


def test_public_names():
    import nexus as nx
    from nexus.data.clean import clean
    from nexus.data.validate import validate

    assert nx.BarStore is BarStore and nx.validate is validate and nx.clean is clean


def _defect(rule: str, b: Bars) -> tuple[Bars, int | None]:
    """``b`` with one defect breaking ``rule`` at row 11 (None: the rule has no single row)."""
    a = {c: getattr(b, c).copy() for c in b.columns}
    r = 11
    if rule == "nan_inf":
        a["close"][r] = np.nan
    elif rule == "non_positive_price":
        a["low"][r] = 0.0
    elif rule == "high_below_open_close":
        a["high"][r] = min(a["open"][r], a["close"][r]) * 0.5
    elif rule == "low_above_open_close":
        a["low"][r] = max(a["open"][r], a["close"][r]) * 2
    elif rule == "negative_volume":
        a["trades"][r] = -1
    elif rule == "taker_buy_outside_volume":
        a["taker_buy_volume"][r] = a["volume"][r] * 2
    elif rule == "unsorted_timestamps":
        a["ts"][r], a["ts"][r - 1] = a["ts"][r - 1], a["ts"][r]
    elif rule == "duplicate_timestamps":
        a["ts"][r] = a["ts"][r - 1]
    elif rule == "spacing_not_multiple":
        a["ts"][r:] += 30_000_000_000
    elif rule == "timeframe_mismatch":
        a["ts"] = a["ts"][0] + np.arange(len(b), dtype=np.int64) * 5 * MINUTE_NS
        r = None
    return Bars.from_arrays(symbol=b.symbol, timeframe=b.timeframe, **a), r


@pytest.mark.parametrize("rule", [
    "nan_inf", "non_positive_price", "high_below_open_close", "low_above_open_close", "negative_volume",
    "taker_buy_outside_volume", "unsorted_timestamps", "duplicate_timestamps", "spacing_not_multiple", "timeframe_mismatch",
])
def test_every_bad_input_is_refused_naming_symbol_row_and_rule(store, rule):
    bad, row = _defect(rule, full_bars(60, seed=19, symbol="XRPUSDT"))
    with pytest.raises(ValidationError) as exc:
        store.write(bad)
    msg = str(exc.value)
    where = f"XRPUSDT 1m row {row} (" if row is not None else "XRPUSDT 1m all rows"
    assert msg.startswith(where) and f"rule '{rule}'" in msg and "fix:" in msg, msg
    assert not store.has("XRPUSDT", "1m")
