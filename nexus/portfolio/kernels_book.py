"""numba kernel of ``simulate_book``: one book, shared cash, every execution rule in one walk over the bars.

The walk is ``book_bars_nb``; the book's state between bars (cash, positions,
entries, stops, pending and resting orders, the daily and drawdown counters)
lives in four arrays (``new_book_state``), so the full simulation (one call
over every bar) and the paper broker (one call per new bar) run the same code.

The pipeline's layers hand over decisions (signed target weights, NaN = none);
this kernel owns everything that turns them into fills: fill models, slippage,
per-instrument fees, intrabar stops, the time stop, the minimum hold, the hard
daily loss limit, the drawdown stop with its cool-off, symbol / gross caps,
pyramiding, limit, stop and stop-limit entries with a time-out, and funding. The phases of a bar
are described in ``book.simulate_book``; ``tests/portfolio/book_reference.py``
is a plain-Python reference written from that description.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from nexus.portfolio.costs import round_price_nb as _round_price
from nexus.portfolio.fills import write_order_nb

# fill models
AGGRESSIVE = 0
REALISTIC = 1
CONSERVATIVE = 2
# slippage models
SL_NONE = 0
SL_FIXED = 1
SL_TICKS = 2
SL_SPREAD = 3
SL_VOLUME = 4
# order types
MARKET = 0
LIMIT = 1
STOP = 2
STOP_LIMIT = 3
# order reasons (enums.Reason)
R_SIGNAL = 0
R_SL = 1
R_TP = 2
R_TSL = 3
R_TIME = 6
R_DAILY = 7
R_DRAWDOWN = 8
R_REVERSAL = 9
R_ROLL = 10
# limit order outcomes
LS_FILLED = 0
LS_CANCELLED = 2
LS_EXPIRED = 3
LS_CROSSED = 4
# time in force of a resting limit
TIF_GTC = 0
TIF_DAY = 1
TIF_IOC = 2
# fill status
F_FILLED = 0
F_PARTIAL = 1
# book rejection codes of a decision (pipeline.reasons)
REJ_BLOCKED = 80
REJ_STOPPED = 81
REJ_CAP = 82
REJ_UNTRADABLE = 83
REJ_GROSS = 84
REJ_MIN_HOLD = 85

_EPS = 1e-9


@njit(cache=True)
def _slip(model, coef, base, tick, half_spread, sigma, volume, units):
    """Absolute price move against an order of ``units`` (>= 0)."""
    if model == SL_FIXED:
        return coef * base
    if model == SL_TICKS:
        return coef * tick
    if model == SL_SPREAD:
        return half_spread if half_spread == half_spread else 0.0
    if model == SL_VOLUME:
        if volume > 0.0 and units > 0.0 and sigma == sigma:
            return coef * sigma * base * np.sqrt(units / volume)
    return 0.0


@njit(cache=True)
def _write(fills, cnt, col, t, units, price, fee, comm, exch, slip, buy, reason, otype, status):
    if cnt < fills.shape[0]:
        write_order_nb(fills, cnt, col, t, units, price, fee, slip, buy, reason)
        fills[cnt]["id"] = cnt
        fills[cnt]["commission"] = comm
        fills[cnt]["exchange_fees"] = exch
        fills[cnt]["order_type"] = otype
        fills[cnt]["status"] = status
    return cnt + 1


@njit(cache=True)
def _fill(fills, cnt, j, t, units, buy, base, offset, maker, reason, otype, status, mult, tick, fee_rate,
          per_comm, per_exch):
    """One fill of ``units`` (> 0) at ``base`` moved ``offset`` against the order, tick-rounded against it.

    Returns (cash change, signed position change, fill price, count).
    """
    p = base + offset if buy else base - offset
    if p < 0.0:
        p = 0.0
    price = p if maker else _round_price(p, tick, buy)
    notional = units * price * mult
    comm = notional * fee_rate + units * per_comm
    exch = units * per_exch
    fee = comm + exch
    slip = units * abs(price - base) * mult
    cnt = _write(fills, cnt, j, t, units, price, fee, comm, exch, slip, buy, reason, otype, status)
    if buy:
        return -notional - fee, units, price, cnt
    return notional - fee, -units, price, cnt


@njit(cache=True)
def _round_units(u, lot):
    """Round a size toward zero to the lot."""
    if lot > 0.0:
        a = np.floor(abs(u) / lot + _EPS) * lot
        return a if u >= 0.0 else -a
    return u


# The helpers from here to the state layout are inlined into the walk (numba inline="always"): each takes
# many arrays, and a real call per fill costs more than the fill itself; inlined, the walk is faster than
# when the same code stood written out at every place (scripts/bench.py book). CPython passes a call of
# more than 30 arguments as *args, which numba cannot inline: keep each helper under that.
@njit(cache=True, inline="always")
def _taker(fills, cnt, j, t, u, buy, base, row, reason, otype, status, slip_model, slip_coef, bars, costs):
    """A taker fill of ``u`` units at ``base`` moved by the slippage model, which reads row ``row`` of
    ``bars`` = (half spread, sigma, volume): the last row the fill may know. ``costs`` = (multiplier,
    tick, taker fee, commission and exchange fee per contract). Returns what ``_fill`` returns."""
    half_spread, sigma, volume = bars
    mult, tick, taker, per_comm, per_exch = costs
    off = _slip(slip_model, slip_coef, base, tick[j], half_spread[row, j], sigma[row, j], volume[row, j], u)
    return _fill(fills, cnt, j, t, u, buy, base, off, False, reason, otype, status, mult[j], tick[j], taker[j],
                 per_comm[j], per_exch[j])


@njit(cache=True, inline="always")
def _add_entry(entry, extreme, entry_bar, j, p, px, u, t):
    """A fill of ``u`` units at ``px`` opens (``p == 0``) or adds to a position of ``p`` units."""
    if p == 0.0:
        entry[j] = px
        extreme[j] = px
        entry_bar[j] = t
    else:
        entry[j] = (entry[j] * abs(p) + px * u) / (abs(p) + u)


@njit(cache=True, inline="always")
def _mark(cash, pos, price, t, mult):
    """Cash plus every position marked at row ``t`` of ``price``."""
    v = cash
    for j in range(pos.shape[0]):
        if pos[j] != 0.0:
            v += pos[j] * price[t, j] * mult[j]
    return v


@njit(cache=True, inline="always")
def _end_limit(limits, rec, status, t):
    """How a resting order ended (a short buffer is sized again by the caller, so the record may not exist)."""
    if rec < limits.shape[0]:
        limits[rec]["status"] = status
        limits[rec]["done_idx"] = t


@njit(cache=True, inline="always")
def _close_out(fills, cnt, cash, j, t, pos, close, reason, slip_model, slip_coef, bars, costs):
    """Flatten column ``j`` at this bar's close plus slippage. Returns (cash, count)."""
    u = abs(pos[j])
    dc, dp, px, cnt = _taker(fills, cnt, j, t, u, pos[j] < 0.0, close[t, j], t, reason, MARKET, F_FILLED, slip_model,
                             slip_coef, bars, costs)
    pos[j] = 0.0
    return cash + dc, cnt


