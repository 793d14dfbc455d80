"""One book: symbols on a shared clock, layer 8 (book limits), the simulator, the baselines.

A book is a set of series traded from one pot of cash (the simulator's
``simulate_book``, called once per book by layer 8). Each series is first run through layers 1-7 on its own
bars (:mod:`nexus.pipeline.symbol`); its decisions are then placed on the
book's clock at the first clock instant at or after the deciding bar's close,
so a 5-minute NQ decision acts on the crypto minute clock only once its bar
has closed, and only while NQ's session is open. Prices of a symbol on the
clock are as-of (the last closed bar, :func:`asof_on_clock`), so no trade is
invented where it had none; before a symbol's first bar its price is held at
that first close and it cannot trade.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nexus.data.timeframes import timeframe_ns
from nexus.errors import ConfigError
from nexus.pipeline.layers.execution import BookTargets, place_on_clock
from nexus.data.bars import Bars
from nexus.pipeline.symbol import SymbolRun


@dataclass
class Clocked:
    clock_ts: np.ndarray  # bar open times of the clock
    read_ts: np.ndarray  # instants decisions are read: each clock bar's close
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    tradable: np.ndarray
    decision: np.ndarray  # [n, k] NaN = none
    decision_rows: list[np.ndarray]  # per symbol: clock row of each decision (-1 = after the end)
    volume: np.ndarray | None = None  # the newly closed bar's volume on rows where one closed, else 0
    spread: np.ndarray | None = None  # the last closed bar's quoted spread (NaN where the data has none)
    roll_gap: np.ndarray | None = None  # futures: calendar spread on the row a new contract's prices start, else NaN


@dataclass
class BookRun:
    name: str
    symbols: list[str]
    series: list[str]
    capital: float
    runs: list[SymbolRun]
    clock: Clocked
    targets: BookTargets
    pf: Any
    sim: Any = None  # the simulator's full output (fills with the fee split, limit orders)
    sensitivity: dict[str, Any] = field(default_factory=dict)  # fill model -> BookSim of the same decisions
    baselines: dict[str, Any] = field(default_factory=dict)
    instruments: list[Any] = field(default_factory=list)
    oos_start_ns: int | None = None  # where the models take over on every series (None: rules only)
    variants: dict[str, Any] = field(default_factory=dict)  # name -> (runs, clock, targets, portfolio) on the same bars
    benchmark: Any = None  # equal-weight buy and hold on the same clock and costs: the relative statistics' benchmark
    window: dict[str, Any] = field(default_factory=dict)  # out-of-sample table row -> (portfolio, clock ts), from capital


def union_sorted(arrays: list[np.ndarray]) -> np.ndarray:
    """Sorted union of int64 arrays (a sort and a diff: np.unique's hashing is far slower on millions)."""
    if len(arrays) == 1:
        return np.asarray(arrays[0], dtype=np.int64)
    x = np.concatenate(arrays)
    x.sort(kind="stable")
    keep = np.empty(len(x), dtype=bool)
    keep[:1] = True
    np.not_equal(x[1:], x[:-1], out=keep[1:])
    return x[keep]


def asof_on_clock(bars: Bars, read: np.ndarray, clock_ns: int, calendar: str) -> tuple[np.ndarray, ...]:
    """One series on the clock: (open, high, low, close, tradable, volume, spread), as-of, never ahead of a bar's close.

    close: the last closed bar's close (held at the first close before the first bar).
    high/low: the newly closed bar's on rows where one closed, else the close (stops are
    checked when a bar is known). open (what a next-open fill pays): the bar's own open for
    a series on the clock's timeframe; for a coarser series the last price known one row
    earlier, because its newly closed bar's open lies before the decision.
    tradable: in session just before the read instant, and past the first bar.
    volume: the newly closed bar's, else 0; spread: the last closed bar's quoted spread (NaN without one).
    """
    from nexus.data.calendar import session_mask

    idx = np.searchsorted(bars.close_ts, read, side="right").astype(np.int64) - 1
    have = idx >= 0
    ii = np.maximum(idx, 0)
    close = bars.close[ii]
    fresh = have.copy()
    fresh[1:] &= idx[1:] != idx[:-1]
    high = np.where(fresh, bars.high[ii], close)
    low = np.where(fresh, bars.low[ii], close)
    prev = np.empty_like(close)
    prev[0] = close[0]
    prev[1:] = close[:-1]
    if bars.timeframe_ns == clock_ns:
        open_ = np.where(fresh, bars.open[ii], prev)
    else:
        open_ = prev
    tradable = have & session_mask(read - 1, calendar)
    volume = np.where(fresh, bars.volume[ii], 0.0)
    spread = bars.spread[ii] if getattr(bars, "spread", None) is not None else np.full(len(read), np.nan)
    return open_, high, low, close, tradable, volume, spread


def build_clock(runs: list[SymbolRun], clock: str, calendars: list[str]) -> Clocked:
    clock_ns = timeframe_ns(clock)
    same = [r.bars.ts for r in runs if timeframe_ns(r.timeframe) == clock_ns]
    if not same:
        raise ConfigError(f"book clock {clock!r}: no series in the book has that timeframe; "
                          f"set clock to one of {sorted({r.timeframe for r in runs})}")
    clock_ts = union_sorted(same)
    read = clock_ts + clock_ns
    n, k = len(clock_ts), len(runs)
    open_, high, low, close, volume, spread = (np.empty((n, k)) for _ in range(6))
    tradable = np.empty((n, k), dtype=bool)
    for j, (r, cal) in enumerate(zip(runs, calendars)):
        (open_[:, j], high[:, j], low[:, j], close[:, j], tradable[:, j], volume[:, j],
         spread[:, j]) = asof_on_clock(r.bars, read, clock_ns, cal)
    # a row's open is the last known price where no bar of the series closed on it: widen the row's
    # range to hold it, so every clock row is a consistent bar for the simulator's intrabar rules
    np.maximum(high, np.maximum(open_, close), out=high)
    np.minimum(low, np.minimum(open_, close), out=low)
    decision = np.full((n, k), np.nan)
    rows_list = []
    for j, r in enumerate(runs):
        rows = place_on_clock(read, r.bars.close_ts, r.decision_idx, int(clock_ts[0]))
        ok = rows >= 0
        decision[rows[ok], j] = r.decision_target[ok]
        rows_list.append(rows)
    return Clocked(clock_ts, read, open_, high, low, close, tradable, decision, rows_list, volume, spread)


def use_contract_prices(ck: Clocked, runs: list[SymbolRun], instruments: list[Any], store: Any, clock: str) -> None:
    """Futures trade their contracts: a future's prices on the clock become its front contract's own
    (unadjusted) prices and each row where a new contract's prices start carries the calendar spread
    (``ck.roll_gap``), so the simulator rolls the position there and P&L comes from contract prices.
    Signals keep reading the back-adjusted series. A series whose contracts are not in the store, or
    whose bars are not the contracts' (a store written without them), keeps the continuous prices.
    """
    from nexus.data.contracts import is_contract, store_view
    from nexus.errors import DataError

    n, k = ck.close.shape
    ck.roll_gap = np.full((n, k), np.nan)
    clock_ns = timeframe_ns(clock)
    for j, (r, inst) in enumerate(zip(runs, instruments)):
        if inst.kind != "future" or is_contract(r.symbol) or len(r.bars) == 0:
            continue
        try:
            cont = store_view(store, r.symbol, r.timeframe, "front")
        except DataError:
            continue
        idx = np.searchsorted(cont.bars.ts, r.bars.ts)
        if idx.max() >= len(cont.bars) or not np.array_equal(cont.bars.ts[idx], r.bars.ts):
            continue
        front = cont.bars.take(idx)
        o, h, lo, c, _tr, _v, _s = asof_on_clock(front, ck.read_ts, clock_ns, inst.calendar)
        which = cont.contract[idx]
        bar = np.searchsorted(r.bars.close_ts, ck.read_ts, side="right") - 1
        wc = np.where(bar >= 0, which[np.maximum(bar, 0)], -1)
        rows = np.flatnonzero((wc[1:] != wc[:-1]) & (wc[:-1] >= 0)) + 1
        gap = cont.spread[wc[rows] - cont.contract[0] - 1]  # roll i leads into contract contract[0] + i + 1
        if timeframe_ns(r.timeframe) != clock_ns:
            o[rows] += gap  # a coarser series' row opens at the old contract's last close: quote it in the new one
        ck.open[:, j], ck.high[:, j], ck.low[:, j], ck.close[:, j] = o, np.maximum(h, np.maximum(o, c)), \
            np.minimum(lo, np.minimum(o, c)), c
        ck.roll_gap[rows, j] = gap


def baseline_targets(ck: Clocked, runs: list[SymbolRun], kind: str) -> np.ndarray:
    """Equal-weight baselines on the same clock: SMA crossover (long/short by its signal) or buy and hold."""
    n, k = ck.close.shape
    target = np.full((n, k), np.nan)
    w = 1.0 / k
    read = ck.read_ts
    for j, r in enumerate(runs):
        if kind == "buy_and_hold":
            rows = np.flatnonzero(ck.tradable[:, j])
            if len(rows):
                target[rows[0], j] = w
            continue
        sig = r.baseline_signal
        if sig is None:
            continue
        change = np.flatnonzero(np.diff(sig, prepend=np.int8(0)) != 0)
        rows = place_on_clock(read, r.bars.close_ts, change, int(ck.clock_ts[0]))
        ok = rows >= 0
        rows, change = rows[ok], change[ok]
        ok = ck.tradable[rows, j]
        target[rows[ok], j] = sig[change[ok]] * w
    return target
