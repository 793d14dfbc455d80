"""Pipeline-sweep stage: 100 combinations of risk and cost keys over the main book, with shared stages.

The main book of the default config (five pairs at 1 minute plus NQ 5m on
the minute clock, shared cash) over the whole store, rule fallbacks in every
model slot (no registry needed). The grid: ``risk.daily_loss_limit`` (5) x
``risk.max_drawdown`` (2) x ``costs.fee`` (5) x ``costs.slippage`` (2) = 100
combinations. None of these keys is read by layers 1-7, so bars, MQScore,
signals and the layers run once per series; the book limits run once per risk
combination and the simulation once per combination. Run in a fresh process
with the default local engine, which runs these in one process (every
combination shares layers 1-7, so two workers would each compute and hold them); peak memory is the
largest sum of the resident memory of that process and any workers, sampled
every 0.2 s. Reported: wall time, peak memory, and the seconds the
shared stages saved (the time each reused stage took when it was computed,
summed over its reuses).

    .venv/bin/python scripts/bench.py pipeline_sweep
    .venv/bin/python scripts/bench.py pipeline_sweep --quick   # 8 combinations over the last month
"""

from __future__ import annotations

import json
import sys

NAME = "pipeline_sweep"
ORDER = 75
# None: the default, which is one process here (every combination shares layers 1-7; two workers would each
# compute and hold the main book's bars, MQScore, signals and layers: 99 s but 6.1 GB measured on this machine)
WORKERS = None

CODE = r'''
import json, sys, threading, time
sys.path.insert(0, {root!r})
import psutil
from nexus.sweep.pipeline import pipeline_sweep

me = psutil.Process()
peak = [0.0]
stop = threading.Event()

def sample():
    while not stop.is_set():
        total = 0
        for p in [me, *me.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        peak[0] = max(peak[0], total / 2**20)
        time.sleep(0.2)

threading.Thread(target=sample, daemon=True).start()
base = {{"run": {{"store": {store!r}, "use_models": False, "progress": False, "start": {start!r}}},
        "books": [{{"name": "main", "symbols": ["BTCUSDT/1m", "ETHUSDT/1m", "BNBUSDT/1m", "SOLUSDT/1m", "XRPUSDT/1m",
                                             "NQ/5m"], "clock": "1m", "capital": 10_000_000.0}}]}}
grid = {grid!r}
t0 = time.perf_counter()
res = pipeline_sweep(base, grid, progress=False, n_boot=1000, workers={workers})
seconds = time.perf_counter() - t0
stop.set()
time.sleep(0.3)
sh = res.shared_stages
out = {{"seconds": seconds, "combos": len(res.table), "peak_mb": peak[0], "shared": sh,
       "saved_s": sum(d["saved_seconds"] for d in sh.values()), "computed_s": sum(d["seconds"] for d in sh.values()),
       "best": {{k: v for k, v in res.best_params.items()}}, "dsr": res.overfitting.get("dsr"),
       "pbo": res.overfitting.get("pbo"), "workers": res.meta["workers"],
       "bars": int(res.table["Bars"].iloc[0])}}
open({out!r}, "w").write(json.dumps(out))
'''


def run(ctx) -> list:
    from bench import ROOT, Row

    quick = ctx.quick
    grid = ({"risk.daily_loss_limit": [0.02, 0.05], "risk.max_drawdown": [0.15, 0.3], "costs.fee": [0.0005, 0.001]}
            if quick else
            {"risk.daily_loss_limit": [0.01, 0.02, 0.03, 0.05, 0.1], "risk.max_drawdown": [0.15, 0.3],
             "costs.fee": [0.0002, 0.0005, 0.001, 0.0015, 0.002], "costs.slippage": [0.0002, 0.0005]})
    out = ctx.workdir / "pipeline_sweep.json"
    if out.exists():
        out.unlink()
    print("[bench] pipeline_sweep: running the sweep in a fresh process", file=sys.stderr, flush=True)
    ctx.peak_rss_mb(CODE.format(root=str(ROOT), store=str(ctx.store_root), start="2026-10-01" if quick else "",
                                grid=grid, out=str(out), workers=WORKERS))
    info = json.loads(out.read_text())
    n = info["combos"]
    without = info["seconds"] + info["saved_s"] / max(1, info["workers"] or 1)
    notes = (f"{n} combinations over the main book ({info['bars']:,} clock rows x 6 series) in {info['seconds']:.0f} s "
             f"on {info['workers']} worker(s), peak memory {info['peak_mb']:.0f} MB (process + workers); shared stages "
             f"saved {info['saved_s']:.0f} s of compute (stages computed: {info['computed_s']:.0f} s), i.e. about "
             f"{without:.0f} s of wall time without sharing; best {info['best']}, DSR {info['dsr']}, PBO {info['pbo']}")
    return [Row(stage=NAME, case=f"{n} risk x cost combos, main book", seconds=info["seconds"], items=float(n),
                unit="combos", target="< 600 s, peak < 4096 MB",
                passed=bool(info["seconds"] < 600 and info["peak_mb"] < 4096 and n == (8 if quick else 100)),
                peak_rss_mb=info["peak_mb"], notes=notes, extra=info)]
