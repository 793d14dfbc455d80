"""An independent plain-Python simulator of the documented execution rules (slow, obvious, for tests only).

It reads full (n, m) parameter matrices (the tests broadcast with numpy) and
follows the rules written in ``from_signals`` / ``from_targets`` docstrings
step by step, one bar, one phase, one column at a time.
"""

from __future__ import annotations

import math

import numpy as np

EPS = 1e-9


def _round_price(p, tick, buy):
    if tick > 0:
        q = p / tick
        q = math.ceil(q - EPS) if buy else math.floor(q + EPS)
        return q * tick
    return p


def _offset(model, coef, base, high, low, vol, units):
    if coef == 0.0:
        return 0.0
    if model == "fixed":
        return base * coef
    if model == "spread":
        return coef * (high - low)
    if vol > 0 and units > 0:
        return base * coef * math.sqrt(units / vol)
    return 0.0


def _fill(base, buy, off, tick):
    p = base + off if buy else base - off
    p = max(p, 0.0)
    return _round_price(p, tick, buy)


def _cap(price, mult, fee, fixed, lev, equity, gross):
    room = lev * (equity - fixed) - gross
    if room <= 0 or price <= 0:
        return 0.0
    return room / (price * mult * (1.0 + lev * fee))


def _round_units(u, cap, lot):
    if lot > 0:
        a = math.floor(u / lot + EPS) * lot if math.isfinite(u) else math.inf
        b = math.floor(cap / lot) * lot
        return min(a, b)
    return min(u, cap)


class Book:
    """Cash group state plus the order list."""

    def __init__(self, cash, cols):
        self.cash = cash
        self.pos = {c: 0.0 for c in cols}
        self.orders = []  # (col, idx, size, price, fees, slip, side, reason)

    def close_order(self, col, t, base, high, low, vol, model, coef, tick, mult, fee, fixed, reason):
        units = abs(self.pos[col])
        buy = self.pos[col] < 0
        price = _fill(base, buy, _offset(model, coef, base, high, low, vol, units), tick)
        fees = units * price * mult * fee + fixed
        slip = units * abs(price - base) * mult
        if buy:
            self.cash -= units * price * mult + fees
        else:
            self.cash += units * price * mult - fees
        self.pos[col] = 0.0
        self.orders.append((col, t, units, price, fees, slip, 0 if buy else 1, reason))

    def open_order(self, col, t, req, buy, base, high, low, vol, model, coef, max_part, tick, mult, fee, fixed,
                   lev, equity, gross, lot, reason=0):
        if model == "volume":
            req = min(req, max_part * vol)
            p0 = _fill(base, buy, 0.0, tick)
            u0 = _round_units(req, _cap(p0, mult, fee, fixed, lev, equity, gross), lot)
            if u0 <= 0:
                return 0.0
            price = _fill(base, buy, _offset(model, coef, base, high, low, vol, u0), tick)
            units = _round_units(u0, _cap(price, mult, fee, fixed, lev, equity, gross), lot)
        else:
            price = _fill(base, buy, _offset(model, coef, base, high, low, vol, 0.0), tick)
            units = _round_units(req, _cap(price, mult, fee, fixed, lev, equity, gross), lot)
        if not units > 0:
            return 0.0
        fees = units * price * mult * fee + fixed
        slip = units * abs(price - base) * mult
        if buy:
            self.cash -= units * price * mult + fees
            self.pos[col] = units
        else:
            self.cash += units * price * mult - fees
            self.pos[col] = -units
        self.orders.append((col, t, units, price, fees, slip, 0 if buy else 1, reason))
        return price


def ohl(P, t, j):
    c = P["close"][t, j]
    o = P["open"][t, j] if P["open"] is not None else (P["close"][t - 1, j] if t > 0 else c)
    h = P["high"][t, j] if P["high"] is not None else max(o, c)
    lo = P["low"][t, j] if P["low"] is not None else min(o, c)
    return o, h, lo, c