@njit(cache=True, inline="always")
def _exit(fills, cnt, cash, j, t, n, now, reason, pos, close, pend, pend_w, pend_code, slip_model, slip_coef, bars,
          costs):
    """An exit order for column ``j``: filled at this close (``now``, the aggressive fill) or sent to the
    next bar's fill (none after the last bar). Returns (cash, count)."""
    if now:
        return _close_out(fills, cnt, cash, j, t, pos, close, reason, slip_model, slip_coef, bars, costs)
    if t + 1 < n:
        pend[j] = True
        pend_w[j] = 0.0
        pend_code[j] = reason
    return cash, cnt


@njit(cache=True, inline="always")
def _to_target(fills, cnt, cash, j, t, tw, code, eq, size_px, buy_px, sell_px, row, carry, first_stop, lot, max_part,
               slip_model, slip_coef, bars, costs, pos, entry, extreme, entry_bar, stop_from, pend, pend_w, pend_code):
    """Market orders taking column ``j`` to weight ``tw`` of equity ``eq``: a close first when the target
    is flat or on the other side (reason ``code``, else reversal or signal), then the units the weight
    needs at ``size_px``, rounded toward zero to the lot, filled at ``buy_px`` / ``sell_px``. Under the
    volume model an order above the participation cap fills in part; ``carry`` sends the rest to the
    next bar. A new position's stops start at bar ``first_stop``. Returns (cash, count)."""
    mult = costs[0]
    for leg in range(2):
        p = pos[j]
        if leg == 0:
            if p == 0.0 or not (tw == 0.0 or (tw > 0.0) != (p > 0.0)):
                continue
            u = abs(p)
            buy = p < 0.0
            rc = code if code != 0 else (R_REVERSAL if tw != 0.0 else R_SIGNAL)
        else:
            if tw == 0.0:
                continue
            d = _round_units(tw * eq / (size_px * mult[j]) - p, lot[j])
            if d == 0.0 or (d > 0.0) != (tw > 0.0):
                continue
            u = abs(d)
            buy = d > 0.0
            rc = R_SIGNAL
        st = F_FILLED
        if slip_model == SL_VOLUME and leg == 1:
            cap = _round_units(max_part * bars[2][row, j], lot[j])
            if u > cap:
                u = cap
                st = F_PARTIAL
                if carry:  # the rest follows on the next bars
                    pend[j] = True
                    pend_w[j] = tw
                    pend_code[j] = 0
            if u <= 0.0:
                continue
        dc, dp, px, cnt = _taker(fills, cnt, j, t, u, buy, buy_px if buy else sell_px, row, rc, MARKET, st,
                                 slip_model, slip_coef, bars, costs)
        cash += dc
        if leg == 0:
            pos[j] = 0.0
            continue
        if p == 0.0:
            stop_from[j] = first_stop
        _add_entry(entry, extreme, entry_bar, j, p, px, u, t)
        pos[j] = p + dp
    return cash, cnt


