"""The notebooks run top to bottom on a small store and show what they promise.

Each notebook is executed with nbclient in a kernel that runs this
interpreter (a kernel spec written to tmp, so a stray system ``python3``
kernel cannot be picked up), with ``NEXUS_STORE`` pointing at a small
synthetic store and ``MPLBACKEND=Agg``. Saved notebooks carry no outputs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
TIMEOUT = 600  # per cell; a cold numba cache compiles on first use


@pytest.fixture(scope="session")
def nb_store(tmp_path_factory):
    from nexus.data.sources.synth import build_default_store
    from nexus.data.store import BarStore

    root = tmp_path_factory.mktemp("nb_store")
    # BTCUSDT 1m for 01 and 03 (about 6.6 days at this scale: enough days for PSR / DSR / PBO),
    # NQ for the pipeline's books in 02
    build_default_store(BarStore(root, fsync=False), symbols=["BTCUSDT", "NQ"], scale=0.01, progress=False)
    return root


@pytest.fixture(scope="session")
def kernel_dirs(tmp_path_factory):
    d = tmp_path_factory.mktemp("kernels")
    spec = d / "nexus-venv"
    spec.mkdir()
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "nexus (test venv)", "language": "python",
    }))
    return d


def run_notebook(name: str, store: Path, kernel_dirs: Path, tmp_path: Path, monkeypatch, extra_env=None):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    for k, v in {"NEXUS_STORE": str(store), "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT), **(extra_env or {})}.items():
        monkeypatch.setenv(k, v)
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    km = KernelManager(kernel_name="nexus-venv", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernel_dirs)]))
    client = nbclient.NotebookClient(nb, km=km, timeout=TIMEOUT, resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError with the cell and traceback on any error
    return nb


def outputs(nb) -> tuple[list[str], int]:
    """All text shown by the notebook (stdout, results, HTML) and the number of PNG figures."""
    texts, images = [], 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                raise AssertionError(f"error output: {out.get('ename')}: {out.get('evalue')}")
            if out.get("output_type") == "stream":
                texts.append(out["text"])
            data = out.get("data", {})
            images += "image/png" in data
            for kind in ("text/plain", "text/html"):
                if kind in data:
                    texts.append(data[kind])
    return texts, images


@pytest.mark.parametrize("name", ["01_quickstart.ipynb", "02_pipeline.ipynb", "03_sweep.ipynb", "sweep.ipynb"])
def test_saved_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    first = code[0]
    assert "parameters" in first.metadata.get("tags", []) and "NEXUS_STORE" in first.source


@pytest.mark.slow
def test_quickstart(nb_store, kernel_dirs, tmp_path, monkeypatch):
    import numpy as np

    import nexus as nx

    nb = run_notebook("01_quickstart.ipynb", nb_store, kernel_dirs, tmp_path, monkeypatch)
    texts, images = outputs(nb)
    joined = "\n".join(texts)
    assert images >= 3  # price + MQ composite, the portfolio plot, the five equity curves
    assert "Sharpe Ratio" in joined and "Max Drawdown [%]" in joined
    # the notebook's numbers are the library's numbers on the same bars
    bars = nx.BarStore(nb_store).read("BTCUSDT", "1m")
    assert f"{len(bars):,} bars" in joined
    S = nx.signals(bars)
    counts = S.counts().set_index("strategy")
    name = counts["entries"].idxmax()
    sig, _ = S.column(name)
    q = nx.mqscore(bars)
    pf = nx.Portfolio.from_signals(bars.close, entries=(sig == 1) & q.gate, exits=sig == -1, open=bars.open,
                                   high=bars.high, low=bars.low, fees=0.001, slippage=0.0005, init_cash=10_000,
                                   ts=bars.ts)
    assert f"{name} Portfolio(n_bars={len(bars)}, n_cols=1, orders={len(pf.orders)})" in joined
    assert repr(pf.stats()) in texts  # the stats table shown is this portfolio's, number for number
    assert np.isfinite(np.asarray(pf.value)).all()


@pytest.mark.slow
def test_sweep_notebook(nb_store, kernel_dirs, tmp_path, monkeypatch):
    import nexus as nx

    nb = run_notebook("03_sweep.ipynb", nb_store, kernel_dirs, tmp_path, monkeypatch)
    texts, images = outputs(nb)
    joined = "\n".join(texts)
    assert images >= 3  # heatmap, CSCV logits, walk-forward equity
    bars = nx.BarStore(nb_store).read("BTCUSDT", "1m")
    res = nx.sweep("sma_crossover", {"fast": list(range(5, 55, 5)), "slow": list(range(20, 220, 20))}, data=bars,
                   where=lambda p: p["fast"] < p["slow"], fees=0.001, slippage=0.0005, init_cash=10_000.0, progress=False)
    assert f"{len(res.table)} combinations, best: {res.best_params}" in joined
    of = res.overfitting
    line = f"PSR {of['psr']:.3f}  DSR {of['dsr']:.3f}  PBO {of['pbo']:.3f}"
    assert line in joined  # recomputed in the notebook from trial_returns, equal to the sweep's own
    assert "OOS End Value" in joined and "Windows" in joined  # walk-forward table and stats


@pytest.mark.slow
def test_pipeline_notebook(nb_store, kernel_dirs, tmp_path, monkeypatch):
    import pandas as pd

    nb = run_notebook("02_pipeline.ipynb", nb_store, kernel_dirs, tmp_path, monkeypatch,
                      extra_env={"NEXUS_MODELS": str(tmp_path / "no-models")})
    texts, images = outputs(nb)
    joined = "\n".join(texts)
    assert images >= 2  # equity + drawdown, and a figure of the written report
    assert "Sharpe Ratio" in joined and "['BTCUSDT/1m', 'NQ/5m']" in joined
    report = tmp_path / "reports" / "02_pipeline"  # relative to the notebook's working folder
    for f in ("summary.txt", "result.json", "trades.csv", "report.html"):
        assert (report / f).stat().st_size > 0, f
    # the trade count printed is the report's trades file; the summary printed is the summary written
    trades = pd.read_csv(report / "trades.csv")
    assert f"{len(trades)} trades" in joined
    assert (report / "summary.txt").read_text().strip().splitlines()[0] in joined


@pytest.mark.slow
def test_pipeline_sweep_notebook(nb_store, kernel_dirs, tmp_path, monkeypatch):
    from nexus.sweep.pipeline import pipeline_sweep

    nb = run_notebook("sweep.ipynb", nb_store, kernel_dirs, tmp_path, monkeypatch,
                      extra_env={"NEXUS_RUNS": str(tmp_path / "runs")})
    texts, images = outputs(nb)
    joined = "\n".join(texts)
    assert images >= 1  # the equity overlay of the two recorded runs
    base = {"run": {"store": str(nb_store), "use_models": False, "progress": False},
            "books": [{"name": "main", "symbols": ["BTCUSDT/1m"], "clock": "1m", "capital": 1_000_000.0}]}
    res = pipeline_sweep(base, {"risk.stop_loss": [0.01, 0.03], "layers.signals.strategies": [["all"], ["breakout", "reversion"]]},
                         workers=1, progress=False, n_boot=500, seed=0)
    assert f"{len(res.table)} combinations, best: {res.best_params}" in joined
    of = res.overfitting
    assert f"PSR {of['psr']:.3f}  DSR {of['dsr']:.3f}  PBO {of['pbo']:.3f}" in joined  # the sweep's own numbers
    runs = sorted(p for p in (tmp_path / "runs").iterdir() if (p / "run.json").is_file())
    assert len(runs) == 2 and "risk.stop_loss" in joined
    assert (tmp_path / "compare" / "compare.html").stat().st_size > 0