def simulate_signals(P):
    """P: dict with full (n, m) arrays close/open/high/low/volume (open etc. may be None), le/lx/se/sx bools,
    size, fees, fixed_fees, slippage, sl, tp, tsl (NaN = off), mult, lot, tick, lev, funding (or None);
    scalars size_type, price, slip_model, max_part, use_stops; groups: list of column lists; init_cash per group.
    Returns (orders list sorted by col then sequence, value (n, g), cash (n, g), pos (n, m))."""
    n, m = P["close"].shape
    groups = P["groups"]
    value = np.zeros((n, len(groups)))
    cash_out = np.zeros((n, len(groups)))
    pos_out = np.zeros((n, m))
    all_orders = []
    for gi, cols in enumerate(groups):
        bk = Book(P["init_cash"][gi], cols)
        st = {c: dict(entry=0.0, eidx=0, peak=0.0, sl=np.nan, tp=np.nan, tsl=np.nan, pend=None) for c in cols}
        for t in range(n):
            # phase 0: pending orders at the open (or worst price)
            if P["price"] != "close":
                for c in cols:
                    act = st[c]["pend"]
                    if act is None:
                        continue
                    st[c]["pend"] = None
                    _act(P, bk, st, cols, c, t, act, phase=0)
            # phase 1: stops
            if P["use_stops"]:
                for c in cols:
                    if bk.pos[c] == 0.0 or st[c]["eidx"] >= t:
                        continue
                    _stops(P, bk, st, c, t)
            # phase 2: signals at the close
            for c in cols:
                le, lx, se, sx = (bool(P[k][t, c]) for k in ("le", "lx", "se", "sx"))
                if le and lx:
                    le = lx = False
                if se and sx:
                    se = sx = False
                if le and se:
                    le = se = False
                p = bk.pos[c]
                act = None
                if p > 0:
                    act = "short" if se else ("exit" if lx else None)
                elif p < 0:
                    act = "long" if le else ("exit" if sx else None)
                else:
                    act = "long" if le else ("short" if se else None)
                if act is None:
                    continue
                if P["price"] != "close":
                    if t + 1 < n:
                        st[c]["pend"] = act
                    continue
                _act(P, bk, st, cols, c, t, act, phase=2)
            # phase 3: funding then value
            for c in cols:
                if bk.pos[c] != 0.0 and P["funding"] is not None:
                    bk.cash -= bk.pos[c] * P["close"][t, c] * P["mult"][t, c] * P["funding"][t, c]
            v = bk.cash
            for c in cols:
                if bk.pos[c] != 0.0:
                    v += bk.pos[c] * P["close"][t, c] * P["mult"][t, c]
                pos_out[t, c] = bk.pos[c]
            value[t, gi] = v
            cash_out[t, gi] = bk.cash
        all_orders += bk.orders
    all_orders.sort(key=lambda o: o[0])  # stable: keeps each column's sequence
    return all_orders, value, cash_out, pos_out


def _act(P, bk, st, cols, c, t, act, phase):
    o, h, lo, cl = ohl(P, t, c)
    kw = dict(model=P["slip_model"], coef=P["slippage"][t, c], tick=P["tick"][t, c], mult=P["mult"][t, c],
              fee=P["fees"][t, c], fixed=P["fixed_fees"][t, c])
    vol = P["volume"][t, c] if P["volume"] is not None else 0.0
    if phase == 2:
        base = cl
    elif P["price"] == "next_open":
        base = o
    else:
        base = None
    p = bk.pos[c]
    if p != 0.0 and (act == "exit" or (act == "long" and p < 0) or (act == "short" and p > 0)):
        b = base if base is not None else (h if p < 0 else lo)
        bk.close_order(c, t, b, h, lo, vol, reason=0, **kw)
    if act == "exit" or bk.pos[c] != 0.0:
        return
    buy = act == "long"
    b = base if base is not None else (h if buy else lo)
    equity, gross = bk.cash, 0.0
    for q in cols:
        if q != c and bk.pos[q] != 0.0:
            pq = P["close"][t, q] if phase == 2 else ohl(P, t, q)[0]
            equity += bk.pos[q] * pq * P["mult"][t, q]
            gross += abs(bk.pos[q]) * pq * P["mult"][t, q]
    sz = P["size"][t, c]
    if P["size_type"] == "amount":
        req = sz
    elif P["size_type"] == "value":
        req = sz / (b * kw["mult"])
    else:
        req = sz * equity / (b * kw["mult"])
    if not req > 0:
        return
    price = bk.open_order(c, t, req, buy, b, h, lo, vol, kw["model"], kw["coef"], P["max_part"], kw["tick"],
                          kw["mult"], kw["fee"], kw["fixed"], P["lev"][t, c], equity, gross, P["lot"][t, c])
    if price:
        s = st[c]
        s.update(entry=price, eidx=t, peak=price, sl=P["sl"][t, c], tp=P["tp"][t, c], tsl=P["tsl"][t, c])


