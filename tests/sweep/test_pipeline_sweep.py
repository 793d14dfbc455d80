"""Pipeline sweeps: the same code as `nexus backtest`, shared stages, engines, bad grids, walk-forward."""

from __future__ import annotations

import json
import tomllib

import numpy as np
import pandas as pd
import pytest

from nexus.cli import main
from nexus.errors import ConfigError
from nexus.pipeline.config import BacktestConfig
from nexus.pipeline.runner import backtest
from nexus.sweep.pipeline import pipeline_sweep
from tests.sweep.conftest import sweep_base

GRID = {"risk.stop_loss": [0.01, 0.03], "layers.signals.strategies": [["all"], ["breakout", "reversion"]]}


def _base(root):
    return BacktestConfig.from_dict(sweep_base(root))


def _same(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


def test_cli_sweep_best_row_is_a_single_backtest_of_best_toml_to_the_last_digit(sweep_store, tmp_path, capsys):
    from nexus.config import BACKTEST, to_toml

    base_toml = tmp_path / "base.toml"
    base_toml.write_text(to_toml(BACKTEST, _base(sweep_store).to_dict()))
    cfg = tmp_path / "sweep.toml"
    cfg.write_text(
        f"[backtest]\nconfig = '{base_toml}'\n"
        "[grid]\n"
        '"risk.stop_loss" = [0.01, 0.03]\n'
        '"layers.signals.strategies" = [["all"], ["breakout", "reversion"]]\n'
        "[sweep]\nworkers = 1\nn_boot = 50\n"
    )
    out, runs = tmp_path / "out", tmp_path / "runs"
    assert main(["--store", str(sweep_store), "sweep", "--config", str(cfg), "--out", str(out), "--runs", str(runs),
                 "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "overfitting: PSR" in text and "run id: " in text and "Sharpe Ratio lo" in text
    table = pd.read_parquet(out / "results.parquet")
    assert len(table) == 4
    best = table.iloc[0]
    assert best["Sharpe Ratio"] == table["Sharpe Ratio"].max()
    # the written best config, run as `nexus backtest --config best.toml` would
    single = backtest(BacktestConfig.from_toml(out / "best.toml"), echo=False)
    stats = single.main.stats
    for key in stats.index:
        if key in table.columns:
            assert _same(best[key], stats[key]), key
    assert tomllib.loads((out / "best.toml").read_text())["risk"]["stop_loss"] == best["risk.stop_loss"]
    # the CLI runs the best config unchanged and both runs are recorded
    assert main(["--store", str(sweep_store), "backtest", "--config", str(out / "best.toml"), "--out",
                 str(tmp_path / "rep"), "--runs", str(runs), "-q", "--no-figures", "--no-html"]) == 0
    capsys.readouterr()
    assert main(["runs", "--runs", str(runs), "list"]) == 0
    listed = capsys.readouterr().out
    assert " sweep " in listed and " backtest " in listed
    from nexus.runs import list_runs, load

    df = list_runs(runs)
    sw, bt = (load(df.index[df["kind"] == k][0], runs) for k in ("sweep", "backtest"))
    assert _same(sw.headline()["Sharpe Ratio"], bt.headline()["Sharpe Ratio"])
    assert len(sw.results) == 4 and json.loads((sw.path / "run.json").read_text())["overfitting"]["n_trials"] == 4


def test_cached_stages_give_the_uncached_backtests_and_are_shared(sweep_store):
    from nexus.sweep.pipeline import reset_cache

    reset_cache()  # this process may hold stages of earlier tests' sweeps
    base = _base(sweep_store)
    grid = {"costs.fee": [0.0005, 0.001, 0.002], "risk.daily_loss_limit": [0.02, 0.05]}
    res = pipeline_sweep(base, grid, workers=1, progress=False, n_boot=20)
    n_series = sum(len(b.symbols) for b in base.books)
    sh = res.shared_stages
    # six combinations, layers 1-7 once per series; book limits once per risk value; simulations once each
    assert sh["symbol"]["computed"] == n_series and sh["symbol"]["reused"] == 5 * n_series
    assert sh["mqscore"]["computed"] == n_series and sh["signals"]["computed"] == n_series
    assert sh["simulation"]["computed"] == 6 * len(base.books)
    for combo in (0, 5):
        alone = backtest(base.with_overrides(res.params[combo]), echo=False).main.stats
        row = res.table[res.table["combo"] == combo].iloc[0]
        for key in alone.index:
            assert _same(row[key], alone[key]), (combo, key)


def test_local_pool_and_ray_engines_give_identical_tables(sweep_store):
    base = _base(sweep_store)
    kw = dict(progress=False, n_boot=30, seed=3)
    one = pipeline_sweep(base, GRID, workers=1, **kw)
    pool = pipeline_sweep(base, GRID, workers=2, chunk=1, **kw)
    pd.testing.assert_frame_equal(one.table, pool.table, check_exact=True)
    ray = pytest.importorskip("ray")
    try:
        r = pipeline_sweep(base, GRID, engine="ray", num_cpus=2, chunk=2, **kw)
    finally:
        ray.shutdown()
    pd.testing.assert_frame_equal(one.table, r.table, check_exact=True)
    np.testing.assert_array_equal(one.trial_returns, r.trial_returns)
    assert one.overfitting == r.overfitting


@pytest.mark.parametrize("grid, needle", [
    ({"risk.stop_los": [0.01]}, "risk.stop_los"),
    ({"layers.quality.min_composite": [2.0]}, "layers.quality.min_composite"),
    ({}, "[grid] is empty"),
    ({"costs.fee": []}, "costs.fee: the list is empty"),
    ({"layers.signals.strategies": [["nope"]]}, "layers.signals.strategies"),
    ({"risk.stop_loss": {"from": 0.0001, "to": 0.5, "step": 0.0001}, "costs.fee": [0.001, 0.002]}, "combinations"),
])
def test_bad_grids_are_one_line_errors_naming_the_key(sweep_store, grid, needle):
    with pytest.raises(ConfigError) as exc:
        pipeline_sweep(_base(sweep_store), grid, workers=1, progress=False)
    assert needle in str(exc.value) and "\n" not in str(exc.value)


def test_cli_bad_grid_key_exits_2_with_one_line(sweep_store, tmp_path, capsys):
    cfg = tmp_path / "sweep.toml"
    cfg.write_text('[backtest]\nset = ["run.use_models=false"]\n[grid]\n"risk.stop_los" = [0.01]\n')
    assert main(["--store", str(sweep_store), "sweep", "--config", str(cfg), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "risk.stop_los" in err[0]
    cfg.write_text('[backtest]\n[grid]\n"risk.stop_loss" = {from = 0.0001, to = 0.9, step = 0.0001}\n')
    assert main(["--store", str(sweep_store), "sweep", "--config", str(cfg), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "9,000 combinations" in err and "--yes" in err and "limit of 2,000" in err


def test_walk_forward_stitched_stats_are_the_stitched_equitys(sweep_store):
    from nexus.sweep.pipeline_wf import pipeline_walk_forward

    base = _base(sweep_store)
    capital = base.books[0].capital
    wf = pipeline_walk_forward(base, {"risk.stop_loss": [0.01, 0.03]}, n_windows=2, train_ratio=1.0, workers=1,
                               n_boot=20)
    eq = wf.equity.to_numpy()
    s = wf.stats
    assert s["Start Value"] == capital and s["End Value"] == eq[-1]
    assert s["Total Return [%]"] == pytest.approx((eq[-1] / capital - 1) * 100, rel=1e-12)
    peak = np.maximum.accumulate(np.r_[capital, eq])[1:]
    assert s["Max Drawdown [$]"] == pytest.approx(np.min(eq - peak), rel=1e-12)
    assert s["Max Drawdown [%]"] == pytest.approx(np.min(eq / peak - 1) * 100, rel=1e-12)
    assert s["Bars"] == len(eq)
    w = wf.windows
    assert w["OOS Start Value"].iloc[0] == capital
    assert w["OOS Start Value"].iloc[1] == w["OOS End Value"].iloc[0]
    assert (w["test_start"] == w["train_end"]).all() and w["test_start"].iloc[1] == w["test_end"].iloc[0]
    assert eq[-1] == w["OOS End Value"].iloc[-1]


def test_walk_forward_stats_in_money_not_from_one_regression(bars_factory):
    # was: Start Value 1.0, End Value 8472.31 and Max Drawdown [$] -0.205 (a curve from 1.0 with the cash pasted in)
    from nexus.sweep.walkforward import walk_forward

    bars = bars_factory(6000, seed=4)
    wf = walk_forward("sma_crossover", {"fast": [5, 10], "slow": [30, 60]}, data=bars, n_windows=3, train_ratio=2,
                      init_cash=10_000.0, fees=0.0005, progress=False)
    eq = wf.equity.to_numpy()
    s = wf.stats
    assert s["Start Value"] == 10_000.0 and s["End Value"] == eq[-1]
    assert s["End Value"] == pytest.approx(wf.windows["OOS End Value"].iloc[-1], rel=1e-9)
    peak = np.maximum.accumulate(np.r_[10_000.0, eq])[1:]
    assert s["Max Drawdown [$]"] == pytest.approx(np.min(eq - peak), rel=1e-12)
    assert s["Total Return [%]"] == pytest.approx((eq[-1] / 10_000.0 - 1) * 100, rel=1e-12)
