"""Layer 8, execution: symbol decisions -> book targets under book-wide limits -> simulator.

Decisions made on each symbol's own bars are placed on the book's clock at
the first clock instant at or after the deciding bar's close (never
earlier), then :func:`book_targets` walks the clock once (numba) applying,
in order: stop-loss / take-profit exits (a bar whose low/high crosses the
level closes the position at the next fill), the daily loss limit (flat until the
next UTC day), the maximum-drawdown stop (flat for the rest of the run, or
for ``drawdown_cooloff`` with the peak reset after it), the
time stop, the per-symbol cap (adds up to ``symbol_cap`` when ``pyramid``)
and the gross exposure cap. It emits target weights only where something
changes (NaN = keep the position), so the simulator trades only on
decisions and exits. The limits read an equity *estimate* (weights marked
close to close, costs on turnover); fills, costs and the numbers reported
come from ``Portfolio.from_targets`` afterwards.

>>> import numpy as np
>>> dec = np.full((4, 1), np.nan); dec[0, 0] = 0.1; dec[2, 0] = -0.1
>>> px = np.full((4, 1), 100.0)
>>> out = book_targets(dec, np.ones((4, 1), bool), px, px, px, np.zeros(4, np.int64), stop_loss=0.02,
...                    take_profit=0.04, symbol_cap=0.2, gross_cap=1.0, daily_loss_limit=0.02, max_drawdown=0.15,
...                    max_hold_rows=0, pyramid=True, cost_rate=0.0)
>>> out.target[:, 0].tolist()
[0.1, nan, -0.1, nan]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nexus.pipeline.overlay_kernels import book_overlay_nb


@dataclass
class BookTargets:
    target: np.ndarray  # [n, k] NaN = no order
    reason: np.ndarray  # [n, k] uint8 book-level rejection of a decision
    exit_code: np.ndarray  # [n, k] uint8 why a target closed / reversed (overlay_kernels.EXIT_NAMES)
    held: np.ndarray  # [n, k] weights the overlay believes are held
    equity: np.ndarray  # [n] equity estimate (starts at 1)


def book_targets(decision: np.ndarray, tradable: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray,
                 day_id: np.ndarray, *, stop_loss: float, take_profit: float, symbol_cap: float, gross_cap: float,
                 daily_loss_limit: float, max_drawdown: float, max_hold_rows: int, pyramid: bool,
                 cost_rate: float, min_hold_rows: int = 0, cooloff_rows: int = 0) -> BookTargets:
    t, r, x, h, e = book_overlay_nb(
        np.ascontiguousarray(decision, dtype=np.float64), np.ascontiguousarray(tradable, dtype=np.bool_),
        np.ascontiguousarray(high, dtype=np.float64), np.ascontiguousarray(low, dtype=np.float64),
        np.ascontiguousarray(close, dtype=np.float64), np.ascontiguousarray(day_id, dtype=np.int64),
        float(stop_loss), float(take_profit), float(symbol_cap), float(gross_cap), float(daily_loss_limit),
        float(max_drawdown), int(max_hold_rows), bool(pyramid), float(cost_rate), int(min_hold_rows),
        int(cooloff_rows),
    )
    return BookTargets(t, r, x, h, e)


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
