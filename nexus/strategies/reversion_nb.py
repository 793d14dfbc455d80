"""Kernels of the mean-reversion strategies (see reversion.py for the rules).

Each strategy kernel fills zeroed ``sig`` (int8) and ``conf`` (float32) arrays the
caller supplies (a column of the signal matrix, or fresh zeros) and returns them.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True)
def stop_run_nb(close, hmax, lmin, atr, h, tol, near, sig, conf):
    m = close.shape[0]
    for t in range(2 * h, m):
        a = atr[t]
        if not (a > 0.0):
            continue
        hb = hmax[t - 1]
        ha = hmax[t - 1 - h]
        lb = lmin[t - 1]
        la = lmin[t - 1 - h]
        up_c = 0.0
        dn_c = 0.0
        if abs(ha - hb) <= tol * a and close[t] > close[t - 1]:
            dist = max(ha, hb) - close[t]
            if dist > 0.0 and dist <= near * a:
                up_c = 1.0 - 0.5 * dist / (near * a)
        if abs(la - lb) <= tol * a and close[t] < close[t - 1]:
            dist = close[t] - min(la, lb)
            if dist > 0.0 and dist <= near * a:
                dn_c = 1.0 - 0.5 * dist / (near * a)
        if up_c > 0.0 and dn_c == 0.0:
            sig[t] = 1
            conf[t] = up_c
        elif dn_c > 0.0 and up_c == 0.0:
            sig[t] = -1
            conf[t] = dn_c
    return sig, conf
