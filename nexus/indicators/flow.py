"""Aggressor (order-flow) volume from bars.

Bars carry no tape, so the signed volume of a bar is estimated:

- with the taker-buy column (Binance klines): ``delta = 2 * taker_buy - volume``
  (aggressive buys minus aggressive sells), exact for the bar;
- without it, from the close location: ``delta = ((C - L) - (H - C)) / (H - L) * V``
  (a bar closing on its high counts as all buying; 0 when ``H == L``).

>>> import numpy as np
>>> h, l, c, v = np.array([2.0]), np.array([1.0]), np.array([1.75]), np.array([100.0])
>>> float(aggressor_delta_nb(h, l, c, v, np.empty(0), False)[0])   # close location 0.5
50.0
>>> float(aggressor_delta_nb(h, l, c, v, np.array([70.0]), True)[0])  # 70 bought, 30 sold
40.0
"""

from __future__ import annotations

import numpy as np
from numba import njit

from nexus.indicators.scalar import close_location_value_nb


@njit(cache=True)
def aggressor_delta_nb(high, low, close, volume, taker_buy, has_taker, out=None):
    """Signed aggressor volume per bar (buys minus sells); see the module docstring."""
    m = close.shape[0]
    if out is None:
        out = np.empty(m)
    for i in range(m):
        if has_taker:
            out[i] = 2.0 * taker_buy[i] - volume[i]
        else:
            # no range, no flow (also for a NaN volume)
            clv = close_location_value_nb(high[i], low[i], close[i])
            out[i] = clv * volume[i] if high[i] - low[i] > 0.0 else 0.0
    return out


def aggressor_delta(high: np.ndarray, low: np.ndarray, close: np.ndarray, volume: np.ndarray,
                    taker_buy: np.ndarray | None = None) -> np.ndarray:
    """Signed aggressor volume per bar; uses ``taker_buy`` when given, else the close location."""
    f = lambda a: np.ascontiguousarray(a, dtype=np.float64)  # noqa: E731
    has = taker_buy is not None
    tb = f(taker_buy) if has else np.empty(0)
    return aggressor_delta_nb(f(high), f(low), f(close), f(volume), tb, has)


__all__ = ["aggressor_delta_nb", "aggressor_delta"]
