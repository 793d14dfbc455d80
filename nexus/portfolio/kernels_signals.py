"""numba kernel of ``Portfolio.from_signals``: a per-group core inside a ``prange`` loop over cash groups.

Every input is a lazily broadcast 2-D array read with ``flex_nb`` (see
broadcast.py). A cash group is one column unless ``cash_sharing`` joins
several. Per bar and group the phases are: (1) orders pending from the
previous bar fill at this bar's open (or worst price), (2) stops are checked
on this bar's open/high/low, (3) signals at this bar's close either fill at the
close or become pending for the next bar, (4) funding is charged and the value
is written. See the execution rules in ``wrapper.Portfolio.from_signals``.
"""

from __future__ import annotations

import types

import numpy as np
from numba import njit, prange

from nexus.portfolio.broadcast import flex_nb
from nexus.portfolio.fills import close_fill_nb, open_fill_nb, write_order_nb

# price types and actions
NEXT_OPEN = 0
CLOSE = 1
NEXT_WORST = 2
A_NONE = 0
A_LONG = 1
A_SHORT = 2
A_EXIT = 3
SPREAD = 1  # costs.SPREAD
# reasons (enums.Reason)
R_SIGNAL = 0
R_SL = 1
R_TP = 2
R_TSL = 3
# rows per time tile of a block
TILE = 256
# size types
ST_AMOUNT = 0
ST_VALUE = 1
ST_PERCENT = 2


@njit(cache=True)
def bar_ohl_nb(close, open_, high, low, has_open, has_high, has_low, t, col):
    c = flex_nb(close, t, col)
    if has_open:
        o = flex_nb(open_, t, col)
    else:
        o = flex_nb(close, t - 1, col) if t > 0 else c
    if has_high:
        h = flex_nb(high, t, col)
    else:
        h = o if o > c else c
    if has_low:
        lo = flex_nb(low, t, col)
    else:
        lo = o if o < c else c
    return o, h, lo


@njit(cache=True)
def resolve_action_nb(le, lx, se, sx, pos):
    """Turn the four signals into one action given the position (conflicting pairs cancel)."""
    if le and lx:
        le = False
        lx = False
    if se and sx:
        se = False
        sx = False
    if le and se:
        le = False
        se = False
    if pos > 0.0:
        if se:
            return A_SHORT
        if lx:
            return A_EXIT
        return A_NONE
    if pos < 0.0:
        if le:
            return A_LONG
        if sx:
            return A_EXIT
        return A_NONE
    if le:
        return A_LONG
    if se:
        return A_SHORT
    return A_NONE


@njit(cache=True, inline="always")
def mark_group_nb(t, g, c0, gs, off, pos, cash, close, mult_a, funding, has_funding, value_out, cash_out, pos_out,
                  save_cash, save_pos):
    """The last phase of a bar for the group of columns ``c0 .. c0+gs-1`` (state at ``pos[off:]``):
    funding on open positions, then the mark-to-market value, cash and positions written. Returns the cash.

    Shared by the signal and target simulators; inlined into their bar loops.
    """
    val = cash
    for k in range(gs):
        p = pos[off + k]
        if p != 0.0:
            col = c0 + k
            pm = p * flex_nb(close, t, col) * flex_nb(mult_a, t, col)
            if has_funding:
                cash -= pm * flex_nb(funding, t, col)
            val += pm
        if save_pos:
            pos_out[t, c0 + k] = p
    if has_funding:
        val = cash
        for k in range(gs):
            if pos[off + k] != 0.0:
                col = c0 + k
                val += pos[off + k] * flex_nb(close, t, col) * flex_nb(mult_a, t, col)
    value_out[t, g] = val
    if save_cash:
        cash_out[t, g] = cash
    return cash


