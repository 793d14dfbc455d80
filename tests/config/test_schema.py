"""The schema: checks, defaults, profiles, --set, and one-line errors with the exact text."""

from __future__ import annotations

import ast
import datetime
from pathlib import Path

import pytest

from nexus.config import BACKTEST, SWEEP, Key, Schema, Section, parse_set, parse_value
from nexus.config.common import FEE, SLIPPAGE, START
from nexus.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def message(fn, *args, **kw) -> str:
    with pytest.raises(ConfigError) as exc:
        fn(*args, **kw)
    return str(exc.value)


# ---------------------------------------------------------------------- keys
@pytest.mark.parametrize("key, value, expected", [
    (Key("x", "float", 0.5, "", lo=0.0, hi=1.0), 1, 1.0),            # TOML integers are numbers
    (Key("x", "float", 0.5, "", lo=0.0, hi=1.0), 0.0, 0.0),          # closed ends are inside
    (Key("x", "int", 3, "", lo=0), 0, 0),
    (Key("x", "bool", True, ""), False, False),
    (Key("x", "str", "", ""), datetime.date(2026, 6, 1), "2026-06-01"),  # a TOML date where a time is asked for
    (Key("x", "list[str]", [], ""), "breakout", ["breakout"]),         # one word is a list of one
    (Key("x", "list[str]", [], "", choices=("a", "b")), ["b", "a"], ["b", "a"]),
    (Key("x", "str", "a", "", choices=("a", "b")), "b", "b"),
])
def test_key_accepts_and_converts(key, value, expected):
    got = key.check(value, "f.toml", "s.x")
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize("key, value, text", [
    (Key("x", "float", 0.5, "", lo=0.0, hi=1.0, lo_open=True), 0.0, "s.x = 0.0 is out of range: allowed 0 < x <= 1"),
    (Key("x", "float", 0.5, "", lo=0.0, hi=1.0, hi_open=True), 1.0, "s.x = 1.0 is out of range: allowed 0 <= x < 1"),
    (Key("x", "float", 0.5, "", lo=-0.01, hi=0.1), 0.2, "s.x = 0.2 is out of range: allowed -0.01 <= x <= 0.1"),
    (Key("x", "float", 0.5, "", hi=2.5), 3, "s.x = 3 is out of range: allowed x <= 2.5"),
    (Key("x", "int", 5, "", lo=100), 10, "s.x = 10 is out of range: allowed x >= 100"),
    (Key("x", "float", 0.5, "", lo=0.0), True, "s.x = true has the wrong type: allowed a number x >= 0"),
    (Key("x", "float", 0.5, ""), float("inf"), "s.x = inf has the wrong type: allowed a number"),
    (Key("x", "int", 5, ""), 1.0, "s.x = 1.0 has the wrong type: allowed a whole number"),
    (Key("x", "bool", True, ""), "yes", "s.x = 'yes' has the wrong type: allowed true or false"),
    (Key("x", "str", "", ""), 3, "s.x = 3 has the wrong type: allowed a string"),
    (Key("x", "list[str]", [], ""), [1], "s.x = [1] has the wrong type: allowed a list of strings"),
    (Key("x", "str", "a", "", choices=("a", "b")), "c", "s.x = 'c' is not allowed: allowed one of 'a', 'b'"),
    (Key("x", "list[str]", [], "", choices=("a", "b")), ["a", "c"], "s.x = ['a', 'c'] is not allowed: allowed a list of 'a', 'b'"),
])
def test_key_refuses_with_one_line(key, value, text):
    assert message(key.check, value, "f.toml", "s.x") == f"f.toml: {text}"


def test_every_default_passes_its_own_check():
    for schema in (BACKTEST, SWEEP):
        for path, key in schema.keys():
            assert key.check(key.default, schema.file, path) == key.default, path
        for row in BACKTEST.section("books").rows:
            BACKTEST.validate({"books": [row]}, "rows")


