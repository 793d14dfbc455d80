"""Tiny numba helpers shared by the strategy kernels."""

from __future__ import annotations

from numba import njit


@njit(cache=True)
def conf_nb(x, thr):
    """Confidence from a statistic and its firing threshold: 0.5 at the threshold, 1 at twice it."""
    c = x / (2.0 * thr) if thr > 0.0 else 1.0
    if c < 0.0:
        return 0.0
    if c > 1.0:
        return 1.0
    return c


@njit(cache=True)
def sign_nb(x):
    if x > 0.0:
        return 1
    if x < 0.0:
        return -1
    return 0


@njit(cache=True)
def clip01_nb(x):
    if x < 0.0:
        return 0.0
    if x > 1.0:
        return 1.0
    return x