@njit(cache=True, inline="always")
def stop_exit_nb(d, o, h, lo, ep, sl, tp, tsl, peak):
    """(base price, reason, new peak) of the stops of a position on side ``d`` (1.0 long, -1.0 short).

    Levels from the entry price ``ep`` and the trailing extreme ``peak`` (NaN
    ``sl`` / ``tp`` / ``tsl`` = no such stop); a gap through a level fills at
    the open, the stop before the take-profit; base NaN = no exit, and the
    peak follows the bar's favourable extreme. Prices are compared times
    ``d``, so one rule serves both sides exactly (a product by +-1 is exact).
    """
    adverse = lo if d > 0.0 else h
    favourable = h if d > 0.0 else lo
    sl_l = ep * (1.0 - d * sl) if sl == sl else -d * np.inf
    ts_l = peak * (1.0 - d * tsl) if tsl == tsl else -d * np.inf
    sl_first = d * sl_l >= d * ts_l
    stop_l = sl_l if sl_first else ts_l
    stop_r = R_SL if sl_first else R_TSL
    tp_l = ep * (1.0 + d * tp) if tp == tp else d * np.inf
    if d * o <= d * stop_l:
        return o, stop_r, peak
    if d * o >= d * tp_l:
        return o, R_TP, peak
    if d * adverse <= d * stop_l:
        return stop_l, stop_r, peak
    if d * favourable >= d * tp_l:
        return tp_l, R_TP, peak
    if d * favourable > d * peak:
        peak = favourable
    return np.nan, R_SIGNAL, peak


