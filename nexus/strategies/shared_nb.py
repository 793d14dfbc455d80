"""Strategy kernels and helpers that several strategies share: one rule, several parameterisations.

Each strategy kernel fills zeroed ``sig`` (int8) and ``conf`` (float32) arrays the
caller supplies (a column of the signal matrix, or fresh zeros) and returns them.
"""

from __future__ import annotations

from numba import njit

from nexus.indicators.scalar import conf_nb, sign_nb


@njit(cache=True)
def deviation_signal_nb(close, center, scale, k, side, sig, conf):
    """Fire where the deviation ``(close - center) / scale`` exceeds ``k`` in size (``scale > 0``).

    ``side = -1`` trades against the deviation (z-score and VWAP reversion),
    ``side = 1`` with it (momentum breakout). A NaN centre or scale never fires.
    """
    m = close.shape[0]
    for t in range(m):
        if scale[t] > 0.0:
            z = (close[t] - center[t]) / scale[t]
            if abs(z) > k:
                sig[t] = side * sign_nb(z)
                conf[t] = conf_nb(abs(z), k)
    return sig, conf


@njit(cache=True)
def flow_signal_nb(num, den, scale, thr, close, sma, sig, conf):
    """Fire in the sign of ``x = num / (den * scale)`` where ``den > 0`` and ``|x| > thr``.

    With ``close`` and ``sma`` (pass empty arrays to skip it) only where the
    close sits on the side of its SMA that ``x`` points to: cumulative delta
    trades flow that agrees with the trend, order-book imbalance any flow.
    """
    m = num.shape[0]
    trend = close.shape[0] > 0
    for t in range(m):
        if not (den[t] > 0.0):
            continue
        x = num[t] / (den[t] * scale)
        if abs(x) > thr and (not trend or (close[t] - sma[t]) * x > 0.0):
            sig[t] = sign_nb(x)
            conf[t] = conf_nb(abs(x), thr)
    return sig, conf


@njit(cache=True, inline="always")
def bucket_nb(tt, b, b_end, width):
    """(bucket, its end) of timestamp ``tt`` in buckets of ``width`` ns, given the current ones: the division
    runs only when ``tt`` leaves the current bucket (start with ``b_end = np.int64(-1) << 62``)."""
    if tt >= b_end or tt < b_end - width:
        b = tt // width
        b_end = (b + 1) * width
    return b, b_end
