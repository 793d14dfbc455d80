"""Book stage: ``simulate_book`` (the execution engine of every book) against vectorbt and backtesting.py.

(a) vectorbt, close fills: an SMA(10)/SMA(50) crossover that is always in the
market (+1 % of equity after a cross up, -1 % after a cross down), fees 0.1 %
and slippage 0.05 % on notional, 1,000,000 random-walk bars x 1 and x 100
columns. Each column is its own book (``simulate_book`` once per column,
``fill="aggressive"``); vectorbt runs ``Portfolio.from_orders`` with
``size_type="targetpercent"``, ``direction="both"`` on all columns at once with
each of its engines. Reports bar-columns/s, the ratio to the faster vectorbt
engine (target >= 3x on 1M x 100) and the largest relative difference of the
final values (target <= 1e-9). A reversal is one vectorbt order and two
``simulate_book`` fills (close, then open) at the same price: the units and
fees add up to the same cash.

(b) backtesting.py, next-open fills: its ``SmaCross`` example (SMA 10/20 on
its bundled GOOG daily bars, ``exclusive_orders=True``, cash 10,000, no
commission: the size of an order is ``0.9999`` of the equity in whole shares
at the fill bar's open, as ``simulate_book`` sizes a 0.9999 weight with a lot
of one share). Every closed trade (entry and exit bar, signed size, entry and
exit price, P&L) must be equal to 1e-9.

    .venv-bench/bin/python scripts/bench.py book      # make bench-vbt runs it

Without vectorbt or backtesting.py the stage times nexus alone and notes the skip.
"""

from __future__ import annotations

import gc
import warnings

import numpy as np

from bench_stages._data import vectorbt_engines, vectorbt_side_by_side
from bench_stages.portfolio import crossover, random_walk

NAME = "book"
ORDER = 31
FEES = 0.001
SLIPPAGE = 0.0005
# of book equity: ~28,000 reversals per million bars cost 2 x 1 % x 0.15 % each, so the books end near
# 40 % of their cash, far from the rounding noise where all-in books end (and vectorbt skips tiny orders)
WEIGHT = 0.01
INIT_CASH = 1_000_000.0


def _ours_per_column(close: np.ndarray, decision: np.ndarray) -> np.ndarray:
    """Final value of each column simulated as a book of its own."""
    from nexus.portfolio.book import simulate_book

    out = np.empty(close.shape[1])
    for j in range(close.shape[1]):
        c = np.ascontiguousarray(close[:, j])
        sim = simulate_book(c, c, c, c, decision[:, j], init_cash=INIT_CASH, fill="aggressive",
                            slippage_model="fixed", slippage=SLIPPAGE, taker_fee=FEES, pyramid=False)
        out[j] = sim.value[-1]
    return out


