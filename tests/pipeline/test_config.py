"""TOML configuration: profiles, overrides and clear errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from nexus.errors import ConfigError
from nexus.pipeline.config import BacktestConfig

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path, text: str) -> Path:
    p = tmp_path / "bt.toml"
    p.write_text(text)
    return p


def test_example_config_parses_and_matches_defaults():
    cfg = BacktestConfig.from_toml(ROOT / "backtest.toml")
    default = BacktestConfig.from_dict({})
    assert cfg.profile == "default"
    assert [b.name for b in cfg.books] == ["main", "NQ-1h", "NQ-1d"]
    assert cfg.books[0].symbols == default.books[0].symbols
    assert cfg.layers.aggregate.threshold == 0.3 and cfg.risk.stop_loss == 0.02
    assert cfg.costs.fee == 0.001 and cfg.costs.slippage == 0.0005


def test_original_profile_is_the_reference_thresholds():
    cfg = BacktestConfig.from_dict({"profile": "original"})
    L = cfg.layers
    assert (L.quality.min_composite, L.signals.min_confidence, L.meta.max_anomaly) == (0.5, 0.57, 0.8)
    assert (L.aggregate.threshold, L.aggregate.min_mean_confidence) == (0.3, 0.5)
    assert (L.governance.min_probability, L.governance.min_confidence) == (0.6, 0.7)
    assert (L.risk.min_confidence, L.risk.min_multiplier) == (0.57, 0.3)
    assert (L.sizing.kelly_fraction, L.sizing.favourable, L.sizing.adverse) == (0.25, 1.2, 0.5)
    assert (cfg.risk.position_cap, cfg.risk.symbol_cap, cfg.risk.daily_loss_limit, cfg.risk.max_drawdown) == (0.1, 0.2, 0.02, 0.15)
    assert cfg.risk.max_hold == ""


def test_file_values_beat_profile_and_overrides_beat_file(tmp_path):
    p = write(tmp_path, 'profile = "original"\n[layers.governance]\nmin_confidence = 0.65\n')
    cfg = BacktestConfig.from_toml(p)
    assert cfg.layers.governance.min_confidence == 0.65 and cfg.layers.governance.min_probability == 0.6
    cfg = BacktestConfig.from_toml(p, ["layers.governance.min_confidence=0.5", "run.seed=9", "run.start=2026-01-01"])
    assert cfg.layers.governance.min_confidence == 0.5 and cfg.run.seed == 9 and cfg.run.start == "2026-01-01"


@pytest.mark.parametrize("text, message", [
    ("[layers.aggregate]\nthreshold = 1.5\n", "layers.aggregate.threshold = 1.5 is out of range: allowed 0 <= x <= 1"),
    ("[layers.aggregate]\nthresold = 0.2\n", "unknown key layers.aggregate.thresold: allowed keys in [layers.aggregate]: "
                                             "enabled, threshold, min_mean_confidence, function"),
    ("[risk]\nstop_loss = \"two\"\n", "risk.stop_loss = 'two' has the wrong type: allowed a number 0 <= x <= 1"),
    ("[risk]\nstop_loss = nan\n", "risk.stop_loss = nan has the wrong type: allowed a number 0 <= x <= 1"),
    ("[costs]\nfill = \"vwap\"\n", "costs.fill = 'vwap' is not allowed: allowed one of 'realistic', 'aggressive', "
                                    "'conservative', 'next_open', 'close', 'next_worst'"),
    ('profile = "fast"\n', "profile = 'fast' is not allowed: allowed one of 'default', 'original'"),
    ("[run]\nstart = \"2026-02-01\"\nend = \"2026-01-01\"\n", "run.start '2026-02-01' is not before run.end '2026-01-01'"),
    ("[[books]]\nname = \"x\"\nsymbols = [\"BTCUSDT\"]\n", "books[0] ('x'): symbol 'BTCUSDT' needs a timeframe, e.g. 'BTCUSDT/1m'"),
    ("[[books]]\nname = \"x\"\nsymbols = [\"NQ/5m\"]\nclock = \"1h\"\n",
     "books[0] ('x'): NQ/5m is finer than the book clock '1h'; use a clock <= 5m"),
    ("[[books]]\nname='a'\n[[books]]\nname='a'\n", "books[1] ('a'): duplicate book name; give each book its own name"),
    ("[[books]]\nname='a'\ncapital=0\n", "books[0].capital = 0 is out of range: allowed x > 0"),
    ("[[books]]\nnme='a'\n", "unknown key books[0].nme: allowed keys in [[books]]: name, symbols, clock, capital, instruments"),
    ("books = []\n", "books = [] has the wrong type: allowed a non-empty array of tables [[books]]"),
    ("[risk]\nposition_cap = 0.3\nsymbol_cap = 0.2\n", "risk.symbol_cap (0.2) is below risk.position_cap (0.3); raise symbol_cap"),
    ("[layers.execution]\nenabled = false\n",
     "layers.execution.enabled = false is not possible; execution turns targets into trades"),
    ("[layers.sizing]\nmethod = \"martingale\"\n",
     "layers.sizing.method = 'martingale' is not allowed: allowed one of 'kelly', 'vol_target'"),
    ("[run]\nbaselines = [\"random\"]\n",
     "run.baselines = ['random'] is not allowed: allowed a list of 'sma_crossover', 'buy_and_hold'"),
    ("[run]\nwarmup_bars = 1.5\n", "run.warmup_bars = 1.5 has the wrong type: allowed a whole number x >= 0"),
    ("[run]\nseed = -1\n", "run.seed = -1 is out of range: allowed x >= 0"),
    ("[risk]\npyramid = 1\n", "risk.pyramid = 1 has the wrong type: allowed true or false"),
    ("[layers]\nquality = 3\n", "layers.quality = 3 has the wrong type: allowed a table [layers.quality]"),
    ("[report]\nmax_points = 10\n", "report.max_points = 10 is out of range: allowed x >= 100"),
    ("[risk]\nstop_loss = 0.0\n", "risk.stop_loss and risk.take_profit must be > 0 for Kelly sizing (b = take_profit / "
                                  "stop_loss); set them or use layers.sizing.method = 'vol_target'"),
    ("[riks]\nstop_loss = 0.1\n", "unknown section [riks]: allowed sections: [run], [[books]], [costs], [risk], "
                                  "[execution], [layers.*], [report]"),
    ("[layers.foo]\nx = 1\n", "unknown section [layers.foo]: allowed sections in [layers]: [layers.quality], "
                              "[layers.signals], [layers.meta], [layers.aggregate], [layers.governance], [layers.risk], "
                              "[layers.sizing], [layers.execution]"),
    ("stop_loss = 0.1\n", "unknown key stop_loss: allowed keys in top level: profile, [run], [[books]], [costs], [risk], "
                          "[execution], [layers.*], [report]"),
])
def test_errors_are_one_line_naming_file_key_and_allowed_values(tmp_path, text, message):
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        BacktestConfig.from_toml(p)
    assert str(exc.value) == f"{p}: {message}"


@pytest.mark.parametrize("text, needle", [
    ("[run]\nstart = \"yesterday-ish\"\n", "run.start 'yesterday-ish' is not a date"),
    ("[[books]]\nname = \"x\"\nsymbols = [\"NQ/1h\"]\nclock = \"1hour\"\n", "books[0] ('x'): clock: timeframe '1hour' is not understood"),
    ("[risk]\nmax_hold = \"3 days\"\n", "risk.max_hold: timeframe '3 days' is not understood"),
    ("[execution]\nlimit_timeout = \"soon\"\n", "execution.limit_timeout: timeframe 'soon' is not understood"),
    ("not toml at all [", "not valid TOML"),
])
def test_errors_from_the_data_layer_and_toml_name_the_file(tmp_path, text, needle):
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        BacktestConfig.from_toml(p)
    assert str(exc.value).startswith(f"{p}: {needle}") and "\n" not in str(exc.value)


def test_missing_file_and_bad_override(tmp_path):
    with pytest.raises(ConfigError, match="nope.toml: no such config file"):
        BacktestConfig.from_toml(tmp_path / "nope.toml")
    with pytest.raises(ConfigError) as exc:
        BacktestConfig.from_dict({}, overrides=["layers.aggregate.threshold"])
    assert str(exc.value) == "--set 'layers.aggregate.threshold': expected SECTION.KEY=VALUE, e.g. --set risk.stop_loss=0.03"
    with pytest.raises(ConfigError) as exc:
        BacktestConfig.from_dict({}, overrides=["layers.aggregate.nope=1"])
    assert str(exc.value).startswith("--set: unknown key layers.aggregate.nope: allowed keys in [layers.aggregate]: ")
    with pytest.raises(ConfigError) as exc:  # the value names --set, not the file it did not come from
        BacktestConfig.from_toml(ROOT / "backtest.toml", ["risk.stop_loss=-0.1"])
    assert str(exc.value) == "--set: risk.stop_loss = -0.1 is out of range: allowed 0 <= x <= 1"
    with pytest.raises(ConfigError) as exc:
        BacktestConfig.from_dict({}, overrides={"books.name": "x"})
    assert str(exc.value) == "override books.name: [[books]] cannot be set key by key; edit the file"


def test_profile_under_run_is_still_read():
    assert BacktestConfig.from_dict({"run": {"profile": "original"}}).risk.min_hold == ""


def test_direct_construction_is_the_default_profile():
    assert BacktestConfig().to_dict() == BacktestConfig.from_dict({}).to_dict()
    cfg = BacktestConfig.from_dict({"profile": "original"}).with_overrides(["risk.gross_cap=0.5"])
    assert cfg.profile == "original" and cfg.risk.min_hold == "" and cfg.risk.gross_cap == 0.5
    with pytest.raises(ConfigError, match="cannot switch profile"):
        BacktestConfig().with_overrides({"profile": "original"})


def test_round_trip_to_dict():
    cfg = BacktestConfig.from_dict({"profile": "original", "risk": {"gross_cap": 0.8}})
    again = BacktestConfig.from_dict(cfg.to_dict())
    assert again.to_dict() == cfg.to_dict()


def test_section_classes_come_from_the_schema_and_pickle():
    import pickle

    from nexus.config import BACKTEST
    from nexus.pipeline.config import RiskConfig, SizingLayer

    assert [f.name for f in dataclasses.fields(RiskConfig)] == [k.name for k in BACKTEST.section("risk").keys]
    assert SizingLayer().kelly_fraction == BACKTEST.key("layers.sizing.kelly_fraction").default == 0.25
    cfg = BacktestConfig.from_dict({"profile": "original"})
    again = pickle.loads(pickle.dumps(cfg))  # engines may ship configs to worker processes
    assert again.to_dict() == cfg.to_dict() and type(again.risk).__module__ == "nexus.pipeline.config"


BOOK = '[[books]]\nname = "b"\nsymbols = ["BTCUSDT/1m", "NQ/5m"]\nclock = "1m"\n'


def test_a_book_overrides_its_instruments_costs(tmp_path):
    cfg = BacktestConfig.from_toml(write(tmp_path, BOOK + "[books.instruments.NQ]\ncommission_per_contract = 0.5\n"
                                         "[books.instruments.BTCUSDT]\ntaker_fee = 0.0004\n"))
    from nexus.pipeline.config import book_instruments

    insts = book_instruments(cfg.books[0], "here")
    assert (insts["NQ"].commission_per_contract, insts["NQ"].exchange_fee_per_contract) == (0.5, 1.4)  # the other stays
    assert (insts["BTCUSDT"].taker_fee, insts["BTCUSDT"].maker_fee) == (0.0004, 0.001)
    assert insts["NQ"].multiplier == 20.0 and insts["NQ"].tick_size == 0.25


@pytest.mark.parametrize("extra, message", [
    ("[books.instruments.ETHUSDT]\ntaker_fee = 0.0004\n", r"\['ETHUSDT'\] not traded by this book; allowed: BTCUSDT, NQ"),
    ("[books.instruments.NQ]\ncommission = 0.5\n", r"unknown cost key\(s\) \['commission'\]; allowed: maker_fee, taker_fee, "
                                                   "commission_per_contract, exchange_fee_per_contract"),
    ("[books.instruments.NQ]\ncommission_per_contract = -1.0\n", "commission_per_contract must be >= 0"),
    ("[books.instruments.NQ]\ntaker_fee = 0.5\n", r"taker_fee 0.5 is a fraction of notional"),
    ("[books.instruments.NQ]\ntaker_fee = 'low'\n", "taker_fee must be a number"),
    ("[books]\ninstruments = 3\n", "give a table per instrument"),
])
def test_book_instrument_overrides_are_refused_with_the_valid_choices(tmp_path, extra, message):
    text = BOOK + extra if extra.startswith("[books.") else BOOK + "instruments = 3\n"
    with pytest.raises(ConfigError, match=message) as e:
        BacktestConfig.from_toml(write(tmp_path, text))
    assert "bt.toml: books[0] ('b'): instruments" in str(e.value) and "\n" not in str(e.value)


def test_book_instrument_overrides_need_instrument_fees(tmp_path):
    text = BOOK + "[books.instruments.NQ]\ncommission_per_contract = 0.5\n[costs]\ninstrument_fees = false\n"
    with pytest.raises(ConfigError, match="overrides need costs.instrument_fees = true"):
        BacktestConfig.from_toml(write(tmp_path, text))
