"""The public entry points: nx.backtest with replaced / disabled layers, and the `nexus backtest` command."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import nexus as nx
from nexus.cli import main as cli_main
from nexus.errors import ConfigError, StoreError
from nexus.pipeline import LayerOutput, backtest
from nexus.pipeline import reasons as R
from tests.pipeline.conftest import small_config

CRYPTO2 = ["BTCUSDT/1m", "ETHUSDT/1m"]


def _cfg(root, **kw):
    cfg = small_config(root, **kw)
    cfg.books = cfg.books[:1]
    cfg.books[0].symbols = list(CRYPTO2)
    return cfg


def test_public_names(monkeypatch):
    import nexus.pipeline.runner as runner

    seen = {}
    monkeypatch.setattr(runner, "backtest", lambda config, **kw: seen.update(config=config, **kw) or "result")
    assert nx.backtest("my.toml", overrides=["run.seed=1"]) == "result"
    assert seen == {"config": "my.toml", "overrides": ["run.seed=1"]}
    assert nx.BacktestConfig.__name__ == "BacktestConfig"


def test_user_layer_replaces_risk_and_its_reasons_are_counted(small_store):
    seen = {"m": 0}

    def veto_shorts(ctx):
        d = ctx.get("direction")
        seen["m"] += ctx.m  # called once per series
        keep = d > 0
        return LayerOutput(keep, np.where(keep, 0, R.ADVERSE_RISK).astype(np.uint8),
                           {"risk_class": np.ones(ctx.m, np.int8), "multiplier": np.ones(ctx.m)})

    res = backtest(_cfg(small_store), functions={"risk": veto_shorts})
    b = res.main
    assert seen["m"] == int(b.funnel.loc["5 governance", "total"])  # it saw exactly the bars layer 5 kept
    assert (b.trades["direction"] == "long").all() and len(b.trades) > 0
    # every bar the user layer dropped is counted under its reason
    dropped = int(b.funnel.loc["5 governance", "total"] - b.funnel.loc["6 risk", "total"])
    assert int(b.reasons.loc["6 adverse_risk", "total"]) == dropped > 0


def test_switching_a_layer_off_passes_what_it_rejected(small_store):
    on = backtest(_cfg(small_store)).main.funnel["total"]
    off = backtest(_cfg(small_store, layers__governance={"enabled": False})).main.funnel["total"]
    assert off["5 governance"] == off["4 aggregate"] == on["4 aggregate"]
    assert on["5 governance"] < on["4 aggregate"]


def test_bad_user_layer_and_missing_series_are_clear(small_store):
    with pytest.raises(ConfigError, match="must return nexus.pipeline.layers.LayerOutput"):
        backtest(_cfg(small_store), functions={"meta": lambda ctx: None})
    with pytest.raises(ConfigError, match="unknown layer"):
        backtest(_cfg(small_store), functions={"sizng": lambda ctx: None})
    cfg = _cfg(small_store)
    cfg.books[0].symbols = ["DOGEUSDT/1m"]
    with pytest.raises(StoreError, match="DOGEUSDT/1m"):
        backtest(cfg)


def test_cli_backtest_writes_reports_and_prints_html(small_store, tmp_path, capsys):
    out = tmp_path / "rep"
    code = cli_main(["--store", str(small_store), "backtest", "--symbols", ",".join(CRYPTO2), "--no-models",
                     "--out", str(out), "--quiet", "--set", "layers.aggregate.threshold=0.35"])
    printed = capsys.readouterr().out
    assert code == 0
    assert (out / "report.html").exists() and (out / "summary.txt").exists()
    assert printed.strip().splitlines()[-1] == f"HTML report: {(out / 'report.html').resolve()}"
    assert "Funnel: main" in printed


def test_cli_config_error_is_one_line_exit_2(small_store, tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[risk]\nstop_loss = 2.5\n")
    code = cli_main(["--store", str(small_store), "backtest", "--config", str(bad)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "stop_loss = 2.5 is out of range" in err and str(bad) in err


@pytest.mark.parametrize("order_type", ["stop", "stop_limit"])
def test_layer8_sends_stop_and_stop_limit_entries(small_store, order_type):
    cfg = _cfg(small_store, execution__order_type=order_type, execution__limit_offset=2.0,
               execution__stop_limit_offset=1.0, execution__limit_timeout="30m")
    s = backtest(cfg).main.symbol_stats
    orders = s["limit orders"].sum()
    assert orders > 0
    ended = s[["limits filled", "limits cancelled", "limits expired", "limits crossed"]].sum().sum()
    assert 0 <= orders - ended <= len(s)  # at most one order per series still rests at the end
    filled = int(s["limits filled"].sum())
    assert filled > 0
    if order_type == "stop":  # stop entries are taker fills
        assert int(s["stop fills"].sum()) == filled + int(s["limits crossed"].sum()) and s["maker fills"].sum() == 0
    else:
        assert int(s["maker fills"].sum()) == filled and s["stop fills"].sum() == 0


def test_a_books_own_nq_rate_is_what_each_contract_pays_per_side(small_store):
    from nexus.pipeline.cache import StageCache

    cfg = _cfg(small_store)
    cfg.books[0].symbols = ["BTCUSDT/1m", "NQ/5m"]
    cfg.books.append(dataclasses.replace(cfg.books[0], name="own"))
    cfg.books[1].instruments = {"NQ": {"commission_per_contract": 0.5, "exchange_fee_per_contract": 0.25}}
    # one stage cache for both books: everything but the rates is shared, so the rates must key the simulation
    res = backtest(cfg, cache=StageCache())
    own, packaged = res.books["own"].symbol_stats.loc["NQ/5m"], res.books["main"].symbol_stats.loc["NQ/5m"]
    assert own["quantity traded"] > 0 and packaged["quantity traded"] > 0
    # every NQ fill (entries, exits, rolls) pays 0.5 + 0.25 per contract and side, nothing on notional
    assert own["fees"] == pytest.approx(0.75 * own["quantity traded"], rel=1e-12)
    assert own["commission"] == pytest.approx(0.5 * own["quantity traded"], rel=1e-12)
    assert own["exchange fees"] == pytest.approx(0.25 * own["quantity traded"], rel=1e-12)
    # the other book pays instruments.toml's 0.85 + 1.40
    assert packaged["fees"] == pytest.approx(2.25 * packaged["quantity traded"], rel=1e-12)
