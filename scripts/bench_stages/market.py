"""Market stage: synthetic generation of the default set, the whole store build (contracts and
roll tables included), ``nexus data facts`` over every series, resampling and alignment.

References measured in the same run: pandas ``resample(...).agg`` on the same
minute bars; generation and the store build have an absolute bar (the whole
default set well under a minute on a 2-core machine); the facts over all
4.77M bars have one of 10 s.
"""

from __future__ import annotations

import numpy as np

NAME = "market"
ORDER = 5


def run(ctx) -> list:
    from bench import Row
    from nexus.data.resample import align, resample
    from nexus.data.sources import synth

    rows = []
    scale = 0.1 if ctx.quick else 1.0
    synth.generate_all(scale=0.001)  # compile / load the numba cache outside the timing
    holder = {}

    def gen():
        holder["data"] = synth.generate_all(scale=scale)

    t_gen = ctx.timeit(gen, repeat=1 if ctx.quick else 3, warmup=0)
    data = holder.pop("data")
    total = sum(len(b) for b, _ in data.values())
    rows.append(Row(NAME, f"synth generate_all (scale {scale:g})", t_gen, total, "bars",
                    target="" if ctx.quick else "whole set < 60 s", passed=None if ctx.quick else t_gen < 60,
                    notes="5 correlated crypto pairs + NQ 5m path resampled to 1h/1d, in memory (writing is the store's)"))

    import shutil
    import time

    from nexus.data.store import BarStore
    from nexus.metrics.stylized import stylized_facts

    root = ctx.workdir / "market-store"
    shutil.rmtree(root, ignore_errors=True)
    t0 = time.perf_counter()
    info = synth.build_default_store(BarStore(root), scale=scale, progress=False)
    t_build = time.perf_counter() - t0  # one run: a build writes ~400 MB
    rows.append(Row(NAME, f"build_default_store (scale {scale:g}, contracts and rolls included)", t_build,
                    info["total_bars"] + sum(info["contracts"].values()), "bars",
                    target="" if ctx.quick else "whole store < 60 s", passed=None if ctx.quick else t_build < 60,
                    notes="generate + validate + write Parquet + regime and roll aux; one run"))
    store = BarStore(root)
    series = [(s, tf) for s in synth.SYMBOLS for tf in store.timeframes(s)]

    def facts_all():
        return [stylized_facts(store.read(s, tf, columns=[])) for s, tf in series]

    t_facts = ctx.timeit(facts_all, repeat=1 if ctx.quick else 3)
    n_facts = info["total_bars"]
    rows.append(Row(NAME, f"nexus data facts, every default series ({n_facts:,} bars)", t_facts, n_facts, "bars",
                    target="" if ctx.quick else "< 10 s", passed=None if ctx.quick else t_facts < 10,
                    notes="store read (OHLCV) + stylized facts with verdicts"))
    shutil.rmtree(root, ignore_errors=True)

    btc = data[("BTCUSDT", "1m")][0]
    df = btc.to_pandas()
    agg = {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum", "trades": "sum",
           "quote_volume": "sum", "taker_buy_volume": "sum"}
    t_pd = ctx.timeit(lambda: df.resample("5min", label="left", closed="left").agg(agg), repeat=3)
    t_rs = ctx.timeit(lambda: resample(btc, "5m"))
    rows.append(Row(NAME, f"resample BTCUSDT 1m -> 5m ({len(btc):,} bars)", t_rs, len(btc), "bars",
                    reference="pandas resample.agg", ref_seconds=t_pd, ref_items=len(btc)))

    series = [b for (s, tf), (b, _) in data.items() if tf != "1d"]
    t_al = ctx.timeit(lambda: align(series, btc), repeat=3)
    rows.append(Row(NAME, f"align {len(series)} series on the BTCUSDT minute clock", t_al, len(btc) * len(series), "cells",
                    notes="as-of, OHLC + flows + fresh/in-session masks, [n_clock, k]"))
    return rows
