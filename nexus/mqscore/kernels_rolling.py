"""Running window sums for the fused MQScore kernel (numba, O(1) per bar).

A *slot* is one trailing-window statistic over one series, held in scalar
locals of the fused kernel: anchor ``K``, shifted sums ``s1 = sum(x - K)``,
``s2 = sum((x - K)^2)``, the count of valid values, the count of values that
differ from ``K`` and the bars left until re-anchoring. The series' recent
values live in a ring buffer column (a power of two longer than every window),
so a value leaving the window is read back, not recomputed. Scalars in,
scalars out: passing arrays per bar would cost reference counting per call.

Conventions (the reference tests rely on them):

- NaN values are skipped; a statistic is NaN while fewer than ``minp`` valid
  values are in the window (``minp = n`` is pandas' ``rolling(n)``).
- Every ``n`` bars the sums are recomputed exactly from the ring with ``K``
  moved to the newest value, so drift is bounded by ``n`` updates whatever
  the series length, and a price level of 60,000 costs no digits.
- A window whose valid values all equal ``K`` is detected exactly: mean = K,
  variance = 0, correlation undefined, so degenerate inputs (zero volume,
  flat prices) reach the documented neutral values instead of rounding noise.
- Variances use ddof = 1 (pandas' default).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def rebuild(ring, r, t, n, mask, K):
    """Exact sums over ring row ``r`` for the window ending at ``t``: (n, K, s1, s2, count, nonconstant)."""
    x = ring[t & mask, r]
    if x == x:
        K = x
    s1 = 0.0
    s2 = 0.0
    cnt = 0
    nd = 0
    for j in range(max(0, t - n + 1), t + 1):
        u = ring[j & mask, r]
        if u == u:
            d = u - K
            s1 += d
            s2 += d * d
            cnt += 1
            if d != 0.0:
                nd += 1
    return n, K, s1, s2, cnt, nd


@njit(cache=True, nogil=True)
def push(K, s1, s2, cnt, nd, u, o, has_old):
    """Add ``u``, remove ``o`` if ``has_old`` (NaN values are skipped): (s1, s2, count, nonconstant)."""
    if u == u:
        d = u - K
        s1 += d
        s2 += d * d
        cnt += 1
        if d != 0.0:
            nd += 1
    if has_old and o == o:
        d = o - K
        s1 -= d
        s2 -= d * d
        cnt -= 1
        if d != 0.0:
            nd -= 1
    return s1, s2, cnt, nd


@njit(cache=True, nogil=True)
def mean_s(K, s1, cnt, nd, minp):
    if cnt == 0 or cnt < minp:
        return np.nan
    if nd == 0:
        return K
    return K + s1 / cnt


@njit(cache=True, nogil=True)
def var_s(s1, s2, cnt, nd, minp):
    if cnt < 2 or cnt < minp:
        return np.nan
    if nd == 0:
        return 0.0
    w = (s2 - s1 * s1 / cnt) / (cnt - 1)
    return w if w > 0.0 else 0.0


@njit(cache=True, nogil=True)
def rebuild2(ring, rx, ry, t, n, mask, kx, ky):
    """Exact pair sums: (n, kx, ky, sx, sy, sxx, syy, sxy, count, nonconstant x, nonconstant y)."""
    a = ring[t & mask, rx]
    b = ring[t & mask, ry]
    if a == a and b == b:
        kx = a
        ky = b
    sx = 0.0
    sy = 0.0
    sxx = 0.0
    syy = 0.0
    sxy = 0.0
    cnt = 0
    ndx = 0
    ndy = 0
    for j in range(max(0, t - n + 1), t + 1):
        u = ring[j & mask, rx]
        w = ring[j & mask, ry]
        if u == u and w == w:
            du = u - kx
            dw = w - ky
            sx += du
            sy += dw
            sxx += du * du
            syy += dw * dw
            sxy += du * dw
            cnt += 1
            if du != 0.0:
                ndx += 1
            if dw != 0.0:
                ndy += 1
    return n, kx, ky, sx, sy, sxx, syy, sxy, cnt, ndx, ndy


@njit(cache=True, nogil=True)
def push2(kx, ky, sx, sy, sxx, syy, sxy, cnt, ndx, ndy, a, b, oa, ob, has_old):
    """Add the pair (a, b), remove (oa, ob) if ``has_old``; pairs with a NaN are skipped."""
    if a == a and b == b:
        du = a - kx
        dw = b - ky
        sx += du
        sy += dw
        sxx += du * du
        syy += dw * dw
        sxy += du * dw
        cnt += 1
        if du != 0.0:
            ndx += 1
        if dw != 0.0:
            ndy += 1
    if has_old and oa == oa and ob == ob:
        du = oa - kx
        dw = ob - ky
        sx -= du
        sy -= dw
        sxx -= du * du
        syy -= dw * dw
        sxy -= du * dw
        cnt -= 1
        if du != 0.0:
            ndx -= 1
        if dw != 0.0:
            ndy -= 1
    return sx, sy, sxx, syy, sxy, cnt, ndx, ndy


@njit(cache=True, nogil=True)
def corr_s(sx, sy, sxx, syy, sxy, cnt, ndx, ndy, minp):
    """Pearson correlation in [-1, 1]; NaN with too few pairs or a constant side."""
    if cnt < 2 or cnt < minp or ndx == 0 or ndy == 0:
        return np.nan
    vx = sxx - sx * sx / cnt
    vy = syy - sy * sy / cnt
    if vx <= 0.0 or vy <= 0.0:
        return np.nan
    c = (sxy - sx * sy / cnt) / np.sqrt(vx * vy)
    return min(1.0, max(-1.0, c))


@njit(cache=True, nogil=True)
def clip01(v, neutral):
    """A component clipped to [0, 1]; NaN (not computable) becomes ``neutral``."""
    if v != v:
        return neutral
    if v < 0.0:
        return 0.0
    if v > 1.0:
        return 1.0
    return v


@njit(cache=True, nogil=True)
def tanh_pos(x):
    """tanh for x >= 0 (or NaN) with one exp; exactly 1 where double tanh is 1."""
    if x > 19.5:
        return 1.0
    e = np.exp(-2.0 * x)
    return (1.0 - e) / (1.0 + e)


@njit(cache=True, nogil=True)
def rebuild_m(ring, r, t, n, mask, K):
    """:func:`rebuild` without the sum of squares (mean-only slots): (n, K, s1, count, nonconstant)."""
    x = ring[t & mask, r]
    if x == x:
        K = x
    s1 = 0.0
    cnt = 0
    nd = 0
    for j in range(max(0, t - n + 1), t + 1):
        u = ring[j & mask, r]
        if u == u:
            d = u - K
            s1 += d
            cnt += 1
            if d != 0.0:
                nd += 1
    return n, K, s1, cnt, nd


@njit(cache=True, nogil=True)
def push_m(K, s1, cnt, nd, u, o, has_old):
    """:func:`push` without the sum of squares: (s1, count, nonconstant)."""
    if u == u:
        d = u - K
        s1 += d
        cnt += 1
        if d != 0.0:
            nd += 1
    if has_old and o == o:
        d = o - K
        s1 -= d
        cnt -= 1
        if d != 0.0:
            nd -= 1
    return s1, cnt, nd