def _stops(P, bk, st, c, t):
    s = st[c]
    o, h, lo, _ = ohl(P, t, c)
    ep = s["entry"]
    base = None
    if bk.pos[c] > 0:
        sl_l = ep * (1 - s["sl"]) if not math.isnan(s["sl"]) else -math.inf
        ts_l = s["peak"] * (1 - s["tsl"]) if not math.isnan(s["tsl"]) else -math.inf
        stop, why = (sl_l, 1) if sl_l >= ts_l else (ts_l, 3)
        tp_l = ep * (1 + s["tp"]) if not math.isnan(s["tp"]) else math.inf
        if o <= stop:
            base, reason = o, why
        elif o >= tp_l:
            base, reason = o, 2
        elif lo <= stop:
            base, reason = stop, why
        elif h >= tp_l:
            base, reason = tp_l, 2
        else:
            s["peak"] = max(s["peak"], h)
    else:
        sl_l = ep * (1 + s["sl"]) if not math.isnan(s["sl"]) else math.inf
        ts_l = s["peak"] * (1 + s["tsl"]) if not math.isnan(s["tsl"]) else math.inf
        stop, why = (sl_l, 1) if sl_l <= ts_l else (ts_l, 3)
        tp_l = ep * (1 - s["tp"]) if not math.isnan(s["tp"]) else -math.inf
        if o >= stop:
            base, reason = o, why
        elif o <= tp_l:
            base, reason = o, 2
        elif h >= stop:
            base, reason = stop, why
        elif lo <= tp_l:
            base, reason = tp_l, 2
        else:
            s["peak"] = min(s["peak"], lo)
    if base is None:
        return
    vol = P["volume"][t, c] if P["volume"] is not None else 0.0
    bk.close_order(c, t, base, h, lo, vol, model=P["slip_model"], coef=P["slippage"][t, c], tick=P["tick"][t, c],
                   mult=P["mult"][t, c], fee=P["fees"][t, c], fixed=P["fixed_fees"][t, c], reason=reason)


def trades_from_orders(orders, close, mult, n):
    """Flat-to-flat trades from (col, idx, size, price, fees, slip, side, reason) tuples."""
    out = []
    by_col = {}
    for o in orders:
        by_col.setdefault(o[0], []).append(o)
    for col in sorted(by_col):
        pos = 0.0
        cur = None
        for (c, t, size, price, fees, slip, side, reason) in by_col[col]:
            signed = size if side == 0 else -size
            m = mult[t, c]
            if pos == 0.0:
                cur = dict(col=c, entry_idx=t, direction=0 if signed > 0 else 1, eu=0.0, ev=0.0, evm=0.0, xu=0.0,
                           xv=0.0, xvm=0.0, fees=0.0, slip=0.0)
            cur["fees"] += fees
            cur["slip"] += slip
            if pos == 0.0 or (pos > 0) == (signed > 0):
                cur["eu"] += size
                cur["ev"] += size * price
                cur["evm"] += size * price * m
            else:
                cur["xu"] += size
                cur["xv"] += size * price
                cur["xvm"] += size * price * m
            pos += signed
            if pos == 0.0:
                out.append(_trade(cur, t, 1, reason))
        if pos != 0.0:
            rem = abs(pos)
            cur["xu"] += rem
            cur["xv"] += rem * close[n - 1, col]
            cur["xvm"] += rem * close[n - 1, col] * mult[n - 1, col]
            out.append(_trade(cur, n - 1, 0, 4))
    return out


def _trade(cur, exit_idx, status, reason):
    sign = 1.0 if cur["direction"] == 0 else -1.0
    pnl = sign * (cur["xvm"] - cur["evm"]) - cur["fees"]
    return dict(col=cur["col"], entry_idx=cur["entry_idx"], exit_idx=exit_idx, size=cur["eu"],
                entry_price=cur["ev"] / cur["eu"], exit_price=cur["xv"] / cur["xu"], fees=cur["fees"],
                pnl=pnl, ret=pnl / cur["evm"], direction=cur["direction"], status=status, exit_reason=reason)


