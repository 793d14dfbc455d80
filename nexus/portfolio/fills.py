"""One fill: price after slippage and tick rounding, fees, the order record (numba).

Shared by the signal and the target simulators so both apply costs the same way.
"""

from __future__ import annotations

from numba import njit

from nexus.portfolio.costs import VOLUME, cap_units_nb, fill_price_nb, round_units_nb, slip_offset_nb


@njit(cache=True)
def write_order_nb(orders, k, col, t, units, price, fees, slip, buy, reason):
    orders[k]["id"] = 0
    orders[k]["col"] = col
    orders[k]["idx"] = t
    orders[k]["size"] = units
    orders[k]["price"] = price
    orders[k]["fees"] = fees
    orders[k]["slippage"] = slip
    orders[k]["side"] = 0 if buy else 1
    orders[k]["reason"] = reason


@njit(cache=True)
def close_fill_nb(units, buy, base, high, low, volume, model, coef, tick, mult, fee, fixed):
    """Price, fees and slippage cost of an order of known size (a close). Returns (price, fees, slip)."""
    off = slip_offset_nb(model, coef, base, high, low, volume, units)
    price = fill_price_nb(base, buy, off, tick)
    notional = units * price * mult
    fees = notional * fee + fixed
    slip = units * abs(price - base) * mult
    return price, fees, slip


@njit(cache=True)
def open_fill_nb(req, buy, base, high, low, volume, model, coef, max_part, tick, mult, fee, fixed,
                 leverage, equity, gross, lot):
    """Size, price, fees and slippage of an order that adds exposure, capped by leverage, volume and lot.

    ``req`` is the wanted size in units (may be inf). Returns (units, price, fees, slip);
    units is 0.0 when nothing can be bought.
    """
    if model == VOLUME:
        lim = max_part * volume
        if req > lim:
            req = lim
        price0 = fill_price_nb(base, buy, 0.0, tick)
        u0 = round_units_nb(req, cap_units_nb(price0, mult, fee, fixed, leverage, equity, gross), lot)
        if u0 <= 0.0:
            return 0.0, 0.0, 0.0, 0.0
        off = slip_offset_nb(model, coef, base, high, low, volume, u0)
        price = fill_price_nb(base, buy, off, tick)
        units = round_units_nb(u0, cap_units_nb(price, mult, fee, fixed, leverage, equity, gross), lot)
    else:
        off = slip_offset_nb(model, coef, base, high, low, volume, 0.0)
        price = fill_price_nb(base, buy, off, tick)
        units = round_units_nb(req, cap_units_nb(price, mult, fee, fixed, leverage, equity, gross), lot)
    if not units > 0.0:
        return 0.0, 0.0, 0.0, 0.0
    notional = units * price * mult
    fees = notional * fee + fixed
    slip = units * abs(price - base) * mult
    return units, price, fees, slip
