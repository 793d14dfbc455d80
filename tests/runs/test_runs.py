"""Run records: written whole or not at all, listed newest first, filtered, shown, compared, removed."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from nexus.cli import main
from nexus.errors import ConfigError
from nexus.pipeline.config import BacktestConfig
from nexus.pipeline.runner import backtest
from tests.sweep.conftest import sweep_base, sweep_store  # noqa: F401 - the shared session store


@pytest.fixture(scope="module")
def two_runs(sweep_store, tmp_path_factory):
    from nexus.runs import record_backtest

    root = tmp_path_factory.mktemp("runs")
    base = BacktestConfig.from_dict(sweep_base(sweep_store))
    a = backtest(base, echo=False)
    b = backtest(base.with_overrides({"risk.stop_loss": 0.03, "costs.fee": 0.0005}), echo=False)
    ra = record_backtest(a, root=root, given={"file": None})
    rb = record_backtest(b, root=root, given={"file": None, "overrides": ["risk.stop_loss=0.03"]})
    return root, (a, ra), (b, rb)


def test_record_holds_config_fingerprint_stats_equity_trades(two_runs):
    root, (a, ra), _ = two_runs
    m = ra.meta
    assert m["kind"] == "backtest" and m["config_resolved"] == a.config.to_dict()
    assert m["data_fingerprint"] == a.manifest["data_fingerprint"] and m["versions"]["numpy"] == np.__version__
    assert "git_commit" in m and "hashes" in m["models"]
    pd.testing.assert_series_equal(ra.stats["main"], a.stats["main"].astype(float), check_names=False)
    eq = ra.equity
    main_eq = eq[eq["curve"] == "main"]
    np.testing.assert_array_equal(main_eq["value"].to_numpy(), a.main.equity.to_numpy())
    assert len(ra.trades) == len(a.trades)
    # the resolved config.toml runs unchanged
    assert BacktestConfig.from_toml(ra.path / "config.toml").to_dict() == a.config.to_dict()


def test_list_newest_first_filters_show_and_unknown_id(two_runs, capsys):
    from nexus.runs import list_runs, load

    root, (_, ra), (_, rb) = two_runs
    df = list_runs(root)
    assert list(df.index) == [rb.id, ra.id]
    assert list(list_runs(root, ["risk.stop_loss=0.03"]).index) == [rb.id]
    assert list(list_runs(root, ["costs.fee<0.001", "kind=backtest"]).index) == [rb.id]
    sharpe = df.loc[ra.id, "Sharpe Ratio"]
    assert list(list_runs(root, [f"Sharpe Ratio<={sharpe}"]).index).count(ra.id) == 1
    calmar = ra.meta["headline"]["Calmar Ratio"]  # any statistic of the headline, not only the listed ones
    assert ra.id in list_runs(root, [f"Calmar Ratio={calmar}"]).index
    assert load(ra.id[:18] if sum(i.startswith(ra.id[:18]) for i in df.index) == 1 else ra.id, root).id == ra.id
    with pytest.raises(ConfigError, match="no run 'nope'"):
        load("nope", root)
    with pytest.raises(ConfigError, match="KEY OP VALUE"):
        list_runs(root, ["nonsense"])
    assert main(["runs", "--runs", str(root), "show", "nope"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no run 'nope'" in err[0]
    assert main(["runs", "--runs", str(root), "show", ra.id]) == 0
    assert ra.id in capsys.readouterr().out


def test_compare_prints_differing_keys_and_stats_and_writes_figure_and_html(two_runs, tmp_path, capsys):
    from nexus.runs import compare

    root, (a, ra), (b, rb) = two_runs
    res = compare([ra.id, rb.id], root=root, out=tmp_path / "cmp")
    assert set(res.config.index) == {"risk.stop_loss", "costs.fee"}
    assert res.config.loc["risk.stop_loss"].tolist() == ["0.02", "0.03"]
    assert res.stats.loc["Sharpe Ratio", rb.id] == b.main.stats["Sharpe Ratio"]
    assert res.figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and "risk.stop_loss" in res.html.read_text()
    assert main(["runs", "--runs", str(root), "compare", ra.id, rb.id, "--out", str(tmp_path / "c2")]) == 0
    out = capsys.readouterr().out
    assert "risk.stop_loss" in out and "Sharpe Ratio" in out and (tmp_path / "c2" / "equity.png").is_file()
    with pytest.raises(ConfigError, match="at least two"):
        compare([ra.id], root=root)


def test_half_written_run_is_never_listed_and_rm(two_runs, tmp_path):
    from nexus.runs import list_runs, remove
    from nexus.runs.folder import staged_run

    root = tmp_path / "r"
    with pytest.raises(RuntimeError):
        with staged_run(root, "20260101T000000000Z-deadbeef") as tmp:
            (tmp / "run.json").write_text(json.dumps({"kind": "backtest"}))
            raise RuntimeError("killed half-way")
    assert list_runs(root).empty and not any(root.iterdir())
    # a staging folder a killed process left behind is hidden from the listing
    (root / ".20260101T000000000Z-deadbeef.staging-x").mkdir()
    (root / ".20260101T000000000Z-deadbeef.staging-x" / "run.json").write_text("{}")
    assert list_runs(root).empty
    with staged_run(root, "20260101T000000001Z-cafe") as tmp:
        (tmp / "run.json").write_text(json.dumps({"kind": "backtest", "created": "2026-01-01T00:00:00"}))
    assert list(list_runs(root).index) == ["20260101T000000001Z-cafe"]
    remove("20260101T000000001Z-cafe", root)
    assert list_runs(root).empty
    assert main(["runs", "--runs", str(root), "rm", "nope"]) == 2


def test_backtest_stats_carry_relative_stats_against_buy_and_hold(two_runs):
    import empyrical as ep

    from nexus.metrics import daily_returns

    _, (a, _), _ = two_runs
    book = a.books["main"]
    bh = book.baselines["buy_and_hold"].equity
    _, rb = daily_returns(bh.to_numpy(), bh.index.as_unit("ns").asi8, book.capital)
    r = book.daily_returns.to_numpy()
    assert book.stats["Beta"] == pytest.approx(ep.beta(r, rb), rel=1e-10)
    assert book.stats["Alpha (ann.) [%]"] == pytest.approx(ep.alpha(r, rb, annualization=365) * 100, rel=1e-10)
    assert a.stats.loc["Beta", "main:buy_and_hold"] == pytest.approx(1.0, rel=1e-12)
