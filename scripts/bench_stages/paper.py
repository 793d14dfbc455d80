"""Bench stage "paper": one paper step of the main book (five pairs at 1 minute and NQ 5 minutes).

A replay session of the default config's main book (every trained model;
``NEXUS_BENCH_MODELS`` overrides the registry) reads two days of history
(the warm-up plus one traded day) in its first step, then steps one minute
at a time; the figure is the median time of one such step, each the whole
decision pipeline over every bar since the anchor plus the simulator over
the new bar. Throughput is steps per second; the reference, measured in the
same process, is one ``nexus backtest`` of the same book over the same bars
(without the fill-model table and baselines), so the ratio says how many
times faster a step is than recomputing the backtest. Target: one step < 1 s.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

NAME = "paper"
ORDER = 85
TARGET_S = 1.0
DAY = 86_400_000_000_000
MIN = 60_000_000_000


def run(ctx):
    from bench import Row

    root = Path(__file__).resolve().parents[2]
    store_root = Path(ctx.store_root)
    if not any(store_root.glob("*")):
        return [Row(NAME, "one step of the main book", float("nan"), 0, notes=f"no store at {store_root}", passed=None)]
    from nexus.data.store import BarStore
    from nexus.paper.replay import backtest_config, replay_book
    from nexus.pipeline import backtest
    from nexus.pipeline.config import BacktestConfig

    models = Path(os.environ.get("NEXUS_BENCH_MODELS", root / "data" / "models"))
    cfg = BacktestConfig.from_dict({"run": {"store": str(store_root), "models": str(models), "progress": False}})
    store = BarStore(store_root)
    # a Tuesday afternoon of the default store, when NQ's session is open too
    start = "2026-10-06T14:00"
    steps = 3 if ctx.quick else 30
    end = f"2026-10-06T14:{steps:02d}"
    times: list[float] = []
    session = replay_book(cfg, store, "main", start=start, end=end, warmup="1d",
                          progress=lambda s, rep: times.append(rep.seconds))
    step_s = statistics.median(times[1:])  # the first step reads the warm-up
    n_bars = sum(len(r.bars) for r in session._runs.values())
    bcfg = backtest_config(session, end)
    bcfg.costs.fill_sensitivity = False
    bcfg.run.baselines = []
    t0 = time.perf_counter()
    backtest(bcfg, echo=False)
    ref_s = time.perf_counter() - t0
    return [Row(NAME, f"one step of the main book ({len(session.keys)} series, {n_bars:,} bars since the anchor)",
                step_s, 1.0, "steps", "one nexus backtest of the same bars", ref_s, 1.0,
                f"< {TARGET_S:.0f} s per step", step_s < TARGET_S,
                notes=(f"median of {len(times) - 1} steps (min {min(times[1:]):.3f} s, max {max(times[1:]):.3f} s); "
                       f"first step (warm-up, {session.records.ts.size - len(times) + 1:,} clock bars) "
                       f"{times[0]:.2f} s; models: {sum(v == 'model' for v in session.models.status.values())} of "
                       f"{len(session.models.status)} slots"))]


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run through scripts/bench.py paper")
