"""Rolling price concentration: the largest share of a window in one of ``bins`` equal bins.

For each bar the trailing ``n`` values are binned into ``bins`` equal-width
bins spanning the window's own min..max, exactly as ``numpy.histogram(w,
bins=bins)`` bins them (same edges, last bin closed), and the largest bin
count divided by ``n`` is returned. A flat window (min == max) puts
everything in one bin: share 1.

:func:`bin_share_block2_nb` (used by :func:`rolling_max_bin_share_nb` and
MQScore) tracks the window min and max with monotonic deques; while they
stay put the bin edges are fixed and the histogram moves by one increment
and one decrement per bar; when the min or max changes the window is
re-binned. It advances its state over a block of bars so fused kernels can
call it block by block.
Cost: O(1) per bar while the extremes hold, O(n) for a re-binning; on a random
walk with n = 200 about 15 % of bars re-bin (a series making a new extreme on
every bar would re-bin on every bar).

>>> import numpy as np
>>> x = np.array([1., 2, 3, 4, 4, 4, 10])
>>> rolling_max_bin_share_nb(x, 5, 3)[4:].round(3).tolist()
[0.6, 0.6, 0.8]
"""

from __future__ import annotations

import numpy as np
from numba import njit

# float state: current lo, hi, first edge, scale; int state: count, NaNs, built
F_LO, F_HI, F_FIRST, F_SCALE = 0, 1, 2, 3
I_M, I_NANS, I_BUILT = 0, 1, 2


@njit(cache=True, nogil=True)
def bin_share_block2_nb(x, t0, t1, n, bins, dmin, dmax, counts4, edges, fs, ist, out):
    """Advance over bars ``t0..t1-1`` with monotonic deques for min/max and, on a change of
    either, a direct re-binning of the window (a sorted window would shift many values per
    bar on a trending series).

    ``dmin``/``dmax``: int64 ring buffers (length a power of two >= n); ``counts4``:
    int64 [4 * bins] (four interleaved histograms so repeated bins do not serialise);
    ``ist``: int64 [6] (min head, min length, max head, max length, NaNs, built).
    """
    cap = dmin.shape[0]
    mask = cap - 1
    bidx = np.empty(n, np.int64)
    hmin = ist[0]
    lmin = ist[1]
    hmax = ist[2]
    lmax = ist[3]
    nans = ist[4]
    built = ist[5]
    first = fs[F_FIRST]
    scale = fs[F_SCALE]
    for t in range(t0, t1):
        v = x[t]
        if v == v:
            while lmax > 0 and x[dmax[(hmax + lmax - 1) & mask]] <= v:
                lmax -= 1
            dmax[(hmax + lmax) & mask] = t
            lmax += 1
            while lmin > 0 and x[dmin[(hmin + lmin - 1) & mask]] >= v:
                lmin -= 1
            dmin[(hmin + lmin) & mask] = t
            lmin += 1
        else:
            nans += 1
        old_ok = False
        old = np.nan
        if t >= n:
            old = x[t - n]
            if old == old:
                old_ok = True
            else:
                nans -= 1
            if lmax > 0 and dmax[hmax] <= t - n:
                hmax = (hmax + 1) & mask
                lmax -= 1
            if lmin > 0 and dmin[hmin] <= t - n:
                hmin = (hmin + 1) & mask
                lmin -= 1
        if t < n - 1 or nans > 0:
            built = 0
            out[t - t0] = np.nan
            continue
        wlo = x[dmin[hmin]]
        whi = x[dmax[hmax]]
        if built == 1 and wlo == fs[F_LO] and whi == fs[F_HI]:
            for k in range(2):
                if k == 0:
                    if not old_ok:
                        continue
                    u = old
                else:
                    u = v
                b = int((u - first) * scale)
                if b >= bins:
                    b = bins - 1
                if u < edges[b]:
                    b -= 1
                elif b != bins - 1 and u >= edges[b + 1]:
                    b += 1
                counts4[b] += 1 if k == 1 else -1
        else:
            fs[F_LO] = wlo
            fs[F_HI] = whi
            first = wlo
            last = whi
            if first == last:
                first -= 0.5
                last += 0.5
            denom = last - first
            step = denom / bins
            scale = bins / denom
            for b in range(bins):
                edges[b] = b * step + first
            edges[bins] = last
            counts4[:] = 0
            # bin every value of the window in a branch-free pass the compiler vectorises (edges
            # recomputed as above instead of looked up; a view indexed from 0, since an index that
            # might be negative costs a wraparound select that blocks vectorisation), then count
            # them in a second, serial pass
            w = x[t - n + 1: t + 1]
            lastb = bins - 1
            for q in range(n):
                u = w[q]
                f = (u - first) * scale  # u >= first: truncation is floor
                b = np.int64(f if f < lastb else lastb)
                lo_e = np.float64(b) * step + first
                hi_e = np.float64(b + 1) * step + first
                hi_e = hi_e if b < lastb else np.inf  # the last bin is closed on the right
                bidx[q] = b - np.int64(u < lo_e) + np.int64(u >= hi_e)
            for q in range(n):
                counts4[(q & 3) * bins + bidx[q]] += 1
            for b in range(bins):
                counts4[b] += counts4[bins + b] + counts4[2 * bins + b] + counts4[3 * bins + b]
                counts4[bins + b] = 0
                counts4[2 * bins + b] = 0
                counts4[3 * bins + b] = 0
            built = 1
        best = 0
        for b in range(bins):
            if counts4[b] > best:
                best = counts4[b]
        out[t - t0] = best / n
    ist[0] = hmin
    ist[1] = lmin
    ist[2] = hmax
    ist[3] = lmax
    ist[4] = nans
    ist[5] = built
    fs[F_FIRST] = first
    fs[F_SCALE] = scale


@njit(cache=True, nogil=True)
def rolling_max_bin_share_nb(x, n, bins):
    """Largest share of the trailing ``n`` values of ``x`` in one of ``bins`` bins (NaN in warm-up or with NaN)."""
    N = x.shape[0]
    out = np.empty(N)
    cap = 1
    while cap < n + 1:
        cap *= 2
    bin_share_block2_nb(x, 0, N, n, bins, np.empty(cap, np.int64), np.empty(cap, np.int64),
                        np.zeros(4 * bins, np.int64), np.empty(bins + 1), np.full(4, np.nan),
                        np.zeros(6, np.int64), out)
    return out
