"""numba kernel of ``Portfolio.from_signals`` for the common single-column case: no stops, no funding.

The general kernel (kernels_signals.py) visits every bar of every group and
reads each input through a flexible selector. A lone column without stops or
funding has nothing to do between two signal bars but mark its position to
market, so this kernel jumps from one relevant signal to the next with a
tight scan of the signal masks and fills the value of the stretch in between
with a loop the compiler vectorises. The orders, fills, costs and values are
those of the general kernel, bar for bar: the same fill helpers, the same
phase order (pending fill at the open, then the signals at the close), the
same conflict rules; tests/portfolio/test_column_kernel.py checks the two
against each other and against the plain-Python reference.

Why a second kernel rather than a branch in the first: an inner stretch loop
inside the general kernel made LLVM compile the whole per-bar body worse
(about 4x slower on wide runs), so the fast case lives on its own.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from nexus.portfolio.fills import close_fill_nb, open_fill_nb, write_order_nb
from nexus.portfolio.kernels_signals import (
    A_EXIT, A_LONG, A_NONE, A_SHORT, CLOSE, NEXT_OPEN, R_SIGNAL, SPREAD, ST_AMOUNT, ST_VALUE, resolve_action_nb,
)


@njit(cache=True)
def _execute_nb(act, t, base, o, h, lo, cash, pos, cnt, k, orders, vol, mult, fee, fixed, coef, tick, lev, lot, sz,
                size_type, slip_model, max_part):
    """Close the position if ``act`` exits or reverses it, then open the new one: (cash, pos, cnt).

    Scalars in (read at the call site): an array argument would cost reference
    counting on every call. ``base`` NaN means the worst price of the bar for
    the side (``next_worst``).
    """
    if pos != 0.0 and (act == A_EXIT or (act == A_LONG and pos < 0.0) or (act == A_SHORT and pos > 0.0)):
        units = abs(pos)
        buy = pos < 0.0
        b = base if base == base else (h if buy else lo)
        price, fee_paid, slip = close_fill_nb(units, buy, b, h, lo, vol, slip_model, coef, tick, mult, fee, fixed)
        if buy:
            cash -= units * price * mult + fee_paid
        else:
            cash += units * price * mult - fee_paid
        pos = 0.0
        write_order_nb(orders, k + cnt, 0, t, units, price, fee_paid, slip, buy, R_SIGNAL)
        cnt += 1
    if act == A_EXIT or pos != 0.0:
        return cash, pos, cnt
    buy = act == A_LONG
    b = base if base == base else (h if buy else lo)
    if size_type == ST_AMOUNT:
        req = sz
    elif size_type == ST_VALUE:
        req = sz / (b * mult)
    else:
        req = sz * cash / (b * mult)  # flat before opening: equity is the cash
    if not req > 0.0:
        return cash, pos, cnt
    units, price, fee_paid, slip = open_fill_nb(req, buy, b, h, lo, vol, slip_model, coef, max_part, tick, mult, fee,
                                                fixed, lev, cash, 0.0, lot)
    if units <= 0.0:
        return cash, pos, cnt
    if buy:
        cash -= units * price * mult + fee_paid
        pos = units
    else:
        cash += units * price * mult - fee_paid
        pos = -units
    write_order_nb(orders, k + cnt, 0, t, units, price, fee_paid, slip, buy, R_SIGNAL)
    return cash, pos, cnt + 1


@njit(cache=True)
def simulate_column_nb(
    n, close, open_, high, low, volume, has_open, has_high, has_low,
    le_a, lx_a, se_a, sx_a, cand,
    size, size_type, price_type,
    fees, fixed_fees, slippage, slip_model, max_part,
    init_cash, mult_a, lot_a, tick_a, lev_a,
    rec_start, orders, value_out, cash_out, pos_out, save_value, save_cash, save_pos,
):
    """One column, signals only: the order count as an int64 array of one.

    ``close`` and the outputs ``value_out``, ``cash_out`` and ``pos_out`` (each
    written only when asked) are 1-D of length n; other inputs are (n|1, 1) flex arrays.
    ``cand`` lists, ascending, the bars where any signal is set, followed by
    ``n`` as a sentinel (``prepare.signal_bars`` finds them 8 bars at a time;
    a scan inside this loop stopped and mispredicted at every signal). Inputs are read as
    ``a[t * s, 0]`` with a row stride ``s`` of 0 or 1 written out in place:
    ``flex_nb``, even inlined, costs reference counting per read.
    """
    s_o = 1 if open_.shape[0] > 1 else 0
    s_h = 1 if high.shape[0] > 1 else 0
    s_l = 1 if low.shape[0] > 1 else 0
    s_v = 1 if volume.shape[0] > 1 else 0
    s_le = 1 if le_a.shape[0] > 1 else 0
    s_lx = 1 if lx_a.shape[0] > 1 else 0
    s_se = 1 if se_a.shape[0] > 1 else 0
    s_sx = 1 if sx_a.shape[0] > 1 else 0
    s_sz = 1 if size.shape[0] > 1 else 0
    s_fe = 1 if fees.shape[0] > 1 else 0
    s_ff = 1 if fixed_fees.shape[0] > 1 else 0
    s_sl = 1 if slippage.shape[0] > 1 else 0
    s_mu = 1 if mult_a.shape[0] > 1 else 0
    s_lo = 1 if lot_a.shape[0] > 1 else 0
    s_ti = 1 if tick_a.shape[0] > 1 else 0
    s_lv = 1 if lev_a.shape[0] > 1 else 0
    cash = init_cash[0]
    pos = 0.0
    cnt = 0
    rec0 = rec_start[0]
    pend = A_NONE
    ci = 0
    t = 0  # every bar before t has its value written
    while t < n:
        # the next bar that can change anything: a pending fill, else the next signal bar
        if pend != A_NONE:
            e = t
        else:
            while cand[ci] < t:
                ci += 1
            e = cand[ci]
        # bars t..e-1 hold the position at their close
        if not save_value:
            pass
        elif pos == 0.0:
            for k in range(t, e):  # a loop: numba's slice assignment is several times slower
                value_out[k] = cash
        elif s_mu == 0:
            m0 = mult_a[0, 0]
            for k in range(t, e):  # same rounding as the general kernel
                value_out[k] = cash + pos * close[k] * m0
        else:
            for k in range(t, e):
                value_out[k] = cash + pos * close[k] * mult_a[k, 0]
        if save_cash:
            for k in range(t, e):
                cash_out[k] = cash
        if save_pos:
            for k in range(t, e):
                pos_out[k] = pos
        if e >= n:
            break
        t = e
        for phase in range(2):
            # phase 0: the order decided at the last close fills at this bar's open; phase 1: this bar's signals
            if phase == 0:
                if pend == A_NONE:
                    continue
                act = pend
                pend = A_NONE
            else:
                act = resolve_action_nb(le_a[t * s_le, 0], lx_a[t * s_lx, 0], se_a[t * s_se, 0],
                                        sx_a[t * s_sx, 0], pos)
                if act == A_NONE:
                    continue
                if price_type != CLOSE:
                    if t + 1 < n:
                        pend = act
                    continue
            c = close[t]
            if phase == 1 and slip_model != SPREAD:
                o = c
                h = c
                lo = c
            else:  # the bar's open/high/low, each defaulting as in bar_ohl_nb
                if has_open:
                    o = open_[t * s_o, 0]
                else:
                    o = close[t - 1] if t > 0 else c
                h = high[t * s_h, 0] if has_high else max(o, c)
                lo = low[t * s_l, 0] if has_low else min(o, c)
            if phase == 1:
                base = c
            elif price_type == NEXT_OPEN:
                base = o
            else:
                base = np.nan
            cash, pos, cnt = _execute_nb(
                act, t, base, o, h, lo, cash, pos, cnt, rec0, orders, volume[t * s_v, 0], mult_a[t * s_mu, 0],
                fees[t * s_fe, 0], fixed_fees[t * s_ff, 0], slippage[t * s_sl, 0], tick_a[t * s_ti, 0],
                lev_a[t * s_lv, 0], lot_a[t * s_lo, 0], size[t * s_sz, 0], size_type, slip_model, max_part)
        if save_value:
            value_out[t] = cash + pos * close[t] * mult_a[t * s_mu, 0] if pos != 0.0 else cash
        if save_cash:
            cash_out[t] = cash
        if save_pos:
            pos_out[t] = pos
        t += 1
    counts = np.zeros(1, dtype=np.int64)
    counts[0] = cnt
    return counts
