"""Strategies stage: the twenty-strategy signal matrix on one ~950k-bar symbol and on all six instruments.

Bars come from ``ctx.store_root`` when it holds the default set; otherwise
random-walk bars of the default sizes are generated (with taker-buy volume,
as Binance klines have). Kernels are single-threaded, so the one-symbol case
is the one-core figure the target names (>= 1M bars/s). The reference is the
numpy memory floor: one pass reading the five OHLCV columns and writing the
[n, 20] int8 signal and float32 confidence matrices. CPU seconds of one run
are reported beside the wall time because the machine is shared.

A second case repeats the one-symbol run in a fresh process with glibc told
to keep freed memory (``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_``),
the bound on what page-fault avoidance can give; the strategies' own buffer
pool (``nexus/strategies/pool.py``) should bring the default case close to it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench_stages._data import default_sizes, random_walk  # noqa: E402

NAME = "strategies"
ORDER = 50

def _load(ctx, scale: float) -> tuple[dict, str]:
    sizes = default_sizes()
    try:
        from nexus.data.store import BarStore

        if (ctx.store_root / "_SUCCESS").exists():
            store = BarStore(ctx.store_root)
            out = {}
            for (sym, tf), n in sizes.items():
                if store.has(sym, tf):
                    b = store.read(sym, tf)
                    out[f"{sym}/{tf}"] = b[len(b) - int(len(b) * scale):] if scale < 1 else b
            if any(k.startswith("BTCUSDT/") for k in out):
                return out, f"store {ctx.store_root}"
    except Exception as exc:  # a broken or missing store falls back to generated bars
        print(f"[bench strategies] store not usable ({exc}); generating random walks")
    out = {f"{s}/{tf}": random_walk(s, tf, max(1000, int(n * scale)), i) for i, ((s, tf), n) in enumerate(sizes.items())}
    return out, "generated random walks"


def run(ctx) -> list:
    from bench import Row

    from nexus.strategies import nexus_names, signals

    scale = 0.1 if ctx.quick else 1.0
    series, source = _load(ctx, scale)
    one = series[next(k for k in series if k.startswith("BTCUSDT/"))]
    n = len(one)
    k = len(nexus_names())
    signals(one[:5000], "nexus")  # compile (or load the numba cache) outside the timing

    def floor():
        acc = one.open + one.high + one.low + one.close + one.volume
        sig = np.zeros((n, k), dtype=np.int8, order="F")
        conf = np.zeros((n, k), dtype=np.float32, order="F")
        sig[:, 0] = acc > 0
        conf[:, 0] = acc
        return sig, conf

    ref_s = ctx.timeit(floor)
    secs = ctx.timeit(lambda: signals(one, "nexus"), repeat=3 if ctx.quick else 5)
    c0 = time.process_time()
    signals(one, "nexus")
    cpu_one = time.process_time() - c0
    rows = [Row(
        stage=NAME, case=f"20-strategy matrix, 1 symbol ({one.symbol}, {n:,} bars), 1 core",
        seconds=secs, items=n, unit="bars", reference="numpy memory floor (read OHLCV, write [n,20] outputs)",
        ref_seconds=ref_s, ref_items=n, target=">= 1M bars/s", passed=n / secs >= 1e6,
        notes=f"{source}; CPU time of one run {cpu_one:.3f} s ({n / cpu_one / 1e6:.2f}M bars/CPU-s)",
        extra={"cpu_seconds": cpu_one, "n_strategies": k},
    )]
    try:
        r = _retained(ctx, scale)
        rows.append(Row(
            stage=NAME, case=f"same, fresh process, glibc keeping freed memory ({r['n']:,} bars)",
            seconds=r["wall"], items=r["n"], unit="bars", reference="numpy memory floor", ref_seconds=ref_s, ref_items=n,
            target=">= 1M bars/s", passed=r["n"] / r["wall"] >= 1e6,
            notes=f"{r['source']}; env {' '.join(f'{k}={v}' for k, v in _RETAIN_ENV.items())}; CPU {r['cpu']:.3f} s, "
                  f"{r['faults']:,} page faults per run (default allocator: see the CPU note above)",
            extra=r,
        ))
    except (subprocess.CalledProcessError, IndexError, ValueError) as exc:
        print(f"[bench strategies] retained-memory case failed: {exc}")
    total = sum(len(b) for b in series.values())
    secs_all = ctx.timeit(lambda: signals(series, "nexus"), repeat=2 if ctx.quick else 3)
    c0 = time.process_time()
    S = signals(series, "nexus")
    cpu_all = time.process_time() - c0
    rows.append(Row(
        stage=NAME, case=f"20-strategy matrix, all six instruments ({len(series)} series, {total:,} bars)",
        seconds=secs_all, items=total, unit="bars", target=">= 1M bars/s", passed=total / secs_all >= 1e6,
        notes=f"{source}; CPU {cpu_all:.3f} s; non-zero signal bars {int(np.count_nonzero(S.signal)):,}",
        extra={"cpu_seconds": cpu_all, "series": list(series)},
    ))
    return rows


_RETAIN_ENV = {"MALLOC_MMAP_THRESHOLD_": str(1 << 30), "MALLOC_TRIM_THRESHOLD_": str(1 << 32)}

_CHILD = r"""
import json, resource, statistics, sys, time
sys.path[:0] = [ROOT, ROOT + "/scripts"]
from pathlib import Path
from bench_stages.strategies import _load
from nexus.strategies import signals
class C: pass
ctx = C(); ctx.store_root = Path(STORE)
series, source = _load(ctx, SCALE)
one = series[next(k for k in series if k.startswith("BTCUSDT/"))]
signals(one, "nexus")
walls, cpus, faults = [], [], []
for _ in range(REPEAT):
    r0 = resource.getrusage(resource.RUSAGE_SELF); t0 = time.perf_counter()
    signals(one, "nexus")
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    walls.append(time.perf_counter() - t0)
    cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    faults.append(r1.ru_minflt - r0.ru_minflt)
print("__RESULT__" + json.dumps({"wall": statistics.median(walls), "cpu": statistics.median(cpus),
                                  "faults": int(statistics.median(faults)), "n": len(one), "source": source}))
"""


def _retained(ctx, scale: float) -> dict:
    root = Path(__file__).resolve().parents[2]
    code = (_CHILD.replace("ROOT", repr(str(root))).replace("STORE", repr(str(ctx.store_root)))
            .replace("SCALE", repr(scale)).replace("REPEAT", "3" if ctx.quick else "5"))
    env = {**os.environ, **_RETAIN_ENV, "PYTHONPATH": str(root)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("__RESULT__")][-1]
    return json.loads(line[len("__RESULT__"):])
