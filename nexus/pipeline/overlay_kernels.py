"""numba kernel of the book overlay: book-wide limits, stops, an equity estimate and its costs.

Kept apart from the layers' kernels (``kernels.py``: targets and reason
codes) because it is the pipeline's second execution model: it estimates
equity, charges costs and applies stops and loss limits before the simulator
runs. The execution issue moves these rules into the portfolio simulator and
deletes this module in one piece. Numbers in, numbers out; ``layers/execution.py``
validates and calls it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# exit codes written where the overlay closes or reverses a position
EXIT_STOP_LOSS = 1
EXIT_TAKE_PROFIT = 2
EXIT_TIME = 3
EXIT_DAILY_LOSS = 4
EXIT_DRAWDOWN = 5
EXIT_REVERSAL = 6
EXIT_NAMES = ("", "stop_loss", "take_profit", "time_stop", "daily_loss_limit", "drawdown_stop", "reversal")


@njit(cache=True)
def book_overlay_nb(decision, tradable, high, low, close, day_id, stop_loss, take_profit, symbol_cap, gross_cap,
                    daily_loss_limit, max_drawdown, max_hold_rows, pyramid, cost_rate, min_hold_rows=0,
                    cooloff_rows=0):
    """Turn per-symbol decisions into book targets under book-wide limits.

    ``decision[t, j]``: NaN = no decision, else a signed weight. Returns
    ``target`` (NaN = no order), ``reason`` (book-level rejection codes on
    decision rows), ``exit_code`` (why a target closed or reversed a
    position), ``held`` (weight the overlay holds after row t) and
    ``equity`` (its estimate, relative to 1). A stop-loss or take-profit is
    detected when the bar's low/high crosses the level set from the entry
    decision's close; the closing target then fills like any other (next
    open by default), so a gap through a stop costs the gap. The estimate
    marks held weights close to close and charges ``cost_rate`` on turnover;
    the reported numbers come from the simulator. After the drawdown stop,
    trading resumes ``cooloff_rows`` later with the peak reset (0 = never).
    """
    n, k = decision.shape
    target = np.full((n, k), np.nan)
    reason = np.zeros((n, k), np.uint8)
    exit_code = np.zeros((n, k), np.uint8)
    held_out = np.zeros((n, k))
    equity_out = np.ones(n)
    w = np.zeros(k)
    entry = np.zeros(k)
    age = np.zeros(k, np.int64)
    pending = np.zeros(k, np.uint8)  # exit code of a close waiting for a tradable row
    last_close = np.full(k, np.nan)
    equity = 1.0
    peak = 1.0
    day_start = 1.0
    blocked = False
    stopped = False
    stopped_at = 0
    for t in range(n):
        if t > 0 and day_id[t] != day_id[t - 1]:
            day_start = equity
            blocked = False
        if stopped and cooloff_rows > 0 and t - stopped_at >= cooloff_rows:
            stopped = False  # resume after the cool-off, measuring drawdown from here
            peak = equity
        # 1. mark to market
        pnl = 0.0
        for j in range(k):
            c = close[t, j]
            if w[j] != 0.0 and np.isfinite(c) and np.isfinite(last_close[j]) and last_close[j] > 0.0:
                pnl += w[j] * (c / last_close[j] - 1.0)
            if np.isfinite(c):
                last_close[j] = c
        equity *= 1.0 + pnl
        if equity > peak:
            peak = equity
        # 2. exits: stops, book limits, time stop
        flatten = 0
        if not stopped and max_drawdown > 0.0 and equity <= peak * (1.0 - max_drawdown):
            stopped = True
            stopped_at = t
            flatten = EXIT_DRAWDOWN
        if not blocked and daily_loss_limit > 0.0 and equity <= day_start * (1.0 - daily_loss_limit):
            blocked = True
            if flatten == 0:
                flatten = EXIT_DAILY_LOSS
        for j in range(k):
            if w[j] == 0.0:
                continue
            age[j] += 1
            if pending[j] == 0 and tradable[t, j] and entry[j] > 0.0:
                if w[j] > 0.0:
                    if stop_loss > 0.0 and low[t, j] <= entry[j] * (1.0 - stop_loss):
                        pending[j] = EXIT_STOP_LOSS
                    elif take_profit > 0.0 and high[t, j] >= entry[j] * (1.0 + take_profit):
                        pending[j] = EXIT_TAKE_PROFIT
                else:
                    if stop_loss > 0.0 and high[t, j] >= entry[j] * (1.0 + stop_loss):
                        pending[j] = EXIT_STOP_LOSS
                    elif take_profit > 0.0 and low[t, j] <= entry[j] * (1.0 - take_profit):
                        pending[j] = EXIT_TAKE_PROFIT
            if flatten != 0:
                pending[j] = flatten
            elif pending[j] == 0 and max_hold_rows > 0 and age[j] >= max_hold_rows:
                pending[j] = EXIT_TIME
            if pending[j] != 0 and tradable[t, j]:
                equity -= equity * abs(w[j]) * cost_rate
                target[t, j] = 0.0
                exit_code[t, j] = pending[j]
                w[j] = 0.0
                age[j] = 0
                pending[j] = 0
        # 3. new decisions
        gross = 0.0
        for j in range(k):
            gross += abs(w[j])
        for j in range(k):
            d = decision[t, j]
            if not np.isfinite(d) or d == 0.0:
                continue
            if stopped:
                reason[t, j] = 81
                continue
            if blocked:
                reason[t, j] = 80
                continue
            if not tradable[t, j] or not np.isfinite(close[t, j]) or pending[j] != 0:
                reason[t, j] = 83
                continue
            if exit_code[t, j] != 0:  # closed on this row by a stop: no re-entry on the same bar
                reason[t, j] = 83
                continue
            sgn = 1.0 if d > 0.0 else -1.0
            if w[j] * sgn < 0.0 and age[j] < min_hold_rows:
                reason[t, j] = 85
                continue
            if w[j] * sgn > 0.0:
                if not pyramid or abs(w[j]) >= symbol_cap - 1e-12:
                    reason[t, j] = 82
                    continue
                new = sgn * min(abs(w[j]) + abs(d), symbol_cap)
            else:
                new = sgn * min(abs(d), symbol_cap)
            room = gross_cap - (gross - abs(w[j]))
            if abs(new) > room:
                # no room, or (adding to a position) room for no more than it holds, to 1e-9: gross at the
                # cap up to rounding must not let a dust-sized increment through
                if room <= 1e-9 or (w[j] * sgn > 0.0 and room <= abs(w[j]) + 1e-9):
                    reason[t, j] = 84
                    continue
                new = sgn * room
            if w[j] * sgn > 0.0:
                entry[j] = (entry[j] * abs(w[j]) + close[t, j] * (abs(new) - abs(w[j]))) / abs(new)
            else:
                if w[j] != 0.0:
                    exit_code[t, j] = EXIT_REVERSAL
                entry[j] = close[t, j]
                age[j] = 0
            equity -= equity * abs(new - w[j]) * cost_rate
            gross += abs(new) - abs(w[j])
            w[j] = new
            target[t, j] = new
        for j in range(k):
            held_out[t, j] = w[j]
        equity_out[t] = equity
    return target, reason, exit_code, held_out, equity_out