def simulate_targets(P):
    """Plain-Python target rebalancer. P like simulate_signals plus target (n, m, NaN = hold), target_type, thr."""
    n, m = P["close"].shape
    groups = P["groups"]
    value = np.zeros((n, len(groups)))
    cash_out = np.zeros((n, len(groups)))
    pos_out = np.zeros((n, m))
    all_orders = []
    for gi, cols in enumerate(groups):
        bk = Book(P["init_cash"][gi], cols)
        pending = None
        for t in range(n):
            if pending is not None:
                _rebalance(P, bk, cols, t, pending, phase=0)
                pending = None
            row = {c: P["target"][t, c] for c in cols}
            if any(not math.isnan(v) for v in row.values()):
                if P["price"] == "close":
                    _rebalance(P, bk, cols, t, row, phase=2)
                elif t + 1 < n:
                    pending = row
            for c in cols:
                if bk.pos[c] != 0.0 and P["funding"] is not None:
                    bk.cash -= bk.pos[c] * P["close"][t, c] * P["mult"][t, c] * P["funding"][t, c]
            v = bk.cash
            for c in cols:
                if bk.pos[c] != 0.0:
                    v += bk.pos[c] * P["close"][t, c] * P["mult"][t, c]
                pos_out[t, c] = bk.pos[c]
            value[t, gi] = v
            cash_out[t, gi] = bk.cash
        all_orders += bk.orders
    all_orders.sort(key=lambda o: o[0])
    return all_orders, value, cash_out, pos_out


def _rebalance(P, bk, cols, t, row, phase):
    pv = {c: (P["close"][t, c] if phase == 2 else ohl(P, t, c)[0]) for c in cols}
    mult = {c: P["mult"][t, c] for c in cols}
    equity = bk.cash
    for c in cols:
        if bk.pos[c] != 0.0:
            equity += bk.pos[c] * pv[c] * mult[c]
    want = {}
    for c in cols:
        w = row[c]
        if math.isnan(w):
            continue
        units = {"weight": w * equity / (pv[c] * mult[c]), "amount": w, "value": w / (pv[c] * mult[c])}[P["target_type"]]
        if units != 0.0 and abs(units - bk.pos[c]) * pv[c] * mult[c] <= P["thr"][t, c] * abs(equity):
            continue
        want[c] = units
    # sells and reductions first
    for c, u in want.items():
        p = bk.pos[c]
        if p == 0.0 or u == p or (p > 0 and u > p) or (p < 0 and u < p):
            continue
        o, h, lo, _ = ohl(P, t, c)
        crosses = u == 0.0 or (p > 0) != (u > 0)
        r = abs(p) if crosses else abs(p - u)
        if not crosses and P["lot"][t, c] > 0:
            r = math.floor(r / P["lot"][t, c] + EPS) * P["lot"][t, c]
            if r <= 0:
                continue
        buy = p < 0
        base = pv[c] if P["price"] != "next_worst" else (h if buy else lo)
        vol = P["volume"][t, c] if P["volume"] is not None else 0.0
        price = _fill(base, buy, _offset(P["slip_model"], P["slippage"][t, c], base, h, lo, vol, r), P["tick"][t, c])
        fees = r * price * mult[c] * P["fees"][t, c] + P["fixed_fees"][t, c]
        slip = r * abs(price - base) * mult[c]
        if buy:
            bk.cash -= r * price * mult[c] + fees
            bk.pos[c] = 0.0 if crosses else p + r
        else:
            bk.cash += r * price * mult[c] - fees
            bk.pos[c] = 0.0 if crosses else p - r
        bk.orders.append((c, t, r, price, fees, slip, 0 if buy else 1, 5))
    # then buys and additions
    for c, u in want.items():
        p = bk.pos[c]
        if u == 0.0 or u == p or (u > 0 and p > u) or (u < 0 and p < u) or (p != 0 and (p > 0) != (u > 0)):
            continue
        o, h, lo, _ = ohl(P, t, c)
        buy = u > 0
        base = pv[c] if P["price"] != "next_worst" else (h if buy else lo)
        eq, gross = bk.cash, 0.0
        for q in cols:  # same summation order as the kernel: floats are not associative
            if bk.pos[q] != 0.0:
                eq += bk.pos[q] * pv[q] * mult[q]
                gross += abs(bk.pos[q]) * pv[q] * mult[q]
        vol = P["volume"][t, c] if P["volume"] is not None else 0.0
        before = bk.pos[c]
        bk.pos[c] = 0.0  # open_order sets the position from zero; restore the base afterwards
        price = bk.open_order(c, t, abs(u - p), buy, base, h, lo, vol, P["slip_model"], P["slippage"][t, c],
                              P["max_part"], P["tick"][t, c], mult[c], P["fees"][t, c], P["fixed_fees"][t, c],
                              P["lev"][t, c], eq, gross, P["lot"][t, c], reason=5)
        if price:
            bk.pos[c] = before + bk.pos[c]
        else:
            bk.pos[c] = before
