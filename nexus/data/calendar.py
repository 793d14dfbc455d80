"""Trading-session calendars over int64 ns UTC timestamps.

Two calendars: ``"24/7"`` (crypto: always open, the trading day is the UTC
day) and ``"CME_GLOBEX"`` (CME equity-index futures such as NQ: open Sunday
17:00 to Friday 16:00 America/Chicago, closed daily 16:00-17:00 CT for
maintenance; the trading day starting at 17:00 CT belongs to the *next*
calendar date). Exchange holidays are not modelled: a holiday looks like an
ordinary session here.

Daylight saving is handled through :mod:`zoneinfo`: the UTC offset of each
instant comes from the zone's transition instants, found once per year range
and cached, then looked up with a binary search, so whole arrays convert at
numpy speed.

>>> import numpy as np
>>> from nexus.data.timeframes import to_utc_ns
>>> ts = np.array([to_utc_ns(s) for s in ["2024-07-08T15:00Z", "2024-07-08T21:30Z", "2024-07-06T12:00Z"]])
>>> session_mask(ts, "CME_GLOBEX").tolist()   # Monday 10:00 CT, Monday 16:30 CT (break), Saturday
[True, False, False]
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

from nexus.errors import ConfigError

NS_PER_SECOND = 1_000_000_000
NS_PER_MINUTE = 60 * NS_PER_SECOND
NS_PER_HOUR = 60 * NS_PER_MINUTE
NS_PER_DAY = 24 * NS_PER_HOUR
NS_PER_WEEK = 7 * NS_PER_DAY

CALENDARS = ("24/7", "CME_GLOBEX")
CME_TZ = "America/Chicago"
# A CME trading day starts at 17:00 CT the evening before its date, so shifting
# local time by +7 h turns "trading day" into "calendar date".
CME_DAY_SHIFT_NS = 7 * NS_PER_HOUR
CME_OPEN_MINUTE = 17 * 60  # 17:00 CT
CME_CLOSE_MINUTE = 16 * 60  # 16:00 CT
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)


def check_calendar(calendar: str | None) -> str:
    """Normalise a calendar name (None means 24/7); ConfigError for an unknown one."""
    if calendar is None:
        return "24/7"
    name = str(calendar).upper().replace("-", "_")
    if name in ("24/7", "24X7", "CRYPTO"):
        return "24/7"
    if name in ("CME_GLOBEX", "CME", "GLOBEX"):
        return "CME_GLOBEX"
    raise ConfigError(f"calendar {calendar!r} is not known; use one of {list(CALENDARS)}")


def _as_ns(ts_ns: np.ndarray) -> np.ndarray:
    """Timestamps as int64 ns; anything else (floats, datetime64 of unknown unit) is refused."""
    ts = np.asarray(ts_ns)
    if ts.dtype.kind not in "iu":
        raise ConfigError(
            f"calendar functions take int64 ns UTC timestamps, got dtype {ts.dtype}; "
            "convert with nexus.data.timeframes.utc_ns_array (or bars.ts)"
        )
    return ts.astype(np.int64, copy=False)


@lru_cache(maxsize=32)
def _transitions(tz: str, year0: int, year1: int) -> tuple[np.ndarray, np.ndarray]:
    """UTC instants (ns) where the zone's offset changes, and the offset (ns) from each on.

    Scans day by day and bisects to the second inside the day where the
    offset changed; about 365 zoneinfo calls per year, done once.
    """
    zone = ZoneInfo(tz)
    start = datetime(year0, 1, 1, tzinfo=timezone.utc)
    end = datetime(year1 + 1, 1, 1, tzinfo=timezone.utc)

    def offset(t: datetime) -> int:
        return int(t.astimezone(zone).utcoffset().total_seconds())

    instants = [-(2**62)]
    offsets = [offset(start)]
    day = start
    while day < end:
        nxt = day + timedelta(days=1)
        if offset(nxt) != offsets[-1]:
            lo, hi = day, nxt  # offset(lo) is the old one, offset(hi) the new
            while (hi - lo) > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if offset(mid) == offsets[-1]:
                    lo = mid
                else:
                    hi = mid
            instants.append(int(hi.timestamp()) * NS_PER_SECOND)
            offsets.append(offset(hi))
        day = nxt
    return np.asarray(instants, dtype=np.int64), np.asarray(offsets, dtype=np.int64) * NS_PER_SECOND


def utc_offset_ns(ts_ns: np.ndarray, tz: str) -> np.ndarray:
    """UTC offset of ``tz`` (ns, local - UTC) at each instant."""
    ts = _as_ns(ts_ns)
    if ts.size == 0:
        return np.zeros(0, dtype=np.int64)
    y0 = int(1970 + ts.min() // (365 * NS_PER_DAY + NS_PER_DAY // 4)) - 1
    y1 = int(1970 + ts.max() // (365 * NS_PER_DAY + NS_PER_DAY // 4)) + 1
    instants, offsets = _transitions(tz, max(y0, 1900), min(y1, 2200))
    return offsets[np.searchsorted(instants, ts, side="right") - 1]


def local_ns(ts_ns: np.ndarray, tz: str) -> np.ndarray:
    """Wall-clock time in ``tz`` as ns since the local epoch (for weekday / time-of-day arithmetic)."""
    ts = _as_ns(ts_ns)
    return ts + utc_offset_ns(ts, tz)


def _weekday(local: np.ndarray) -> np.ndarray:
    return (local // NS_PER_DAY + _EPOCH_WEEKDAY) % 7


def session_mask(ts_ns: np.ndarray, calendar: str | None) -> np.ndarray:
    """True where the market is open at the instant (a bar opening there trades).

    CME_GLOBEX: open Sunday 17:00 CT through Friday 16:00 CT, closed 16:00-17:00 CT daily.
    """
    cal = check_calendar(calendar)
    ts = _as_ns(ts_ns)
    if cal == "24/7":
        return np.ones(ts.shape, dtype=bool)
    local = local_ns(ts, CME_TZ)
    wd = _weekday(local)
    minute = (local % NS_PER_DAY) // NS_PER_MINUTE
    in_break = (minute >= CME_CLOSE_MINUTE) & (minute < CME_OPEN_MINUTE)
    weekend = (wd == 5) | ((wd == 6) & (minute < CME_OPEN_MINUTE)) | ((wd == 4) & (minute >= CME_CLOSE_MINUTE))
    return ~(in_break | weekend)


def session_id(ts_ns: np.ndarray, calendar: str | None) -> np.ndarray:
    """Trading-day id: days since 1970-01-01 of the trading date (int64).

    24/7: the UTC date. CME_GLOBEX: the CT date after shifting by +7 h, so the
    session opening Sunday 17:00 CT is Monday's. Instants in the maintenance
    break map to the session that just closed.
    """
    cal = check_calendar(calendar)
    ts = _as_ns(ts_ns)
    if cal == "24/7":
        return ts // NS_PER_DAY
    local = local_ns(ts, CME_TZ)
    day = (local + CME_DAY_SHIFT_NS) // NS_PER_DAY
    # the break (16:00-17:00 CT) shifts to 23:00-24:00 of the same date, already right
    return day


def session_start_ns(ts_ns: np.ndarray, calendar: str | None) -> np.ndarray:
    """UTC instant at which the trading day of each timestamp began.

    CME sessions never straddle a daylight-saving change (US clocks move at
    02:00 CT on a Sunday, while the market is closed), so the offset at the
    timestamp is the offset at its session's open.
    """
    cal = check_calendar(calendar)
    ts = _as_ns(ts_ns)
    if cal == "24/7":
        return ts - ts % NS_PER_DAY
    off = utc_offset_ns(ts, CME_TZ)
    local = ts + off
    start_local = ((local + CME_DAY_SHIFT_NS) // NS_PER_DAY) * NS_PER_DAY - CME_DAY_SHIFT_NS
    return start_local - off


def session_bar_times(start_ns: int, end_ns: int, step_ns: int, calendar: str | None) -> np.ndarray:
    """Open times of every ``step_ns`` bar in ``[start_ns, end_ns)`` whose open falls in session.

    The grid is aligned to the epoch (CME session edges are whole hours, so any
    step dividing an hour lines up with them).
    """
    first = -(-int(start_ns) // step_ns) * step_ns
    grid = np.arange(first, int(end_ns), step_ns, dtype=np.int64)
    return grid[session_mask(grid, calendar)]


__all__ = [
    "CALENDARS",
    "check_calendar",
    "session_mask",
    "session_id",
    "session_start_ns",
    "session_bar_times",
    "utc_offset_ns",
    "local_ns",
]
