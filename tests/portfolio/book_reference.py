"""A plain-Python event-loop reference of ``nexus.portfolio.simulate_book`` (slow and obvious on purpose).

Written from the rules in ``nexus/portfolio/book.py``'s docstring, not from the kernel: one object per
column, one event after another, lists for the records. ``tests/portfolio/test_book.py`` compares the two.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

EPS = 1e-9
KIND = {"market": 0, "limit": 1, "stop": 2, "stop_limit": 3}
REASON = {"signal": 0, "sl": 1, "tp": 2, "tsl": 3, "time_stop": 6, "daily_loss_limit": 7, "drawdown_stop": 8,
          "reversal": 9, "roll": 10}


def round_price(p, tick, up):
    if tick <= 0:
        return p
    q = p / tick
    return (math.ceil(q - EPS) if up else math.floor(q + EPS)) * tick


def round_size(u, lot):
    if lot <= 0:
        return u
    a = math.floor(abs(u) / lot + EPS) * lot
    return a if u >= 0 else -a


@dataclass
class Col:
    pos: float = 0.0
    weight: float = 0.0
    entry: float = 0.0
    best: float = 0.0
    entry_bar: int = 0
    stops_from: int = 0
    pending: tuple | None = None  # (weight, reason name or None)
    limit: dict | None = None


@dataclass
class Ref:
    fills: list = field(default_factory=list)
    limits: list = field(default_factory=list)
    value: list = field(default_factory=list)
    rejected: dict = field(default_factory=dict)
    exits: dict = field(default_factory=dict)


def run(o, h, l, c, dec, *, tradable, day, half, sigma, volume, funding, offset, rolls, mult, tick, lot, taker, maker,
        comm, exch, cash, fill, slip_model, slip, max_part, sl, tp, trail, stop_first, symbol_cap, gross_cap, dll,
        mdd, cooloff, max_hold, min_hold, pyramid, order_type, timeout, cross, tif="gtc", stop_offset=None):
    n, k = len(c), len(c[0])
    cols = [Col() for _ in range(k)]
    out = Ref()
    equity = peak = day_open = cash
    blocked = stopped = False
    stopped_at = 0

    def slippage(j, base, units, row):
        if slip_model == "fixed":
            return slip * base
        if slip_model == "ticks":
            return slip * tick[j]
        if slip_model == "spread":
            return half[row][j] if half[row][j] == half[row][j] else 0.0
        if slip_model == "volume" and volume[row][j] > 0 and units > 0 and sigma[row][j] == sigma[row][j]:
            return slip * sigma[row][j] * base * math.sqrt(units / volume[row][j])
        return 0.0

    def trade(t, j, units, buy, base, move, is_maker, why, kind, status):
        nonlocal cash
        px = base + move if buy else base - move
        px = max(px, 0.0)
        if not is_maker:
            px = round_price(px, tick[j], buy)
        notional = units * px * mult[j]
        commission = notional * (maker[j] if is_maker else taker[j]) + units * comm[j]
        fee = commission + units * exch[j]
        out.fills.append(dict(col=j, idx=t, size=units, price=px, fees=fee, commission=commission,
                              exchange_fees=units * exch[j], slippage=units * abs(px - base) * mult[j],
                              side=0 if buy else 1, reason=REASON[why], order_type=kind, status=status))
        cash += -notional - fee if buy else notional - fee
        cols[j].pos += units if buy else -units
        return px

    def opened(t, j, before, units, px, stops_from):
        s = cols[j]
        if before == 0:
            s.entry, s.best, s.entry_bar, s.stops_from = px, px, t, stops_from
        else:
            s.entry = (s.entry * abs(before) + px * units) / (abs(before) + units)

    def book_value(prices):
        return cash + sum(cols[j].pos * prices[j] * mult[j] for j in range(k) if cols[j].pos != 0)

    def end_limit(j, t, status):
        cols[j].limit["rec"].update(status=status, done_idx=t)
        cols[j].limit = None

    for t in range(n):
        if t > 0 and day[t] != day[t - 1]:
            day_open, blocked = equity, False
        if stopped and cooloff > 0 and t - stopped_at >= cooloff:
            stopped, peak = False, equity
        prev = max(t - 1, 0)
        # 0. rolls: out of the old contract (open less the spread), into the new one (the open)
        for j in range(k):
            gap = rolls[t][j]
            if gap != gap:
                continue
            s = cols[j]
            if s.limit is not None:
                s.limit["px"] += gap
                if s.limit["stop"] is not None:
                    s.limit["stop"] += gap
            if s.pos == 0:
                continue
            size, long = abs(s.pos), s.pos > 0
            old = max(o[t][j] - gap, 0.0)
            trade(t, j, size, not long, old, slippage(j, old, size, prev), False, "roll", 0, 0)
            trade(t, j, size, long, o[t][j], slippage(j, o[t][j], size, prev), False, "roll", 0, 0)
            s.pos = size if long else -size
            s.entry += gap
            s.best += gap
        # 1. pending market orders
        if fill != "aggressive":
            eq = book_value(o[t])
            for j in range(k):
                s = cols[j]
                if s.pending is None:
                    continue
                w, why = s.pending
                s.pending = None
                if s.pos != 0 and (w == 0 or (w > 0) != (s.pos > 0)):
                    buy = s.pos < 0
                    base = (h[t][j] if buy else l[t][j]) if fill == "conservative" else o[t][j]
                    u = abs(s.pos)
                    trade(t, j, u, buy, base, slippage(j, base, u, prev), False,
                          why or ("reversal" if w != 0 else "signal"), 0, 0)
                    s.pos = 0.0
                if w == 0:
                    continue
                d = round_size(w * eq / (o[t][j] * mult[j]) - s.pos, lot[j])
                if d == 0 or (d > 0) != (w > 0):
                    continue
                units, status = abs(d), 0
                if slip_model == "volume":
                    cap = round_size(max_part * volume[prev][j], lot[j])
                    if units > cap:
                        units, status = cap, 1
                        s.pending = (w, None)
                    if units <= 0:
                        continue
                buy = d > 0
                base = (h[t][j] if buy else l[t][j]) if fill == "conservative" else o[t][j]
                before = s.pos
                px = trade(t, j, units, buy, base, slippage(j, base, units, prev), False, "signal", 0, status)
                opened(t, j, before, units, px, t if fill == "realistic" else t + 1)
        # 2. resting limits
        for j in range(k):
            s = cols[j]
            lim = s.limit
            if lim is None:
                continue
            buy = lim["w"] > 0
            if (tif == "day" and day[t] != day[lim["t"]]) or (tif == "ioc" and t - lim["t"] > 1):
                s.weight = lim["prev_w"]
                end_limit(j, t, 3)
                continue
            if timeout > 0 and t - lim["t"] > timeout:
                if cross and tradable[t][j]:
                    eq = book_value(o[t])
                    d = round_size(lim["w"] * eq / (o[t][j] * mult[j]) - s.pos, lot[j])
                    if d != 0 and (d > 0) == buy:
                        before = s.pos
                        px = trade(t, j, abs(d), buy, o[t][j], slippage(j, o[t][j], abs(d), prev), False, "signal",
                                   KIND[order_type], 0)
                        opened(t, j, before, abs(d), px, t)
                        s.stops_from = t
                        end_limit(j, t, 4)
                        continue
                s.weight = lim["prev_w"]
                end_limit(j, t, 3)
                continue
            if t <= lim["t"] or not tradable[t][j]:
                continue
            price, is_maker = lim["px"], True
            if lim["stop"] is not None and not lim["fired"]:
                stop = lim["stop"]
                fired = h[t][j] >= stop - EPS * stop if buy else l[t][j] <= stop + EPS * stop
                if not fired:
                    continue
                gapped = o[t][j] >= stop - EPS * stop if buy else o[t][j] <= stop + EPS * stop
                lim["rec"]["trigger_idx"] = t
                if order_type == "stop":
                    # a market order from here: the stop, or the open when the bar opened beyond it
                    price, is_maker, ok = (o[t][j] if gapped else stop), False, True
                else:
                    lim["fired"] = True
                    # which prices came after the trigger: all of a gapped bar; otherwise the close at least
                    seen = (l[t][j] if buy else h[t][j]) if gapped else c[t][j]
                    ok = seen <= price - tick[j] + EPS * price if buy else seen >= price + tick[j] - EPS * price
            else:
                ok = (l[t][j] <= price - tick[j] + EPS * price if buy
                      else h[t][j] >= price + tick[j] - EPS * price)
            if not ok:
                continue
            eq = book_value(o[t])
            d = round_size(lim["w"] * eq / (price * mult[j]) - s.pos, lot[j])
            if d != 0 and (d > 0) == buy:
                before = s.pos
                move = 0.0 if is_maker else slippage(j, price, abs(d), prev)
                px = trade(t, j, abs(d), buy, price, move, is_maker, "signal", KIND[order_type], 0)
                opened(t, j, before, abs(d), px, t + 1)
                s.stops_from = t + 1
                end_limit(j, t, 0)
            else:
                end_limit(j, t, 2)  # the size rounds to nothing at the order's price
        # 3. stops
        for j in range(k):
            s = cols[j]
            if s.pos == 0 or t < s.stops_from or not tradable[t][j] or not (sl > 0 or tp > 0 or trail > 0):
                continue
            long = s.pos > 0
            levels = []  # (level, name)
            if sl > 0:
                levels.append((s.entry * (1 - sl) if long else s.entry * (1 + sl), "sl"))
            if trail > 0:
                levels.append((s.best * (1 - trail) if long else s.best * (1 + trail), "tsl"))
            stop = None
            if levels:
                # the tighter level protects: the higher one for a long, the lower one for a short
                stop = levels[0]
                if len(levels) == 2 and ((long and levels[1][0] > levels[0][0]) or (not long and levels[1][0] < levels[0][0])):
                    stop = levels[1]
            take = (s.entry * (1 + tp) if long else s.entry * (1 - tp)) if tp > 0 else None
            oo, hh, ll = o[t][j], h[t][j], l[t][j]
            stop_hit = stop is not None and (ll <= stop[0] if long else hh >= stop[0])
            take_hit = take is not None and (hh >= take if long else ll <= take)
            event = None
            if stop_hit and (oo <= stop[0] if long else oo >= stop[0]):
                event = (oo, stop[1])
            elif take_hit and (oo >= take if long else oo <= take):
                event = (oo, "tp")
            elif stop_hit and take_hit:
                dist_stop = (oo - ll) if long else (hh - oo)
                dist_take = (hh - oo) if long else (oo - ll)
                event = stop if stop_first or dist_stop <= dist_take else (take, "tp")
            elif stop_hit:
                event = stop
            elif take_hit:
                event = (take, "tp")
            if event is None:
                s.best = max(s.best, hh) if long else min(s.best, ll)
                continue
            level, why = event
            u = abs(s.pos)
            trade(t, j, u, not long, level, slippage(j, level, u, prev), False, why, 0, 0)
            s.pos, s.weight = 0.0, 0.0
            out.exits[(t, j)] = REASON[why]
            if s.pending is not None and s.pending[0] != 0 and (s.pending[0] > 0) == long:
                s.pending = None
        # 4. mark, funding, book limits
        for j in range(k):
            if cols[j].pos != 0:
                cash -= cols[j].pos * c[t][j] * mult[j] * funding[t][j]
        equity = book_value(c[t])
        peak = max(peak, equity)
        flat = None
        if not stopped and mdd > 0 and equity <= peak * (1 - mdd):
            stopped, stopped_at, flat = True, t, "drawdown_stop"
        if not blocked and dll > 0 and equity <= day_open * (1 - dll):
            blocked = True
            flat = flat or "daily_loss_limit"
        if flat:
            for j in range(k):
                s = cols[j]
                if s.limit is not None:
                    end_limit(j, t, 2)
                s.weight, s.pending = 0.0, None
                if s.pos == 0:
                    continue
                if not tradable[t][j]:
                    s.pending = (0.0, flat)
                    continue
                u = abs(s.pos)
                trade(t, j, u, s.pos < 0, c[t][j], slippage(j, c[t][j], u, t), False, flat, 0, 0)
                s.pos = 0.0
                out.exits[(t, j)] = REASON[flat]
        # 5. time stop, then decisions
        if max_hold > 0:
            for j in range(k):
                s = cols[j]
                if s.pos != 0 and s.pending is None and tradable[t][j] and t - s.entry_bar >= max_hold:
                    s.weight = 0.0
                    out.exits[(t, j)] = REASON["time_stop"]
                    if s.limit is not None:
                        end_limit(j, t, 2)
                    if fill == "aggressive":
                        u = abs(s.pos)
                        trade(t, j, u, s.pos < 0, c[t][j], slippage(j, c[t][j], u, t), False, "time_stop", 0, 0)
                        s.pos = 0.0
                    elif t + 1 < n:
                        s.pending = (0.0, "time_stop")
        gross = sum(abs(s.weight) for s in cols)
        eq_close = book_value(c[t])
        for j in range(k):
            dv = dec[t][j]
            if dv != dv or dv == 0:
                continue
            s = cols[j]
            if stopped:
                out.rejected[(t, j)] = 81
                continue
            if blocked:
                out.rejected[(t, j)] = 80
                continue
            if not tradable[t][j] or (t, j) in out.exits or (s.pending is not None and s.pending[1] is not None):
                out.rejected[(t, j)] = 83
                continue
            sign = 1.0 if dv > 0 else -1.0
            age = t - s.entry_bar if s.pos != 0 else 0
            if s.weight * sign < 0 and age < min_hold:
                out.rejected[(t, j)] = 85
                continue
            if s.weight * sign > 0:
                if not pyramid or abs(s.weight) >= symbol_cap - 1e-12:
                    out.rejected[(t, j)] = 82
                    continue
                new = sign * min(abs(s.weight) + abs(dv), symbol_cap)
            else:
                new = sign * min(abs(dv), symbol_cap)
            room = gross_cap - (gross - abs(s.weight))
            if abs(new) > room:
                if room <= 1e-9 or (s.weight * sign > 0 and room <= abs(s.weight) + 1e-9):
                    out.rejected[(t, j)] = 84
                    continue
                new = sign * room
            reverse = s.pos != 0 and (s.pos > 0) != (sign > 0)
            if s.limit is not None:
                end_limit(j, t, 2)
            prev_w = 0.0 if reverse else s.weight
            gross += abs(new) - abs(s.weight)
            s.weight = new
            if reverse:
                out.exits[(t, j)] = REASON["reversal"]
            if order_type != "market":
                if reverse:
                    if fill == "aggressive":
                        u = abs(s.pos)
                        trade(t, j, u, s.pos < 0, c[t][j], slippage(j, c[t][j], u, t), False, "reversal", 0, 0)
                        s.pos = 0.0
                    elif t + 1 < n:
                        s.pending = (0.0, "reversal")
                if t + 1 < n:
                    stop = None
                    if order_type == "limit":
                        p = round_price(c[t][j] - offset[t][j] if sign > 0 else c[t][j] + offset[t][j], tick[j],
                                        sign < 0)
                    else:
                        # the stop lies beyond the close, rounded away from it; a stop-limit's limit beyond the stop
                        stop = round_price(c[t][j] + offset[t][j] if sign > 0 else c[t][j] - offset[t][j], tick[j],
                                           sign > 0)
                        p = stop
                        if order_type == "stop_limit":
                            extra = stop_offset[t][j]
                            p = round_price(stop + extra if sign > 0 else stop - extra, tick[j], sign < 0)
                    if p > 0 and (stop is None or stop > 0):
                        rec = dict(col=j, idx=t, done_idx=-1, trigger_idx=-1, price=p,
                                   stop=float("nan") if stop is None else stop, weight=new,
                                   order_type=KIND[order_type], status=1)
                        out.limits.append(rec)
                        s.limit = dict(w=new, px=p, stop=stop, fired=False, t=t, prev_w=prev_w, rec=rec)
                continue
            if fill != "aggressive":
                if t + 1 < n:
                    s.pending = (new, None)
                continue
            if reverse:
                u = abs(s.pos)
                trade(t, j, u, s.pos < 0, c[t][j], slippage(j, c[t][j], u, t), False, "reversal", 0, 0)
                s.pos = 0.0
            d = round_size(new * eq_close / (c[t][j] * mult[j]) - s.pos, lot[j])
            if d == 0 or (d > 0) != (sign > 0):
                continue
            units, status = abs(d), 0
            if slip_model == "volume":
                cap = round_size(max_part * volume[t][j], lot[j])
                if units > cap:  # aggressive: the rest is not carried to later bars
                    units, status = cap, 1
                if units <= 0:
                    continue
            before = s.pos
            px = trade(t, j, units, d > 0, c[t][j], slippage(j, c[t][j], units, t), False, "signal", 0, status)
            opened(t, j, before, units, px, t + 1)
        equity = book_value(c[t])
        out.value.append(equity)
    return out