# The book's state between bars, in four arrays a caller can keep, save and hand back.
# float scalars
S_CASH = 0
S_EQUITY = 1
S_PEAK = 2
S_DAY_START = 3
N_FSTATE = 4
# int scalars
S_CNT = 0
S_NLIM = 1
S_BLOCKED = 2
S_STOPPED = 3
S_STOPPED_AT = 4
N_ISTATE = 5
# float rows of [., k]
C_POS = 0
C_W = 1  # weight the book holds or has ordered (the caps' view)
C_ENTRY = 2  # average entry fill price
C_EXTREME = 3  # best price since entry (trailing stop), from bars before the current one
C_PEND_W = 4
C_LIM_W = 5
C_LIM_PX = 6
C_LIM_PREV_W = 7
C_FUNDING = 8  # funding paid
C_LIM_STOP = 9
N_CFSTATE = 10
# int rows of [., k]
C_ENTRY_BAR = 0
C_STOP_FROM = 1  # first bar whose range the stops see
C_PEND = 2  # a market order waits for the next bar's fill
C_PEND_CODE = 3
C_LIM = 4  # a resting entry order (limit, stop or stop-limit)
C_LIM_T = 5
C_LIM_REC = 6
C_LIM_TRIG = 7
N_CISTATE = 8


@njit(cache=True)
def new_book_state(k, init_cash):
    """The state before the first bar: (float scalars, int scalars, float [10, k], int [8, k])."""
    fs = np.full(N_FSTATE, init_cash)  # cash, equity, peak, the day's opening equity
    return fs, np.zeros(N_ISTATE, np.int64), np.zeros((N_CFSTATE, k)), np.zeros((N_CISTATE, k), np.int64)


