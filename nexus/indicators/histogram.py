"""Rolling price concentration: the largest share of a window in one of ``bins`` equal bins.

For each bar the trailing ``n`` values are binned into ``bins`` equal-width
bins spanning the window's own min..max, exactly as ``numpy.histogram(w,
bins=bins)`` bins them (same edges, last bin closed), and the largest bin
count divided by ``n`` is returned. A flat window (min == max) puts
everything in one bin: share 1.

:func:`bin_share_block2_nb` (used by :func:`rolling_max_bin_share_nb` and
MQScore) takes the window min and max from running extremes over runs of n
values (van Herk / Gil-Werman); while they stay put the bin edges are fixed
and the histogram moves by one increment and one decrement per bar; when the
min or max changes the window is re-binned in a vectorised pass. It advances its state over a block of bars so fused kernels can
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

# float state: current lo, hi, first edge, scale
F_LO, F_HI, F_FIRST, F_SCALE = 0, 1, 2, 3


@njit(cache=True, nogil=True, error_model="numpy")
def _window_extremes_nb(x, a, t0, t1, n, lo, hi):
    """Min and max of each window x[t-n+1..t], t in t0..t1-1 (t >= a + n - 1), into lo/hi[t - t0].

    van Herk / Gil-Werman over ``x[a:t1]``: cut into runs of n values, take
    running extremes forward from each run's start and backward from its end;
    a window then spans the tail of one run and the head of the next, so its
    extreme is one comparison. Three compares per value and no data-dependent
    branch, where two monotonic deques mispredicted on most bars. NaN values
    are passed over (such windows are reported as NaN by the caller anyway).
    """
    L = t1 - a
    w = x[a:t1]
    pmin = np.empty(L)
    pmax = np.empty(L)
    smin = np.empty(L)
    smax = np.empty(L)
    for s0 in range(0, L, n):
        s1 = min(L, s0 + n)
        mn = np.inf
        mx = -np.inf
        for r in range(s0, s1):
            v = w[r]
            mn = v if v < mn else mn
            mx = v if v > mx else mx
            pmin[r] = mn
            pmax[r] = mx
        mn = np.inf
        mx = -np.inf
        for r in range(s1 - 1, s0 - 1, -1):
            v = w[r]
            mn = v if v < mn else mn
            mx = v if v > mx else mx
            smin[r] = mn
            smax[r] = mx
    for t in range(max(t0, a + n - 1), t1):
        e = t - a
        s = e - n + 1
        lo[t - t0] = min(smin[s], pmin[e])
        hi[t - t0] = max(smax[s], pmax[e])


@njit(cache=True, nogil=True, error_model="numpy")
def bin_share_block2_nb(x, t0, t1, n, bins, counts4, edges, fs, ist, out):
    """Advance over bars ``t0..t1-1``: window extremes from :func:`_window_extremes_nb` and, on a
    change of either, a direct re-binning of the window (a sorted window would shift many
    values per bar on a trending series).

    ``counts4``: int64 [4 * bins] (four interleaved histograms so repeated bins do not
    serialise); ``ist``: int64 [2] (NaNs in the window, built).
    """
    bidx = np.empty(n, np.int64)
    nans = ist[0]
    built = ist[1]
    first = fs[F_FIRST]
    scale = fs[F_SCALE]
    nb = t1 - t0
    wlo_b = np.empty(nb)
    whi_b = np.empty(nb)
    _window_extremes_nb(x, max(0, t0 - n + 1), t0, t1, n, wlo_b, whi_b)
    for t in range(t0, t1):
        v = x[t]
        if v != v:
            nans += 1
        old_ok = False
        old = np.nan
        if t >= n:
            old = x[t - n]
            if old == old:
                old_ok = True
            else:
                nans -= 1
        if t < n - 1 or nans > 0:
            built = 0
            out[t - t0] = np.nan
            continue
        wlo = wlo_b[t - t0]
        whi = whi_b[t - t0]
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
    ist[0] = nans
    ist[1] = built
    fs[F_FIRST] = first
    fs[F_SCALE] = scale


@njit(cache=True, nogil=True)
def rolling_max_bin_share_nb(x, n, bins):
    """Largest share of the trailing ``n`` values of ``x`` in one of ``bins`` bins (NaN in warm-up or with NaN)."""
    N = x.shape[0]
    out = np.empty(N)
    bin_share_block2_nb(x, 0, N, n, bins, np.zeros(4 * bins, np.int64), np.empty(bins + 1), np.full(4, np.nan),
                        np.zeros(2, np.int64), out)
    return out
