"""The quoted spread as a per-bar cost: half of it, as a fraction of price, for each fill bar.

Bars that carry a ``spread`` column (the default synthetic crypto bars; any
import that maps one) know the quote standing at each bar's close. A market
order crosses half of it. ``quoted_slippage`` turns the column into the
per-bar slippage fraction the simulator reads at the *fill* bar: for a fill
at the next open (the default) the quote standing then is the previous
bar's closing quote; for a fill at the close it is the bar's own.

>>> import numpy as np
>>> from nexus.data.bars import Bars
>>> b = Bars.from_arrays(ts=np.arange(3) * 60_000_000_000, open=[100., 100, 100], high=[101., 101, 101],
...                      low=[99., 99, 99], close=[100., 100, 100], volume=[1., 1, 1], spread=[0.02, 0.04, 0.06],
...                      symbol="T", timeframe="1m")
>>> quoted_slippage(b).tolist(), quoted_slippage(b, price="close").tolist()
([0.0001, 0.0001, 0.0002], [0.0001, 0.0002, 0.0003])

Use it as a per-bar fixed slippage (one value per bar, so pass a column):
``Portfolio.from_signals(close, entries, exits, open=bars.open,
slippage=quoted_slippage(bars)[:, None], slippage_model="fixed")``.
"""

from __future__ import annotations

import numpy as np

from nexus.errors import DataError


def quoted_slippage(bars, price: str = "next_open") -> np.ndarray:
    """Half the quoted spread over price, aligned to the bar an order decided on the previous bar fills on."""
    where = f"{bars.symbol or '?'} {bars.timeframe or '?'}"
    if bars.spread is None:
        raise DataError(f"{where}: the bars carry no 'spread' column; use a range- or volume-based slippage model instead")
    if price not in ("next_open", "close"):
        raise DataError(f"{where}: price={price!r}; the quoted spread is aligned for 'next_open' or 'close' fills")
    half = 0.5 * np.asarray(bars.spread, dtype=np.float64) / np.asarray(bars.close, dtype=np.float64)
    if price == "close" or half.size == 0:
        return half
    return np.r_[half[:1], half[:-1]]  # the quote standing at bar t's open is bar t-1's closing quote


__all__ = ["quoted_slippage"]
