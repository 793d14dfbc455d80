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

order_dt = np.dtype(
    [
        ("id", np.int64),
        ("col", np.int64),
        ("idx", np.int64),
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
    [
        ("id", np.int64),
        ("col", np.int64),
        ("idx", np.int64),
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