@njit(cache=True)
def book_bars_nb(
    t0, t1, n, open_, high, low, close, tradable, decision, day_id, half_spread, sigma, volume, funding, limit_offset,
    stop_limit_offset, roll_gap,
    mult, tick, lot, taker, maker, per_comm, per_exch,
    init_cash, fill_model, slip_model, slip_coef, max_part, stop_loss, take_profit, trailing, stop_first,
    symbol_cap, gross_cap, daily_loss_limit, max_drawdown, cooloff_rows, max_hold_rows, min_hold_rows, pyramid,
    order_type, limit_timeout, timeout_cross, tif,
    fills, limits,
    fs, is_, cf, ci, value, cash_out, pos_out, held_out, reason, exit_code,
):
    """Bars ``t0`` to ``t1 - 1`` of the book, from the state in (``fs``, ``is_``, ``cf``, ``ci``), which it
    leaves as it is after bar ``t1 - 1``; writes those rows of the outputs. ``n`` is where the data
    ends (orders decided on bar ``n - 1`` are not sent); a stepping caller that does not know its end
    passes a larger ``n``. Inputs are read at rows ``t1 - 1`` and before, never after.
    """
    k = close.shape[1]
    cash = fs[S_CASH]
    equity = fs[S_EQUITY]
    peak = fs[S_PEAK]
    day_start = fs[S_DAY_START]
    cnt = is_[S_CNT]
    nlim = is_[S_NLIM]
    blocked = is_[S_BLOCKED] != 0
    stopped = is_[S_STOPPED] != 0
    stopped_at = is_[S_STOPPED_AT]
    pos = cf[C_POS]
    w = cf[C_W]
    entry = cf[C_ENTRY]
    extreme = cf[C_EXTREME]
    pend_w = cf[C_PEND_W]
    lim_w = cf[C_LIM_W]
    lim_px = cf[C_LIM_PX]  # the limit price (a stop order: its stop)
    lim_stop = cf[C_LIM_STOP]  # the stop price of a stop or stop-limit
    lim_prev_w = cf[C_LIM_PREV_W]
    funding_paid = cf[C_FUNDING]
    entry_bar = ci[C_ENTRY_BAR]
    stop_from = ci[C_STOP_FROM]
    pend = ci[C_PEND]
    pend_code = ci[C_PEND_CODE]
    lim = ci[C_LIM]  # a resting entry order (limit, stop or stop-limit)
    lim_trig = ci[C_LIM_TRIG]  # a stop-limit whose stop has fired: now a resting limit
    lim_t = ci[C_LIM_T]
    lim_rec = ci[C_LIM_REC]
    bars = (half_spread, sigma, volume)
    costs = (mult, tick, taker, per_comm, per_exch)
    for t in range(t0, t1):
        if t > 0 and day_id[t] != day_id[t - 1]:
            day_start = equity
            blocked = False
        if stopped and cooloff_rows > 0 and t - stopped_at >= cooloff_rows:
            stopped = False
            peak = equity
        r = t - 1 if t > 0 else 0  # the row whose spread / volatility / volume a fill at this open knows
        # 0. futures rolls: a position in the expiring contract is closed at its price (this bar's open,
        # quoted in the new contract, less the calendar spread) and reopened in the new one, both legs
        # paying fees and slippage; levels follow the contract
        for j in range(k):
            g = roll_gap[t, j]
            if not (g == g):
                continue
            if lim[j]:
                lim_px[j] += g
                lim_stop[j] += g
            if pos[j] == 0.0:
                continue
            u = abs(pos[j])
            long = pos[j] > 0.0
            old = open_[t, j] - g
            if old < 0.0:
                old = 0.0
            dc, dp, px, cnt = _taker(fills, cnt, j, t, u, not long, old, r, R_ROLL, MARKET, F_FILLED, slip_model,
                                     slip_coef, bars, costs)
            cash += dc
            dc, dp, px, cnt = _taker(fills, cnt, j, t, u, long, open_[t, j], r, R_ROLL, MARKET, F_FILLED, slip_model,
                                     slip_coef, bars, costs)
            cash += dc
            entry[j] += g
            extreme[j] += g
        # 1. market orders decided at the last close fill now (open, or the bar's worst price); sized at the open;
        # at the open the rest of the bar is still to come (stops see it), at the bar's worst price it is not
        if fill_model != AGGRESSIVE:
            eq_o = _mark(cash, pos, open_, t, mult)
            worst = fill_model == CONSERVATIVE
            for j in range(k):
                if not pend[j]:
                    continue
                pend[j] = False
                o = open_[t, j]
                cash, cnt = _to_target(fills, cnt, cash, j, t, pend_w[j], pend_code[j], eq_o, o,
                                       high[t, j] if worst else o, low[t, j] if worst else o, r, True,
                                       t if fill_model == REALISTIC else t + 1, lot, max_part, slip_model, slip_coef,
                                       bars, costs, pos, entry, extreme, entry_bar, stop_from, pend, pend_w, pend_code)
        # 1b. resting entry orders: limits, stops, stop-limits
        for j in range(k):
            if not lim[j]:
                continue
            buy = lim_w[j] > 0.0
            # DAY ends with the trading day, IOC after its one bar: both simply expire
            if (tif == TIF_DAY and day_id[t] != day_id[lim_t[j]]) or (tif == TIF_IOC and t - lim_t[j] > 1):
                lim[j] = False
                w[j] = lim_prev_w[j]
                _end_limit(limits, lim_rec[j], LS_EXPIRED, t)
                continue
            if limit_timeout > 0 and t - lim_t[j] > limit_timeout:
                lim[j] = False
                if timeout_cross and tradable[t, j]:
                    base = open_[t, j]
                    d = _round_units(lim_w[j] * _mark(cash, pos, open_, t, mult) / (base * mult[j]) - pos[j], lot[j])
                    if d != 0.0 and (d > 0.0) == buy:
                        u = abs(d)
                        dc, dp, px, cnt = _taker(fills, cnt, j, t, u, buy, base, r, R_SIGNAL, order_type, F_FILLED,
                                                 slip_model, slip_coef, bars, costs)
                        p = pos[j]
                        _add_entry(entry, extreme, entry_bar, j, p, px, u, t)
                        stop_from[j] = t
                        cash += dc
                        pos[j] = p + dp
                        _end_limit(limits, lim_rec[j], LS_CROSSED, t)
                        continue
                w[j] = lim_prev_w[j]
                _end_limit(limits, lim_rec[j], LS_EXPIRED, t)
                continue
            if t <= lim_t[j] or not tradable[t, j]:
                continue
            lp = lim_px[j]
            maker_fill = True
            after = lp
            if order_type == LIMIT or lim_trig[j]:
                after = low[t, j] if buy else high[t, j]
            else:  # a stop not yet fired: a trade at the stop (or a gap through it) fires it
                sp = lim_stop[j]
                o = open_[t, j]
                if buy:
                    hit = high[t, j] >= sp - _EPS * sp
                    gap = o >= sp - _EPS * sp
                else:
                    hit = low[t, j] <= sp + _EPS * sp
                    gap = o <= sp + _EPS * sp
                if not hit:
                    continue
                if lim_rec[j] < limits.shape[0]:
                    limits[lim_rec[j]]["trigger_idx"] = t
                if order_type == STOP_LIMIT:
                    lim_trig[j] = True
                    # after a gap the whole bar follows the trigger; otherwise only the close surely does
                    after = (low[t, j] if buy else high[t, j]) if gap else close[t, j]
                else:  # a stop: a market order from the stop, or from the open after a gap
                    maker_fill = False
                    lp = o if gap else sp
            if maker_fill:
                through = after <= lp - tick[j] + _EPS * lp if buy else after >= lp + tick[j] - _EPS * lp
                if not through:
                    continue
            lim[j] = False
            d = _round_units(lim_w[j] * _mark(cash, pos, open_, t, mult) / (lp * mult[j]) - pos[j], lot[j])
            filled = d != 0.0 and (d > 0.0) == buy
            if filled:
                u = abs(d)
                if maker_fill:
                    dc, dp, px, cnt = _fill(fills, cnt, j, t, u, buy, lp, 0.0, True, R_SIGNAL, order_type, F_FILLED,
                                            mult[j], tick[j], maker[j], per_comm[j], per_exch[j])
                else:
                    dc, dp, px, cnt = _taker(fills, cnt, j, t, u, buy, lp, r, R_SIGNAL, order_type, F_FILLED,
                                             slip_model, slip_coef, bars, costs)
                p = pos[j]
                _add_entry(entry, extreme, entry_bar, j, p, px, u, t)
                stop_from[j] = t + 1  # where in the bar the order filled is unknown: stops start next bar
                cash += dc
                pos[j] = p + dp
            # nothing to fill (the size rounds to no lot at the price): the order is void, not filled
            _end_limit(limits, lim_rec[j], LS_FILLED if filled else LS_CANCELLED, t)
        # 2. intrabar stops on this bar's range
        if stop_loss > 0.0 or take_profit > 0.0 or trailing > 0.0:
            for j in range(k):
                p = pos[j]
                if p == 0.0 or t < stop_from[j] or not tradable[t, j]:
                    continue
                o = open_[t, j]
                h = high[t, j]
                lo = low[t, j]
                long = p > 0.0
                sgn = 1.0 if long else -1.0
                stop = np.nan
                scode = 0
                if stop_loss > 0.0:
                    stop = entry[j] * (1.0 - sgn * stop_loss)
                    scode = R_SL
                if trailing > 0.0:
                    ts = extreme[j] * (1.0 - sgn * trailing)
                    if stop != stop or (long and ts > stop) or ((not long) and ts < stop):
                        stop = ts
                        scode = R_TSL
                tp = entry[j] * (1.0 + sgn * take_profit) if take_profit > 0.0 else np.nan
                hit_s = stop == stop and ((long and lo <= stop) or ((not long) and h >= stop))
                hit_t = tp == tp and ((long and h >= tp) or ((not long) and lo <= tp))
                code = 0
                level = 0.0
                if hit_s and ((long and o <= stop) or ((not long) and o >= stop)):
                    code = scode
                    level = o  # gapped through the stop: the open is the first price
                elif hit_t and ((long and o >= tp) or ((not long) and o <= tp)):
                    code = R_TP
                    level = o
                elif hit_s and hit_t:
                    # which extreme came first is unknown: the one nearer the open (ties and stop_first: the stop)
                    if stop_first:
                        stop_wins = True
                    elif long:
                        stop_wins = (o - lo) <= (h - o)
                    else:
                        stop_wins = (h - o) <= (o - lo)
                    code = scode if stop_wins else R_TP
                    level = stop if stop_wins else tp
                elif hit_s:
                    code = scode
                    level = stop
                elif hit_t:
                    code = R_TP
                    level = tp
                if code != 0:
                    dc, dp, px, cnt = _taker(fills, cnt, j, t, abs(p), not long, level, r, code, MARKET, F_FILLED,
                                             slip_model, slip_coef, bars, costs)
                    cash += dc
                    pos[j] = 0.0
                    w[j] = 0.0
                    exit_code[t, j] = code
                    if pend[j] and pend_w[j] != 0.0 and (pend_w[j] > 0.0) == long:
                        pend[j] = False  # the rest of a partly filled entry is void once stopped out
                else:
                    if long and h > extreme[j]:
                        extreme[j] = h
                    elif (not long) and lo < extreme[j]:
                        extreme[j] = lo
        # 3. funding and the mark to market at the close; the hard book limits
        equity = cash
        for j in range(k):
            if pos[j] != 0.0:
                pm = pos[j] * close[t, j] * mult[j]
                cash -= pm * funding[t, j]
                funding_paid[j] += pm * funding[t, j]
                equity += pm - pm * funding[t, j]
        if equity > peak:
            peak = equity
        flatten = 0
        if not stopped and max_drawdown > 0.0 and equity <= peak * (1.0 - max_drawdown):
            stopped = True
            stopped_at = t
            flatten = R_DRAWDOWN
        if not blocked and daily_loss_limit > 0.0 and equity <= day_start * (1.0 - daily_loss_limit):
            blocked = True
            if flatten == 0:
                flatten = R_DAILY
        if flatten != 0:
            for j in range(k):
                if lim[j]:
                    lim[j] = False
                    _end_limit(limits, lim_rec[j], LS_CANCELLED, t)
                w[j] = 0.0
                pend[j] = False
                if pos[j] == 0.0:
                    continue
                if not tradable[t, j]:
                    pend[j] = True  # out of session: flat at the next fill
                    pend_w[j] = 0.0
                    pend_code[j] = flatten
                    continue
                cash, cnt = _close_out(fills, cnt, cash, j, t, pos, close, flatten, slip_model, slip_coef, bars, costs)
                exit_code[t, j] = flatten
        # 4. the time stop, then the reversals of limit-type entries: an exit order like a decision's
        if max_hold_rows > 0:
            for j in range(k):
                if pos[j] != 0.0 and not pend[j] and tradable[t, j] and t - entry_bar[j] >= max_hold_rows:
                    w[j] = 0.0
                    exit_code[t, j] = R_TIME
                    if lim[j]:
                        lim[j] = False
                        _end_limit(limits, lim_rec[j], LS_CANCELLED, t)
                    cash, cnt = _exit(fills, cnt, cash, j, t, n, fill_model == AGGRESSIVE, R_TIME, pos, close,
                                      pend, pend_w, pend_code, slip_model, slip_coef, bars, costs)
        # 5. this bar's decisions under the book limits
        gross = 0.0
        for j in range(k):
            gross += abs(w[j])
        eq_c = _mark(cash, pos, close, t, mult)
        for j in range(k):
            dv = decision[t, j]
            if not (dv == dv) or dv == 0.0:
                continue
            if stopped:
                reason[t, j] = REJ_STOPPED
                continue
            if blocked:
                reason[t, j] = REJ_BLOCKED
                continue
            if not tradable[t, j] or exit_code[t, j] != 0 or (pend[j] and pend_code[j] != 0):
                reason[t, j] = REJ_UNTRADABLE
                continue
            sgn = 1.0 if dv > 0.0 else -1.0
            held_age = t - entry_bar[j] if pos[j] != 0.0 else 0
            if w[j] * sgn < 0.0 and held_age < min_hold_rows:
                reason[t, j] = REJ_MIN_HOLD
                continue
            if w[j] * sgn > 0.0:
                if not pyramid or abs(w[j]) >= symbol_cap - 1e-12:
                    reason[t, j] = REJ_CAP
                    continue
                new = sgn * min(abs(w[j]) + abs(dv), symbol_cap)
            else:
                new = sgn * min(abs(dv), symbol_cap)
            room = gross_cap - (gross - abs(w[j]))
            if abs(new) > room:
                # no room, or room for no more than it holds (to 1e-9: dust must not get through)
                if room <= 1e-9 or (w[j] * sgn > 0.0 and room <= abs(w[j]) + 1e-9):
                    reason[t, j] = REJ_GROSS
                    continue
                new = sgn * room
            rev = pos[j] != 0.0 and (pos[j] > 0.0) != (sgn > 0.0)
            if lim[j]:  # a new decision replaces a resting order
                lim[j] = False
                _end_limit(limits, lim_rec[j], LS_CANCELLED, t)
            prev_w = w[j] if not rev else 0.0
            gross += abs(new) - abs(w[j])
            w[j] = new
            if rev:
                exit_code[t, j] = R_REVERSAL
            if order_type == MARKET:
                if fill_model == AGGRESSIVE:
                    c = close[t, j]
                    # an aggressive fill exists only at its decision bar's close: the rest of a capped order
                    # is not carried (left pending it would never fill, and would hold off the time stop)
                    cash, cnt = _to_target(fills, cnt, cash, j, t, new, 0, eq_c, c, c, c, t, False, t + 1, lot,
                                           max_part, slip_model, slip_coef, bars, costs, pos, entry, extreme,
                                           entry_bar, stop_from, pend, pend_w, pend_code)
                elif t + 1 < n:
                    pend[j] = True
                    pend_w[j] = new
                    pend_code[j] = 0
                continue
            if rev:  # the old side closes at market; the new side rests as a limit or stop
                cash, cnt = _exit(fills, cnt, cash, j, t, n, fill_model == AGGRESSIVE, R_REVERSAL, pos, close,
                                  pend, pend_w, pend_code, slip_model, slip_coef, bars, costs)
            if t + 1 < n:
                off = limit_offset[t, j]
                sp = np.nan
                if order_type == LIMIT:  # inside the close; a buy limit rounds down, a sell limit up
                    px = _round_price(close[t, j] - off if sgn > 0.0 else close[t, j] + off, tick[j], sgn < 0.0)
                else:  # a stop beyond the close, rounded away from it; a stop-limit's limit beyond the stop
                    sp = _round_price(close[t, j] + off if sgn > 0.0 else close[t, j] - off, tick[j], sgn > 0.0)
                    px = sp
                    if order_type == STOP_LIMIT:
                        off2 = stop_limit_offset[t, j]
                        px = _round_price(sp + off2 if sgn > 0.0 else sp - off2, tick[j], sgn < 0.0)
                if px > 0.0 and not (sp <= 0.0):
                    lim[j] = True
                    lim_w[j] = new
                    lim_px[j] = px
                    lim_stop[j] = sp
                    lim_trig[j] = False
                    lim_t[j] = t
                    lim_prev_w[j] = prev_w
                    lim_rec[j] = nlim
                    if nlim < limits.shape[0]:
                        limits[nlim]["id"] = nlim
                        limits[nlim]["col"] = j
                        limits[nlim]["idx"] = t
                        limits[nlim]["done_idx"] = -1
                        limits[nlim]["trigger_idx"] = -1
                        limits[nlim]["price"] = px
                        limits[nlim]["stop"] = sp
                        limits[nlim]["weight"] = new
                        limits[nlim]["order_type"] = order_type
                        limits[nlim]["status"] = 1  # open until something happens
                    nlim += 1
        # 6. the bar's value
        v = _mark(cash, pos, close, t, mult)
        for j in range(k):
            pos_out[t, j] = pos[j]
            held_out[t, j] = w[j]
        equity = v
        value[t] = v
        cash_out[t] = cash
    fs[S_CASH] = cash
    fs[S_EQUITY] = equity
    fs[S_PEAK] = peak
    fs[S_DAY_START] = day_start
    is_[S_CNT] = cnt
    is_[S_NLIM] = nlim
    is_[S_BLOCKED] = 1 if blocked else 0
    is_[S_STOPPED] = 1 if stopped else 0
    is_[S_STOPPED_AT] = stopped_at

