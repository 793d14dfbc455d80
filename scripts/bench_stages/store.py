"""Store stage: write and read the whole default data set, against the numpy memory floor.

Reads come from ``ctx.store_root`` when it holds the complete default set
(``_SUCCESS``); otherwise random-walk bars of the default sizes are written
into ``ctx.workdir`` first. The reference is numpy summing the same close
arrays once (the memory floor). Peak memory of reading one ~950k-bar symbol is
measured in a fresh process.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench_stages._data import default_sizes, random_walk  # noqa: E402

NAME = "store"
ORDER = 10

def run(ctx) -> list:
    from bench import Row

    from nexus.data.store import BarStore
    from nexus.data.validate import validate

    scale = 0.1 if ctx.quick else 1.0
    sizes = {k: max(2, int(n * scale)) for k, n in default_sizes().items()}
    work = Path(ctx.workdir) / "store_bench"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)

    default = BarStore(ctx.store_root)
    use_default = not ctx.quick and default.is_complete() and all(default.has(s, tf) for s, tf in sizes)
    gen = {k: random_walk(k[0], k[1], n, i) for i, (k, n) in enumerate(sizes.items())}
    total = sum(len(b) for b in gen.values())
    rows: list = []

    # ---- write: the whole set into a fresh store (durable: fsync per file)
    def write_all():
        root = work / "write"
        shutil.rmtree(root, ignore_errors=True)
        st = BarStore(root)
        for b in gen.values():
            st.write(b, source="bench")
        return st

    t_write = ctx.timeit(write_all, repeat=1, warmup=0)
    read_store = default if use_default else BarStore(work / "write")
    keys = list(sizes)
    read_total = sum(read_store.dataset_meta(s, tf)["rows"] for s, tf in keys)

    # ---- reference: numpy sums the same close arrays once (the memory floor)
    closes = [read_store.read(s, tf, columns=[]).close for s, tf in keys]
    t_ref = ctx.timeit(lambda: [np.sum(c) for c in closes], repeat=max(ctx.repeat, 5))
    del closes

    rows.append(Row(
        NAME, f"write {len(keys)} datasets (validate+merge+fsync)", t_write, total, "bars",
        notes=f"random-walk bars of the default sizes into a fresh store in {work / 'write'}",
    ))

    def read_all():
        return [read_store.read(s, tf) for s, tf in keys]

    t_read = ctx.timeit(read_all, warmup=1)
    sample = read_all()
    cols = len(sample[0].columns)
    del sample
    rate = read_total / t_read
    rows.append(Row(
        NAME, f"read all ({cols} columns)", t_read, read_total, "bars",
        reference="numpy sum of closes", ref_seconds=t_ref, ref_items=read_total,
        # the target is for the full default set; a --quick run is a smoke test
        target="" if ctx.quick else ">= 40M bars/s", passed=None if ctx.quick else rate >= 40e6,
        notes=f"every partition verified (xxh3 per column run + rest); from "
              f"{'the default store ' + str(ctx.store_root) if use_default else 'random-walk bars in ' + str(work)}",
    ))
    unchecked = BarStore(read_store.root, verify=False)
    t_off = ctx.timeit(lambda: [unchecked.read(s, tf) for s, tf in keys], warmup=1)
    rows.append(Row(
        NAME, f"read all ({cols} columns), verification off", t_off, read_total, "bars",
        notes=f"what the content check costs: {100 * (t_read / t_off - 1):+.0f} % time with it on",
    ))

    big = max(keys, key=lambda k: sizes[k])
    day_start = read_store.last_ts(*big) - 86_400_000_000_000 * 30
    t_day = ctx.timeit(lambda: read_store.read(big[0], big[1], start=day_start, end=day_start + 86_400_000_000_000))
    rows.append(Row(NAME, f"one-day read {big[0]} {big[1]} (one partition)", t_day, 1440, "bars",
                    notes="pushdown: opens the one monthly file holding that day"))

    one = read_store.read(*big)
    t_val = ctx.timeit(lambda: validate(one), repeat=3)
    rows.append(Row(NAME, f"validate {big[0]} {big[1]} ({len(one):,} bars)", t_val, len(one), "bars",
                    notes="every rule, vectorized; runs on each write"))
    del one

    code = (
        "from nexus.data.store import BarStore\n"
        f"b = BarStore({str(read_store.root)!r}).read({big[0]!r}, {big[1]!r})\n"
        "assert len(b) > 0\n"
    )
    t0 = time.perf_counter()
    rss = ctx.peak_rss_mb(code)
    base = ctx.peak_rss_mb("import nexus.data.store")
    rows.append(Row(
        NAME, f"peak RSS reading {big[0]} {big[1]} in a fresh process", time.perf_counter() - t0, sizes[big], "bars",
        target="< 200 MB", passed=rss < 200, peak_rss_mb=rss,
        notes=f"VmHWM; the imports alone (numpy, pandas, pyarrow) take {base:.0f} MB",
    ))
    shutil.rmtree(work / "write", ignore_errors=True)
    return rows
