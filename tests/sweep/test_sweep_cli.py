"""`nexus sweep`: the written table is the API's table, its best row an independent backtest; bad configs name the key."""

import json

import numpy as np
import pandas as pd
import pytest

import nexus as nx
from nexus.cli import main
from nexus.commands.sweep import load_config, where_function
from nexus.data.store import BarStore

COSTS = dict(fees=0.001, slippage=0.0005, price="close", init_cash=10_000.0)
CONFIG = """
[data]
symbol = "BTCUSDT"
timeframe = "1m"
[strategy]
name = "sma_crossover"
[grid]
fast = [5, 10, 20]
slow = { from = 40, to = 120, step = 40 }
[sweep]
metric = "sharpe"
where = ["fast < slow"]
[costs]
fees = 0.001
slippage = 0.0005
price = "close"
init_cash = 10000.0
[output]
top = 5
"""


@pytest.fixture(scope="module")
def store_root(tmp_path_factory):
    from nexus.data.sources.synth import build_default_store

    root = tmp_path_factory.mktemp("store")
    build_default_store(BarStore(root, fsync=False), symbols=["BTCUSDT"], scale=0.006, progress=False)
    return str(root)


def _run(store_root, *argv):
    return main(["--store", store_root, "sweep", "--no-progress", *argv])


def test_written_table_is_the_api_table_and_its_best_row_a_single_backtest(store_root, tmp_path, capsys):
    cfg = tmp_path / "sweep.toml"
    cfg.write_text(CONFIG)
    out = tmp_path / "out"
    assert _run(store_root, "--config", str(cfg), "--out", str(out)) == 0
    printed = capsys.readouterr().out
    written = pd.read_parquet(out / "results.parquet")

    bars = BarStore(store_root).read("BTCUSDT", "1m")
    direct = nx.sweep("sma_crossover", {"fast": [5, 10, 20], "slow": [40, 80, 120]}, data=bars,
                      where=lambda p: p["fast"] < p["slow"], progress=False, **COSTS)
    pd.testing.assert_frame_equal(written, direct.table.reset_index(), check_exact=True)
    assert len(written) == 9  # 3 x 3, none with fast >= slow
    best = written.iloc[0]
    assert {"fast": int(best["fast"]), "slow": int(best["slow"])} == direct.best_params

    # the best row is an independent single backtest of its parameters, exactly
    from nexus.strategies import signals

    sig = signals(bars, ["sma_crossover"], params={"sma_crossover": direct.best_params}).signal[:, 0]
    pf = nx.Portfolio.from_signals(bars.to_pandas()["close"], sig == 1, sig == -1, open=bars.open, high=bars.high,
                                   low=bars.low, **COSTS)
    st = nx.stats(pf)
    key = direct.metric_key
    assert best[key] == st[key]
    assert best["End Value"] == st["End Value"] == float(np.asarray(pf.value)[-1])
    assert best["Trades"] == len(pf.trades)

    # CSV holds the same numbers; the manifest the same best row and overfitting statistics
    csv = pd.read_csv(out / "results.csv")
    np.testing.assert_array_equal(csv[key].to_numpy(), written[key].to_numpy())
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["best_params"] == direct.best_params
    assert manifest["combinations"] == 9 and manifest["n_bars"] == len(bars)
    for k in ("psr", "dsr", "pbo"):
        assert manifest["overfitting"][k] == pytest.approx(direct.overfitting[k], abs=0, rel=0)
    assert (out / "heatmap.png").stat().st_size > 1000
    # what is printed: the top rows (5 of them, best first) and PSR / DSR / PBO
    assert f"PSR {direct.overfitting['psr']:.3f}  DSR {direct.overfitting['dsr']:.3f}" in printed
    assert f"PBO {direct.overfitting['pbo']:.3f}" in printed
    lines = printed.splitlines()
    head = lines.index(next(l for l in lines if l.startswith("fast"))) + 1
    first = lines[head].split()
    assert [int(first[0]), int(first[1])] == [direct.best_params["fast"], direct.best_params["slow"]]
    assert lines[head + 5].startswith("overfitting:")  # exactly `top` rows


