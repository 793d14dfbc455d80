"""Bench stage "pipeline": the default ``nexus backtest`` over the whole default store.

All layers, every trained model, both baselines and the full report, in a
fresh subprocess after numba's cache is warm (a small warm-up backtest runs
first in this process). Reports wall time, peak RSS and the per-stage
breakdown. Targets: < 60 s wall, < 3 GB peak. Reference: the original
system's promised 15 minutes (the low end of its 15-20 min) for the same bars.
The registry is ``data/models`` (``NEXUS_BENCH_MODELS`` overrides); slots
without a usable model run their rule fallback, as in ``nexus backtest``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

NAME = "pipeline"
ORDER = 80
TARGET_S = 60.0
TARGET_MB = 3072.0
ORIGINAL_S = 15 * 60.0

CODE = """
import time, resource
t0 = time.perf_counter()
import json
from nexus.pipeline import backtest
res = backtest(None, overrides={overrides!r}, echo=False)
t1 = time.perf_counter()
paths = res.report({out!r})
t2 = time.perf_counter()
bars = sum(res.manifest["datasets"].values())
ru = resource.getrusage(resource.RUSAGE_SELF)
cpu = ru.ru_utime + ru.ru_stime
json.dump({{"wall": t2 - t0, "cpu": cpu, "backtest": t1 - t0, "report": t2 - t1, "bars": bars, "timings": res.timings,
           "trades": {{n: len(b.trades) for n, b in res.books.items()}},
           "funnel_total": {{n: b.funnel["total"].to_dict() for n, b in res.books.items()}},
           "stats": {{n: {{k: (float(v) if isinstance(v, (int, float)) else str(v)) for k, v in b.stats.items()}}
                     for n, b in res.books.items()}},
           "baselines": {{n: {{k: {{s: float(x) for s, x in v.stats.items() if s.startswith(("Total Return", "Sharpe"))}}
                               for k, v in b.baselines.items()}} for n, b in res.books.items()}},
           "models": res.models, "html": str(paths.get("html", ""))}}, open({result!r}, "w"), default=str)
"""


def run(ctx):
    from bench import Row

    root = Path(__file__).resolve().parents[2]
    store = Path(ctx.store_root)
    models = Path(os.environ.get("NEXUS_BENCH_MODELS", root / "data" / "models"))
    out = ctx.workdir / "pipeline_report"
    result = ctx.workdir / "pipeline_result.json"
    base = {"run.store": str(store), "run.models": str(models), "run.progress": False}
    if not (store / "_SUCCESS").exists() and not any(store.glob("*")):
        return [Row(NAME, "default backtest", float("nan"), 0, notes=f"no store at {store}; run `nexus data synth` first",
                    passed=None)]
    # warm numba's on-disk cache (and the OS page cache) on one day of data
    from nexus.pipeline import backtest
    from nexus.data.store import BarStore

    last = max(BarStore(store).last_ts("BTCUSDT", "1m") or 0, 0)
    day = 86_400_000_000_000
    t0 = time.perf_counter()
    backtest(None, overrides={**base, "run.start": _iso(last - 2 * day), "run.end": _iso(last)}, echo=False).report(
        ctx.workdir / "pipeline_warmup")
    warm_s = time.perf_counter() - t0
    overrides = dict(base)
    if ctx.quick:
        overrides["run.start"] = _iso(last - 30 * day)
    code = CODE.format(overrides=overrides, out=str(out), result=str(result))
    peak = ctx.peak_rss_mb(code, env={"NUMBA_CACHE_DIR": str(root / ".numba_cache")} if not _has_cache_env() else None)
    info = json.loads(result.read_text())
    bars = float(info["bars"])
    rows = [Row(NAME, "default backtest, all books + report" + (" (quick: 30 days)" if ctx.quick else ""),
                info["wall"], bars, "bars", "original (promised 15 min)", ORIGINAL_S, bars,
                f"< {TARGET_S:.0f} s, < {TARGET_MB / 1024:.0f} GB", info["wall"] < TARGET_S and peak < TARGET_MB, peak,
                notes=(f"CPU time {info['cpu']:.1f} s (user+sys, all threads; wall time on a shared machine includes "
                       f"waiting for the CPU); warm-up run {warm_s:.1f} s; models: "
                       f"{sum(v == 'model' for v in info['models'].values())} of {len(info['models'])} slots; "
                       f"trades {info['trades']}; report: {info['html']}"),
                extra=info)]
    for stage, sec in info["timings"].items():
        rows.append(Row(NAME, f"  stage: {stage}", max(float(sec), 1e-9), bars, "bars"))
    rows.append(Row(NAME, "  stage: report (files)", max(info["report"], 1e-9), bars, "bars"))
    return rows


def _iso(ns: int) -> str:
    import pandas as pd

    return pd.Timestamp(int(ns), tz="UTC").isoformat()


def _has_cache_env() -> bool:
    import os

    return "NUMBA_CACHE_DIR" in os.environ


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run through scripts/bench.py pipeline")
