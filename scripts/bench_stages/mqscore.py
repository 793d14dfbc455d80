"""MQScore stage: the whole engine (six dimensions + composite + regime + gate).

Cases: one ~950k-bar symbol on one core; every default series (5.7M bars) in
parallel threads on all cores; the same single-symbol run against a numpy
memory-floor pass over its OHLCV arrays. The reference for the first case is
the original system's ~65 ms per bar (one 200-bar window per call), stated as
a ratio. Bars come from ``ctx.store_root`` when the default store is complete
(``_SUCCESS``), else random-walk bars of the default sizes are generated.
"""

from __future__ import annotations

import os
import time

import numpy as np

from bench import Row

NAME = "mqscore"
ORDER = 40
ORIGINAL_SECONDS_PER_BAR = 0.065
TARGET = 3_000_000  # bars/s per core

_SIZES = {
    ("BTCUSDT", "1m"): 949_851, ("ETHUSDT", "1m"): 949_857, ("BNBUSDT", "1m"): 949_863,
    ("SOLUSDT", "1m"): 949_869, ("XRPUSDT", "1m"): 949_875,
    ("NQ", "5m"): 5_838, ("NQ", "1h"): 10_953, ("NQ", "1d"): 1_258,
}


def _random_walk(symbol: str, n: int, seed: int):
    from nexus.data.bars import Bars

    rng = np.random.default_rng(seed)
    r = rng.standard_t(4, n) * 0.001
    close = 40_000.0 * np.exp(np.cumsum(r))
    open_ = np.concatenate(([40_000.0], close[:-1]))
    wick = np.abs(rng.normal(0, 0.001, (2, n))) * close
    volume = rng.gamma(2.0, 50.0, n) * (1 + 200 * np.abs(r))
    return Bars.from_arrays(
        symbol=symbol, timeframe="1m", ts=np.arange(n, dtype=np.int64) * 60_000_000_000,
        open=open_, close=close, high=np.maximum(open_, close) + wick[0],
        low=np.minimum(open_, close) - wick[1], volume=volume, taker_buy_volume=volume * rng.uniform(0.2, 0.8, n),
    )


def _load(ctx) -> tuple[dict, str]:
    scale = 0.1 if ctx.quick else 1.0
    if (ctx.store_root / "_SUCCESS").exists() and not ctx.quick:
        from nexus.data.store import BarStore

        store = BarStore(ctx.store_root)
        data = {f"{s} {tf}": store.read(s, tf) for (s, tf) in _SIZES if store.has(s, tf)}
        if data:
            return data, f"store {ctx.store_root}"
    data = {f"{s} {tf}": _random_walk(s, max(1000, int(n * scale)), i) for i, ((s, tf), n) in enumerate(_SIZES.items())}
    return data, "random-walk bars" + (" (quick: 1/10 size)" if ctx.quick else "")


def run(ctx) -> list[Row]:
    import numba

    from nexus.mqscore import mqscore

    data, source = _load(ctx)
    one = data.get("BTCUSDT 1m") or next(iter(data.values()))
    n1 = len(one)
    total = sum(len(b) for b in data.values())
    mqscore(one[:2000])  # compile / load the numba cache outside the timings
    numba.set_num_threads(1)
    t_one = ctx.timeit(lambda: mqscore(one), repeat=3 if not ctx.quick else 2)
    # CPU time of this thread: on a shared machine wall time also counts other jobs' turns
    c0 = time.thread_time()
    mqscore(one)
    cpu_one = time.thread_time() - c0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    arrays = [one.open, one.high, one.low, one.close, one.volume]
    t_floor = ctx.timeit(lambda: [a.sum() for a in arrays], repeat=5)
    cores = os.cpu_count() or 1
    numba.set_num_threads(cores)
    t_all = ctx.timeit(lambda: mqscore(data, workers=cores), repeat=2 if not ctx.quick else 1)
    rate1 = n1 / t_one
    rss = None
    if not ctx.quick:
        rss = ctx.peak_rss_mb(
            "import sys; sys.path.insert(0, 'scripts'); from bench_stages.mqscore import _random_walk; "
            f"from nexus.mqscore import mqscore; q = mqscore(_random_walk('X', {n1}, 0))"
        )
    note = (f"{source}; CPU time {cpu_one:.3f} s = {n1 / cpu_one / 1e6:.2f}M bars/s (load average {load:.1f}); "
            f"original ~65 ms per bar -> {n1 * ORIGINAL_SECONDS_PER_BAR / 3600:.1f} h for this symbol")
    return [
        Row(NAME, f"engine, 1 symbol ({n1:,} bars), 1 core", t_one, n1, "bars",
            reference="original (65 ms/bar)", ref_seconds=ORIGINAL_SECONDS_PER_BAR, ref_items=1,
            target=">= 3M bars/s per core", passed=rate1 >= TARGET, peak_rss_mb=rss, notes=note,
            extra={"cpu_seconds": cpu_one, "loadavg": load}),
        Row(NAME, "engine vs numpy memory floor (sum OHLCV)", t_one, n1, "bars",
            reference="numpy sum of the 5 OHLCV arrays", ref_seconds=t_floor, ref_items=n1),
        Row(NAME, f"engine, {len(data)} series ({total:,} bars), {cores} threads", t_all, total, "bars",
            reference="original (65 ms/bar)", ref_seconds=ORIGINAL_SECONDS_PER_BAR, ref_items=1,
            target=f">= {cores * TARGET / 1e6:.0f}M bars/s ({cores} cores)", passed=total / t_all >= cores * TARGET,
            notes=f"parallel over symbols with nogil kernels; speed-up vs 1 core {(total / t_all) / rate1:.2f}x"),
    ]