def test_flags_and_set_override_the_file_random_search_over_another_strategy(store_root, tmp_path):
    cfg = tmp_path / "sweep.toml"
    cfg.write_text(CONFIG)
    out = tmp_path / "mom"
    start, end = "2026-10-29T00:00:00Z", "2026-10-31T12:00:00Z"
    rc = _run(store_root, "--config", str(cfg), "--out", str(out), "--strategy", "ts_momentum",
              "--set", "grid.lookback={ steps = 8 }", "--set", "sweep.where=[]",
              "--method", "random", "--n-iter", "5", "--seed", "3", "--metric", "total_return",
              "--start", start, "--end", end)
    assert rc == 2  # grid.fast from the file is not a ts_momentum parameter: refused, not ignored
    cfg.write_text(CONFIG.split("[grid]")[0] + "[sweep]\nmetric = 'sharpe'\n")
    rc = _run(store_root, "--config", str(cfg), "--out", str(out), "--strategy", "ts_momentum",
              "--set", "grid.lookback={ steps = 8 }", "--method", "random", "--n-iter", "5", "--seed", "3",
              "--metric", "total_return", "--start", start, "--end", end, "--price", "next_open")
    assert rc == 0
    written = pd.read_parquet(out / "results.parquet")
    # {steps = 8} spreads 8 whole values over ts_momentum's sweep range [5, 1440]
    values = [int(round(v)) for v in np.linspace(5, 1440, 8)]
    assert len(written) == 5 and set(written["lookback"]) <= set(values)
    bars = BarStore(store_root).read("BTCUSDT", "1m", start=start, end=end)
    direct = nx.sweep("ts_momentum", {"lookback": values}, data=bars, method="random", n_iter=5, seed=3,
                      metric="total_return", progress=False, **{**COSTS, "price": "next_open"})
    pd.testing.assert_frame_equal(written, direct.table.reset_index(), check_exact=True)
    assert (np.diff(written["Total Return [%]"].to_numpy()) <= 0).all()
    assert not (out / "heatmap.png").exists()  # one swept parameter: no heatmap
    assert json.loads((out / "sweep.json").read_text())["n_bars"] == len(bars) == 3600


