"""Market stage: synthetic generation of the default set, resampling and alignment over full-size arrays.

References measured in the same run: pandas ``resample(...).agg`` on the same
minute bars; generation has an absolute bar (the whole default set well under
a minute on a 2-core machine).
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
