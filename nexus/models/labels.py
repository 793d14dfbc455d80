"""Labels: what happens after bar t. Forward-looking by definition.

Only training code imports this module; features, strategies, MQScore and
the pipeline never do (a test checks the imports). Every label at row t
uses bars t..t+h, so the splitter purges ``h`` rows before each test fold.
Undefined labels (the data ends first) are NaN, never a guess.

>>> import numpy as np
>>> forward_return(np.array([100., 110., 121.]), 1).round(4).tolist()
[0.0953, 0.0953, nan]
"""

from __future__ import annotations

import numpy as np

from nexus.errors import ValidationError
from nexus.models.label_kernels import forward_vol_nb, triple_barrier_nb


def _close(close: np.ndarray) -> np.ndarray:
    c = np.ascontiguousarray(close, dtype=np.float64)
    if c.ndim != 1:
        raise ValidationError(f"labels take a 1-D close array, got shape {c.shape}")
    bad = ~(np.isfinite(c) & (c > 0))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValidationError(f"labels: close row {row} is {c[row]!r}; clean the bars first (close must be finite and > 0)")
    return c


def _horizon(h: int) -> int:
    if int(h) < 1:
        raise ValidationError(f"label horizon must be >= 1 bar, got {h}")
    return int(h)


def forward_return(close: np.ndarray, h: int) -> np.ndarray:
    """log(close[t+h] / close[t]); NaN for the last ``h`` rows."""
    c, h = _close(close), _horizon(h)
    out = np.full(c.shape[0], np.nan)
    if c.shape[0] > h:
        out[:-h] = np.log(c[h:] / c[:-h])
    return out


def forward_direction(close: np.ndarray, h: int, threshold: float | np.ndarray = 0.0) -> np.ndarray:
    """Classes 0 down / 1 flat / 2 up of the h-bar forward log return against ±threshold (NaN undefined)."""
    fr = forward_return(close, h)
    thr = np.broadcast_to(np.asarray(threshold, dtype=np.float64), fr.shape)
    out = np.where(fr > thr, 2.0, np.where(fr < -thr, 0.0, 1.0))
    out[np.isnan(fr) | np.isnan(thr)] = np.nan
    return out


def forward_volatility(close: np.ndarray, h: int) -> np.ndarray:
    """Realised volatility ahead: std (ddof=1) of the log returns of bars t+1..t+h."""
    c, h = _close(close), _horizon(h)
    if h < 2:
        raise ValidationError("forward_volatility needs h >= 2 returns")
    return forward_vol_nb(c, h)


def triple_barrier(
    close: np.ndarray, high: np.ndarray, low: np.ndarray, side: np.ndarray | int,
    up: np.ndarray | float, dn: np.ndarray | float, horizon: int,
) -> np.ndarray:
    """Triple-barrier outcome per bar: +1 profit first, -1 loss first, 0 time-out, NaN unknown.

    ``up`` / ``dn`` are fractional distances of the profit and loss barriers
    (scalars or per-bar, e.g. a multiple of the bar's volatility); ``side`` is
    +1 long, -1 short, 0 no trade (NaN).
    """
    c = _close(close)
    n = c.shape[0]
    hi = np.ascontiguousarray(high, dtype=np.float64)
    lo = np.ascontiguousarray(low, dtype=np.float64)
    if hi.shape != c.shape or lo.shape != c.shape:
        raise ValidationError(f"triple_barrier: high/low must have the shape of close ({n},)")
    sd = np.ascontiguousarray(np.broadcast_to(np.asarray(side, dtype=np.int8), (n,)))
    u = np.ascontiguousarray(np.broadcast_to(np.asarray(up, dtype=np.float64), (n,)))
    d = np.ascontiguousarray(np.broadcast_to(np.asarray(dn, dtype=np.float64), (n,)))
    return triple_barrier_nb(c, hi, lo, sd, u, d, _horizon(horizon))


def strategy_forward_perf(signal: np.ndarray, close: np.ndarray, h: int) -> np.ndarray:
    """Each strategy's log P&L over the next h bars: sum_{s=t}^{t+h-1} signal[s, j] * r[s+1].

    A strategy holds the position its signal gave at bar s over bar s+1 (the
    order fills at the next bar); [n, k] float64, NaN for the last h rows.
    """
    c, h = _close(close), _horizon(h)
    s = np.asarray(signal)
    if s.ndim != 2 or s.shape[0] != c.shape[0]:
        raise ValidationError(f"strategy_forward_perf: signal must be [n, k] with n = {c.shape[0]}, got {s.shape}")
    n, k = s.shape
    out = np.full((n, k), np.nan)
    if n <= h:
        return out
    r = np.diff(np.log(c))  # r[s] is the return of bar s+1
    cs = np.zeros((n, k))
    cs[1:] = np.cumsum(s[:-1].astype(np.float64) * r[:, None], axis=0)  # cs[t] = sum_{s<t} sig[s] r[s+1]
    out[: n - h] = cs[h:] - cs[: n - h]
    return out


__all__ = ["forward_return", "forward_direction", "forward_volatility", "triple_barrier", "strategy_forward_perf"]
