"""Array-like inputs at the API edge: numpy, pandas or polars (Series or DataFrame) -> a 2-D array.

>>> import numpy as np
>>> fr = read_frame(np.array([1.0, 2.0]), "close")
>>> fr.values.shape, fr.was_1d
((2, 1), True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nexus.data.timeframes import utc_ns_array
from nexus.errors import ConfigError


@dataclass
class Frame:
    """A 2-D view of one input plus what we learned from its container."""

    values: np.ndarray  # (n, k), k >= 1
    columns: list | None
    ts: np.ndarray | None
    was_1d: bool


def read_frame(obj: object, name: str, tz: str | None = None) -> Frame:
    """numpy / pandas / polars (Series or DataFrame) -> a 2-D array, column names and timestamps if any."""
    columns = None
    ts = None
    mod = type(obj).__module__
    if mod.startswith("pandas"):
        import pandas as pd

        idx = obj.index
        if isinstance(idx, pd.DatetimeIndex):
            ts = utc_ns_array(idx, tz=tz, where=f"{name} index")
        if isinstance(obj, pd.DataFrame):
            columns = list(obj.columns)
        elif getattr(obj, "name", None) is not None:
            columns = [obj.name]
        arr = obj.to_numpy()
    elif mod.startswith("polars"):
        import polars as pl

        if isinstance(obj, pl.DataFrame):
            columns = list(obj.columns)
        elif obj.name:
            columns = [obj.name]
        arr = obj.to_numpy()
    else:
        arr = np.asarray(obj)
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    was_1d = arr.ndim == 1
    if was_1d:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ConfigError(f"{name}: expected a 1-D or 2-D array, got {arr.ndim} dimensions")
    return Frame(arr, columns, ts, was_1d)
