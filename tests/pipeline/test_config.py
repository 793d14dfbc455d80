"""TOML configuration: profiles, overrides and clear errors."""

from __future__ import annotations

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


@pytest.mark.parametrize("text, needle", [
    ("[layers.aggregate]\nthreshold = 1.5\n", "[layers.aggregate] threshold = 1.5 is out of range"),
    ("[layers.aggregate]\nthresold = 0.2\n", "unknown key(s) ['thresold']"),
    ("[risk]\nstop_loss = \"two\"\n", "[risk] stop_loss: expected a number, got 'two'"),
    ("[costs]\nfill = \"vwap\"\n", "[costs] fill = 'vwap'"),
    ('profile = "fast"\n', "profile 'fast' is unknown"),
    ("[run]\nstart = \"2026-02-01\"\nend = \"2026-01-01\"\n", "is not before end"),
    ("[run]\nstart = \"yesterday-ish\"\n", "is not a date"),
    ("[[books]]\nname = \"x\"\nsymbols = [\"BTCUSDT\"]\n", "needs a timeframe"),
    ("[[books]]\nname = \"x\"\nsymbols = [\"NQ/5m\"]\nclock = \"1h\"\n", "finer than the book clock"),
    ("[[books]]\nname = \"x\"\nsymbols = [\"NQ/1h\"]\nclock = \"1hour\"\n", "not understood"),
    ("[risk]\nposition_cap = 0.3\nsymbol_cap = 0.2\n", "symbol_cap (0.2) is below position_cap (0.3)"),
    ("[layers.execution]\nenabled = false\n", "execution turns targets into trades"),
    ("[layers.sizing]\nmethod = \"martingale\"\n", "use 'kelly' (original) or 'vol_target'"),
    ("[run]\nbaselines = [\"random\"]\n", "baselines has 'random'"),
    ("[run]\nwarmup_bars = 1.5\n", "[run] warmup_bars: expected an integer"),
    ("[layers]\nquality = 3\n", "[layers.quality] must be a table"),
    ("[report]\nmax_points = 10\n", "max_points = 10"),
    ("[risk]\nstop_loss = 0.0\n", "must be > 0 for Kelly sizing"),
    ("not toml at all [", "not valid TOML"),
])
def test_errors_name_the_place(tmp_path, text, needle):
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        BacktestConfig.from_toml(p)
    msg = str(exc.value)
    assert needle in msg
    assert str(p) in msg or "override" in msg


def test_missing_file_and_bad_override(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        BacktestConfig.from_toml(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="write section.key=value"):
        BacktestConfig.from_dict({}, overrides=["layers.aggregate.threshold"])
    with pytest.raises(ConfigError, match="unknown key"):
        BacktestConfig.from_dict({}, overrides=["layers.aggregate.nope=1"])


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
