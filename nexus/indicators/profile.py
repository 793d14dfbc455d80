"""Rolling volume profile over a trailing window of bars, in O(n) amortised.

Each bar's volume goes to the price bin of its close. Bins are an absolute
grid in log price (``floor(log(close) / width)``, width ``bin_bps`` basis
points), so a bar's bin does not depend on where the data starts. The profile
at bar t holds bars ``t-window .. t-1`` (the prior window, not bar t itself);
from it come the volume of the bin bar t closed in, the mean volume per
occupied bin, the point of control (fullest bin) and the value area (bins
around the POC holding ``va_frac`` of the volume, grown one bin at a time
towards the fuller neighbour, ties upwards).

Cost per bar is one add, one remove and a scan over the bins the window spans
(tens of bins for a few hours of one-minute bars), never a rescan of the bars.

>>> import numpy as np
>>> c = np.array([100.0, 100.0, 101.0, 100.0]); v = np.array([5.0, 5.0, 1.0, 2.0])
>>> node, mean, poc, val, vah = rolling_profile(c, v, window=3, bin_bps=10)
>>> float(node[3]), float(mean[3])   # bar 3 closes in the bin holding 5 + 5 of the prior 3 bars' volume
(10.0, 5.5)
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def price_bins_nb(close, width, out=None):
    """Absolute log-price bin of each close: floor(log(close) / width)."""
    m = close.shape[0]
    if out is None:
        out = np.empty(m, dtype=np.int64)
    for i in range(m):
        out[i] = np.int64(math.floor(math.log(close[i]) / width))
    return out


@njit(cache=True)
def rolling_profile_nb(bins, volume, window, va_frac, va_on_change=False, node=None, mean=None, poc=None, val=None, vah=None):
    """(node_vol, mean_vol, poc, val, vah) per bar from the profile of the prior ``window`` bars.

    ``node_vol`` is NaN for the first ``window`` bars (warm-up); the bin
    outputs are 0 there. With ``va_on_change`` the POC and value area are only
    computed on bars whose bin differs from the previous bar's (0 elsewhere),
    which is all a rotation rule needs and saves the per-bar bin scan. The
    five outputs may be passed in (reused buffers); they are overwritten.
    """
    m = bins.shape[0]
    if node is None:
        node = np.empty(m)
    if mean is None:
        mean = np.empty(m)
    if poc is None:
        poc = np.empty(m, dtype=np.int64)
    if val is None:
        val = np.empty(m, dtype=np.int64)
    if vah is None:
        vah = np.empty(m, dtype=np.int64)
    node[:] = np.nan
    mean[:] = np.nan
    poc[:] = 0
    val[:] = 0
    vah[:] = 0
    if m == 0:
        return node, mean, poc, val, vah
    bmin = bins[0]
    bmax = bins[0]
    for i in range(m):
        if bins[i] < bmin:
            bmin = bins[i]
        if bins[i] > bmax:
            bmax = bins[i]
    size = bmax - bmin + 1
    vol = np.zeros(size)
    cnt = np.zeros(size, dtype=np.int64)
    lo = size  # occupied range [lo, hi] in local indices
    hi = -1
    total = 0.0
    occupied = 0
    for t in range(m):
        if t >= window:
            cb = bins[t] - bmin
            node[t] = vol[cb] if cnt[cb] > 0 else 0.0
            mean[t] = total / occupied if occupied > 0 else 0.0
            if (not va_on_change) or bins[t] != bins[t - 1]:
                best = -1.0
                pb = lo
                tot = 0.0
                for b in range(lo, hi + 1):
                    if cnt[b] > 0:
                        tot += vol[b]
                        if vol[b] > best:
                            best = vol[b]
                            pb = b
                a = pb
                z = pb
                acc = vol[pb]
                target = va_frac * tot
                while acc < target:
                    up = (vol[z + 1] if cnt[z + 1] > 0 else 0.0) if z + 1 <= hi else -1.0
                    dn = (vol[a - 1] if cnt[a - 1] > 0 else 0.0) if a - 1 >= lo else -1.0
                    if up < 0.0 and dn < 0.0:
                        break
                    if up >= dn:
                        z += 1
                        acc += up
                    else:
                        a -= 1
                        acc += dn
                poc[t] = pb + bmin
                val[t] = a + bmin
                vah[t] = z + bmin
        b = bins[t] - bmin
        vol[b] += volume[t]
        if cnt[b] == 0:
            occupied += 1
        cnt[b] += 1
        total += volume[t]
        if b < lo:
            lo = b
        if b > hi:
            hi = b
        if t >= window:
            ob = bins[t - window] - bmin
            cnt[ob] -= 1
            total -= volume[t - window]
            if cnt[ob] == 0:
                occupied -= 1
                vol[ob] = 0.0  # drop float residue of add/remove
                while lo <= hi and cnt[lo] == 0:
                    lo += 1
                while hi >= lo and cnt[hi] == 0:
                    hi -= 1
            else:
                vol[ob] -= volume[t - window]
    return node, mean, poc, val, vah


def rolling_profile(close: np.ndarray, volume: np.ndarray, window: int = 240, bin_bps: float = 10.0,
                    va_frac: float = 0.7, va_on_change: bool = False):
    """Rolling volume profile of the prior ``window`` bars; see the module docstring."""
    c = np.ascontiguousarray(close, dtype=np.float64)
    v = np.ascontiguousarray(volume, dtype=np.float64)
    bins = price_bins_nb(c, bin_bps * 1e-4)
    return rolling_profile_nb(bins, v, int(window), float(va_frac), bool(va_on_change))


__all__ = ["price_bins_nb", "rolling_profile_nb", "rolling_profile"]
