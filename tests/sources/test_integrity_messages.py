"""Epoch scaling is range-checked before it can wrap; validate reads epochs like import-csv; clearer messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nexus.cli import main as cli_main
from nexus.data.sources.ccxt_source import _scrub
from nexus.data.sources.file_import import to_ts_ns
from nexus.data.store import BarStore
from nexus.errors import ValidationError
from tests.conftest import make_bars

MS_2020_04_17 = 1_587_081_600_000  # 2020-04-17 00:00 UTC in ms


def _ts(values, unit):
    return to_ts_ns(pd.Series(values), unit=unit, fmt=None, tz=None, where="f.csv", line_of=lambda r: f"line {r + 2}")


def test_ms_epochs_read_as_seconds_are_refused_not_wrapped():
    # int64 ns of 1587081600000 s overflows: the multiply used to wrap to 1990-12-19
    with pytest.raises(ValidationError, match=r"line 2: epoch 1587081600000 read as s falls outside 1990..2100; "
                                              r"these numbers look like ms: pass --ts-unit ms"):
        _ts([MS_2020_04_17], "s")
    ts, unit = _ts([MS_2020_04_17], None)
    assert unit == "ms" and ts[0] == pd.Timestamp("2020-04-17", tz="UTC").value


def test_one_row_in_another_unit_is_named_as_a_mixed_file():
    vals = [MS_2020_04_17 + 60_000 * i for i in range(5)] + [MS_2020_04_17 // 1000 + 300]
    with pytest.raises(ValidationError, match=r"line 7: .*most epochs in the file are ms but this one looks like s: the file mixes units"):
        _ts(vals, None)


def test_data_validate_guesses_the_epoch_unit_like_import_csv(tmp_path, capsys):
    b = make_bars(50, seed=1, symbol="BTCUSDT")
    df = b.to_pandas().reset_index()
    df["ts"] = b.ts // 1_000_000  # ms epochs
    path = tmp_path / "btc.csv"
    df[["ts", "open", "high", "low", "close", "volume"]].to_csv(path, index=False)
    code = cli_main(["data", "validate", str(path), "--timeframe", "1m"])
    out = capsys.readouterr().out
    # read as ns (the old default) the 1-minute bars were 60,000 ns apart and failed timeframe_mismatch
    assert code == 0 and "50 rows, OK" in out and "timeframe_mismatch" in out.split("passed:")[1]
    assert cli_main(["data", "validate", str(path), "--ts-unit", "s"]) == 2
    assert "these numbers look like ms: pass --ts-unit ms" in capsys.readouterr().err


def test_sub_second_spacing_points_at_the_time_unit_not_a_timeframe(tmp_path, capsys):
    from nexus.data.validate import validate

    b = make_bars(50, seed=1, symbol="BTCUSDT")
    wrong = b.with_columns(ts=b.ts // 1_000_000)  # ms epochs taken as ns: 60,000 ns apart
    rep = validate(wrong, timeframe="1m")
    detail = rep.checks["timeframe_mismatch"].detail
    assert "60000 ns" in detail and "check the time unit (--ts-unit)" in detail and "pass timeframe=" not in detail


def test_conflict_message_names_the_cli_flag(tmp_path):
    from nexus.errors import StoreError

    store = BarStore(tmp_path / "bars", fsync=False)
    b = make_bars(20, seed=1, symbol="BTCUSDT")
    store.write(b)
    with pytest.raises(StoreError, match=r"pass overwrite=True \(CLI: --overwrite\)"):
        store.write(b.with_columns(close=b.close * 1.01, high=b.high * 1.01))


def test_signed_urls_never_reach_a_message():
    msg = ('binance GET https://api.binance.com/api/v3/account?timestamp=1700000000000&recvWindow=5000'
           '&signature=8f3a9c0d1e2f 401 Unauthorized')
    out = _scrub(msg, ["k-123"])
    assert "signature" not in out and "timestamp=" not in out and "https://api.binance.com/api/v3/account?***" in out


def test_download_never_loads_credentials(monkeypatch):
    from nexus.data.sources import ccxt_source

    seen = {}

    def fake_make(exchange_id, *, env=None, timeout_ms=10_000):
        seen["env"] = env
        raise RuntimeError("stop here")

    monkeypatch.setenv("NEXUS_BINANCE_API_KEY", "k-123456789")
    monkeypatch.setattr(ccxt_source, "make_exchange", fake_make)
    with pytest.raises(RuntimeError, match="stop here"):
        ccxt_source.download(BarStore("/nonexistent-store"), "binance", ["BTC/USDT"], "1m", since="2024-01-01", progress=False)
    assert seen["env"] == {}  # public bars: no key is read, no request is signed


def test_sweep_start_after_end_is_refused(tmp_path, capsys):
    store = BarStore(tmp_path / "bars", fsync=False)
    store.write(make_bars(500, seed=2, symbol="BTCUSDT"))
    code = cli_main(["--store", str(store.root), "sweep", "--symbol", "BTCUSDT", "--start", "2024-01-02",
                     "--end", "2024-01-01", "--out", str(tmp_path / "o"), "--no-progress"])
    assert code == 2
    assert "start '2024-01-02' is not before end '2024-01-01'" in capsys.readouterr().err


def test_import_summary_keeps_the_gap_warnings(tmp_path, capsys):
    b = make_bars(60, seed=1, symbol="BTCUSDT")
    df = b.to_pandas().reset_index()
    df["ts"] = b.ts // 1_000_000
    df = df.drop(index=range(20, 30))  # ten missing minutes
    path = tmp_path / "btc.csv"
    df[["ts", "open", "high", "low", "close", "volume"]].to_csv(path, index=False)
    code = cli_main(["--store", str(tmp_path / "bars"), "data", "import-csv", str(path), "--symbol", "BTCUSDT",
                     "--timeframe", "1m"])
    out = capsys.readouterr().out
    assert code == 0 and "50 rows (50 new)" in out
    assert "  warning: " in out and "gap" in out.split("warning:")[1]
