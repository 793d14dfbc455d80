"""Instrument specs: packaged values, user overrides, clear errors, rounding."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest

from nexus.data import instruments
from nexus.data.instruments import Instrument
from nexus.errors import ConfigError, UnknownSymbolError


def test_packaged_specs_for_the_six_instruments():
    table = {i.symbol: i for i in instruments.all_instruments()}
    assert sorted(table) == ["BNBUSDT", "BTCUSDT", "ETHUSDT", "NQ", "SOLUSDT", "XRPUSDT"]
    nq = table["NQ"]
    assert (nq.kind, nq.exchange, nq.tick_size, nq.multiplier, nq.calendar, nq.currency) == ("future", "CME", 0.25, 20.0, "CME_GLOBEX", "USD")
    btc = table["BTCUSDT"]
    assert (btc.kind, btc.base, btc.quote, btc.tick_size, btc.lot_size, btc.taker_fee, btc.calendar) == ("spot", "BTC", "USDT", 0.01, 1e-5, 0.001, "24/7")
    assert table["XRPUSDT"].tick_size == 0.0001
    # the file on disk is the source: every field of every table is what the dataclass carries
    with open(instruments.default_path(), "rb") as fh:
        raw = tomllib.load(fh)
    for sym, spec in raw.items():
        for k, v in spec.items():
            assert getattr(table[sym], k) == v, (sym, k)


def test_unknown_symbol_lists_known_ones():
    with pytest.raises(UnknownSymbolError) as err:
        instruments.get("DOGEUSDT")
    msg = str(err.value)
    assert "DOGEUSDT" in msg and "BTCUSDT" in msg and "NQ" in msg and "NEXUS_INSTRUMENTS" in msg


def test_user_file_overrides_fields_and_adds_symbols(tmp_path):
    user = tmp_path / "my.toml"
    user.write_text(
        '[BTCUSDT]\ntaker_fee = 0.0004\nmaker_fee = 0.0002\n\n'
        '[ES]\nexchange = "CME"\nbase = "ES"\nquote = "USD"\nkind = "future"\ntick_size = 0.25\nlot_size = 1.0\n'
        'multiplier = 50.0\nmaker_fee = 0.0\ntaker_fee = 0.0\ncalendar = "CME_GLOBEX"\ncurrency = "USD"\n'
    )
    btc = instruments.get("BTCUSDT", path=user)
    assert (btc.taker_fee, btc.maker_fee, btc.tick_size) == (0.0004, 0.0002, 0.01)  # untouched fields kept
    assert instruments.get("ES", path=user).multiplier == 50.0
    assert [i.symbol for i in instruments.all_instruments(path=user)] == ["BNBUSDT", "BTCUSDT", "ES", "ETHUSDT", "NQ", "SOLUSDT", "XRPUSDT"]
    assert instruments.get("BTCUSDT").taker_fee == 0.001  # the default is unchanged


def test_env_var_override(tmp_path, monkeypatch):
    user = tmp_path / "env.toml"
    user.write_text("[NQ]\ntaker_fee = 0.00002\n")
    monkeypatch.setenv("NEXUS_INSTRUMENTS", str(user))
    assert instruments.get("NQ").taker_fee == 0.00002
    # an edit is picked up (the cache is keyed on modification time)
    import os

    user.write_text("[NQ]\ntaker_fee = 0.00003\n")
    os.utime(user, (1e9, 2e9))
    assert instruments.get("NQ").taker_fee == 0.00003


@pytest.mark.parametrize(
    "text, match",
    [
        ("[BTCUSDT]\ntick = 0.1\n", r"\[BTCUSDT\]: unknown field\(s\) \['tick'\]"),
        ("[BTCUSDT]\nkind = \"option\"\n", r"\[BTCUSDT\]: kind 'option' must be one of"),
        ("[BTCUSDT]\ntick_size = -1.0\n", r"\[BTCUSDT\]: tick_size must be > 0"),
        ("[BTCUSDT]\ntaker_fee = 0.5\n", r"taker_fee 0.5 is a fraction of notional"),
        ("[BTCUSDT]\ncalendar = \"NYSE\"\n", r"calendar 'NYSE' must be one of"),
        ("[NEW]\nexchange = \"x\"\n", r"\[NEW\]: missing field\(s\)"),
        ("[BTCUSDT\n", r"not valid TOML"),
        ("BTCUSDT = 3\n", r"must be a table"),
    ],
)
def test_bad_user_files_name_file_and_field(tmp_path, text, match):
    user = tmp_path / "bad.toml"
    user.write_text(text)
    with pytest.raises(ConfigError, match=match) as err:
        instruments.all_instruments(path=user)
    assert "bad.toml" in str(err.value)


def test_missing_user_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        instruments.get("NQ", path=tmp_path / "nope.toml")


def test_rounding_to_tick_and_lot():
    nq = instruments.get("NQ")
    assert nq.round_price(20000.13) == 20000.25
    assert nq.round_price(20000.12) == 20000.0
    xrp = instruments.get("XRPUSDT")
    got = xrp.round_price(np.array([0.61234, 1.00005001, 2.99994]))
    np.testing.assert_array_equal(got, [0.6123, 1.0001, 2.9999])
    btc = instruments.get("BTCUSDT")
    assert btc.round_qty(0.123456) == 0.12346
    assert btc.round_price(0.1 + 0.2) == 0.3  # no float residue
    assert (nq.price_decimals, xrp.price_decimals, btc.qty_decimals) == (2, 4, 5)
    assert nq.notional(20000.0, 2) == 800_000.0


def test_instrument_is_frozen():
    nq = instruments.get("NQ")
    assert isinstance(nq, Instrument)
    with pytest.raises(Exception):
        nq.tick_size = 1.0  # type: ignore[misc]


def test_docstring_examples_run():
    import doctest

    import nexus.data.instruments as mod

    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
