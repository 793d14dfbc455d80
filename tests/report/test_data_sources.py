"""Reports state where every series came from, and warn above the headline table when any is synthetic."""

from __future__ import annotations

import numpy as np

from nexus.data.bars import Bars
from nexus.data.provenance import describe, series_source
from nexus.data.sources import synth
from nexus.data.store import BarStore
from nexus.report.html import _sources
from nexus.report.text import source_lines


def test_store_sources_are_described(tmp_path):
    store = BarStore(tmp_path / "bars", fsync=False)
    b, _ = synth.generate("BTCUSDT", "1m", n=100, seed=7)
    store.write(b, source="synthetic")
    ts = np.arange(3) * 60_000_000_000
    real = Bars.from_arrays(ts=ts, open=[1.0, 2, 3], high=[2.0, 3, 4], low=[0.5, 1.5, 2.5], close=[2.0, 3, 3.5],
                            volume=[1.0, 1, 1], symbol="ETHUSDT", timeframe="1m", meta={"source": "ccxt:binance"})
    store.write(real, source="ccxt:binance")
    assert series_source(store, "BTCUSDT", "1m") == "synthetic (seed 7)"
    line = series_source(store, "ETHUSDT", "1m")
    assert line.startswith("ccxt:binance, written to the store ") and line.endswith(" UTC")
    assert describe({"sources": [], "meta": {}}) == "unknown source"


def test_text_and_html_headers():
    man = {"data_sources": {"BTCUSDT/1m": "synthetic (seed 0)", "NQ/1h": "yfinance, written to the store 2026-12-01 10:00 UTC"}}
    text = "".join(source_lines(man))
    assert "data source  BTCUSDT/1m: synthetic (seed 0)" in text and "NQ/1h: yfinance" in text
    assert "SYNTHETIC DATA" in text
    html = _sources(man)
    assert "<li>BTCUSDT/1m: synthetic (seed 0)</li>" in html and "Synthetic data" in html
    real = {"data_sources": {"NQ/1h": "yfinance, written to the store 2026-12-01 10:00 UTC"}}
    assert "SYNTHETIC" not in "".join(source_lines(real)) and "Synthetic" not in _sources(real)
    assert source_lines({}) == [] and _sources({}) == ""


def test_doctest():
    import doctest

    import nexus.data.provenance as mod

    r = doctest.testmod(mod)
    assert r.attempted > 0 and r.failed == 0
