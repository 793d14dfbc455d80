"""Every shipped config resolves to the values the code before the schema produced.

``resolved_before_schema.json`` was written by the old ``pipeline/config.py`` and
``commands/sweep.py`` (commit 034fb93) with the calls below; the schema must
reproduce it to the value.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nexus.commands.sweep import load_config
from nexus.pipeline.config import BacktestConfig

ROOT = Path(__file__).resolve().parents[2]
BEFORE = json.loads((Path(__file__).with_name("resolved_before_schema.json")).read_text())

CASES = {
    "backtest_shipped": lambda: BacktestConfig.from_toml(ROOT / "backtest.toml").to_dict(),
    "backtest_defaults": lambda: BacktestConfig.from_dict({}).to_dict(),
    "backtest_original": lambda: BacktestConfig.from_dict({"profile": "original"}).to_dict(),
    "backtest_shipped_sets": lambda: BacktestConfig.from_toml(ROOT / "backtest.toml", [
        "profile='original'", "run.start=2026-06-01", "risk.stop_loss=0.03", "layers.signals.strategies=breakout",
        "costs.fill=close", "run.seed=7"]).to_dict(),
    "sweep_shipped": lambda: load_config(ROOT / "sweep_sma.toml"),
    "sweep_defaults": lambda: load_config(None),
    "sweep_sets": lambda: load_config(None, [
        'strategy.name="zscore_reversion"', "grid.k={from = 0.5, to = 1.5, step = 0.25}", "grid.n=[10, 20, 20]",
        'sweep.where=["n >= 15"]', "costs.fees=0.002", "data.symbol=ETHUSDT", "sweep.method=random", "sweep.n_iter=4"]),
    "sweep_file_sets": lambda: load_config(ROOT / "sweep_sma.toml", [
        "costs.price=close", "output.top=3", 'data.start="2026-06-01"', "grid.fast=[5, 10]"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_resolves_exactly_as_before(case):
    now = CASES[case]()
    assert now == BEFORE[case]
    # same types too (1e7 stays a float, seeds stay ints): JSON keeps the difference
    assert json.dumps(now, sort_keys=True) == json.dumps(BEFORE[case], sort_keys=True)


def test_the_pinned_cases_cover_every_key_of_both_schemas():
    from nexus.config import BACKTEST, SWEEP

    def paths(d, prefix=""):
        for k, v in d.items():
            p = f"{prefix}.{k}" if prefix else k
            if isinstance(v, dict) and v and k != "grid":  # an empty table (books[].instruments) is a key
                yield from paths(v, p)
            elif isinstance(v, list) and v and isinstance(v[0], dict):
                yield from paths(v[0], f"{p}[]")
            else:
                yield p

    def schema_paths(schema):
        for s in schema.sections:
            for k in s.keys:
                yield f"{s.path}[].{k.name}" if s.many else (f"{s.path}.{k.name}" if s.path else k.name)
            if s.open:
                yield s.path

    assert set(paths(BEFORE["backtest_shipped"])) == set(schema_paths(BACKTEST))
    assert set(paths(BEFORE["sweep_shipped"])) == set(schema_paths(SWEEP))
