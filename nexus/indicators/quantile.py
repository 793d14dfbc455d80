"""Rolling quantiles over a trailing window, from a sorted window buffer.

The window's values are kept sorted in a small buffer: each bar swaps the
value leaving for the value entering (two binary searches and one block move
of the values between them, in L1 for the short windows this is meant for),
then reads the order statistics. Nothing is re-sorted. Quantiles use numpy's
default ``linear`` rule: position ``q * (m - 1)`` in the sorted window,
interpolated between its two neighbours.

Conventions match :mod:`nexus.indicators.rolling`: causal, the first
``n - 1`` bars are NaN, a window holding a NaN yields NaN there.
:func:`quantiles_block_nb` advances the state over a block of bars, so fused
kernels can run it block by block.

>>> import numpy as np
>>> x = np.array([5., 1, 4, 2, 3, 9])
>>> rolling_quantiles_nb(x, 5, np.array([0.25, 0.5, 0.75]))[4:].tolist()
[[2.0, 3.0, 4.0], [2.0, 3.0, 4.0]]
"""

from __future__ import annotations

import numpy as np
from numba import njit

from nexus.indicators.sorted_window import slide_sorted_nb

# integer state of a sorted window: valid values held, NaNs in the window
I_M, I_NANS = 0, 1


@njit(cache=True, nogil=True)
def quantiles_block_nb(x, t0, t1, n, buf, ist, qs, out):
    """Advance a sorted ``n``-window over bars ``t0..t1-1`` of ``x``; ``out[t - t0, i]`` = quantile ``qs[i]``.

    ``buf`` (length n) and ``ist`` (int64 [2], zeros to start) carry the state
    between blocks. The window update is inlined (no per-bar function call).
    """
    k = qs.shape[0]
    tmp = np.empty(n + 2)
    m = ist[I_M]
    nans = ist[I_NANS]
    for t in range(t0, t1):
        new = x[t]
        has_old = t >= n
        old = x[t - n] if has_old else np.nan
        m, nans = slide_sorted_nb(buf, m, nans, new, old, has_old, tmp)
        for q in range(k):
            if t >= n - 1 and nans == 0:
                pos = qs[q] * (m - 1)
                lo = int(pos)
                if lo >= m - 1:
                    out[t - t0, q] = buf[m - 1]
                else:
                    a = buf[lo]
                    out[t - t0, q] = a + (buf[lo + 1] - a) * (pos - lo)
            else:
                out[t - t0, q] = np.nan
    ist[I_M] = m
    ist[I_NANS] = nans


@njit(cache=True, nogil=True)
def rolling_quantiles_nb(x, n, qs):
    """Trailing ``n``-bar quantiles ``qs`` (each in [0, 1]) of ``x``: array [len(x), len(qs)]."""
    N = x.shape[0]
    out = np.empty((N, qs.shape[0]))
    quantiles_block_nb(x, 0, N, n, np.empty(n), np.zeros(2, np.int64), qs, out)
    return out


def rolling_quantile(x: np.ndarray, n: int, q: float) -> np.ndarray:
    """Trailing ``n``-bar quantile ``q`` of a 1-D array (numpy's linear rule).

    >>> rolling_quantile(np.arange(6.0), 3, 0.5).tolist()
    [nan, nan, 1.0, 2.0, 3.0, 4.0]
    """
    from nexus.errors import ConfigError

    if not 0.0 <= q <= 1.0:
        raise ConfigError(f"rolling_quantile: q={q} is outside [0, 1]")
    if int(n) < 1:
        raise ConfigError(f"rolling_quantile: window n={n} must be >= 1")
    arr = np.ascontiguousarray(x, dtype=np.float64)
    return rolling_quantiles_nb(arr, int(n), np.array([float(q)]))[:, 0]
