"""Hand-built bars for the fire / no-fire scenario tests."""

from __future__ import annotations

import numpy as np

from nexus.data.bars import Bars

MINUTE = 60_000_000_000
T0 = 1_704_067_200_000_000_000  # 2024-01-01T00:00Z, a day and hour boundary


def noise(n: int, level: float = 100.0) -> np.ndarray:
    """A quiet deterministic wiggle (never flat, so every rolling std is positive)."""
    i = np.arange(n)
    return level + 0.05 * np.sin(0.7 * i) + 0.03 * np.sin(2.3 * i)


def base_volume(n: int) -> np.ndarray:
    return 100.0 + 10.0 * np.sin(1.3 * np.arange(n))


def base_share(n: int) -> np.ndarray:
    return 0.5 + 0.02 * np.sin(0.9 * np.arange(n))


def mk(close, volume=None, share=None, high=None, low=None, open_=None, wick: float = 0.05,
       taker: bool = True, t0: int = T0) -> Bars:
    close = np.asarray(close, dtype=np.float64)
    n = close.size
    if open_ is None:
        open_ = np.r_[close[0], close[:-1]]
    open_ = np.asarray(open_, dtype=np.float64)
    hi = np.maximum(open_, close) + wick if high is None else np.maximum(np.asarray(high, float), np.maximum(open_, close))
    lo = np.minimum(open_, close) - wick if low is None else np.minimum(np.asarray(low, float), np.minimum(open_, close))
    vol = base_volume(n) if volume is None else np.asarray(volume, dtype=np.float64)
    kw = {}
    if taker:
        sh = base_share(n) if share is None else np.asarray(share, dtype=np.float64)
        kw["taker_buy_volume"] = vol * sh
    return Bars.from_arrays(ts=t0 + np.arange(n, dtype=np.int64) * MINUTE, open=open_, high=hi, low=lo, close=close,
                            volume=vol, symbol="HAND", timeframe="1m", **kw)
