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


@njit(cache=True, nogil=True, error_model="numpy")
def quantiles_block_nb(x, t0, t1, n, buf, ist, qs, out):
    """Advance a sorted ``n``-window over bars ``t0..t1-1`` of ``x``; ``out[t - t0, i]`` = quantile ``qs[i]``.

    ``buf`` (length n) and ``ist`` (int64 [2], zeros to start) carry the state
    between blocks. Bars whose window is full and free of NaN (nearly all)
    take a fast path: the window sits in one of two padded buffers (-inf
    before, +inf after, length a multiple of 8), branch-free counts find the
    places of the leaving and entering values, and one pass of selects writes
    the updated window into the other buffer. Fixed-length loops without a
    data-dependent exit vectorise; a shifting loop of data-dependent length
    mispredicted at its end and cost about twice as much. Other bars go
    through :func:`slide_sorted_nb`.
    """
    k = qs.shape[0]
    P = -(-n // 8) * 8
    A = np.full(P + 2, np.inf)
    B = np.full(P + 2, np.inf)
    A[0] = -np.inf
    B[0] = -np.inf
    tmp = np.empty(n + 2)
    m = ist[I_M]
    nans = ist[I_NANS]
    for j in range(m):
        A[1 + j] = buf[j]
    for t in range(t0, t1):
        new = x[t]
        has_old = t >= n
        old = x[t - n] if has_old else np.nan
        if m == n and new == new and old == old:
            i = 0
            kk = 0
            for j in range(1, P + 1):
                a = A[j]
                i += a < old
                kk += a < new
            if new > old:
                kk -= 1  # new's place once old is gone
            for d in range(P):
                lo_ = A[d]
                mid = A[d + 1]
                hi_ = A[d + 2]
                v = hi_ if (d >= i) & (d < kk) else mid  # new > old: the values between move down
                v = lo_ if (d > kk) & (d <= i) else v  # new < old: they move up
                B[d + 1] = new if d == kk else v
            A, B = B, A
        else:
            for j in range(m):
                buf[j] = A[1 + j]
            m, nans = slide_sorted_nb(buf, m, nans, new, old, has_old, tmp)
            for j in range(m):
                A[1 + j] = buf[j]
            for j in range(m, P):
                A[1 + j] = np.inf
        for q in range(k):
            if t >= n - 1 and nans == 0:
                pos = qs[q] * (m - 1)
                lo = int(pos)
                if lo >= m - 1:
                    out[t - t0, q] = A[m]
                else:
                    a = A[1 + lo]
                    out[t - t0, q] = a + (A[2 + lo] - a) * (pos - lo)
            else:
                out[t - t0, q] = np.nan
    for j in range(m):
        buf[j] = A[1 + j]
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
