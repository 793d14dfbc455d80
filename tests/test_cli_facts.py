"""`nexus data facts`: text with verdicts, JSON, the figure and one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nexus.cli import main
from nexus.data.bars import Bars
from nexus.data.sources import synth
from nexus.data.store import BarStore
from nexus.metrics.stylized import stylized_facts


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("facts")
    store = BarStore(root, fsync=False)
    bars, _ = synth.generate("BTCUSDT", "1m", n=80_000, seed=0)
    store.write(bars, source="synthetic")
    short, _ = synth.generate("ETHUSDT", "1m", n=3_000, seed=0)
    store.write(short, source="synthetic")
    nq, _ = synth.generate("NQ", "1d", seed=0)
    store.write(nq, source="synthetic")
    ts = np.arange(80_000, dtype=np.int64) * 60_000_000_000
    close = np.full(80_000, 5.0)
    close[100] = -1.0
    bad = Bars.from_arrays(ts=ts, open=np.abs(close), high=np.abs(close), low=np.abs(close), close=np.abs(close),
                           volume=np.ones(80_000), symbol="BAD", timeframe="1m")
    store.write(bad, source="file:bad.csv")
    return root, bars


def test_facts_prints_verdicts_and_the_source(root, capsys):
    path, bars = root
    assert main(["--store", str(path), "data", "facts", "BTCUSDT/1m"]) == 0
    out = capsys.readouterr().out
    ref = stylized_facts(bars)
    assert "BTCUSDT/1m: 80,000 bars" in out and "source: synthetic" in out
    for v in ref.verdicts:
        assert v.line in out


def test_facts_json_and_plot(root, capsys, tmp_path):
    path, bars = root
    png = tmp_path / "f.png"
    assert main(["--store", str(path), "data", "facts", "BTCUSDT/1m", "NQ/1d", "--json", "--plot", str(png)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [d["series"] for d in doc] == ["BTCUSDT/1m", "NQ/1d"]
    ref = stylized_facts(bars)
    assert doc[0]["figures"]["excess_kurtosis"] == pytest.approx(ref.figures["excess_kurtosis"], rel=1e-12)
    assert doc[0]["figures"]["momentum_sharpe"] == pytest.approx(ref.figures["momentum_sharpe"], rel=1e-12)
    assert doc[1]["figures"]["clock"] == "1d" and doc[0]["source"] == "synthetic"
    for name in ("f-BTCUSDT-1m.png", "f-NQ-1d.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("series, words", [
    ("DOGEUSDT/1m", ["DOGEUSDT", "not in the store"]),
    ("ETHUSDT/1m", ["ETHUSDT/1m", "too short"]),
    ("BTCUSDT", ["SYMBOL/TIMEFRAME"]),
])
def test_bad_input_is_one_line_exit_2(root, capsys, series, words):
    path, _ = root
    assert main(["--store", str(path), "data", "facts", series]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    for w in words:
        assert w in err


def test_non_positive_prices_are_refused(root, capsys):
    path, _ = root
    store = BarStore(path)
    b = store.read("BAD", "1m")
    assert (b.close > 0).all()  # the store refuses a negative price, so check the function on the raw array
    from nexus.errors import DataError
    from nexus.metrics.stylized import facts_from_arrays

    close = b.close.copy()
    close[100] = -1.0
    with pytest.raises(DataError, match="BAD/1m: non-positive"):
        facts_from_arrays(b.ts, b.open, close, b.volume, timeframe_ns=60_000_000_000, name="BAD/1m")