# -------------------------------------------------------------------- schema
def test_defaults_are_the_shipped_files():
    import tomllib

    shipped = tomllib.loads((ROOT / "backtest.toml").read_text())
    assert BACKTEST.resolve(shipped, "backtest.toml") == BACKTEST.defaults()
    assert BACKTEST.defaults()["risk"]["max_hold"] == "3d" and BACKTEST.defaults("original")["risk"]["max_hold"] == ""
    # sweep.toml's grid and where are sma_crossover's, which `nexus sweep` adds for that strategy only
    shipped = tomllib.loads((ROOT / "sweep_sma.toml").read_text())
    expected = SWEEP.defaults()
    expected["grid"] = shipped["grid"]
    expected["sweep"]["where"] = ["fast < slow"]
    assert SWEEP.resolve(shipped, "sweep_sma.toml") == expected
    # the shipped sweep.toml is a pipeline sweep: every key but its grid at its default
    from nexus.config import PIPELINE_SWEEP

    shipped = tomllib.loads((ROOT / "sweep.toml").read_text())
    expected = PIPELINE_SWEEP.defaults()
    expected["grid"] = shipped["grid"]
    expected["backtest"]["set"] = shipped["backtest"]["set"]
    assert PIPELINE_SWEEP.resolve(shipped, "sweep.toml") == expected


def test_file_beats_profile_and_set_beats_file():
    cfg = BACKTEST.resolve({"profile": "original", "risk": {"min_hold": "2h"}}, "f.toml", ["risk.min_hold=4h"])
    assert cfg["risk"]["min_hold"] == "4h" and cfg["risk"]["max_hold"] == "" and cfg["risk"]["drawdown_cooloff"] == ""
    cfg = BACKTEST.resolve({"risk": {"min_hold": "2h"}}, "f.toml", ["profile=original"])
    assert cfg["risk"]["min_hold"] == "2h" and cfg["risk"]["max_hold"] == ""  # --set profile moves the defaults
    cfg = BACKTEST.resolve({}, "f.toml", {"layers.sizing.method": "vol_target"})
    assert cfg["layers"]["sizing"]["method"] == "vol_target"


def test_books_rows_are_filled_and_replace_the_default_books():
    cfg = BACKTEST.resolve({"books": [{"name": "eth", "symbols": ["ETHUSDT/1m"]}]}, "f.toml")
    assert cfg["books"] == [{"name": "eth", "symbols": ["ETHUSDT/1m"], "clock": "1m", "capital": 10_000_000.0,
                             "instruments": {}}]
    assert [b["name"] for b in BACKTEST.defaults()["books"]] == ["main", "NQ-1h", "NQ-1d"]


def test_open_section_takes_any_key_and_sets_merge_into_it():
    cfg = SWEEP.resolve({"grid": {"fast": [5, 10]}}, "s.toml", ["grid.slow={from = 20, to = 40, step = 20}"])
    assert cfg["grid"] == {"fast": [5, 10], "slow": {"from": 20, "to": 40, "step": 20}}


@pytest.mark.parametrize("schema, sets, text", [
    (BACKTEST, ["risk.stop_loss"], "--set 'risk.stop_loss': expected SECTION.KEY=VALUE, e.g. --set risk.stop_loss=0.03"),
    (BACKTEST, ["=1"], "--set '=1': expected SECTION.KEY=VALUE, e.g. --set risk.stop_loss=0.03"),
    (BACKTEST, ["risk..stop_loss=1"], "--set 'risk..stop_loss=1': expected SECTION.KEY=VALUE, e.g. --set risk.stop_loss=0.03"),
    (SWEEP, ["costs.fees"], "--set 'costs.fees': expected SECTION.KEY=VALUE, e.g. --set costs.fees=0.002"),
    (BACKTEST, ["risk.stop_loss=-0.1"], "--set: risk.stop_loss = -0.1 is out of range: allowed 0 <= x <= 1"),
    (BACKTEST, ["risk.stop_loss=two"], "--set: risk.stop_loss = 'two' has the wrong type: allowed a number 0 <= x <= 1"),
    (BACKTEST, ["risk.stoploss=0.1"], "--set: unknown key risk.stoploss: allowed keys in [risk]: stop_loss, take_profit, "
                                      "position_cap, symbol_cap, gross_cap, daily_loss_limit, max_drawdown, "
                                      "drawdown_cooloff, max_hold, min_hold, pyramid, trailing_stop, intrabar"),
    (BACKTEST, ["riks.stop_loss=0.1"], "--set: unknown section [riks]: allowed sections: [run], [[books]], [costs], "
                                       "[risk], [execution], [layers.*], [report]"),
    (BACKTEST, ["layers.x.y=1"], "--set: unknown section [layers.x]: allowed sections in [layers]: [layers.quality], "
                                 "[layers.signals], [layers.meta], [layers.aggregate], [layers.governance], "
                                 "[layers.risk], [layers.sizing], [layers.execution]"),
    (BACKTEST, ["layers.quality=1"], "--set: layers.quality is a section, not a key; set layers.quality.KEY=VALUE"),
    (BACKTEST, ["books.clock=1h"], "--set books.clock: [[books]] cannot be set key by key; edit the file"),
    (SWEEP, ["sweep.engine=spark"], "--set: sweep.engine = 'spark' is not allowed: allowed one of 'local', 'ray'"),
    (SWEEP, ["data.start=2026-06-01", "data.end=3"], "--set: data.end = 3 has the wrong type: allowed a string"),
])
def test_set_errors(schema, sets, text):
    assert message(schema.resolve, {}, "f.toml", sets) == text