@pytest.mark.parametrize("body, sets, needle", [
    ("[sweeps]\nmetric='sharpe'\n", [], "unknown section [sweeps]: allowed sections: [data], [strategy], [sweep], [costs], [output], [grid]"),
    ("[sweep]\nmetrc='sharpe'\n", [], "unknown key sweep.metrc: allowed keys in [sweep]: method, n_iter, metric, seed,"),
    ("[sweep]\nmetric='sharp'\n", [], "sweep.metric = 'sharp' is not allowed: allowed one of 'sharpe', 'sortino', 'calmar', 'total_return', 'cagr', 'max_drawdown'"),
    ("[strategy]\nname='sma_cross'\n", [], "strategy.name: unknown strategy 'sma_cross'"),
    ("[grid]\nfast=[5]\nslo=[50]\n", [], "[grid] slo: strategy 'sma_crossover' has no parameter 'slo'"),
    ("[grid]\nfast=[5.5]\nslow=[50]\n", [], "[grid] fast: expected an integer"),
    ("[grid]\nfast={from=10, to=5}\n", [], "[grid] fast: to (5) is below from (10)"),
    ("[grid]\nfast=[]\n", [], "[grid] fast: the list is empty"),
    ("[costs]\nfees=1.5\n", [], "costs.fees = 1.5 is out of range: allowed 0 <= x <= 0.1"),
    ("[costs]\nprice='open'\n", [], "costs.price = 'open' is not allowed: allowed one of 'next_open', 'close', 'next_worst'"),
    ("[sweep]\nwhere=['fast < slwo']\n", [], "'slwo' is not a [grid] parameter"),
    ("[sweep]\nwhere=['fast << slow']\n", [], "expected 'name OP name-or-number'"),
    ("[sweep]\nmethod='random'\n", [], "sweep.method = 'random' needs sweep.n_iter >= 1"),
    ("[sweep]\naddress='ray://x:1'\n", [], "sweep.address is for engine = 'ray'"),
    ("", ["costs.fees"], "--set 'costs.fees': expected SECTION.KEY=VALUE, e.g. --set costs.fees=0.002"),
    ("", ["costs.fees=-1"], "--set: costs.fees = -1 is out of range: allowed 0 <= x <= 0.1"),
    ("", ["--fees", "0.5"], "--set: costs.fees = 0.5 is out of range: allowed 0 <= x <= 0.1"),
    ("[output]\ntop = 'ten'\n", [], "output.top = 'ten' has the wrong type: allowed a whole number x >= 0"),
    ("", ["--symbol", "DOGEUSDT"], "DOGEUSDT"),
    ("not toml ][", [], "not valid TOML"),
])
def test_bad_config_is_one_line_naming_the_key(store_root, tmp_path, capsys, body, sets, needle):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(body)
    argv = ["--config", str(cfg), "--out", str(tmp_path / "o")]
    argv += ["--set", sets[0]] if sets and not sets[0].startswith("--") else sets
    assert _run(store_root, *argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("nexus: error:") and "\n" not in err
    assert needle in err
    if body and "DOGE" not in needle:
        assert str(cfg) in err  # the message names the file


def test_missing_config_file_is_named(store_root, tmp_path, capsys):
    assert _run(store_root, "--config", str(tmp_path / "nope.toml")) == 2
    assert "nope.toml: no such config file" in capsys.readouterr().err


def test_grid_tables_expand_inclusively_and_where_filters():
    cfg = load_config(None, ["strategy.name=\"zscore_reversion\"", "grid.k={from = 0.5, to = 1.5, step = 0.25}",
                             "grid.n=[10, 20, 20]", "sweep.where=[\"n >= 15\"]"])
    assert cfg["grid"]["k"] == [0.5, 0.75, 1.0, 1.25, 1.5]  # the end point is kept despite float steps
    assert cfg["grid"]["n"] == [10, 20]  # duplicates dropped
    keep = where_function(cfg["sweep"]["where"])
    assert [keep({"n": n, "k": 1.0}) for n in (10, 15, 20)] == [False, True, True]
    both = where_function(["fast < slow", "fast != 10"])
    assert [both(p) for p in ({"fast": 5, "slow": 20}, {"fast": 10, "slow": 20}, {"fast": 30, "slow": 20})] == [True, False, False]
    # the defaults are the shipped sweep.toml
    from pathlib import Path

    shipped = load_config(Path(__file__).resolve().parents[2] / "sweep_sma.toml")
    assert shipped == load_config(None)
    assert shipped["grid"] == {"fast": list(range(5, 55, 5)), "slow": list(range(20, 220, 20))}


@pytest.mark.ray
def test_ray_engine_from_the_config_gives_the_local_table(store_root, tmp_path):
    ray = pytest.importorskip("ray")
    cfg = tmp_path / "sweep.toml"
    cfg.write_text(CONFIG)
    try:
        assert _run(store_root, "--config", str(cfg), "--out", str(tmp_path / "ray"), "--engine", "ray",
                    "--set", "sweep.num_cpus=2", "--chunk-columns", "4") == 0
    finally:
        ray.shutdown()
    assert _run(store_root, "--config", str(cfg), "--out", str(tmp_path / "local")) == 0
    a = pd.read_parquet(tmp_path / "ray" / "results.parquet")
    b = pd.read_parquet(tmp_path / "local" / "results.parquet")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert json.loads((tmp_path / "ray" / "sweep.json").read_text())["chunk_columns"] == 4