def _vectorbt_rows(ctx, Row) -> list:
    n = 100_000 if ctx.quick else 1_000_000
    widths = (1, 10) if ctx.quick else (1, 100)
    vb, skip_note = vectorbt_engines()
    rows = []
    for m in widths:
        close = random_walk(n, m)
        entries, exits = crossover(close)
        decision = np.where(entries, WEIGHT, np.where(exits, -WEIGHT, np.nan))
        del entries, exits
        items = float(n * m)
        repeat = ctx.repeat if m == 1 else max(1, ctx.repeat // 3)
        t_ours = ctx.timeit(lambda: _ours_per_column(close, decision), repeat=repeat)
        final = _ours_per_column(close, decision)
        notes, extra, diffs = [], {"nexus_rate": items / t_ours}, []
        ref_name, ref_t = "", None
        if vb is not None:
            def theirs(vbt, eng):
                return vbt.Portfolio.from_orders(close, size=decision, size_type="targetpercent", direction="both",
                                                 fees=FEES, slippage=SLIPPAGE, init_cash=INIT_CASH, engine=eng)

            ref_name, ref_t, diffs, more, vb_notes = vectorbt_side_by_side(
                ctx, vb, theirs, final, items, repeat=1 if m > 1 else min(ctx.repeat, 3))
            extra.update(more)
            notes.extend(vb_notes)
        else:
            notes.append(skip_note)
        max_diff = max(diffs) if diffs else None
        passed = None
        if ref_t is not None:
            exact = max_diff is not None and max_diff <= 1e-9
            # the speed target is set on the wide case; the one-column case is reported
            passed = exact and (ref_t / t_ours >= 3.0 if m == widths[-1] else True)
        rows.append(Row(
            stage=NAME, case=f"simulate_book SMA 10/50 long-short, close fills, {n // 1000}k x {m}", seconds=t_ours,
            items=items, unit="bar-cols", reference=ref_name, ref_seconds=ref_t, ref_items=items if ref_t else None,
            target=("|dfinal| <= 1e-9" + (", >= 3x faster engine" if m == widths[-1] else "")), passed=passed,
            notes="; ".join(notes), extra={**extra, "max_final_diff": max_diff},
        ))
        del close, decision
        gc.collect()
    return rows


def _backtesting_row(ctx, Row):
    try:
        import pandas as pd
        from backtesting import Backtest, Strategy
        from backtesting.lib import crossover as bt_cross
        from backtesting.test import GOOG, SMA
    except Exception as exc:  # noqa: BLE001 - any import failure means "skip with a note"
        return Row(NAME, "simulate_book vs backtesting.py SmaCross (GOOG)", float("nan"), 0.0, "bars",
                   notes=f"backtesting.py not importable ({type(exc).__name__}: {exc}); run with .venv-bench")
    from nexus.portfolio.book import simulate_book

    class SmaCross(Strategy):  # backtesting.py's own example
        n1, n2 = 10, 20

        def init(self):
            self.sma1 = self.I(SMA, self.data.Close, self.n1)
            self.sma2 = self.I(SMA, self.data.Close, self.n2)

        def next(self):
            if bt_cross(self.sma1, self.sma2):
                self.position.close()
                self.buy()
            elif bt_cross(self.sma2, self.sma1):
                self.position.close()
                self.sell()

    # the last trade stays open in both (finalize_trades=False); the closed ones are compared
    bt = Backtest(GOOG, SmaCross, cash=10_000, commission=0.0, exclusive_orders=True, finalize_trades=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "some trades remain open at the end": expected, see above
        t_bt = ctx.timeit(lambda: bt.run(), repeat=1)
        theirs = bt.run()._trades.sort_values("EntryBar")
    close = GOOG["Close"].to_numpy(np.float64)
    # the same signals, from the same pandas rolling mean the example's SMA uses
    s1 = pd.Series(close).rolling(10).mean().to_numpy()
    s2 = pd.Series(close).rolling(20).mean().to_numpy()
    up = np.zeros(len(close), bool)
    down = np.zeros(len(close), bool)
    up[1:] = (s1[:-1] < s2[:-1]) & (s1[1:] > s2[1:])
    down[1:] = (s2[:-1] < s1[:-1]) & (s2[1:] > s1[1:])
    decision = np.where(up, 0.9999, np.where(down, -0.9999, np.nan))
    o, h, lo = (GOOG[c].to_numpy(np.float64) for c in ("Open", "High", "Low"))

    def ours():
        return simulate_book(o, h, lo, close, decision, init_cash=10_000.0, fill="realistic", lot_size=1.0,
                             pyramid=False)

    t_ours = ctx.timeit(ours)
    tr = ours().pf.trades
    tr = tr[tr["status"] == 1]  # closed trades; backtesting.py leaves the last one open as well
    sign = np.where(tr["direction"] == 0, 1.0, -1.0)
    ours_tab = np.column_stack([tr["entry_idx"], tr["exit_idx"], sign * tr["size"], tr["entry_price"],
                                tr["exit_price"], tr["pnl"]]).astype(np.float64)
    their_tab = theirs[["EntryBar", "ExitBar", "Size", "EntryPrice", "ExitPrice", "PnL"]].to_numpy(np.float64)
    same_shape = ours_tab.shape == their_tab.shape
    diff = float(np.max(np.abs(ours_tab - their_tab) / np.maximum(1.0, np.abs(their_tab)))) if same_shape else np.inf
    passed = same_shape and diff <= 1e-9
    return Row(NAME, f"simulate_book vs backtesting.py SmaCross trade list (GOOG, {len(close)} bars)", t_ours,
               float(len(close)), "bars", reference="backtesting.py", ref_seconds=t_bt, ref_items=float(len(close)),
               target="same trades, |d| <= 1e-9", passed=passed,
               notes=f"{len(their_tab)} trades in backtesting.py, {len(ours_tab)} in nexus; largest difference "
                     f"(entry/exit bar, size, prices, P&L) {diff:.1e}",
               extra={"trades": len(their_tab), "max_diff": diff})


def run(ctx) -> list:
    from bench import Row

    return [*_vectorbt_rows(ctx, Row), _backtesting_row(ctx, Row)]
