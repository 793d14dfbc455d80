"""Sweeps are counted lazily, estimated, and refused above the limit without --yes; nothing is built first."""

from __future__ import annotations

import itertools
import time
import tracemalloc

import numpy as np
import pytest

import nexus as nx
from nexus.cli import main as cli_main
from nexus.data.store import BarStore
from nexus.errors import ConfigError
from nexus.sweep.grid import check_size, combo_at, estimate_seconds, expand_grid, grid_size
from tests.conftest import make_bars

HUGE = {"fast": list(range(1, 10_001)), "slow": list(range(1, 10_001))}  # 1e8 combinations


def test_size_and_index_follow_itertools_product():
    g = {"a": [1, 2, 3], "b": ["x", "y"], "c": [0.5, 1.5, 2.5, 3.5]}
    full = [dict(zip(g, v)) for v in itertools.product(*g.values())]
    assert grid_size(g) == len(full) == 24
    assert [combo_at(g, i) for i in range(24)] == full
    assert grid_size({"x": range(10**6), "y": range(10**6), "z": range(10**6)}) == 10**18  # exact, nothing built


def test_random_draw_by_index_equals_the_draw_from_the_full_list():
    g = {"fast": range(1, 40), "slow": range(1, 60)}
    full = [dict(zip(g, v)) for v in itertools.product(*g.values())]
    pick = np.sort(np.random.default_rng(9).choice(len(full), size=17, replace=False))
    assert expand_grid(g, method="random", n_iter=17, seed=9) == [full[i] for i in pick]
    keep = [c for c in full if c["fast"] < c["slow"]]
    pick = np.sort(np.random.default_rng(9).choice(len(keep), size=17, replace=False))
    assert expand_grid(g, method="random", n_iter=17, seed=9, where=lambda p: p["fast"] < p["slow"]) == [keep[i] for i in pick]


def test_1e8_grid_is_refused_fast_without_building_it():
    bars = make_bars(5000, seed=1, symbol="BTCUSDT")
    tracemalloc.start()
    t0 = time.perf_counter()
    with pytest.raises(ConfigError) as err:
        nx.sweep("sma_crossover", HUGE, data=bars, progress=False)
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    msg = str(err.value)
    assert "sweep of 100,000,000 combinations over 5,000 bars: estimated" in msg and "--yes" in msg
    assert "limit of 1,000,000" in msg
    assert peak < 20e6  # the two axes, not 1e8 dicts
    assert seconds < 5


def test_estimate_is_columns_times_bars_over_the_rate():
    assert estimate_seconds(100, 1_000_000) == pytest.approx(100 * 1_000_000 / 5e6)
    line = check_size({"fast": range(100), "slow": range(100)}, 1_000_000)
    assert line == "sweep of 10,000 combinations over 1,000,000 bars: estimated 33 min"
    # a random draw runs n_iter columns; without `where` the full grid size does not matter
    assert check_size(HUGE, 1000, method="random", n_iter=50).startswith("sweep of 50 combinations")
    with pytest.raises(ConfigError, match="looks at all 100,000,000"):
        check_size(HUGE, 1000, method="random", n_iter=50, where=lambda p: True)
    assert "100,000,000" in check_size(HUGE, 10, yes=True)


def test_cli_refuses_a_1e8_sweep_in_under_5_s_with_count_and_estimate(tmp_path, capsys):
    store = BarStore(tmp_path / "bars", fsync=False)
    store.write(make_bars(3000, seed=2, symbol="BTCUSDT"))
    out = tmp_path / "sweep_out"
    t0 = time.perf_counter()
    code = cli_main(["--store", str(store.root), "sweep", "--strategy", "sma_crossover", "--symbol", "BTCUSDT",
                     "--set", "grid.fast={from = 1, to = 10000}", "--set", "grid.slow={from = 1, to = 10000}",
                     "--out", str(out), "--no-progress"])
    seconds = time.perf_counter() - t0
    err = capsys.readouterr().err
    assert code == 2 and seconds < 5
    # sma_crossover adds `fast < slow`: the count is before that filter, the estimate includes scanning it
    assert err.count("\n") == 1 and "sweep of 100,000,000 combinations (before `where`) over 3,000 bars: estimated 16.7 h" in err
    assert "--yes" in err and not out.exists()


def test_cli_prints_the_count_and_estimate_of_a_sweep_it_runs(tmp_path, capsys):
    store = BarStore(tmp_path / "bars", fsync=False)
    store.write(make_bars(3000, seed=2, symbol="BTCUSDT"))
    code = cli_main(["--store", str(store.root), "sweep", "--strategy", "sma_crossover", "--symbol", "BTCUSDT",
                     "--set", "grid.fast=[5, 10]", "--set", "grid.slow=[20, 40]", "--out", str(tmp_path / "o"),
                     "--no-progress"])
    assert code == 0
    assert "[sweep] sweep of 4 combinations (before `where`) over 3,000 bars: estimated 0 s" in capsys.readouterr().err
