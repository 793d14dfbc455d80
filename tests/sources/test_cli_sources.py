"""``nexus data download | import-binance | import-csv`` end to end through nexus.cli (no network)."""

from __future__ import annotations

import logging

import ccxt
import pandas as pd
import pytest

from nexus import cli
from nexus.data.sources import ccxt_source, yfinance_source
from nexus.data.store import BarStore
from tests.sources.fake_exchange import FakeExchange, load_fixture
from tests.sources.test_binance_files import DEC_2024, kline_lines, write_zip


def nexus(*argv: str) -> int:
    return cli.main(list(argv))


def test_download_ccxt_then_resume(tmp_path, monkeypatch, capsys):
    fx = load_fixture("binance_BTCUSDT_1m.json")
    made = []

    def fake_make(exchange_id, *, env=None, timeout_ms=10_000):
        assert exchange_id == "binance"
        made.append(FakeExchange(fx))
        return made[-1]

    monkeypatch.setattr(ccxt_source, "make_exchange", fake_make)
    store = tmp_path / "bars"
    rc = nexus("--store", str(store), "data", "download", "--exchange", "binance", "--symbols", "BTC/USDT",
               "--timeframe", "1m", "--since", "2024-01-01", "--no-progress")
    out = capsys.readouterr().out
    assert rc == 0 and "binance BTC/USDT -> BTCUSDT 1m: 2349 bars" in out
    assert BarStore(store).read("BTCUSDT", "1m").ts.shape[0] == 2349
    rc = nexus("--store", str(store), "data", "download", "--exchange", "binance", "--symbols", "BTC/USDT", "--no-progress")
    assert rc == 0 and "up to date, nothing new" in capsys.readouterr().out
    assert made[-1].calls == []


def test_download_offline_exit_2_one_line_nothing_written(tmp_path, monkeypatch, capsys):
    fx = load_fixture("binance_BTCUSDT_1m.json")
    err = ccxt.NetworkError("binance GET https://api.binance.com/api/v3/exchangeInfo")
    monkeypatch.setattr(ccxt_source, "make_exchange", lambda *a, **k: FakeExchange(fx, always=err))
    slept = []
    monkeypatch.setattr(ccxt_source, "_sleep", slept.append)
    rc = nexus("--store", str(tmp_path / "bars"), "data", "download", "--exchange", "binance", "--symbols", "BTC/USDT",
               "--since", "2024-01-01", "--no-progress")
    lines = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(lines) == 1
    assert lines[0] == "nexus: error: could not reach binance: binance GET https://api.binance.com/api/v3/exchangeInfo; nothing was written"
    assert not (tmp_path / "bars").exists()
    assert len(slept) == 2 and sum(slept) < 3.0  # the real run would have waited this long: seconds


def test_download_yfinance_offline(tmp_path, monkeypatch, capsys):
    def offline(**kw):
        logging.getLogger("yfinance").error(
            "['NQ=F']: DNSError('Failed to perform, curl: (6) Could not resolve host: query2.finance.yahoo.com. "
            "See https://curl.se/libcurl/c/libcurl-errors.html first for more details.')")
        return pd.DataFrame()

    monkeypatch.setattr(yfinance_source, "_default_download", lambda: offline)
    rc = nexus("--store", str(tmp_path / "bars"), "data", "download", "--source", "yfinance", "--symbols", "NQ=F",
               "--timeframe", "5m")
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "\n" not in err
    assert err.startswith("nexus: error: could not reach Yahoo Finance for NQ=F: ") and "Could not resolve host" in err
    assert "curl.se" not in err and err.endswith("nothing was written")


@pytest.mark.parametrize("argv,msg", [
    (["--symbols", "BTC/USDT"], "say where to download from"),
    (["--source", "ccxt", "--symbols", "BTC/USDT"], "--source ccxt needs --exchange"),
    (["--source", "yfinance", "--exchange", "binance", "--symbols", "NQ=F"], "--exchange is for ccxt"),
    (["--exchange", "nosuchexchange", "--symbols", "BTC/USDT", "--since", "2024-01-01"], "unknown exchange 'nosuchexchange'"),
])
def test_download_argument_errors(tmp_path, capsys, argv, msg):
    assert nexus("--store", str(tmp_path / "bars"), "data", "download", *argv) == 2
    assert msg in capsys.readouterr().err


def test_import_binance_and_csv(tmp_path, capsys):
    z = write_zip(tmp_path / "dl", "BTCUSDT-1m-2024-12.zip", kline_lines(DEC_2024, 90), checksum="ok")
    store = tmp_path / "bars"
    assert nexus("--store", str(store), "data", "import-binance", str(tmp_path / "dl"), "--no-progress") == 0
    assert "BTCUSDT 1m: 90 bars from 1 file(s) (units ms, 1 checksum(s) verified)" in capsys.readouterr().out
    assert BarStore(store).read("BTCUSDT", "1m").ts[0] == DEC_2024 * 1_000_000

    csv = tmp_path / "nq.csv"
    csv.write_text("Time,O,H,L,Price,Qty\n2024-07-01 09:30,10,11,9,10.5,5\n2024-07-01 09:35,10.5,12,10,11,6\n")
    rc = nexus("--store", str(store), "data", "import-csv", str(csv), "--symbol", "NQ", "--timeframe", "5m",
               "--map", "ts=Time,open=O,high=H,low=L,close=Price,volume=Qty")
    assert rc == 2 and "carry no time zone; pass --tz" in capsys.readouterr().err
    rc = nexus("--store", str(store), "data", "import-csv", str(csv), "--symbol", "NQ", "--timeframe", "5m",
               "--map", "ts=Time,open=O,high=H,low=L,close=Price,volume=Qty", "--tz", "America/New_York")
    assert rc == 0 and "nq.csv -> NQ 5m: 2 rows (2 new)" in capsys.readouterr().out
    got = BarStore(store).read("NQ", "5m")
    assert got.ts.tolist() == [pd.Timestamp("2024-07-01 13:30", tz="UTC").value, pd.Timestamp("2024-07-01 13:35", tz="UTC").value]
    assert got.close.tolist() == [10.5, 11.0]
