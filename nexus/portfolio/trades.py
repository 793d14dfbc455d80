"""Trades derived from order records after the simulation (numba).

A trade is one position from flat to flat: entries (orders that add to it)
and exits (orders that reduce it). Sizes and prices are size-weighted over
its orders; ``pnl`` = direction x (exit notional - entry notional) - fees,
notionals through the multiplier; ``return`` = pnl / entry notional. A
position still open at the last bar is reported with status open, exit
reason end, marked to the last close (nothing is sold). Funding payments
move cash, not trade PnL.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from nexus.portfolio.broadcast import flex_nb
from nexus.portfolio.records import trade_dt

_END = 4


@njit(cache=True)
def _emit(trades, k, col, entry_idx, exit_idx, ent_u, ent_v, ent_vm, ex_u, ex_v, ex_vm, fees, slip, direction,
          status, reason):
    sign = 1.0 if direction == 0 else -1.0
    pnl = sign * (ex_vm - ent_vm) - fees
    trades[k]["id"] = k
    trades[k]["col"] = col
    trades[k]["idx"] = entry_idx
    trades[k]["entry_idx"] = entry_idx
    trades[k]["exit_idx"] = exit_idx
    trades[k]["size"] = ent_u
    trades[k]["entry_price"] = ent_v / ent_u
    trades[k]["exit_price"] = ex_v / ex_u if ex_u > 0.0 else np.nan
    trades[k]["fees"] = fees
    trades[k]["slippage"] = slip
    trades[k]["pnl"] = pnl
    trades[k]["return"] = pnl / ent_vm if ent_vm != 0.0 else np.nan
    trades[k]["duration"] = exit_idx - entry_idx
    trades[k]["direction"] = direction
    trades[k]["status"] = status
    trades[k]["exit_reason"] = reason


@njit(cache=True)
def trades_from_orders_nb(orders, n, n_cols, close, mult_a):
    """Orders sorted by (col, idx, sequence) -> trade records (trimmed)."""
    trades = np.empty(orders.shape[0] + n_cols, dtype=trade_dt)
    k = 0
    i = 0
    n_ord = orders.shape[0]
    while i < n_ord:
        col = orders[i]["col"]
        pos = 0.0
        entry_idx = 0
        direction = 0
        ent_u = ent_v = ent_vm = ex_u = ex_v = ex_vm = fees = slip = 0.0
        while i < n_ord and orders[i]["col"] == col:
            o = orders[i]
            t = o["idx"]
            units = o["size"]
            m = flex_nb(mult_a, t, col)
            signed = units if o["side"] == 0 else -units
            if pos == 0.0:
                entry_idx = t
                direction = 0 if signed > 0.0 else 1
                ent_u = ent_v = ent_vm = ex_u = ex_v = ex_vm = fees = slip = 0.0
            fees += o["fees"]
            slip += o["slippage"]
            if pos == 0.0 or (pos > 0.0) == (signed > 0.0):
                ent_u += units
                ent_v += units * o["price"]
                ent_vm += units * o["price"] * m
            else:
                ex_u += units
                ex_v += units * o["price"]
                ex_vm += units * o["price"] * m
            pos += signed
            if pos == 0.0:
                _emit(trades, k, col, entry_idx, t, ent_u, ent_v, ent_vm, ex_u, ex_v, ex_vm, fees, slip, direction,
                      1, o["reason"])
                k += 1
            i += 1
        if pos != 0.0:
            # still open: mark the remainder to the last close
            rem = abs(pos)
            c = flex_nb(close, n - 1, col)
            m = flex_nb(mult_a, n - 1, col)
            _emit(trades, k, col, entry_idx, n - 1, ent_u, ent_v, ent_vm, ex_u + rem, ex_v + rem * c,
                  ex_vm + rem * c * m, fees, slip, direction, 0, _END)
            k += 1
    return trades[:k].copy()


@njit(cache=True)
def compact_orders_nb(buf, rec_start, counts):
    """Gather each column's slice of the preallocated buffer into one trimmed array with ids."""
    total = 0
    for j in range(counts.shape[0]):
        total += counts[j]
    out = np.empty(total, dtype=buf.dtype)
    k = 0
    for j in range(counts.shape[0]):
        s = rec_start[j]
        for r in range(counts[j]):
            out[k] = buf[s + r]
            out[k]["id"] = k
            k += 1
    return out
