"""Portfolio stage: from_signals on an SMA(10)/SMA(50) crossover, side by side with vectorbt's two engines.

1,000,000 random-walk bars x 1 column and x 100 columns (100 different
price paths), fees 0.1 %, slippage 0.05 %, close fills (vectorbt's default),
long only, one unit per trade. (All-in sizing would bleed the account to
~1e-14 over ~14,000 round trips at 0.15 % each, where both engines' final
values are rounding noise and vectorbt starts skipping near-zero orders.) Reports bar-columns/s for nexus and for vectorbt's
numba and Rust engines (same inputs, same process), the ratio to the faster
engine (target >= 3x), the largest relative difference in final value
(target <= 1e-9), and the peak RSS of a fresh process running the 1M x 100
case with ``pf.stats()`` (target < 3 GB).

vectorbt lives in a separate venv so the shared one stays untouched:

    python3 -m venv .venv-bench && .venv-bench/bin/pip install -e '.[bench]'
    .venv-bench/bin/python scripts/bench.py portfolio

Without vectorbt the stage still times nexus and notes the skip.
"""

from __future__ import annotations

import gc
import time

import numpy as np

from bench_stages._data import vectorbt_engines, vectorbt_side_by_side

NAME = "portfolio"
ORDER = 30
FEES = 0.001
SLIPPAGE = 0.0005
INIT_CASH = 1_000_000.0  # ample for one unit per trade: no column nears bankruptcy, where partial fills start
SIZE = 1.0
T0 = 1_704_067_200_000_000_000  # minute bars from 2024-01-01 UTC


def random_walk(n: int, m: int, seed: int = 0) -> np.ndarray:
    """Closes built in place (one n x m buffer) so the 1M x 100 case stays near 800 MB."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, m))
    x *= 0.001
    np.cumsum(x, axis=0, out=x)
    np.exp(x, out=x)
    x *= 100.0
    return x


def crossover(close: np.ndarray, fast: int = 10, slow: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Entries where SMA(fast) crosses above SMA(slow), exits where it crosses below; column by column."""
    try:
        from nexus.indicators.rolling import rolling_mean_nb as mean
    except ImportError:  # the indicators area is not there yet: an O(n) cumsum mean
        def mean(x, w):
            c = np.cumsum(np.r_[0.0, x])
            out = np.full(x.shape[0], np.nan)
            out[w - 1:] = (c[w:] - c[:-w]) / w
            return out
    n, m = close.shape
    entries = np.zeros((n, m), dtype=bool)
    exits = np.zeros((n, m), dtype=bool)
    for j in range(m):
        col = np.ascontiguousarray(close[:, j])
        above = mean(col, fast) > mean(col, slow)  # NaN warm-up compares False
        entries[1:, j] = above[1:] & ~above[:-1]
        exits[1:, j] = ~above[1:] & above[:-1]
    entries[:slow] = False
    exits[:slow] = False
    return entries, exits


RSS_CODE = """
import numpy as np, sys
sys.path.insert(0, {root!r} + '/scripts')
from bench_stages.portfolio import random_walk, crossover
import nexus as nx
close = random_walk({n}, {m})
en, ex = crossover(close)
ts = {t0} + np.arange({n}, dtype=np.int64) * 60_000_000_000
pf = nx.Portfolio.from_signals(close, en, ex, fees={fees}, slippage={slip}, price='close', init_cash={cash}, size={size},
                               ts=ts)
s = pf.stats()
assert s.shape[1] == {m}
"""


def run(ctx) -> list:
    from bench import ROOT, Row

    import nexus as nx

    n = 100_000 if ctx.quick else 1_000_000
    widths = (1, 10) if ctx.quick else (1, 100)
    vb, skip_note = vectorbt_engines()
    rows = []
    for m in widths:
        close = random_walk(n, m)
        entries, exits = crossover(close)
        items = float(n * m)
        ts = T0 + np.arange(n, dtype=np.int64) * 60_000_000_000

        def ours():
            return nx.Portfolio.from_signals(close, entries, exits, fees=FEES, slippage=SLIPPAGE, price="close",
                                             init_cash=INIT_CASH, size=SIZE, ts=ts)

        repeat = ctx.repeat if m == 1 else max(2, ctx.repeat // 2)
        t_ours = ctx.timeit(ours, repeat=repeat)
        # a lone column's value is built on first access (vectorbt's from_signals builds none either);
        # timed apart so the table's comparison stays like for like
        t_value = ctx.timeit(lambda: ours().value, repeat=repeat) if m == 1 else None
        pf = ours()
        final = pf.value[-1].reshape(-1)
        t0 = time.perf_counter()
        pf.stats()
        t_stats = time.perf_counter() - t0
        extra = {"nexus_rate": items / t_ours, "stats_seconds": t_stats, "orders": int(len(pf.orders))}
        notes = []
        if t_value is not None:
            extra["with_value_seconds"] = t_value
            notes.append(f"nexus from_signals then .value: {t_value * 1e3:.1f} ms ({items / t_value / 1e6:.0f}M bar-cols/s)")
        ref_name, ref_t = "", None
        diffs = []
        if vb is not None:
            def theirs(vbt, eng):
                return vbt.Portfolio.from_signals(close, entries, exits, fees=FEES, slippage=SLIPPAGE,
                                                  init_cash=INIT_CASH, size=SIZE, engine=eng)

            ref_name, ref_t, diffs, more, vb_notes = vectorbt_side_by_side(
                ctx, vb, theirs, final, items, repeat=1 if m > 1 else min(ctx.repeat, 3))
            extra.update(more)
            notes.extend(vb_notes)
        else:
            notes.append(skip_note)
        peak = None
        if m == widths[-1]:
            code = RSS_CODE.format(root=str(ROOT), n=n, m=m, fees=FEES, slip=SLIPPAGE, cash=INIT_CASH, size=SIZE, t0=T0)
            peak = ctx.peak_rss_mb(code)
            notes.append(f"peak RSS of a fresh process: data + from_signals + stats = {peak:.0f} MB (target < 3000)")
        max_diff = max(diffs) if diffs else None
        passed = None
        if ref_t is not None:
            passed = (ref_t / t_ours >= 3.0) and (max_diff is not None and max_diff <= 1e-9)
            if peak is not None:
                passed = passed and peak < 3000
        elif peak is not None:
            passed = peak < 3000
        notes.append(f"nexus stats(): {t_stats:.2f}s; orders: {len(pf.orders)}")
        rows.append(Row(
            stage=NAME, case=f"from_signals SMA 10/50 {n // 1000}k x {m}", seconds=t_ours, items=items,
            unit="bar-cols", reference=ref_name, ref_seconds=ref_t, ref_items=items if ref_t else None,
            target=">= 3x faster engine, |dfinal| <= 1e-9" + (", RSS < 3 GB" if peak is not None else ""),
            passed=passed, peak_rss_mb=peak, notes="; ".join(notes), extra={**extra, "max_final_diff": max_diff},
        ))
        del close, entries, exits, pf
        gc.collect()
    return rows
