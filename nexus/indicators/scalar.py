"""Scalar helpers the kernels call per element: sign, clipping, a threshold confidence, tanh, and the
one-bar formulas and one-step updates of the technical indicators (true range, close location,
directional moves, EMA and Wilder steps), so a fused kernel and the whole-array one compute them alike.

Inlined into the callers' loops (numba ``inline="always"``), so they cost
nothing beyond their arithmetic and keep the loops vectorisable. Scalars
only: an array argument to a per-element helper costs reference counting.

>>> float(clip01_nb(1.7, 0.5)), float(clip01_nb(float("nan"), 0.5))
(1.0, 0.5)
>>> float(conf_nb(3.0, 2.0))     # 0.5 at the threshold, 1 at twice it
0.75
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, inline="always")
def sign_nb(x):
    """-1, 0 or 1 (0 for NaN)."""
    if x > 0.0:
        return 1
    if x < 0.0:
        return -1
    return 0


@njit(cache=True, nogil=True, inline="always")
def clip01_nb(v, neutral):
    """``v`` clipped to [0, 1]; NaN (not computable) becomes ``neutral`` (pass NaN to keep it)."""
    if v != v:
        return neutral
    if v < 0.0:
        return 0.0
    if v > 1.0:
        return 1.0
    return v


@njit(cache=True, nogil=True, inline="always")
def conf_nb(x, thr):
    """Confidence from a statistic and its firing threshold: 0.5 at the threshold, 1 at twice it."""
    return clip01_nb(x / (2.0 * thr) if thr > 0.0 else 1.0, np.nan)


@njit(cache=True, nogil=True, inline="always")
def tanh_pos_nb(x):
    """tanh for x >= 0 (or NaN, which stays NaN); 1 for x > 19.5, where double tanh is 1.

    exp(-2x) is computed as exp(-2x / 64) ** 64: a degree-16 Taylor polynomial
    on |z| <= 0.61 (truncation < 2e-17), then six squarings, about 1e-14
    absolute error in all. Written out so the callers' loops vectorise; libm's
    exp is one scalar call per value (about 12 ns here).
    """
    z = x * (-2.0 / 64.0)
    p = 4.779477332387385e-14
    p = p * z + 7.647163731819816e-13
    p = p * z + 1.1470745597729725e-11
    p = p * z + 1.6059043836821613e-10
    p = p * z + 2.08767569878681e-09
    p = p * z + 2.505210838544172e-08
    p = p * z + 2.755731922398589e-07
    p = p * z + 2.7557319223985893e-06
    p = p * z + 2.48015873015873e-05
    p = p * z + 0.0001984126984126984
    p = p * z + 0.001388888888888889
    p = p * z + 0.008333333333333333
    p = p * z + 0.041666666666666664
    p = p * z + 0.16666666666666666
    p = p * z + 0.5
    p = p * z + 1.0
    p = p * z + 1.0
    p = p * p
    p = p * p
    p = p * p
    p = p * p
    p = p * p
    p = p * p
    th = (1.0 - p) / (1.0 + p)
    return 1.0 if x > 19.5 else th


@njit(cache=True, nogil=True, inline="always")
def bar_true_range_nb(high, low, prev_close):
    """True range of one bar given the previous close."""
    return max(high - low, abs(high - prev_close), abs(low - prev_close))


@njit(cache=True, nogil=True, inline="always")
def close_location_value_nb(high, low, close):
    """((C - L) - (H - C)) / (H - L) in [-1, 1]; 0 for a bar with no range."""
    rng = high - low
    return ((close - low) - (high - close)) / rng if rng > 0.0 else 0.0


@njit(cache=True, nogil=True, inline="always")
def directional_moves_nb(high, low, prev_high, prev_low):
    """Wilder's (+DM, -DM) of one bar: the larger of the up and down moves if positive, else 0."""
    up = high - prev_high
    down = prev_low - low
    return (up if (up > down) & (up > 0.0) else 0.0), (down if (down > up) & (down > 0.0) else 0.0)


@njit(cache=True, nogil=True, inline="always")
def ema_step_nb(s, v, alpha):
    """One step of an exponential average: ``s + alpha * (v - s)``."""
    return s + alpha * (v - s)


@njit(cache=True, nogil=True, inline="always")
def wilder_step_nb(s, v, n):
    """One step of Wilder's smoothing (alpha = 1/n): ``s + (v - s) / n``."""
    return s + (v - s) / n


__all__ = [
    "sign_nb", "clip01_nb", "conf_nb", "tanh_pos_nb", "bar_true_range_nb", "close_location_value_nb",
    "directional_moves_nb", "ema_step_nb", "wilder_step_nb",
]
