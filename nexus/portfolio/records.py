"""Structured record dtypes: orders and trades, aligned with an ``id, col, idx`` prefix.

Kernels fill preallocated arrays of these dtypes and the wrapper trims them.

- ``order_dt``: one fill. ``size`` is positive, ``side`` says buy (0) or sell (1);
  ``price`` is the fill price after slippage and tick rounding; ``fees`` and
  ``slippage`` are in the quote currency (slippage = size x |fill - base| x
  multiplier); ``reason`` is why it happened (see ``enums.Reason``).
- ``trade_dt``: one position from flat to flat (a reversal is a close plus a new
  trade). ``idx`` is the entry bar. Open positions at the end have
  ``status`` open, ``exit_reason`` end and are marked to the last close.
"""

from __future__ import annotations

import numpy as np

# the prefix every record shares: its number, its column and its bar
HEAD = [("id", np.int64), ("col", np.int64), ("idx", np.int64)]

order_dt = np.dtype(
    HEAD + [
        ("size", np.float64),
        ("price", np.float64),
        ("fees", np.float64),
        ("slippage", np.float64),
        ("side", np.int8),
        ("reason", np.int8),
    ],
    align=True,
)

trade_dt = np.dtype(
    HEAD + [
        ("entry_idx", np.int64),
        ("exit_idx", np.int64),
        ("size", np.float64),
        ("entry_price", np.float64),
        ("exit_price", np.float64),
        ("fees", np.float64),
        ("slippage", np.float64),
        ("pnl", np.float64),
        ("return", np.float64),
        ("duration", np.int64),
        ("direction", np.int8),
        ("status", np.int8),
        ("exit_reason", np.int8),
    ],
    align=True,
)

# The book simulator's fills: an order record plus the split of its fees, its order type
# (0 market, 1 limit, 2 stop, 3 stop-limit) and status (0 filled, 1 partly filled: the rest follows on later bars).
fill_dt = np.dtype(
    [(name, order_dt.fields[name][0]) for name in order_dt.names]
    + [("commission", np.float64), ("exchange_fees", np.float64), ("order_type", np.int8), ("status", np.int8)],
    align=True,
)

# The book simulator's resting entry orders (limit, stop, stop-limit): placed on bar ``idx`` at ``price`` (the
# limit; a stop order's stop) for target ``weight``; ``stop`` is the stop price of a stop or stop-limit (NaN for
# a limit) and ``trigger_idx`` the bar it fired (-1 = never); ``order_type`` 1 limit, 2 stop, 3 stop-limit;
# ``status`` 0 filled, 1 still resting at the end, 2 cancelled (new decision, book limit, or a size that rounds
# to nothing at the price), 3 expired (time-out or time in force), 4 crossed (time-out, then filled at market);
# ``done_idx`` is the bar it ended (-1 = resting).
limit_dt = np.dtype(
    HEAD + [
        ("done_idx", np.int64),
        ("trigger_idx", np.int64),
        ("price", np.float64),
        ("stop", np.float64),
        ("weight", np.float64),
        ("order_type", np.int8),
        ("status", np.int8),
    ],
    align=True,
)
