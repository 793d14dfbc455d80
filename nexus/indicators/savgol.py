"""Causal Savitzky-Golay smoothing: the endpoint of a trailing polynomial fit.

A centred Savitzky-Golay filter reads bars after t and so looks ahead. The
causal variant used here fits a polynomial of degree ``order`` by least
squares to the trailing ``window`` values ``x[t-window+1 .. t]`` and takes the
fitted value at t. That value is a fixed linear combination of the window
(the coefficients below), so the filter is one O(window) dot product per bar.
The coefficients equal ``scipy.signal.savgol_coeffs(window, order,
pos=window-1, use="dot")``.

>>> import numpy as np
>>> h = savgol_causal_coeffs(21, 3)
>>> round(float(h.sum()), 12)          # reproduces constants
1.0
>>> x = np.arange(30.0) ** 3           # and cubics, exactly
>>> bool(np.allclose(savgol_causal_nb(x, h)[20:], x[20:]))
True
"""

from __future__ import annotations

import numpy as np
from numba import njit


def savgol_causal_coeffs(window: int = 21, order: int = 3) -> np.ndarray:
    """Weights ``h`` with ``smooth[t] = sum_j h[j] * x[t - window + 1 + j]``."""
    from nexus.errors import ConfigError

    if window < 2 or not 0 <= order < window:
        raise ConfigError(f"savgol: need window >= 2 and 0 <= order < window, got window={window}, order={order}")
    # centring the abscissa keeps the normal equations well conditioned
    z = np.arange(window, dtype=np.float64) - (window - 1)
    A = np.vander(z, order + 1, increasing=True)
    # fitted value at z = 0 is the constant coefficient: first row of pinv(A)
    return np.ascontiguousarray(np.linalg.pinv(A)[0])


@njit(cache=True, nogil=True)
def savgol_causal_nb(x, coeffs):
    """Causal smooth of ``x``; NaN for the first ``len(coeffs) - 1`` bars or a window with NaN.

    Computed as ``x[t] + sum h_j (x_j - x[t])`` (the weights sum to one) so a
    price level of 60,000 does not cost digits.
    """
    N = x.shape[0]
    w = coeffs.shape[0]
    out = np.full(N, np.nan)
    for t in range(w - 1, N):
        base = x[t]
        acc = 0.0
        for j in range(w):
            acc += coeffs[j] * (x[t - w + 1 + j] - base)
        out[t] = base + acc
    return out
