"""The ``Bars`` container: one symbol at one timeframe, as numpy arrays.

Arrays are the currency inside nexus. ``Bars`` keeps aligned 1-D arrays
(``ts`` int64 ns UTC, the bar's *open* time; OHLCV float64; optional
``trades`` int64, ``quote_volume``, ``taker_buy_volume`` and the quoted
``spread`` float64) plus the
symbol and timeframe. Slicing returns views, never copies.

A bar stamped ``ts`` covers ``[ts, ts + timeframe)`` and is known only once it
closed, at ``ts + timeframe`` (see :attr:`Bars.close_ts`).

>>> import numpy as np
>>> b = Bars.from_arrays(ts=np.arange(3) * 60_000_000_000, open=[1., 2, 3], high=[2., 3, 4],
...                      low=[.5, 1.5, 2.5], close=[2., 3, 3.5], volume=[10., 11, 12],
...                      symbol="TEST", timeframe="1m")
>>> len(b), b[1:].close.tolist()
(3, [3.0, 3.5])
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterator, Mapping

import numpy as np
import pandas as pd

from nexus.data.timeframes import ns_to_datetime_index, timeframe_ns, to_utc_ns, utc_ns_array
from nexus.errors import ValidationError

PRICE_COLUMNS = ("open", "high", "low", "close")
REQUIRED_COLUMNS = ("ts", "open", "high", "low", "close", "volume")
OPTIONAL_COLUMNS = ("trades", "quote_volume", "taker_buy_volume", "spread")
ALL_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
COLUMN_DTYPES: dict[str, np.dtype] = {
    "ts": np.dtype(np.int64),
    "open": np.dtype(np.float64),
    "high": np.dtype(np.float64),
    "low": np.dtype(np.float64),
    "close": np.dtype(np.float64),
    "volume": np.dtype(np.float64),
    "trades": np.dtype(np.int64),
    "quote_volume": np.dtype(np.float64),
    "taker_buy_volume": np.dtype(np.float64),
    "spread": np.dtype(np.float64),  # quoted ask - bid at the bar's close, in price units
}


@dataclass(frozen=True, eq=False)
class Bars:
    """Aligned bar arrays for one symbol and timeframe (see module docstring)."""

    ts: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    trades: np.ndarray | None = None
    quote_volume: np.ndarray | None = None
    taker_buy_volume: np.ndarray | None = None
    spread: np.ndarray | None = None
    symbol: str = ""
    timeframe: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = None
        for name in ALL_COLUMNS:
            arr = getattr(self, name)
            if arr is None:
                continue
            arr = np.asarray(arr)
            want = COLUMN_DTYPES[name]
            if arr.dtype != want:
                if name == "ts" and arr.dtype.kind == "M":
                    raise ValidationError(
                        f"{self._where()}: ts must be int64 ns UTC; use Bars.from_pandas for datetime columns"
                    )
                arr = arr.astype(want)
            if arr.ndim != 1:
                raise ValidationError(f"{self._where()}: column {name!r} must be 1-D, got shape {arr.shape}")
            if n is None:
                n = arr.shape[0]
            elif arr.shape[0] != n:
                raise ValidationError(
                    f"{self._where()}: column {name!r} has {arr.shape[0]} rows, 'ts' has {n}; all columns must be aligned"
                )
            object.__setattr__(self, name, arr)

    # ------------------------------------------------------------------ basics
    def _where(self) -> str:
        return f"{self.symbol or '?'} {self.timeframe or '?'}".strip()

    def __len__(self) -> int:
        return int(self.ts.shape[0])

    def __repr__(self) -> str:
        if len(self) == 0:
            span = "empty"
        else:
            idx = ns_to_datetime_index(self.ts[[0, -1]])
            span = f"{idx[0]} .. {idx[1]}"
        return f"Bars({self.symbol!r}, {self.timeframe!r}, n={len(self)}, {span}, columns={list(self.columns)})"

    @property
    def columns(self) -> tuple[str, ...]:
        """Names of the columns present, in schema order."""
        return tuple(c for c in ALL_COLUMNS if getattr(self, c) is not None)

    def has(self, name: str) -> bool:
        return getattr(self, name, None) is not None

    def arrays(self) -> dict[str, np.ndarray]:
        """Present columns as a dict of arrays (views)."""
        return {c: getattr(self, c) for c in self.columns}

    def __iter__(self) -> Iterator[str]:
        return iter(self.columns)

    @property
    def timeframe_ns(self) -> int:
        return timeframe_ns(self.timeframe)

    @property
    def close_ts(self) -> np.ndarray:
        """Time each bar becomes known: open time plus the timeframe."""
        return self.ts + self.timeframe_ns

    @property
    def index(self) -> pd.DatetimeIndex:
        return ns_to_datetime_index(self.ts)

    # ----------------------------------------------------------------- slicing
    def __getitem__(self, key: slice | int) -> "Bars":
        if isinstance(key, (int, np.integer)):
            i = int(key)
            if i < 0:
                i += len(self)
            key = slice(i, i + 1)
        if not isinstance(key, slice):
            raise TypeError("Bars[...] takes a slice or an int; use .take(indices) for fancy indexing")
        return self._map(lambda a: a[key])

    def take(self, indices: np.ndarray) -> "Bars":
        """Rows by integer index or boolean mask (a copy)."""
        return self._map(lambda a: a[indices])

    def between(self, start: object = None, end: object = None) -> "Bars":
        """Bars with ``start <= ts < end`` (bounds in UTC; naive strings are UTC). A view."""
        lo = 0 if start is None else int(np.searchsorted(self.ts, to_utc_ns(start, what="start"), side="left"))
        hi = len(self) if end is None else int(np.searchsorted(self.ts, to_utc_ns(end, what="end"), side="left"))
        return self[lo:hi]

    def _map(self, fn) -> "Bars":
        kw = {c: fn(getattr(self, c)) for c in self.columns}
        return replace(self, **kw)

    def with_columns(self, **arrays: np.ndarray | None) -> "Bars":
        """A new Bars with some columns replaced or added (None drops an optional column)."""
        return replace(self, **arrays)

    # ------------------------------------------------------------- conversion
    def to_pandas(self) -> pd.DataFrame:
        """DataFrame indexed by a tz-aware UTC DatetimeIndex named ``ts``."""
        data = {c: getattr(self, c) for c in self.columns if c != "ts"}
        return pd.DataFrame(data, index=ns_to_datetime_index(self.ts))

    def to_polars(self):
        """polars DataFrame with a ``ts`` column of Datetime('ns', 'UTC')."""
        import polars as pl

        cols = {c: getattr(self, c) for c in self.columns}
        df = pl.DataFrame(cols)
        return df.with_columns(pl.col("ts").cast(pl.Datetime("ns", "UTC")))

    @classmethod
    def from_arrays(cls, *, symbol: str = "", timeframe: str = "", meta: Mapping[str, Any] | None = None, **cols: Any) -> "Bars":
        missing = [c for c in REQUIRED_COLUMNS if c not in cols or cols[c] is None]
        if missing:
            raise ValidationError(f"{symbol or '?'} {timeframe}: missing required columns {missing}")
        unknown = sorted(set(cols) - set(ALL_COLUMNS))
        if unknown:
            raise ValidationError(f"{symbol or '?'} {timeframe}: unknown columns {unknown}; known: {list(ALL_COLUMNS)}")
        return cls(symbol=symbol, timeframe=timeframe, meta=dict(meta or {}), **{k: v for k, v in cols.items() if v is not None})

    @classmethod
    def from_pandas(cls, df: pd.DataFrame, *, symbol: str = "", timeframe: str = "", tz: str | None = None) -> "Bars":
        """From a DataFrame with a ``ts`` column or a DatetimeIndex. Naive times need ``tz``."""
        if "ts" in df.columns:
            ts_values = df["ts"]
            if ts_values.dtype.kind in "iu":
                ts = ts_values.to_numpy(np.int64)
            else:
                ts = utc_ns_array(ts_values, tz, where=f"{symbol or '?'} {timeframe} ts")
        elif isinstance(df.index, pd.DatetimeIndex):
            ts = utc_ns_array(df.index, tz, where=f"{symbol or '?'} {timeframe} index")
        else:
            raise ValidationError(f"{symbol or '?'} {timeframe}: no 'ts' column and no DatetimeIndex")
        cols = {c: df[c].to_numpy() for c in ALL_COLUMNS if c != "ts" and c in df.columns}
        return cls.from_arrays(symbol=symbol, timeframe=timeframe, ts=ts, **cols)

    @classmethod
    def from_polars(cls, df, *, symbol: str = "", timeframe: str = "", tz: str | None = None) -> "Bars":
        """From a polars DataFrame with a ``ts`` column (Datetime with a zone, or int ns)."""
        import polars as pl

        if "ts" not in df.columns:
            raise ValidationError(f"{symbol or '?'} {timeframe}: polars frame has no 'ts' column")
        dtype = df.schema["ts"]
        if isinstance(dtype, pl.Datetime):
            if dtype.time_zone is None:
                if tz is None:
                    raise ValidationError(
                        f"{symbol or '?'} {timeframe} ts: timestamps are naive; name their zone with tz='UTC'"
                    )
                col = pl.col("ts").dt.replace_time_zone(tz)
            else:
                col = pl.col("ts")
            ts = df.select(col.dt.convert_time_zone("UTC").dt.cast_time_unit("ns").dt.epoch("ns")).to_series().to_numpy()
        else:
            ts = df["ts"].to_numpy()
        cols = {c: df[c].to_numpy() for c in ALL_COLUMNS if c != "ts" and c in df.columns}
        return cls.from_arrays(symbol=symbol, timeframe=timeframe, ts=ts, **cols)
