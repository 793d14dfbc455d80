"""Timeframe strings and UTC timestamp parsing.

Timeframes are written ``<int><unit>`` with unit ``s``, ``m``, ``h``, ``d`` or
``w`` (``"1m"``, ``"5m"``, ``"1h"``, ``"1d"``). Timestamps inside nexus are
int64 nanoseconds since the epoch, UTC.

>>> timeframe_ns("5m")
300000000000
>>> to_utc_ns("2024-01-01")
1704067200000000000
"""

from __future__ import annotations

import re
from datetime import datetime

import numpy as np
import pandas as pd

from nexus.errors import ConfigError, ValidationError

_UNIT_NS = {
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
    "d": 86_400_000_000_000,
    "w": 7 * 86_400_000_000_000,
}
_TF_RE = re.compile(r"^(\d+)([smhdw])$")

NS_PER_MINUTE = _UNIT_NS["m"]
NS_PER_DAY = _UNIT_NS["d"]


def timeframe_ns(timeframe: str) -> int:
    """Length of a timeframe in nanoseconds; raises ConfigError for a bad string."""
    m = _TF_RE.match(str(timeframe).strip())
    if not m or int(m.group(1)) <= 0:
        raise ConfigError(
            f"timeframe {timeframe!r} is not understood; write <count><unit> with unit s, m, h, d or w, e.g. '1m', '5m', '1h', '1d'"
        )
    return int(m.group(1)) * _UNIT_NS[m.group(2)]


def timeframe_str(ns: int) -> str:
    """Inverse of :func:`timeframe_ns` using the largest unit that divides ``ns``."""
    for unit in ("w", "d", "h", "m", "s"):
        if ns % _UNIT_NS[unit] == 0:
            return f"{ns // _UNIT_NS[unit]}{unit}"
    raise ConfigError(f"{ns} ns is not a whole number of seconds")


def to_utc_ns(value: object, tz: str | None = None, *, what: str = "timestamp") -> int:
    """Parse a bound (str, datetime, pandas/numpy timestamp, int ns) to int64 ns UTC.

    A string or datetime without a zone is read in ``tz`` if given, else as
    UTC (query bounds are UTC by convention; data columns are stricter, see
    :func:`utc_ns_array`). An int is taken as nanoseconds since the epoch.
    """
    if value is None:
        raise ConfigError(f"{what} is None")
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{what} {value!r} is not a date or time: {exc}") from None
    if stamp is pd.NaT:
        raise ConfigError(f"{what} {value!r} is not a date or time")
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(tz or "UTC")
    return int(stamp.tz_convert("UTC").value)


def utc_ns_array(values: object, tz: str | None = None, *, where: str = "ts") -> np.ndarray:
    """Convert a timestamp column to int64 ns UTC.

    Zone-aware values are converted to UTC. Naive values are refused unless
    ``tz`` names their zone. Mixed zones in an object column are refused.
    Integer columns are taken as nanoseconds since the epoch UTC.
    """
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        return values.astype(np.int64, copy=False)
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        if tz is None:
            raise ValidationError(
                f"{where}: timestamps are naive (numpy datetime64 has no zone); pass tz='UTC' (or the zone they are in)"
            )
        values = pd.DatetimeIndex(values)
    if isinstance(values, (pd.Series, pd.Index)) and values.dtype == object:
        zones = {getattr(v, "tzinfo", None) is not None and str(v.tzinfo) for v in values[:1000]}
        if len(zones) > 1:
            raise ValidationError(
                f"{where}: mixed time zones or naive and aware timestamps in one column ({sorted(map(str, zones))}); convert them to one zone first"
            )
    try:
        idx = pd.DatetimeIndex(values)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{where}: cannot read timestamps ({exc}); give aware datetimes or int ns UTC") from None
    if idx.tz is None:
        if tz is None:
            raise ValidationError(
                f"{where}: timestamps are naive; name their zone with tz='UTC' (or e.g. 'America/Chicago')"
            )
        idx = idx.tz_localize(tz)
    idx = idx.tz_convert("UTC")
    if idx.hasnans:
        raise ValidationError(f"{where}: contains missing timestamps (NaT); drop those rows first")
    return np.asarray(idx.as_unit("ns").asi8, dtype=np.int64)


def ns_to_datetime_index(ts: np.ndarray) -> pd.DatetimeIndex:
    """int64 ns UTC -> tz-aware pandas DatetimeIndex (no copy of the data)."""
    return pd.DatetimeIndex(pd.to_datetime(ts, unit="ns", utc=True), name="ts")


def now_ns() -> int:
    return int(pd.Timestamp(datetime.utcnow()).tz_localize("UTC").value)
