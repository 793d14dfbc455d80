"""`nexus data ...` in-process: outputs, exit codes, one-line errors."""

from __future__ import annotations

import numpy as np
import pytest

from nexus.cli import main
from nexus.data.store import BarStore
from tests.conftest import make_bars
from tests.data.test_store import full_bars, monthly_days


def run(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture
def root(tmp_path):
    store = BarStore(tmp_path / "bars", fsync=False)
    store.write(monthly_days(3, seed=1), source="unit")
    store.write(full_bars(500, symbol="ETHUSDT"))
    return store.root


def test_info_lists_datasets(capsys, root):
    rc, out, err = run(capsys, "--store", str(root), "data", "info")
    assert rc == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["symbol", "tf", "rows"]
    btc = next(l for l in lines if l.startswith("BTCUSDT"))
    assert btc.split()[:3] == ["BTCUSDT", "1m", "4,320"] and "2023-01-01 00:00" in btc and btc.split()[-1] == "unit"
    assert lines[-1].startswith("2 dataset(s), 4,820 bars")
    rc, out, _ = run(capsys, "--store", str(root), "data", "info", "--symbol", "ETHUSDT")
    assert rc == 0 and "BTCUSDT" not in out and "ETHUSDT  1m  500" in out


def test_info_errors_are_one_line_exit_2(capsys, tmp_path, root):
    rc, out, err = run(capsys, "--store", str(tmp_path / "nowhere"), "data", "info")
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("nexus: error: no bar store at") and "nexus data synth" in err
    rc, _, err = run(capsys, "--store", str(root), "data", "info", "--symbol", "DOGE")
    assert rc == 2 and "'DOGE' is not in the store" in err and "BTCUSDT" in err


def test_validate_store_dataset_and_unknown(capsys, root):
    rc, out, _ = run(capsys, "--store", str(root), "data", "validate", "BTCUSDT/1m")
    assert rc == 0 and out.startswith("BTCUSDT 1m: 4,320 rows, OK")
    assert f"warn  gaps: 2 ({(30 + 27) * 1440:,} bars missing)" in out  # 30 days of January, 27 of February
    rc, out, err = run(capsys, "--store", str(root), "data", "validate", "BTCUSDT/5m")
    assert rc == 2 and "has no '5m' bars" in err and err.count("\n") == 1
    rc, out, err = run(capsys, "--store", str(root), "data", "validate", "missing.csv")
    assert rc == 2 and "no such file, and not a store dataset" in err


def test_validate_csv_and_parquet_files(capsys, tmp_path, root):
    b = make_bars(200, seed=3)
    df = b.to_pandas()
    df.loc[df.index[42], "low"] = df["high"].iloc[42] + 1  # low above open/close
    good = tmp_path / "good.csv"
    b.to_pandas().reset_index().to_csv(good, index=False)
    bad = tmp_path / "bad.csv"
    df.reset_index().to_csv(bad, index=False)
    rc, out, _ = run(capsys, "data", "validate", str(good), "--timeframe", "1m")
    assert rc == 0 and out.startswith("good 1m: 200 rows, OK")
    rc, out, _ = run(capsys, "data", "validate", str(bad), "--symbol", "XYZ")
    assert rc == 1 and "XYZ 1m: 200 rows, FAILED (1 rule(s))" in out
    assert "ERROR low_above_open_close: 1 - XYZ 1m row 42 (2024-01-01T00:42:00+00:00)" in out
    # naive times are refused unless the zone is named
    naive = tmp_path / "naive.csv"
    b.to_pandas().tz_localize(None).reset_index().to_csv(naive, index=False)
    rc, out, _ = run(capsys, "data", "validate", str(naive))
    assert rc == 1 and "naive_timezone" in out
    rc, out, _ = run(capsys, "data", "validate", str(naive), "--tz", "UTC")
    assert rc == 0
    # integer milliseconds, as in Binance dumps
    ms = tmp_path / "ms.csv"
    frame = b.to_pandas().reset_index()
    frame["ts"] = b.ts // 1_000_000
    frame.to_csv(ms, index=False)
    rc, out, _ = run(capsys, "data", "validate", str(ms), "--ts-unit", "ms")
    assert rc == 0 and "1m" in out.splitlines()[0]
    part = sorted((root / "ETHUSDT" / "1m").glob("*.parquet"))[0]
    rc, out, _ = run(capsys, "data", "validate", str(part), "--symbol", "ETHUSDT")
    assert rc == 0 and out.startswith("ETHUSDT 1m: 500 rows, OK")
    rc, _, err = run(capsys, "data", "validate", str(tmp_path))
    assert rc == 2 and "is a folder" in err


def test_verify_and_delete(capsys, root):
    rc, out, _ = run(capsys, "--store", str(root), "data", "verify")
    assert rc == 0 and out.strip() == "2 symbol(s) checked: OK"
    f = sorted((root / "BTCUSDT" / "1m").glob("*.parquet"))[0]
    raw = bytearray(f.read_bytes())
    raw[100] ^= 0xFF
    f.write_bytes(bytes(raw))
    rc, out, _ = run(capsys, "--store", str(root), "data", "verify")
    assert rc == 1 and f.name in out and "1 problem(s)" in out
    rc, out, _ = run(capsys, "--store", str(root), "data", "delete", "ETHUSDT/1m")
    assert rc == 0 and BarStore(root).symbols() == ["BTCUSDT"]
    rc, _, err = run(capsys, "--store", str(root), "data", "delete", "ETHUSDT")
    assert rc == 2 and "SYMBOL/TIMEFRAME" in err


def test_synth_builds_a_small_store(capsys, tmp_path):
    root = tmp_path / "synth"
    rc, out, err = run(capsys, "--store", str(root), "data", "synth", "--symbols", "NQ", "--scale", "0.02", "--seed", "3")
    assert rc == 0
    store = BarStore(root)
    assert "NQ" in store.symbols() and store.timeframes("NQ") == ["5m", "1h", "1d"]
    assert all(s == "NQ" or s[2] in "HMUZ" for s in store.symbols())  # NQ and its quarterly contracts
    bars = store.read("NQ", "1h")
    regimes = store.read_aux("NQ", "1h", "regime")
    np.testing.assert_array_equal(regimes["ts"], bars.ts)
    assert f"{len(bars):,}" in next(l for l in out.splitlines() if l.startswith("NQ") and " 1h " in l)
    assert not (root / "_SUCCESS").is_file()  # a partial set must not pass for the finished default store
    rc, _, err = run(capsys, "--store", str(root), "data", "synth", "--scale", "0")
    assert rc == 2 and "--scale must be > 0" in err


def test_data_without_action_prints_help(capsys):
    rc, out, _ = run(capsys, "data")
    assert rc == 2 and "synth" in out and "validate" in out
