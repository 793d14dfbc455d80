"""Universe filters over attributes (against list comprehensions) and store statistics (against pandas)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nexus.data import instruments
from nexus.data.resample import resample
from nexus.data.universe import F, Filter, Universe, attr, median_daily_dollar_volume, realized_volatility
from nexus.errors import ConfigError, UnknownSymbolError

ALL = instruments.all_instruments()


def _syms(pred):
    return tuple(sorted(i.symbol for i in ALL if pred(i)))


def test_attribute_filters_match_plain_python():
    u = Universe.all()
    assert u.symbols == _syms(lambda i: True) and len(u) == 6
    assert u.where(kind="spot").symbols == _syms(lambda i: i.kind == "spot")
    assert u.where(F.kind == "future").symbols == ("NQ",)
    assert u.where(attr("quote") == "USDT").symbols == _syms(lambda i: i.quote == "USDT")
    assert u.where(F.tick_size < 0.01).symbols == ("XRPUSDT",)
    assert u.where(F.tick_size >= 0.25).symbols == ("NQ",)
    assert u.where(F.base.isin(["BTC", "ETH"])).symbols == ("BTCUSDT", "ETHUSDT")
    assert u.where(base=["SOL", "XRP"]).symbols == ("SOLUSDT", "XRPUSDT")
    assert u.where(F.lot_size.between(0.001, 1.0)).symbols == _syms(lambda i: 0.001 <= i.lot_size <= 1.0)
    assert u.where(F.calendar != "24/7").symbols == ("NQ",)


def test_combinators():
    u = Universe.all()
    spot = F.kind == "spot"
    cheap_tick = F.tick_size <= 0.01
    big_lot = F.lot_size >= 0.1
    assert u.where(spot & big_lot).symbols == _syms(lambda i: i.kind == "spot" and i.lot_size >= 0.1)
    assert u.where(~spot | big_lot).symbols == _syms(lambda i: i.kind != "spot" or i.lot_size >= 0.1)
    assert u.where(~(spot & cheap_tick)).symbols == ("NQ",)
    # several filters in where() are and-ed
    assert u.where(spot, big_lot).symbols == u.where(spot & big_lot).symbols
    assert "Filter((kind == 'spot' & lot_size >= 0.1))" == repr(spot & big_lot)


def test_universe_set_operations_and_access():
    a = Universe.of("BTCUSDT", "NQ")
    b = Universe.of(["ETHUSDT", "NQ"])
    assert (a | b).symbols == ("BTCUSDT", "ETHUSDT", "NQ")
    assert (a & b).symbols == ("NQ",)
    assert (a - b).symbols == ("BTCUSDT",)
    assert "NQ" in a and instruments.get("NQ") in a and "XRPUSDT" not in a
    assert a.get("NQ").multiplier == 20.0
    assert [i.symbol for i in a] == ["BTCUSDT", "NQ"]
    df = a.to_pandas()
    assert list(df.index) == ["BTCUSDT", "NQ"] and df.loc["NQ", "tick_size"] == 0.25
    assert Universe.all().where(kind="spot") == Universe.of("BNBUSDT", "BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT")
    with pytest.raises(UnknownSymbolError, match="not in this universe"):
        a.get("XRPUSDT")
    with pytest.raises(UnknownSymbolError):
        Universe.of("DOGEUSDT")


def test_misuse_is_explained():
    with pytest.raises(ConfigError, match="no attribute 'colour'"):
        F.colour == "red"
    with pytest.raises(ConfigError, match="& \\| ~"):
        bool(F.kind == "spot")
    with pytest.raises(ConfigError, match="combine a filter"):
        (F.kind == "spot") & True
    with pytest.raises(ConfigError, match="BarStore"):
        Universe.all().where(median_daily_dollar_volume(42) > 0)
    with pytest.raises(ConfigError, match="Instrument objects"):
        Universe(["BTCUSDT"])


# ------------------------------------------------------------------ statistics
def _pandas_daily(b, inst):
    df = b.to_pandas()
    if inst.calendar == "24/7":
        key = df.index.floor("D")
    else:
        local = df.index.tz_convert("America/Chicago").tz_localize(None)
        key = (local + pd.Timedelta(hours=7)).normalize()
    return df.groupby(key).agg(close=("close", "last"), quote_volume=("quote_volume", "sum"))


@pytest.fixture(scope="module")
def synthetic():
    from nexus.data.sources import synth

    return {s: b for (s, tf), (b, _) in synth.generate_all(scale=0.01).items() if tf in ("1m", "1d")}


@pytest.fixture(scope="module")
def store(tmp_path_factory, synthetic):
    from nexus.data.store import BarStore
    from nexus.data.sources import synth

    st = BarStore(tmp_path_factory.mktemp("bars"))
    synth.build_default_store(st, scale=0.01, progress=False)
    return st


def test_median_daily_dollar_volume_matches_pandas(store, synthetic):
    stat = F.median_daily_dollar_volume(store)
    values = stat.values(Universe.all())
    for sym, b in synthetic.items():
        inst = instruments.get(sym)
        ref = float(np.median(_pandas_daily(b, inst)["quote_volume"]))
        assert values[sym] == pytest.approx(ref, rel=1e-12), sym
    # a {symbol: Bars} dict works the same as a store
    assert F.median_daily_dollar_volume(synthetic).values(Universe.of("BTCUSDT"))["BTCUSDT"] == pytest.approx(values["BTCUSDT"], rel=1e-12)
    threshold = float(np.median(values))
    liquid = Universe.all().where(stat > threshold)
    assert set(liquid.symbols) == {s for s, v in values.items() if v > threshold}
    assert 0 < len(liquid) < 6


def test_realized_volatility_matches_pandas(store, synthetic):
    stat = realized_volatility(store)
    vals = stat.values(Universe.all())
    for sym, b in synthetic.items():
        inst = instruments.get(sym)
        close = _pandas_daily(b, inst)["close"]
        days = 365 if inst.calendar == "24/7" else 252
        ref = np.log(close).diff().std(ddof=1) * np.sqrt(days)
        assert vals[sym] == pytest.approx(ref, rel=1e-12), sym
    # NQ uses its stored daily bars (13 trading days at this scale), crypto the minute bars resampled
    assert np.isfinite(vals).all()
    calm = Universe.all().where((F.kind == "spot") & (stat < float(vals.drop("NQ").max())))
    assert len(calm) == 4


def test_lookback_and_missing_symbols(store, synthetic):
    b = synthetic["ETHUSDT"]
    stat = F.median_daily_dollar_volume(store, lookback_days=3)
    got = stat.values(Universe.of("ETHUSDT"))["ETHUSDT"]
    recent = b[int(np.searchsorted(b.ts, b.ts[-1] - 3 * 86_400_000_000_000, side="right")):]
    ref = float(np.median(resample(recent, "1d").quote_volume))
    assert got == pytest.approx(ref, rel=1e-12)
    # a symbol the data does not hold is NaN and fails every comparison (both directions)
    only_btc = {"BTCUSDT": synthetic["BTCUSDT"]}
    s = F.realized_volatility(only_btc)
    assert np.isnan(s.values(Universe.of("NQ"))["NQ"])
    assert Universe.of("BTCUSDT", "NQ").where(s > -1).symbols == ("BTCUSDT",)
    assert Universe.of("BTCUSDT", "NQ").where(s < 1e9).symbols == ("BTCUSDT",)


def test_custom_statistic_and_caching():
    calls = []

    def score(inst):
        calls.append(inst.symbol)
        return inst.tick_size * 100

    s = F.stat("score", score)
    u = Universe.all()
    assert u.where(s > 5).symbols == ("NQ",)  # NQ 25, XRP 0.01, the rest 1
    assert u.where((s > 5) | (s < 0.05)).symbols == ("NQ", "XRPUSDT")
    assert sorted(calls) == sorted(u.symbols)  # computed once per symbol
    assert isinstance(s > 1, Filter)


def test_docstring_examples_run():
    import doctest

    import nexus.data.universe as mod

    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
