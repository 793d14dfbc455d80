"""Layer 8, execution: symbol decisions -> orders for the book -> the simulator, once per book.

Decisions made on each symbol's own bars are placed on the book's clock at
the first clock instant at or after the deciding bar's close (never
earlier). This layer only chooses *what* is sent and how: the order type
(``execution.order_type``: market, or limit entries ``limit_offset`` ticks /
spreads inside the decision close, or stop / stop-limit entries with their stop
that far beyond it, resting ``limit_timeout`` and then cancelled or crossing),
the fill and slippage models, each instrument's fees,
and the book's rules (stops, time stop, minimum hold, daily loss limit,
drawdown stop, caps, pyramiding) as parameters. Every rule is applied, and
every number computed, by :func:`nexus.portfolio.book.simulate_book`; nothing
here computes equity, fees or stops.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nexus.data.timeframes import NS_PER_DAY, timeframe_ns
from nexus.portfolio.book import BookSim, fill_name, simulate_book

EXIT_NAMES = {"signal": "signal", "sl": "stop_loss", "tp": "take_profit", "tsl": "trailing_stop", "end": "open",
              "rebalance": "signal", "time_stop": "time_stop", "daily_loss_limit": "daily_loss_limit",
              "drawdown_stop": "drawdown_stop", "reversal": "reversal", "roll": "roll"}


@dataclass
class BookTargets:
    target: np.ndarray  # [n, k] weight the book moved to on that row (accepted decisions, 0 on exits), NaN = none
    reason: np.ndarray  # [n, k] uint8 book-level rejection of a decision (simulator codes 80-85)
    exit_code: np.ndarray  # [n, k] uint8 enums.Reason of an exit decided on that row
    held: np.ndarray  # [n, k] weights held or ordered after row t
    equity: np.ndarray  # [n] book value relative to the capital


def targets_of(sim: BookSim, decision: np.ndarray, capital: float) -> BookTargets:
    """The simulator's view of the decisions, in the shape the reports and attribution read."""
    target = np.full(decision.shape, np.nan)
    exits = sim.exit_code != 0
    target[exits] = 0.0
    ok = np.isfinite(decision) & (decision != 0.0) & (sim.reason == 0)
    target[ok] = sim.held[ok]
    return BookTargets(target, sim.reason, sim.exit_code, sim.held, sim.value / capital)


def _rows(duration: str, clock: str, at_least_one: bool = True) -> int:
    if not duration:
        return 0
    r = timeframe_ns(duration) // timeframe_ns(clock)
    return int(max(r, 1) if at_least_one else r)


def funding_per_bar(rate_8h: float, clock_ts: np.ndarray, instruments: list[Any]) -> np.ndarray:
    """Funding rate at 00:00, 08:00 and 16:00 UTC on perpetuals only (zero elsewhere)."""
    eight = 8 * 3_600_000_000_000
    at = (clock_ts % eight) == 0
    perp = np.array([i.kind == "perpetual" for i in instruments])
    return np.where(at[:, None] & perp[None, :], rate_8h, 0.0)


def fee_arrays(cfg: Any, instruments: list[Any]) -> dict[str, np.ndarray]:
    """Per-column fees: each instrument's own (instruments.toml), or the config's for every one."""
    C = cfg.costs
    if C.instrument_fees:
        return dict(taker_fee=np.array([i.taker_fee for i in instruments]),
                    maker_fee=np.array([i.maker_fee for i in instruments]),
                    commission_per_contract=np.array([getattr(i, "commission_per_contract", 0.0) for i in instruments]),
                    exchange_fee_per_contract=np.array([getattr(i, "exchange_fee_per_contract", 0.0)
                                                        for i in instruments]))
    k = len(instruments)
    return dict(taker_fee=np.full(k, C.fee), maker_fee=np.full(k, C.maker_fee),
                commission_per_contract=np.zeros(k), exchange_fee_per_contract=np.zeros(k))


def execute(ck: Any, cfg: Any, capital: float, instruments: list[Any], clock: str, *, decision: np.ndarray | None = None,
            fill: str | None = None, rules: bool = True) -> BookSim:
    """Send the book's decisions (or ``decision``) to the simulator with the config's orders, costs and rules.

    ``rules=False`` (the baselines): no stops, limits or caps beyond one unit of equity per series, market orders.
    """
    dec = ck.decision if decision is None else decision
    return simulate_book(ck.open, ck.high, ck.low, ck.close, dec,
                         **book_options(ck, cfg, capital, instruments, clock, fill=fill, rules=rules))


def book_options(ck: Any, cfg: Any, capital: float, instruments: list[Any], clock: str, *, fill: str | None = None,
                 rules: bool = True) -> dict[str, Any]:
    """The simulator's keyword arguments for a book on clock ``ck`` (what :func:`execute` sends; the paper
    broker prepares the same for its steps)."""
    R, C, E = cfg.risk, cfg.costs, cfg.execution
    kw: dict[str, Any] = dict(
        tradable=ck.tradable, day_id=ck.clock_ts // NS_PER_DAY, ts=ck.clock_ts, spread=ck.spread, volume=ck.volume,
        roll_gap=ck.roll_gap,
        init_cash=capital, multiplier=np.array([i.multiplier for i in instruments]),
        tick_size=np.array([i.tick_size for i in instruments]), lot_size=np.array([i.lot_size for i in instruments]),
        fill=fill_name(fill or C.fill), slippage_model=C.slippage_model,
        slippage={"ticks": C.slippage_ticks, "volume": C.impact}.get(C.slippage_model, C.slippage),
        max_participation=C.max_participation, **fee_arrays(cfg, instruments),
    )
    if C.funding_rate_8h:
        kw["funding"] = funding_per_bar(C.funding_rate_8h, ck.clock_ts, instruments)
    if rules:
        kw.update(stop_loss=R.stop_loss, take_profit=R.take_profit, trailing_stop=R.trailing_stop,
                  stop_first=R.intrabar == "stop_first", symbol_cap=R.symbol_cap, gross_cap=R.gross_cap,
                  daily_loss_limit=R.daily_loss_limit, max_drawdown=R.max_drawdown,
                  cooloff_rows=_rows(R.drawdown_cooloff, clock), max_hold_rows=_rows(R.max_hold, clock),
                  min_hold_rows=_rows(R.min_hold, clock, at_least_one=False), pyramid=R.pyramid,
                  order_type=E.order_type, limit_offset=E.limit_offset, limit_offset_unit=E.limit_offset_unit,
                  limit_timeout=_rows(E.limit_timeout, clock), timeout_action=E.timeout_action,
                  time_in_force=E.time_in_force, stop_limit_offset=E.stop_limit_offset)
    else:
        kw.update(symbol_cap=1.0, gross_cap=float(len(instruments)), pyramid=False)
    return kw


def place_on_clock(read_ts: np.ndarray, bar_close_ts: np.ndarray, bar_idx: np.ndarray,
                   clock_start: int | None = None) -> np.ndarray:
    """Clock row at which each decided bar becomes known: the first read instant >= its close.

    -1 for a decision after the clock's end, or made before the clock starts
    (its close is earlier than ``clock_start``, the first clock bar's open):
    a stale decision is dropped, never acted on late.
    """
    close = bar_close_ts[bar_idx]
    rows = np.searchsorted(read_ts, close, side="left").astype(np.int64)
    rows[rows >= len(read_ts)] = -1
    if clock_start is not None:
        rows[close < clock_start] = -1
    return rows