@njit(cache=True)
def simulate_block_nb(
    g0, g1, n, close, open_, high, low, volume, has_open, has_high, has_low,
    le_a, lx_a, se_a, sx_a,
    size, size_type, price_type,
    fees, fixed_fees, slippage, slip_model, max_part,
    init_cash, sl_a, tp_a, tsl_a, use_stops,
    mult_a, lot_a, tick_a, lev_a, funding, has_funding,
    group_start, rec_start, orders,
    value_out, cash_out, pos_out, save_cash, save_pos, counts,
):
    """The core: cash groups g0..g1-1 (adjacent columns), bar by bar, each group's columns in turn.

    Time is cut into tiles of TILE bars: each group walks the tile, then the
    next group walks the same tile while its rows (the block's adjacent
    columns share cache lines of a C-ordered [n_bars, n_cols] input) are still
    in cache. A strided pass per column over all bars would instead fetch a
    cache line per 8-byte value.
    """
    b0 = group_start[g0]
    nc = group_start[g1] - b0
    cash_g = init_cash[g0:g1].copy()
    pos = np.zeros(nc)
    entry_price = np.zeros(nc)
    entry_idx = np.zeros(nc, dtype=np.int64)
    peak = np.zeros(nc)
    sl_v = np.full(nc, np.nan)
    tp_v = np.full(nc, np.nan)
    tsl_v = np.full(nc, np.nan)
    pend = np.zeros(nc, dtype=np.int8)
    cnt = np.zeros(nc, dtype=np.int64)
    # an all-False (1, 1) signal never fires: skip its read in the per-bar fast path
    use_le = le_a.size > 1 or le_a[0, 0]
    use_lx = lx_a.size > 1 or lx_a[0, 0]
    use_se = se_a.size > 1 or se_a[0, 0]
    use_sx = sx_a.size > 1 or sx_a[0, 0]
    # time tiles: a tile of the block's rows stays in cache while each group walks it bar by bar
    for t0 in range(0, n, TILE):
        t1 = min(n, t0 + TILE)
        for g in range(g0, g1):
            c0 = group_start[g]
            gs = group_start[g + 1] - c0
            off = c0 - b0  # offset of this group in the block's state arrays
            cash = cash_g[g - g0]
            for t in range(t0, t1):
                if gs == 1 and not has_funding and pend[off] == A_NONE and (pos[off] == 0.0 or not use_stops):
                    # fast path for a bar with nothing to do: no pending order, no stop to watch, no signal
                    if not ((use_le and flex_nb(le_a, t, c0)) or (use_lx and flex_nb(lx_a, t, c0))
                            or (use_se and flex_nb(se_a, t, c0)) or (use_sx and flex_nb(sx_a, t, c0))):
                        p0 = pos[off]
                        if p0 != 0.0:
                            value_out[t, g] = cash + p0 * flex_nb(close, t, c0) * flex_nb(mult_a, t, c0)
                        else:
                            value_out[t, g] = cash
                        if save_pos:
                            pos_out[t, c0] = p0
                        if save_cash:
                            cash_out[t, g] = cash
                        continue
                for phase in range(3):
                    if phase == 0 and price_type == CLOSE:
                        continue
                    if phase == 1 and not use_stops:
                        continue
                    for k in range(gs):
                        col = c0 + k
                        if phase == 0:
                            act = pend[off + k]
                            if act == A_NONE:
                                continue
                            pend[off + k] = A_NONE
                        elif phase == 1:
                            if pos[off + k] == 0.0 or entry_idx[off + k] >= t:
                                continue
                            act = A_NONE
                        else:
                            act = resolve_action_nb(flex_nb(le_a, t, col), flex_nb(lx_a, t, col),
                                                    flex_nb(se_a, t, col), flex_nb(sx_a, t, col), pos[off + k])
                            if act == A_NONE:
                                continue
                            if price_type != CLOSE:
                                if t + 1 < n:
                                    pend[off + k] = act
                                continue
                        c = flex_nb(close, t, col)
                        if phase == 2 and slip_model != SPREAD:
                            # a close fill needs neither the open nor the range (the common, hot case)
                            o = c
                            h = c
                            lo = c
                        else:
                            o, h, lo = bar_ohl_nb(close, open_, high, low, has_open, has_high, has_low, t, col)
                        vol = flex_nb(volume, t, col)
                        mult = flex_nb(mult_a, t, col)
                        fee = flex_nb(fees, t, col)
                        fixed = flex_nb(fixed_fees, t, col)
                        coef = flex_nb(slippage, t, col)
                        tick = flex_nb(tick_a, t, col)
                        reason = R_SIGNAL
                        if phase == 1:
                            # stops: levels from the entry price (and the trailing extreme), gap fills at the open
                            p = pos[off + k]
                            ep = entry_price[off + k]
                            base, reason, peak[off + k] = stop_exit_nb(
                                1.0 if p > 0.0 else -1.0, o, h, lo, ep, sl_v[off + k], tp_v[off + k], tsl_v[off + k],
                                peak[off + k])
                            if base != base:
                                continue
                            act = A_EXIT
                        elif phase == 2:
                            base = c
                        elif price_type == NEXT_OPEN:
                            base = o
                        else:
                            base = np.nan  # next_worst: chosen per side below
                        # close the current position (exit or reversal)
                        if pos[off + k] != 0.0 and (act == A_EXIT or (act == A_LONG and pos[off + k] < 0.0)
                                              or (act == A_SHORT and pos[off + k] > 0.0)):
                            units = abs(pos[off + k])
                            buy = pos[off + k] < 0.0
                            b = base if base == base else (h if buy else lo)
                            price, fee_paid, slip = close_fill_nb(units, buy, b, h, lo, vol, slip_model, coef,
                                                                  tick, mult, fee, fixed)
                            if buy:
                                cash -= units * price * mult + fee_paid
                            else:
                                cash += units * price * mult - fee_paid
                            pos[off + k] = 0.0
                            write_order_nb(orders, rec_start[col] + cnt[off + k], col, t, units, price, fee_paid, slip,
                                           buy, reason)
                            cnt[off + k] += 1
                        if act == A_EXIT or pos[off + k] != 0.0:
                            continue
                        # open a new position
                        buy = act == A_LONG
                        b = base if base == base else (h if buy else lo)
                        equity = cash
                        gross = 0.0
                        for q in range(gs):
                            if q != k and pos[off + q] != 0.0:
                                qc = c0 + q
                                if phase == 2:
                                    pq = flex_nb(close, t, qc)
                                else:
                                    pq, _h, _l = bar_ohl_nb(close, open_, high, low, has_open, has_high, has_low, t, qc)
                                mq = flex_nb(mult_a, t, qc)
                                equity += pos[off + q] * pq * mq
                                gross += abs(pos[off + q]) * pq * mq
                        sz = flex_nb(size, t, col)
                        if size_type == ST_AMOUNT:
                            req = sz
                        elif size_type == ST_VALUE:
                            req = sz / (b * mult)
                        else:
                            req = sz * equity / (b * mult)
                        if not req > 0.0:
                            continue
                        units, price, fee_paid, slip = open_fill_nb(
                            req, buy, b, h, lo, vol, slip_model, coef, max_part, tick, mult, fee, fixed,
                            flex_nb(lev_a, t, col), equity, gross, flex_nb(lot_a, t, col))
                        if units <= 0.0:
                            continue
                        if buy:
                            cash -= units * price * mult + fee_paid
                            pos[off + k] = units
                        else:
                            cash += units * price * mult - fee_paid
                            pos[off + k] = -units
                        write_order_nb(orders, rec_start[col] + cnt[off + k], col, t, units, price, fee_paid, slip,
                                       buy, R_SIGNAL)
                        cnt[off + k] += 1
                        entry_price[off + k] = price
                        entry_idx[off + k] = t
                        peak[off + k] = price
                        if use_stops:
                            sl_v[off + k] = flex_nb(sl_a, t, col)
                            tp_v[off + k] = flex_nb(tp_a, t, col)
                            tsl_v[off + k] = flex_nb(tsl_a, t, col)
                cash = mark_group_nb(t, g, c0, gs, off, pos, cash, close, mult_a, funding, has_funding, value_out,
                                     cash_out, pos_out, save_cash, save_pos)
            cash_g[g - g0] = cash
    for k in range(nc):
        counts[b0 + k] = cnt[k]


