"""numba kernel of ``Portfolio.from_targets``: rebalance each cash group to target weights / amounts / values.

Per bar and group: (1) targets pending from the previous bar are traded at
this bar's open (or worst price), (2) this bar's targets either trade at the
close or become pending, (3) funding is charged and the value written. A
rebalance values the group at the phase's prices (open or close), sells and
reduces every column first, then buys and adds, each add capped by leverage.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from nexus.portfolio.broadcast import flex_nb
from nexus.portfolio.fills import close_fill_nb, open_fill_nb, write_order_nb
from nexus.portfolio.kernels_signals import CLOSE, bar_ohl_nb, mark_group_nb

TT_WEIGHT = 0
TT_AMOUNT = 1
TT_VALUE = 2
R_REBALANCE = 5


@njit(cache=True)
def _rebalance_nb(t, phase, c0, gs, tgt, pos, cash, cnt, close, open_, high, low, volume, has_open, has_high,
                  has_low, target_type, price_type, fees, fixed_fees, slippage, slip_model, max_part, mult_a, lot_a,
                  tick_a, lev_a, thr_a, rec_start, orders):
    """Trade the group toward ``tgt`` (NaN = leave the column alone). Returns the new cash."""
    pv = np.empty(gs)
    for k in range(gs):
        col = c0 + k
        if phase == 2:
            pv[k] = flex_nb(close, t, col)
        else:
            o, _h, _l = bar_ohl_nb(close, open_, high, low, has_open, has_high, has_low, t, col)
            pv[k] = o
    equity = cash
    for k in range(gs):
        if pos[k] != 0.0:
            equity += pos[k] * pv[k] * flex_nb(mult_a, t, c0 + k)
    want = np.full(gs, np.nan)
    for k in range(gs):
        w = tgt[k]
        if w != w:
            continue
        col = c0 + k
        m = flex_nb(mult_a, t, col)
        if target_type == TT_WEIGHT:
            units = w * equity / (pv[k] * m)
        elif target_type == TT_AMOUNT:
            units = w
        else:
            units = w / (pv[k] * m)
        if units != 0.0 and abs(units - pos[k]) * pv[k] * m <= flex_nb(thr_a, t, col) * abs(equity):
            continue
        want[k] = units
    # pass 1: sells and reductions, so their cash is there for the buys
    for k in range(gs):
        u = want[k]
        p = pos[k]
        if u != u or p == 0.0 or u == p or (p > 0.0 and u > p) or (p < 0.0 and u < p):
            continue
        col = c0 + k
        o, h, lo = bar_ohl_nb(close, open_, high, low, has_open, has_high, has_low, t, col)
        crosses = u == 0.0 or (p > 0.0) != (u > 0.0)
        if crosses:
            r = abs(p)
        else:
            r = abs(p - u)
            lot = flex_nb(lot_a, t, col)
            if lot > 0.0:
                r = np.floor(r / lot + 1e-9) * lot
            if r <= 0.0:
                continue
        buy = p < 0.0
        base = pv[k] if price_type != 2 else (h if buy else lo)
        m = flex_nb(mult_a, t, col)
        price, fee_paid, slip = close_fill_nb(r, buy, base, h, lo, flex_nb(volume, t, col), slip_model,
                                              flex_nb(slippage, t, col), flex_nb(tick_a, t, col), m,
                                              flex_nb(fees, t, col), flex_nb(fixed_fees, t, col))
        if buy:
            cash -= r * price * m + fee_paid
            pos[k] = 0.0 if crosses else p + r
        else:
            cash += r * price * m - fee_paid
            pos[k] = 0.0 if crosses else p - r
        write_order_nb(orders, rec_start[col] + cnt[k], col, t, r, price, fee_paid, slip, buy, R_REBALANCE)
        cnt[k] += 1
    # pass 2: buys and additions, capped by leverage on the group's equity
    for k in range(gs):
        u = want[k]
        p = pos[k]
        if u != u or u == 0.0 or u == p:
            continue
        if (u > 0.0 and p > u) or (u < 0.0 and p < u) or (p != 0.0 and (p > 0.0) != (u > 0.0)):
            continue
        col = c0 + k
        o, h, lo = bar_ohl_nb(close, open_, high, low, has_open, has_high, has_low, t, col)
        buy = u > 0.0
        base = pv[k] if price_type != 2 else (h if buy else lo)
        eq = cash
        gross = 0.0
        for q in range(gs):
            if pos[q] != 0.0:
                mq = flex_nb(mult_a, t, c0 + q)
                eq += pos[q] * pv[q] * mq
                gross += abs(pos[q]) * pv[q] * mq
        m = flex_nb(mult_a, t, col)
        units, price, fee_paid, slip = open_fill_nb(
            abs(u - p), buy, base, h, lo, flex_nb(volume, t, col), slip_model, flex_nb(slippage, t, col), max_part,
            flex_nb(tick_a, t, col), m, flex_nb(fees, t, col), flex_nb(fixed_fees, t, col), flex_nb(lev_a, t, col),
            eq, gross, flex_nb(lot_a, t, col))
        if units <= 0.0:
            continue
        if buy:
            cash -= units * price * m + fee_paid
            pos[k] = p + units
        else:
            cash += units * price * m - fee_paid
            pos[k] = p - units
        write_order_nb(orders, rec_start[col] + cnt[k], col, t, units, price, fee_paid, slip, buy, R_REBALANCE)
        cnt[k] += 1
    return cash


@njit(cache=True)
def simulate_targets_group_nb(
    g, n, close, open_, high, low, volume, has_open, has_high, has_low, target, target_type, price_type,
    fees, fixed_fees, slippage, slip_model, max_part, init_cash, mult_a, lot_a, tick_a, lev_a, thr_a,
    funding, has_funding, group_start, rec_start, orders, value_out, cash_out, pos_out, save_cash, save_pos, counts,
):
    """The per-group core of the target simulator."""
    c0 = group_start[g]
    gs = group_start[g + 1] - c0
    cash = init_cash[g]
    pos = np.zeros(gs)
    cnt = np.zeros(gs, dtype=np.int64)
    pend = np.full(gs, np.nan)
    has_pend = False
    row = np.empty(gs)
    for t in range(n):
        if has_pend:
            cash = _rebalance_nb(t, 0, c0, gs, pend, pos, cash, cnt, close, open_, high, low, volume, has_open,
                                 has_high, has_low, target_type, price_type, fees, fixed_fees, slippage, slip_model,
                                 max_part, mult_a, lot_a, tick_a, lev_a, thr_a, rec_start, orders)
            has_pend = False
        any_t = False
        for k in range(gs):
            row[k] = flex_nb(target, t, c0 + k)
            if row[k] == row[k]:
                any_t = True
        if any_t:
            if price_type == CLOSE:
                cash = _rebalance_nb(t, 2, c0, gs, row, pos, cash, cnt, close, open_, high, low, volume, has_open,
                                     has_high, has_low, target_type, price_type, fees, fixed_fees, slippage,
                                     slip_model, max_part, mult_a, lot_a, tick_a, lev_a, thr_a, rec_start, orders)
            elif t + 1 < n:
                pend[:] = row
                has_pend = True
        cash = mark_group_nb(t, g, c0, gs, 0, pos, cash, close, mult_a, funding, has_funding, value_out, cash_out,
                             pos_out, save_cash, save_pos)
    for k in range(gs):
        counts[c0 + k] = cnt[k]


@njit(cache=True, parallel=True)
def simulate_targets_nb(
    n, close, open_, high, low, volume, has_open, has_high, has_low, target, target_type, price_type,
    fees, fixed_fees, slippage, slip_model, max_part, init_cash, mult_a, lot_a, tick_a, lev_a, thr_a,
    funding, has_funding, group_start, rec_start, orders, value_out, cash_out, pos_out, save_cash, save_pos,
):
    """All groups in parallel; returns the number of orders per column."""
    n_groups = group_start.shape[0] - 1
    counts = np.zeros(group_start[n_groups], dtype=np.int64)
    for g in prange(n_groups):
        simulate_targets_group_nb(
            g, n, close, open_, high, low, volume, has_open, has_high, has_low, target, target_type, price_type,
            fees, fixed_fees, slippage, slip_model, max_part, init_cash, mult_a, lot_a, tick_a, lev_a, thr_a,
            funding, has_funding, group_start, rec_start, orders, value_out, cash_out, pos_out, save_cash, save_pos,
            counts)
    return counts


@njit(cache=True)
def count_target_bars_nb(n, n_cols, target):
    out = np.zeros(n_cols, dtype=np.int64)
    for col in range(n_cols):
        c = 0
        for t in range(n):
            v = flex_nb(target, t, col)
            if v == v:
                c += 1
        out[col] = c
    return out
