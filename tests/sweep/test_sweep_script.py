"""scripts/sweep_sma.py run as a subprocess on a tiny store: its Parquet file is the API's sweep."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import argparse

import numpy as np
import pandas as pd
import polars as pl
import pytest

import nexus as nx
from nexus.data.store import BarStore

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "sweep_sma.py"


@pytest.fixture(scope="module")
def store_root(tmp_path_factory):
    from nexus.data.sources.synth import build_default_store

    root = tmp_path_factory.mktemp("store")
    build_default_store(BarStore(root, fsync=False), symbols=["ETHUSDT"], scale=0.004, progress=False)
    return str(root)


def _script(*argv):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, str(SCRIPT), *argv], capture_output=True, text=True, env=env, timeout=300)


def test_script_writes_the_sweep_as_parquet(store_root, tmp_path):
    out = tmp_path / "res" / "eth.parquet"
    proc = _script("--store", store_root, "--symbol", "ETHUSDT", "--out", str(out), "--fast", "5,10,30",
                   "--slow", "20:60:20", "--price", "close", "--quiet")
    assert proc.returncode == 0, proc.stderr
    written = pl.read_parquet(out).to_pandas()
    bars = BarStore(store_root).read("ETHUSDT", "1m")
    direct = nx.sweep("sma_crossover", {"fast": [5, 10, 30], "slow": [20, 40, 60]}, data=bars,
                      where=lambda p: p["fast"] < p["slow"], fees=0.001, slippage=0.0005, price="close", progress=False)
    pd.testing.assert_frame_equal(written, direct.table.reset_index(), check_exact=True, check_dtype=False)
    assert len(written) == 8  # 3 x 3 pairs less (30, 20)
    assert (written["fast"] < written["slow"]).all()
    side = json.loads((out.parent / "eth.overfitting.json").read_text())
    assert side["best_params"] == direct.best_params
    assert side["dsr"] == direct.overfitting["dsr"] and side["psr"] == direct.overfitting["psr"]
    assert f"wrote {out} (8 rows)" in proc.stdout
    assert not list(out.parent.glob(".*.tmp"))  # no temporary file left behind


def test_script_errors_are_one_line(store_root, tmp_path):
    proc = _script("--store", store_root, "--symbol", "NOPEUSDT", "--out", str(tmp_path / "x.parquet"), "--quiet")
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("sweep_sma: error:") and "NOPEUSDT" in proc.stderr
    assert not (tmp_path / "x.parquet").exists()
    proc = _script("--fast", "50:5:5")
    assert proc.returncode == 2 and "expected FROM:TO:STEP" in proc.stderr


def test_span_parsing():
    spec = importlib.util.spec_from_file_location("sweep_sma", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.span("5:50:5") == list(range(5, 51, 5))
    assert mod.span("20:200:20")[-1] == 200
    assert mod.span("3,7") == [3, 7]
    with pytest.raises(argparse.ArgumentTypeError):
        mod.span("5:50:0")
    args = mod.parse_args([])
    assert args.fast == list(np.arange(5, 55, 5)) and args.slow == list(np.arange(20, 220, 20))