def _signal_blocks(
    n, close, open_, high, low, volume, has_open, has_high, has_low,
    le_a, lx_a, se_a, sx_a,
    size, size_type, price_type,
    fees, fixed_fees, slippage, slip_model, max_part,
    init_cash, sl_a, tp_a, tsl_a, use_stops,
    mult_a, lot_a, tick_a, lev_a, funding, has_funding,
    group_start, block_start, rec_start, orders,
    value_out, cash_out, pos_out, save_cash, save_pos,
):
    """Blocks of cash groups, each through :func:`simulate_block_nb`; returns the number of orders per column.

    ``block_start`` holds group indices: block b is groups block_start[b]..block_start[b+1]-1.
    """
    n_groups = group_start.shape[0] - 1
    counts = np.zeros(group_start[n_groups], dtype=np.int64)
    for b in prange(block_start.shape[0] - 1):
        simulate_block_nb(
            block_start[b], block_start[b + 1], n, close, open_, high, low, volume, has_open, has_high, has_low,
            le_a, lx_a, se_a, sx_a, size, size_type, price_type, fees, fixed_fees, slippage, slip_model, max_part,
            init_cash, sl_a, tp_a, tsl_a, use_stops, mult_a, lot_a, tick_a, lev_a, funding, has_funding,
            group_start, rec_start, orders, value_out, cash_out, pos_out, save_cash, save_pos, counts)
    return counts


def _compile_as(fn, name: str, parallel: bool):
    """``fn`` compiled by numba under its own name: a second compilation of one function with other
    flags needs its own cache entry (numba keys cached code on the function's qualified name)."""
    f = types.FunctionType(fn.__code__, fn.__globals__, name)
    f.__qualname__ = name
    f.__doc__ = fn.__doc__
    return njit(cache=True, parallel=parallel)(f)


# one loop over the blocks, compiled twice: threads over the blocks (``prange``), and without threads (one
# block: no pool start-up, no contention), where ``prange`` is a plain ``range``
simulate_signals_nb = _compile_as(_signal_blocks, "simulate_signals_nb", True)
simulate_signals_serial_nb = _compile_as(_signal_blocks, "simulate_signals_serial_nb", False)


@njit(cache=True)
def _count_true_nb(a, n, n_cols, out):
    if a.shape[0] == 1:
        for col in range(n_cols):
            if flex_nb(a, 0, col):
                out[col] += n
        return
    if a.shape[1] == 1:
        c = 0
        for t in range(n):
            if a[t, 0]:
                c += 1
        for col in range(n_cols):
            out[col] += c
        return
    for t in range(n):  # row by row: a C-ordered mask is read sequentially
        for col in range(n_cols):
            if a[t, col]:
                out[col] += 1


@njit(cache=True)
def count_signal_bars_nb(n, n_cols, le_a, lx_a, se_a, sx_a):
    """Upper bound per column of the bars with a signal (sum over the four masks): sizes the record buffer."""
    out = np.zeros(n_cols, dtype=np.int64)
    _count_true_nb(le_a, n, n_cols, out)
    _count_true_nb(lx_a, n, n_cols, out)
    _count_true_nb(se_a, n, n_cols, out)
    _count_true_nb(sx_a, n, n_cols, out)
    return out
