"""Trailing-window statistics over a block of bars, one tight pass per statistic (numba).

Block-wise counterparts of :mod:`nexus.indicators.rolling` for fused engines
that hold a buffer of history plus the current block. The MQScore engine
(``mqscore/kernels_engine.py``) keeps each derived series in a buffer
of ``H`` bars of history followed by the current block; a *slot* is one
trailing-window statistic of one series, advanced over the block by one call
of :func:`slot_nb` (mean and variance) or :func:`pair_nb` (correlation of two
aligned series). A pass holds a handful of scalars, so its loop stays in
registers: one add chain per sum.

Sums are anchored: ``sum(x - K)`` and ``sum((x - K)^2)`` with ``K`` the newest
value at the last re-anchoring, and they are recomputed exactly from the
buffer at the first bar of every block and every ``n`` bars after it, so
drift is bounded by ``n`` updates whatever the series length, a price level
of 60,000 costs no digits, and nothing is carried from block to block.

Two paths per block:

- no NaN in the values the block reads (the common case): every window holds
  ``n`` values, so divisions become multiplications by 1/n, and a window of
  equal values is recognised by the run of equal consecutive values reaching
  ``n``;
- otherwise NaN values are skipped and counted, a statistic is NaN while
  fewer than ``minp`` valid values are in the window (``minp = n`` is pandas'
  ``rolling(n)``), and a window whose valid values all equal ``K`` is found by
  counting the values that differ from ``K``. Bars before the first one are
  NaN in the buffers, so warm-up takes this path.

Either way a constant window has mean = its value, variance = 0 and no
correlation, exactly, so degenerate inputs (zero volume, flat prices) reach
the documented neutral values instead of rounding noise. Variances use
ddof = 1 (pandas' default).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _has_nan(a):
    bad = 0
    for q in range(a.shape[0]):  # a branch-free count vectorises; an early exit would not
        bad += a[q] != a[q]
    return bad > 0


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _newest_valid(win):
    """Anchor for a window with NaN: its newest valid value (0 when it has none, then nothing is summed).

    Anchoring on a value near the window's level keeps the shifted sums small;
    an anchor far from it (0 against prices of 60,000) cancels digits away.
    """
    for q in range(win.shape[0] - 1, -1, -1):
        if win[q] == win[q]:
            return win[q]
    return 0.0


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _run_at(x, p, n):
    """Equal consecutive values ending at x[p], counted up to n."""
    run = 1
    while run < n and x[p - run] == x[p - run + 1]:
        run += 1
    return run


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _sum_move(s1, s2, du, do):
    """Shifted sums of a value and its square after ``du`` enters and ``do`` leaves (0.0: nothing leaves;
    ``d - 0.0`` is exact, so the recomputation through here sums exactly as a plain loop)."""
    return s1 + (du - do), s2 + (du * du - do * do)


@njit(cache=True, nogil=True, error_model="numpy")
def slot_nb(x, p0, p1, n, minp, mean_out, var_out, want_mean, want_var):
    """Trailing ``n``-value mean and variance at buffer positions ``p0..p1-1`` of ``x``.

    Writes ``mean_out[p - p0]`` / ``var_out[p - p0]`` when asked; the buffer
    must hold ``n`` values of history before ``p0``. Views indexed from 0
    throughout: numba adds a wraparound select to an index that might be
    negative, which blocks vectorisation.
    """
    nb = p1 - p0
    xn = x[p0:p1]
    xo = x[p0 - n:p1 - n]
    if not _has_nan(x[p0 - n:p1]):
        xp = x[p0 - 1:p1 - 1]
        inv_n = 1.0 / n
        inv_n1 = 1.0 / (n - 1) if n > 1 else np.nan
        run = _run_at(x, p0, n)
        K = s1 = s2 = 0.0
        rc = 0
        for i in range(nb):
            u = xn[i]
            if rc == 0:  # re-anchor: exact sums of the window with K at its newest value
                K = u
                s1 = s2 = 0.0
                win = x[p0 + i - n + 1:p0 + i + 1]
                for q in range(n):
                    s1, s2 = _sum_move(s1, s2, win[q] - K, 0.0)
                rc = n
            else:
                s1, s2 = _sum_move(s1, s2, u - K, xo[i] - K)
            rc -= 1
            if i > 0:
                run = run + 1 if u == xp[i] else 1
            flat = run >= n
            if want_mean:
                mean_out[i] = u if flat else K + s1 * inv_n
            if want_var:
                v = (s2 - s1 * s1 * inv_n) * inv_n1
                var_out[i] = 0.0 if flat else (v if v > 0.0 else 0.0)
        return
    mmin = max(minp, 1)
    vmin = max(minp, 2)
    K = s1 = s2 = 0.0
    cnt = nd = rc = 0
    for i in range(nb):
        if rc == 0:
            win = x[p0 + i - n + 1:p0 + i + 1]
            K = _newest_valid(win)
            s1 = s2 = 0.0
            cnt = nd = 0
            for q in range(n):
                w = win[q]
                if w == w:
                    d = w - K
                    s1, s2 = _sum_move(s1, s2, d, 0.0)
                    cnt += 1
                    nd += d != 0.0
            rc = n
        else:
            u = xn[i]
            o = xo[i]
            du = u - K if u == u else 0.0
            do = o - K if o == o else 0.0
            s1, s2 = _sum_move(s1, s2, du, do)
            cnt += np.int64(u == u) - np.int64(o == o)
            nd += np.int64(du != 0.0) - np.int64(do != 0.0)
        rc -= 1
        if want_mean:
            if cnt < mmin:
                mean_out[i] = np.nan
            elif nd == 0:
                mean_out[i] = K
            else:
                mean_out[i] = K + s1 / cnt
        if want_var:
            if cnt < vmin:
                var_out[i] = np.nan
            elif nd == 0:
                var_out[i] = 0.0
            else:
                v = (s2 - s1 * s1 / cnt) / (cnt - 1)
                var_out[i] = v if v > 0.0 else 0.0


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _corr(sx, sy, sxx, syy, sxy, inv):
    vx = sxx - sx * sx * inv
    vy = syy - sy * sy * inv
    c = (sxy - sx * sy * inv) / np.sqrt(vx * vy)
    c = min(1.0, max(-1.0, c))
    return c if (vx > 0.0) & (vy > 0.0) else np.nan


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _pair_move(sx, sy, sxx, syy, sxy, da, db, doa, dob):
    """Shifted pair sums after (da, db) enters and (doa, dob) leaves; zeros for a side that does not move
    (``v - 0.0`` is exact, so the recomputation through here sums exactly as a plain loop)."""
    return (sx + (da - doa), sy + (db - dob), sxx + (da * da - doa * doa), syy + (db * db - dob * dob),
            sxy + (da * db - doa * dob))


@njit(cache=True, nogil=True, error_model="numpy")
def pair_nb(x, y, lag, p0, p1, n, minp, corr_out):
    """Pearson correlation of the pairs (x[p], y[p - lag]) over the trailing ``n`` pairs.

    Pairs with a NaN are skipped; NaN with fewer than ``minp`` (and 2) pairs or
    a constant side. ``lag = 1`` with ``y = x`` is the lag-1 autocorrelation.
    """
    nb = p1 - p0
    xn = x[p0:p1]
    yn = y[p0 - lag:p1 - lag]
    xo = x[p0 - n:p1 - n]
    yo = y[p0 - n - lag:p1 - n - lag]
    if not (_has_nan(x[p0 - n:p1]) or _has_nan(y[p0 - n - lag:p1 - lag])):
        xp = x[p0 - 1:p1 - 1]
        yp = y[p0 - 1 - lag:p1 - 1 - lag]
        inv = 1.0 / n
        run_x = _run_at(x, p0, n)
        run_y = _run_at(y, p0 - lag, n)
        kx = ky = 0.0
        sx = sy = sxx = syy = sxy = 0.0
        rc = 0
        for i in range(nb):
            a = xn[i]
            b = yn[i]
            if rc == 0:
                kx = a
                ky = b
                sx = sy = sxx = syy = sxy = 0.0
                wx = x[p0 + i - n + 1:p0 + i + 1]
                wy = y[p0 + i - n + 1 - lag:p0 + i + 1 - lag]
                for q in range(n):
                    sx, sy, sxx, syy, sxy = _pair_move(sx, sy, sxx, syy, sxy, wx[q] - kx, wy[q] - ky, 0.0, 0.0)
                rc = n
            else:
                sx, sy, sxx, syy, sxy = _pair_move(sx, sy, sxx, syy, sxy, a - kx, b - ky, xo[i] - kx, yo[i] - ky)
            rc -= 1
            if i > 0:
                run_x = run_x + 1 if a == xp[i] else 1
                run_y = run_y + 1 if b == yp[i] else 1
            c = _corr(sx, sy, sxx, syy, sxy, inv)
            corr_out[i] = np.nan if (run_x >= n) | (run_y >= n) else c
        return
    cmin = max(minp, 2)
    kx = ky = 0.0
    sx = sy = sxx = syy = sxy = 0.0
    cnt = ndx = ndy = 0
    rc = 0
    for i in range(nb):
        if rc == 0:
            wx = x[p0 + i - n + 1:p0 + i + 1]
            wy = y[p0 + i - n + 1 - lag:p0 + i + 1 - lag]
            kx = ky = 0.0
            for q in range(n - 1, -1, -1):  # anchor on the newest valid pair
                if wx[q] == wx[q] and wy[q] == wy[q]:
                    kx = wx[q]
                    ky = wy[q]
                    break
            sx = sy = sxx = syy = sxy = 0.0
            cnt = ndx = ndy = 0
            for q in range(n):
                u = wx[q]
                w = wy[q]
                if u == u and w == w:
                    du = u - kx
                    dw = w - ky
                    sx, sy, sxx, syy, sxy = _pair_move(sx, sy, sxx, syy, sxy, du, dw, 0.0, 0.0)
                    cnt += 1
                    ndx += du != 0.0
                    ndy += dw != 0.0
            rc = n
        else:
            a = xn[i]
            b = yn[i]
            oa = xo[i]
            ob = yo[i]
            ok_new = a == a and b == b
            ok_old = oa == oa and ob == ob
            da = a - kx if ok_new else 0.0
            db = b - ky if ok_new else 0.0
            doa = oa - kx if ok_old else 0.0
            dob = ob - ky if ok_old else 0.0
            sx, sy, sxx, syy, sxy = _pair_move(sx, sy, sxx, syy, sxy, da, db, doa, dob)
            cnt += np.int64(ok_new) - np.int64(ok_old)
            ndx += np.int64(da != 0.0) - np.int64(doa != 0.0)
            ndy += np.int64(db != 0.0) - np.int64(dob != 0.0)
        rc -= 1
        c = np.nan
        if cnt >= cmin and ndx > 0 and ndy > 0:
            c = _corr(sx, sy, sxx, syy, sxy, 1.0 / cnt)
        corr_out[i] = c