def test_unknown_section_and_key_in_a_file():
    assert message(SWEEP.resolve, {"sweeps": {"x": 1}}, "s.toml") == (
        "s.toml: unknown section [sweeps]: allowed sections: [data], [strategy], [sweep], [costs], [output], [grid]")
    assert message(SWEEP.resolve, {"data": {"symbl": "X"}}, "s.toml") == (
        "s.toml: unknown key data.symbl: allowed keys in [data]: symbol, timeframe, start, end")
    assert message(SWEEP.resolve, {"data": 3}, "s.toml") == "s.toml: data = 3 has the wrong type: allowed a table [data]"


def test_set_values_are_toml_literals():
    assert parse_set("a.b=0.25") == ("a.b", 0.25)
    assert parse_set("a.b = [1, 2]") == ("a.b", [1, 2])
    assert parse_set("a.b={steps = 8}") == ("a.b", {"steps": 8})
    assert parse_set("a.b=true") == ("a.b", True)
    assert parse_set("a.b='x=y'") == ("a.b", "x=y")  # only the first '=' splits
    assert parse_set("a.b=ETHUSDT") == ("a.b", "ETHUSDT")  # a bare word is a string
    assert parse_value("2026-06-01") == datetime.date(2026, 6, 1)


def test_lookup_and_allowed_text():
    assert BACKTEST.key("risk.position_cap").allowed() == "a number 0 < x <= 1"
    assert BACKTEST.key("profile").allowed() == "one of 'default', 'original'"
    assert message(BACKTEST.key, "risk.nope") == "backtest.toml: no key 'risk.nope'"
    assert message(BACKTEST.defaults, "fast") == "backtest.toml: profile 'fast' is unknown: allowed one of 'default', 'original'"
    with pytest.raises(ValueError, match="kind 'float32'"):
        Key("x", "float32", 0.0, "")
    with pytest.raises(ValueError, match="defined twice"):
        Schema("t.toml", (Section("a", ()), Section("a", ())))


def test_both_files_share_the_cost_and_window_definitions():
    assert SWEEP.key("costs.fees") == FEE.named("fees") and BACKTEST.key("costs.fee") == FEE
    assert SWEEP.key("costs.slippage") == BACKTEST.key("costs.slippage") == SLIPPAGE
    assert SWEEP.key("data.start") == BACKTEST.key("run.start") == START
    capital, cash = BACKTEST.key("books.capital"), SWEEP.key("costs.init_cash")
    assert (capital.lo, capital.lo_open, capital.kind) == (cash.lo, cash.lo_open, cash.kind)


def test_sweep_metric_choices_are_the_sweep_metrics():
    from nexus.sweep import METRICS

    assert set(SWEEP.key("sweep.metric").choices) == set(METRICS)


def test_config_imports_only_errors_and_the_standard_library():
    import sys

    for path in (ROOT / "nexus" / "config").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            for name in names:
                top = name.split(".")[0]
                ok = name == "nexus.errors" or name.startswith("nexus.config") or top in sys.stdlib_module_names
                assert ok, f"{path.name} imports {name}"
