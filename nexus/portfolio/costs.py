"""Fill prices, slippage models, rounding and the leverage cap (numba helpers shared by both simulators).

Slippage models (``slippage`` is the model's coefficient):

- fixed: the fill moves ``slippage`` x price against the order.
- spread: the fill moves ``slippage`` x (high - low) of the fill bar against
  the order (a half-spread proxy from the bar's range; 0.5 = half the range).
- volume: square-root impact, the fill moves ``slippage`` x price x
  sqrt(units / bar volume) against the order, and an order takes at most
  ``max_participation`` x bar volume. The impact is computed on the size
  affordable at the unslipped price; the final size is never larger.

Prices are rounded to the tick size against the order (buys up, sells down),
sizes down to the lot size. The leverage cap keeps gross exposure (sum of
|position| x price x multiplier over the cash group) at most ``leverage`` x
equity after the order's fees.
"""

from __future__ import annotations

import numpy as np
from numba import njit

FIXED = 0
SPREAD = 1
VOLUME = 2

_EPS = 1e-9


@njit(cache=True)
def round_price_nb(p, tick, buy):
    if tick > 0.0:
        q = p / tick
        if buy:
            q = np.ceil(q - _EPS)
        else:
            q = np.floor(q + _EPS)
        return q * tick
    return p


@njit(cache=True)
def slip_offset_nb(model, coef, base, high, low, volume, units):
    """Absolute price move against the order."""
    if coef == 0.0:
        return 0.0
    if model == FIXED:
        return base * coef
    if model == SPREAD:
        return coef * (high - low)
    if volume > 0.0 and units > 0.0:
        return base * coef * np.sqrt(units / volume)
    return 0.0


@njit(cache=True)
def fill_price_nb(base, buy, offset, tick):
    p = base + offset if buy else base - offset
    if p < 0.0:
        p = 0.0
    return round_price_nb(p, tick, buy)


@njit(cache=True)
def cap_units_nb(price, mult, fee, fixed, leverage, equity, gross):
    """Largest size whose exposure stays within leverage x (equity - fees), given the group's other exposure."""
    room = leverage * (equity - fixed) - gross
    if room <= 0.0 or price <= 0.0:
        return 0.0
    return room / (price * mult * (1.0 + leverage * fee))


@njit(cache=True)
def round_units_nb(units, cap, lot):
    if lot > 0.0:
        u = np.floor(units / lot + _EPS) * lot
        c = np.floor(cap / lot) * lot
        return u if u < c else c
    return units if units < cap else cap
