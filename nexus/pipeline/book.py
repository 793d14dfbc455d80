"""One book: symbols on a shared clock, layer 8 (book limits), the simulator, the baselines.

A book is a set of series traded from one pot of cash (``from_targets``
with cash sharing). Each series is first run through layers 1-7 on its own
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

from nexus.data.timeframes import NS_PER_DAY, timeframe_ns
from nexus.errors import ConfigError
from nexus.pipeline.layers.execution import BookTargets, book_targets, place_on_clock
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
    baselines: dict[str, Any] = field(default_factory=dict)
    instruments: list[Any] = field(default_factory=list)
    oos_start_ns: int | None = None  # where the models take over on every series (None: rules only)
    variants: dict[str, Any] = field(default_factory=dict)  # name -> (runs, clock, targets, portfolio) on the same bars
    benchmark: Any = None  # equal-weight buy and hold on the same clock and costs: the relative statistics' benchmark


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
    """One series on the clock: (open, high, low, close, tradable), as-of, never ahead of a bar's close.

    close: the last closed bar's close (held at the first close before the first bar).
    high/low: the newly closed bar's on rows where one closed, else the close (stops are
    checked when a bar is known). open (what a next-open fill pays): the bar's own open for
    a series on the clock's timeframe; for a coarser series the last price known one row
    earlier, because its newly closed bar's open lies before the decision.
    tradable: in session just before the read instant, and past the first bar.
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
    return open_, high, low, close, tradable


def build_clock(runs: list[SymbolRun], clock: str, calendars: list[str]) -> Clocked:
    clock_ns = timeframe_ns(clock)
    same = [r.bars.ts for r in runs if timeframe_ns(r.timeframe) == clock_ns]
    if not same:
        raise ConfigError(f"book clock {clock!r}: no series in the book has that timeframe; "
                          f"set clock to one of {sorted({r.timeframe for r in runs})}")
    clock_ts = union_sorted(same)
    read = clock_ts + clock_ns
    n, k = len(clock_ts), len(runs)
    open_, high, low, close = (np.empty((n, k)) for _ in range(4))
    tradable = np.empty((n, k), dtype=bool)
    for j, (r, cal) in enumerate(zip(runs, calendars)):
        open_[:, j], high[:, j], low[:, j], close[:, j], tradable[:, j] = asof_on_clock(r.bars, read, clock_ns, cal)
    decision = np.full((n, k), np.nan)
    rows_list = []
    for j, r in enumerate(runs):
        rows = place_on_clock(read, r.bars.close_ts, r.decision_idx, int(clock_ts[0]))
        ok = rows >= 0
        decision[rows[ok], j] = r.decision_target[ok]
        rows_list.append(rows)
    return Clocked(clock_ts, read, open_, high, low, close, tradable, decision, rows_list)


def apply_limits(ck: Clocked, cfg: Any, clock: str) -> BookTargets:
    R = cfg.risk
    hold = timeframe_ns(R.max_hold) // timeframe_ns(clock) if R.max_hold else 0
    min_hold = timeframe_ns(R.min_hold) // timeframe_ns(clock) if R.min_hold else 0
    cooloff = max(1, timeframe_ns(R.drawdown_cooloff) // timeframe_ns(clock)) if R.drawdown_cooloff else 0
    cost = cfg.costs.fee + (cfg.costs.slippage if cfg.costs.slippage_model != "none" else 0.0)
    return book_targets(ck.decision, ck.tradable, ck.high, ck.low, ck.close, ck.clock_ts // NS_PER_DAY,
                        stop_loss=R.stop_loss, take_profit=R.take_profit, symbol_cap=R.symbol_cap,
                        gross_cap=R.gross_cap, daily_loss_limit=R.daily_loss_limit, max_drawdown=R.max_drawdown,
                        max_hold_rows=int(max(hold, 1) if R.max_hold else 0), pyramid=R.pyramid, cost_rate=cost,
                        min_hold_rows=int(min_hold), cooloff_rows=int(cooloff))


def simulate(ck: Clocked, target: np.ndarray, cfg: Any, capital: float, instruments: list[Any], names: list[str]) -> Any:
    """Layer 8's fills: ``from_targets`` with shared cash; stops were already turned into targets."""
    from nexus.portfolio import Portfolio

    C = cfg.costs
    kw = dict(
        target_type="weight", open=ck.open, price=C.fill,
        fees=C.fee, slippage=C.slippage if C.slippage_model != "none" else 0.0,
        init_cash=capital, group_by=True, cash_sharing=True, ts=ck.clock_ts,
        multiplier=np.array([i.multiplier for i in instruments]),
        tick_size=np.array([i.tick_size for i in instruments]),
        lot_size=np.array([i.lot_size for i in instruments]),
    )
    if C.funding_rate_8h:
        kw["funding_rate"] = _funding_per_bar(C.funding_rate_8h, ck.clock_ts, instruments)
    return Portfolio.from_targets(ck.close, target, **kw)


def _funding_per_bar(rate_8h: float, clock_ts: np.ndarray, instruments: list[Any]) -> np.ndarray:
    """Funding charged at 00:00, 08:00 and 16:00 UTC on perpetuals only (zero elsewhere)."""
    eight = 8 * 3_600_000_000_000
    at = (clock_ts % eight) == 0
    perp = np.array([i.kind == "perpetual" for i in instruments])
    return np.where(at[:, None] & perp[None, :], rate_8h, 0.0)


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
