"""Lazy broadcasting: a parameter is kept as a small 2-D array and read with a flexible selector.

A scalar becomes shape (1, 1), a per-column vector (1, m), a per-bar vector
(n, 1), a full matrix (n, m). The kernel reads element (i, j) with
:func:`flex_nb`, so nothing is ever materialised as an n x m copy (the idea of
vectorbt's ``flex_select``).

>>> import numpy as np
>>> a = to_flex(0.001, 5, 3, "fees")
>>> a.shape, float(flex_nb(a, 4, 2))
((1, 1), 0.001)
"""

from __future__ import annotations

import numpy as np
from numba import njit

from nexus.errors import ConfigError


@njit(cache=True, inline="always")  # inlined in numba IR: big kernels would not inline the call
def flex_nb(a, i, j):
    """Element (i, j) of a lazily broadcast 2-D array of shape (1|n, 1|m)."""
    # explicit int64: a prange index is unsigned, and unsigned vs literal 0 would unify to float
    r = np.int64(i) if a.shape[0] > 1 else np.int64(0)
    c = np.int64(j) if a.shape[1] > 1 else np.int64(0)
    return a[r, c]


def to_flex(value: object, n: int, m: int, name: str, dtype=np.float64, *,
            per_bar_1d: bool | None = None) -> np.ndarray:
    """Turn a scalar / per-column / per-bar / full parameter into a (1|n, 1|m) array without copying more than needed.

    A 1-D array of length m is per column; of length n (and n != m) per bar.
    When n == m a 1-D array is ambiguous: it is taken per column unless
    ``per_bar_1d`` says otherwise (signals and prices pass ``per_bar_1d=True``).
    """
    arr = _as_array(value, name)
    if dtype is not None and arr.dtype != dtype:
        if dtype == np.bool_ and arr.dtype.kind not in "bui":
            raise ConfigError(f"{name}: expected booleans, got dtype {arr.dtype}; pass a bool mask")
        try:
            arr = arr.astype(dtype)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{name}: cannot convert to {np.dtype(dtype).name}: {exc}") from None
    if arr.ndim == 0:
        return arr.reshape(1, 1)
    if arr.ndim == 1:
        k = arr.shape[0]
        if per_bar_1d is None:
            per_bar_1d = k == n and k != m
        if per_bar_1d and k == n:
            return arr.reshape(n, 1)
        if k == m:
            return arr.reshape(1, m)
        if k == n:
            return arr.reshape(n, 1)
        if k == 1:
            return arr.reshape(1, 1)
        raise ConfigError(f"{name}: length {k} fits neither the {n} bars nor the {m} columns")
    if arr.ndim == 2:
        r, c = arr.shape
        if r in (1, n) and c in (1, m):
            return arr
        raise ConfigError(f"{name}: shape {arr.shape} does not broadcast to ({n} bars, {m} columns)")
    raise ConfigError(f"{name}: expected at most 2 dimensions, got {arr.ndim}")


def _as_array(value: object, name: str) -> np.ndarray:
    if value is None:
        raise ConfigError(f"{name} is None")
    mod = type(value).__module__
    if mod.startswith("polars"):
        value = value.to_numpy()
    elif mod.startswith("pandas"):
        value = value.to_numpy()
    return np.asarray(value)
