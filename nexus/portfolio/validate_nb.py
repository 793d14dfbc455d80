"""numba scans that validate big inputs in one pass without numpy temporaries."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def first_bad_price_nb(a):
    """Flat index of the first value that is not a finite positive number, or -1."""
    flat = a.ravel()
    for i in range(flat.shape[0]):
        v = flat[i]
        if not (v > 0.0 and v < np.inf):
            return i
    return -1
