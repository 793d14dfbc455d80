"""Generic CSV / Parquet import: mapping, units, formats, zones, errors naming lines."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from nexus.data.sources.file_import import import_file, parse_mapping
from nexus.data.store import BarStore
from nexus.errors import ConfigError, SourceError, ValidationError

T0 = datetime(2024, 7, 1, 0, 0, tzinfo=timezone.utc)
T0_S = int(T0.timestamp())


def ohlcv(n: int, seed: int = 0) -> dict[str, list[float]]:
    rng = np.random.default_rng(seed)
    c = 100 + np.cumsum(rng.normal(0, 0.5, n))
    o = np.concatenate(([100.0], c[:-1]))
    return {
        "open": [round(x, 4) for x in o],
        "high": [round(max(a, b) + 0.3, 4) for a, b in zip(o, c)],
        "low": [round(min(a, b) - 0.3, 4) for a, b in zip(o, c)],
        "close": [round(x, 4) for x in c],
        "volume": [round(float(v), 3) for v in rng.gamma(2, 10, n)],
    }


def write_csv(path, header: list[str], rows: list[list]) -> None:
    path.write_text(",".join(header) + "\n" + "\n".join(",".join(str(x) for x in r) for r in rows) + "\n")


@pytest.fixture
def store(tmp_path):
    return BarStore(tmp_path / "bars", fsync=False)


def test_mapping_and_iso_times_with_z(tmp_path, store):
    v = ohlcv(30)
    times = [datetime.fromtimestamp(T0_S + 60 * i, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") for i in range(30)]
    rows = [[times[i], v["open"][i], v["high"][i], v["low"][i], v["close"][i], v["volume"][i]] for i in range(30)]
    path = tmp_path / "ticks.csv"
    write_csv(path, ["when", "first", "max", "min", "price", "qty"], rows)
    rep = import_file(store, path, symbol="XYZ", timeframe="1m",
                      mapping="ts=when,open=first,high=max,low=min,close=price,volume=qty")
    got = store.read("XYZ", "1m")
    assert got.ts.tolist() == [(T0_S + 60 * i) * 10**9 for i in range(30)]
    for k in ("open", "high", "low", "close", "volume"):
        assert getattr(got, k).tolist() == v[k], k
    assert rep.columns["close"] == "price" and rep.rows == 30 and rep.rows_added == 30
    assert store.dataset_meta("XYZ", "1m")["sources"] == ["file:ticks.csv"]


@pytest.mark.parametrize("unit,scale", [("s", 1), ("ms", 10**3), ("us", 10**6), ("ns", 10**9)])
def test_epoch_units_given_and_guessed(tmp_path, unit, scale):
    v = ohlcv(10)
    rows = [[(T0_S + 300 * i) * scale, v["open"][i], v["high"][i], v["low"][i], v["close"][i], v["volume"][i]] for i in range(10)]
    path = tmp_path / "e.csv"
    write_csv(path, ["timestamp", "o", "h", "l", "c", "v"], rows)
    want = [(T0_S + 300 * i) * 10**9 for i in range(10)]
    a = BarStore(tmp_path / "a", fsync=False)
    assert import_file(a, path, symbol="X", timeframe="5m", ts_unit=unit).ts_unit == unit
    assert a.read("X", "5m").ts.tolist() == want
    b = BarStore(tmp_path / "b", fsync=False)
    assert import_file(b, path, symbol="X", timeframe="5m").ts_unit == unit  # guessed from the magnitude
    assert b.read("X", "5m").ts.tolist() == want


def test_wrong_unit_is_caught(tmp_path, store):
    v = ohlcv(5)
    rows = [[(T0_S + 60 * i) * 1000, v["open"][i], v["high"][i], v["low"][i], v["close"][i], v["volume"][i]] for i in range(5)]
    path = tmp_path / "e.csv"
    write_csv(path, ["ts", "open", "high", "low", "close", "volume"], rows)
    with pytest.raises(ValidationError, match=r"e\.csv line 2: epoch 1719792000000 read as s falls outside 1990\.\.2100; these numbers look like ms: pass --ts-unit ms"):
        import_file(store, path, symbol="X", timeframe="1m", ts_unit="s")


def test_naive_times_need_tz(tmp_path, store):
    v = ohlcv(6)
    local = [f"2024-07-01 09:{30 + 5 * i:02d}:00" for i in range(6)]
    rows = [[local[i], v["open"][i], v["high"][i], v["low"][i], v["close"][i], v["volume"][i]] for i in range(6)]
    path = tmp_path / "nq.csv"
    write_csv(path, ["Date", "Open", "High", "Low", "Close", "Volume"], rows)
    with pytest.raises(ValidationError, match=r"nq\.csv: times like '2024-07-01 09:30:00' carry no time zone; pass --tz"):
        import_file(store, path, symbol="NQ", timeframe="5m")
    assert not (store.root).exists()
    import_file(store, path, symbol="NQ", timeframe="5m", tz="America/Chicago")
    chicago = ZoneInfo("America/Chicago")
    want = [int(datetime.strptime(s, "%Y-%m-%d %H:%M:%S").replace(tzinfo=chicago).timestamp()) * 10**9 for s in local]
    assert store.read("NQ", "5m").ts.tolist() == want
    assert want[0] == int(datetime(2024, 7, 1, 14, 30, tzinfo=timezone.utc).timestamp()) * 10**9  # CDT = UTC-5


def test_ts_format(tmp_path, store):
    v = ohlcv(4)
    rows = [[f"0{1 + i}/07/2024 00:00", v["open"][i], v["high"][i], v["low"][i], v["close"][i], v["volume"][i]] for i in range(4)]
    path = tmp_path / "d.csv"
    write_csv(path, ["date", "open", "high", "low", "close", "volume"], rows)
    import_file(store, path, symbol="D", timeframe="1d", ts_format="%d/%m/%Y %H:%M", tz="UTC")
    assert store.read("D", "1d").ts.tolist() == [(T0_S + 86400 * i) * 10**9 for i in range(4)]
    with pytest.raises(ValidationError, match=r"d\.csv line 2: time '01/07/2024 00:00' does not parse with --ts-format '%Y-%m-%d'"):
        import_file(store, path, symbol="D2", timeframe="1d", ts_format="%Y-%m-%d", tz="UTC")


def test_offsets_across_daylight_saving(tmp_path, store):
    v = ohlcv(6)
    times = ["2024-11-01 16:45:00-04:00", "2024-11-01 16:50:00-04:00", "2024-11-01 16:55:00-04:00",
             "2024-11-03 18:00:00-05:00", "2024-11-03 18:05:00-05:00", "2024-11-03 18:10:00-05:00"]
    rows = [[times[i], v["open"][i], v["high"][i], v["low"][i], v["close"][i], v["volume"][i]] for i in range(6)]
    path = tmp_path / "dst.csv"
    write_csv(path, ["Datetime", "Open", "High", "Low", "Close", "Volume"], rows)
    import_file(store, path, symbol="NQ", timeframe="5m")
    assert store.read("NQ", "5m").ts.tolist() == [int(datetime.fromisoformat(t).timestamp()) * 10**9 for t in times]


def test_parquet_with_aware_index_and_optional_columns(tmp_path, store):
    v = ohlcv(20)
    idx = pd.DatetimeIndex([T0 + pd.Timedelta(minutes=i) for i in range(20)], name="time").tz_convert("Europe/Berlin")
    df = pd.DataFrame(v, index=idx)
    df["taker_buy_base_volume"] = np.array(v["volume"]) * 0.5
    df["count"] = np.arange(20) + 7
    path = tmp_path / "bars.parquet"
    df.to_parquet(path)
    import_file(store, path, symbol="P", timeframe="1m")
    got = store.read("P", "1m")
    assert got.ts.tolist() == [(T0_S + 60 * i) * 10**9 for i in range(20)]
    assert got.taker_buy_volume.tolist() == (np.array(v["volume"]) * 0.5).tolist()
    assert got.trades.tolist() == list(range(7, 27))


def test_parquet_naive_datetime_column_needs_tz(tmp_path, store):
    v = ohlcv(5)
    df = pd.DataFrame({"ts": pd.date_range("2024-07-01", periods=5, freq="1h"), **v})
    path = tmp_path / "n.parquet"
    df.to_parquet(path, index=False)
    with pytest.raises(ValidationError, match="carry no time zone; pass --tz"):
        import_file(store, path, symbol="N", timeframe="1h")
    import_file(store, path, symbol="N", timeframe="1h", tz="UTC")
    assert store.read("N", "1h").ts.tolist() == [(T0_S + 3600 * i) * 10**9 for i in range(5)]


def test_bad_rows_name_file_line_and_rule(tmp_path, store):
    v = ohlcv(10)
    v["high"][4] = v["low"][4] - 1  # high below low on data row 4 -> line 6 (header is line 1)
    rows = [[(T0_S + 60 * i) * 1000, v["open"][i], v["high"][i], v["low"][i], v["close"][i], v["volume"][i]] for i in range(10)]
    path = tmp_path / "bad.csv"
    write_csv(path, ["ts", "open", "high", "low", "close", "volume"], rows)
    with pytest.raises(ValidationError, match=r"bad\.csv line 6 \(2024-07-01T00:04:00\+00:00\): X 1m rule 'high_below_open_close'"):
        import_file(store, path, symbol="X", timeframe="1m", ts_unit="ms")
    rows[2][4] = "abc"
    write_csv(path, ["ts", "open", "high", "low", "close", "volume"], rows)
    with pytest.raises(ValidationError, match=r"bad\.csv line 4: column 'close' \(close\) holds 'abc', not a number"):
        import_file(store, path, symbol="X", timeframe="1m", ts_unit="ms")
    assert not store.root.exists()


def test_mapping_errors(tmp_path, store):
    assert parse_mapping("ts=time, close=price") == {"ts": "time", "close": "price"}
    with pytest.raises(ConfigError, match=r"--map names \['px'\] are not nexus columns"):
        parse_mapping("px=price")
    with pytest.raises(ConfigError, match="is not NAME=COLUMN"):
        parse_mapping("ts")
    path = tmp_path / "m.csv"
    write_csv(path, ["when", "price"], [[1, 2]])
    with pytest.raises(ConfigError, match=r"no column for \['ts', 'open', 'high', 'low', 'close', 'volume'\]; its columns are \['when', 'price'\]"):
        import_file(store, path, symbol="X", timeframe="1m")
    with pytest.raises(ConfigError, match=r"--map ts=time: the file has no column 'time'"):
        import_file(store, path, symbol="X", timeframe="1m", mapping="ts=time")
    with pytest.raises(SourceError, match="no such file"):
        import_file(store, tmp_path / "none.csv", symbol="X", timeframe="1m")
    (tmp_path / "x.xlsx").write_text("x")
    with pytest.raises(SourceError, match="unknown file type '.xlsx'"):
        import_file(store, tmp_path / "x.xlsx", symbol="X", timeframe="1m")


def test_mixed_naive_and_aware_text(tmp_path, store):
    v = ohlcv(2)
    times = ["2024-07-01 00:00:00", "2024-07-01 00:01:00+00:00"]
    rows = [[times[i], v["open"][i], v["high"][i], v["low"][i], v["close"][i], v["volume"][i]] for i in range(2)]
    path = tmp_path / "mix.csv"
    write_csv(path, ["ts", "open", "high", "low", "close", "volume"], rows)
    with pytest.raises(ValidationError, match=r"mix\.csv line 3: time '2024-07-01 00:01:00\+00:00' has a UTC offset, unlike"):
        import_file(store, path, symbol="X", timeframe="1m", tz="UTC")
