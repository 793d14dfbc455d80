"""Resampling to coarser bars, as-of look-ups and multi-symbol alignment.

Conventions (as everywhere in nexus): a bar is stamped with its *open* time
and becomes known at its close, ``ts + timeframe`` (``Bars.close_ts``).

* :func:`resample` aggregates a bar series to any multiple of its timeframe:
  open first, high max, low min, close last, volume / trades / quote_volume /
  taker_buy_volume summed, spread the last quote. Empty buckets produce no bar (nothing is invented
  for closed hours or gaps). With the 24/7 calendar buckets are aligned to
  the UTC epoch (weeks start on Monday). With ``CME_GLOBEX`` buckets are
  anchored at each session's open (17:00 CT), never straddle the daily break
  or a weekend, and ``"1d"`` means a CME *trading day*, stamped 00:00 UTC of
  its trading date; its ``close_ts`` (next midnight UTC) is therefore 2-3
  hours after the real 16:00 CT close, which errs on the late (causal) side.
* :func:`asof_index` / :func:`asof` answer "which bar was the latest one
  *closed* at this instant", the only safe way to read a higher timeframe
  from a lower one.
* :func:`align` puts several symbols on one clock (e.g. NQ 5-minute bars on
  the crypto minute clock).

>>> import numpy as np
>>> from nexus.data.bars import Bars
>>> m = 60_000_000_000
>>> b = Bars.from_arrays(ts=np.arange(6) * m, open=[1., 2, 3, 4, 5, 6], high=[2., 3, 4, 5, 6, 7],
...                      low=[.5, 1, 2, 3, 4, 5], close=[2., 3, 4, 5, 6, 7], volume=np.ones(6),
...                      symbol="X", timeframe="1m")
>>> r = resample(b, "3m")
>>> r.open.tolist(), r.high.tolist(), r.close.tolist(), r.volume.tolist()
([1.0, 4.0], [4.0, 7.0], [4.0, 7.0], [3.0, 3.0])
>>> asof_index(r, np.array([2, 3, 5, 6]) * m).tolist()   # the first 3m bar is known at minute 3
[-1, 0, 0, 1]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from nexus.data import resample_kernels as K
from nexus.data.bars import Bars
from nexus.data.calendar import NS_PER_DAY, NS_PER_WEEK, check_calendar, session_id, session_mask, session_start_ns
from nexus.data.timeframes import ns_to_datetime_index, timeframe_ns
from nexus.errors import ConfigError, UnknownSymbolError, ValidationError

FLOW_COLUMNS = ("volume", "trades", "quote_volume", "taker_buy_volume")
_MONDAY_OFFSET = 4 * NS_PER_DAY  # 1970-01-05 was a Monday


def calendar_for(symbol: str, calendar: str | None = None) -> str:
    """The calendar to use for ``symbol``: the explicit one, else its instrument spec's, else 24/7."""
    if calendar is not None:
        return check_calendar(calendar)
    if symbol:
        from nexus.data.instruments import get

        try:
            return get(symbol).calendar
        except UnknownSymbolError:
            pass
    return "24/7"


def _check_sorted(bars: Bars) -> None:
    d = np.diff(bars.ts)
    if d.size and (d <= 0).any():
        row = int(np.flatnonzero(d <= 0)[0]) + 1
        raise ValidationError(
            f"{bars.symbol or '?'} {bars.timeframe or '?'} row {row}: timestamps must be strictly increasing to resample; validate/clean the bars first"
        )


def bucket_labels(ts: np.ndarray, target_ns: int, calendar: str) -> np.ndarray:
    """Label (bucket open time, int64 ns UTC) of the bucket each timestamp falls in."""
    ts = np.asarray(ts, dtype=np.int64)
    if calendar == "24/7":
        anchor = _MONDAY_OFFSET if target_ns % NS_PER_WEEK == 0 else 0
        return (ts - anchor) // target_ns * target_ns + anchor
    if target_ns == NS_PER_DAY:
        return session_id(ts, calendar) * NS_PER_DAY
    if target_ns > NS_PER_DAY:
        raise ConfigError(f"timeframe {target_ns // NS_PER_DAY}d on the {calendar} calendar: only '1d' (one trading day) is supported above intraday")
    start = session_start_ns(ts, calendar)
    return start + (ts - start) // target_ns * target_ns


def resample(bars: Bars, timeframe: str, *, calendar: str | None = None, partial: str = "keep") -> Bars:
    """Aggregate ``bars`` to ``timeframe`` (a multiple of ``bars.timeframe``).

    ``calendar`` defaults to the instrument's (NQ: CME_GLOBEX), else 24/7.
    ``partial="drop"`` removes a last bucket the data does not reach the end of.

    >>> from tests.conftest import make_bars                      # doctest: +SKIP
    >>> resample(make_bars(600), "1h").ts.size                     # doctest: +SKIP
    11
    """
    if not isinstance(bars, Bars):
        raise ConfigError(f"resample takes a nexus Bars, got {type(bars).__name__}; use Bars.from_pandas first")
    where = f"{bars.symbol or '?'} {bars.timeframe or '?'}"
    if not bars.timeframe:
        raise ConfigError(f"{where}: bars have no timeframe; set it (Bars.from_arrays(..., timeframe='1m'))")
    if partial not in ("keep", "drop"):
        raise ConfigError(f"resample partial={partial!r}: use 'keep' or 'drop'")
    src_ns = timeframe_ns(bars.timeframe)
    dst_ns = timeframe_ns(timeframe)
    if dst_ns % src_ns != 0:
        raise ConfigError(f"{where}: cannot resample to {timeframe!r}, which is not a whole multiple of {bars.timeframe!r}")
    cal = calendar_for(bars.symbol, calendar)
    meta = dict(bars.meta)
    meta.update(resampled_from=bars.timeframe, calendar=cal)
    if len(bars) == 0:
        return bars.with_columns(timeframe=timeframe, meta=meta)
    _check_sorted(bars)
    labels = bucket_labels(bars.ts, dst_ns, cal)
    starts = K.group_starts_nb(labels)
    cols = {
        "ts": labels[starts[:-1]],
        "open": K.seg_reduce_nb(bars.open, starts, K.SEG_FIRST),
        "high": K.seg_reduce_nb(bars.high, starts, K.SEG_MAX),
        "low": K.seg_reduce_nb(bars.low, starts, K.SEG_MIN),
        "close": K.seg_reduce_nb(bars.close, starts, K.SEG_LAST),
    }
    for name in FLOW_COLUMNS:
        arr = getattr(bars, name)
        if arr is not None:
            cols[name] = K.seg_reduce_nb(arr, starts, K.SEG_SUM)
    if bars.spread is not None:  # the quote standing when the bucket closes
        cols["spread"] = K.seg_reduce_nb(bars.spread, starts, K.SEG_LAST)
    out = Bars.from_arrays(symbol=bars.symbol, timeframe=timeframe, meta=meta, **cols)
    if partial == "drop" and len(out) and not _last_bucket_complete(bars, out, dst_ns, cal):
        out = out[: len(out) - 1]
    return out


def group_index(bars: Bars, timeframe: str, *, calendar: str | None = None) -> np.ndarray:
    """Segment starts (plus a final sentinel) of the buckets :func:`resample` forms; for custom aggregations."""
    _check_sorted(bars)
    cal = calendar_for(bars.symbol, calendar)
    return K.group_starts_nb(bucket_labels(bars.ts, timeframe_ns(timeframe), cal))


def _last_bucket_complete(src: Bars, out: Bars, dst_ns: int, cal: str) -> bool:
    last_label = int(out.ts[-1])
    data_end = int(src.close_ts[-1])
    if cal == "24/7":
        return data_end >= last_label + dst_ns
    # a CME bucket also ends where its session ends (16:00 CT, 23 h after the 17:00 CT open)
    start = int(session_start_ns(src.ts[-1:], cal)[0])
    session_end = start + 23 * 3_600_000_000_000
    bucket_end = session_end if dst_ns == NS_PER_DAY else min(last_label + dst_ns, session_end)
    return data_end >= bucket_end


# ------------------------------------------------------------------ as-of look-ups
def _close_ts(bars_or_close_ts: Bars | np.ndarray) -> np.ndarray:
    if isinstance(bars_or_close_ts, Bars):
        return bars_or_close_ts.close_ts
    return np.asarray(bars_or_close_ts, dtype=np.int64)


def asof_index(bars: Bars | np.ndarray, at_ts: np.ndarray) -> np.ndarray:
    """Index of the latest bar *closed* at or before each instant in ``at_ts`` (-1 if none yet).

    ``bars`` is a Bars (its ``close_ts`` is used) or an array of close times.
    """
    close = _close_ts(bars)
    return np.searchsorted(close, np.asarray(at_ts, dtype=np.int64), side="right").astype(np.int64) - 1


def asof(bars: Bars, at_ts: np.ndarray, column: str = "close") -> np.ndarray:
    """Value of ``column`` of the latest bar closed at or before each instant (NaN if none)."""
    values = getattr(bars, column, None)
    if values is None:
        raise ConfigError(f"{bars.symbol or '?'} {bars.timeframe or '?'}: no column {column!r}; present: {list(bars.columns)}")
    idx = asof_index(bars, at_ts)
    out = np.full(idx.shape, np.nan)
    ok = idx >= 0
    out[ok] = values[idx[ok]]
    return out


def complete_mask(bars: Bars, now_ts: int) -> np.ndarray:
    """True for bars already closed at ``now_ts`` (their values are final)."""
    return bars.close_ts <= int(now_ts)


# ------------------------------------------------------------------ alignment
@dataclass
class Aligned:
    """Several symbols on one clock. 2-D arrays are ``[n_clock, n_symbols]``.

    ``close`` is the as-of close (last closed bar, NaN before the first);
    ``open/high/low`` aggregate the bars that became known in the row and equal
    ``close`` where nothing new arrived; flows (volume, trades, quote_volume,
    taker_buy_volume) sum the newly known bars and are 0 where nothing
    arrived (NaN where a symbol lacks the column). ``fresh`` marks rows with a
    newly closed bar; ``in_session`` whether the symbol's market was open just
    before the read instant; ``bar_index`` the latest known bar (-1 none).
    """

    clock_ts: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    trades: np.ndarray
    quote_volume: np.ndarray
    taker_buy_volume: np.ndarray
    bar_index: np.ndarray
    fresh: np.ndarray
    in_session: np.ndarray
    symbols: tuple[str, ...] = ()
    calendars: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.clock_ts.shape[0])

    def keys(self) -> tuple[str, ...]:
        """Names of the ``[n_clock, n_symbols]`` arrays (also reachable as ``aligned[name]``)."""
        return ("open", "high", "low", "close") + FLOW_COLUMNS + ("bar_index", "fresh", "in_session")

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.keys():
            raise KeyError(f"aligned data has no field {name!r}; fields: {list(self.keys())}")
        return getattr(self, name)

    def column(self, symbol: str) -> dict[str, np.ndarray]:
        """One symbol's 1-D arrays by field name."""
        if symbol not in self.symbols:
            raise UnknownSymbolError(f"aligned data has no symbol {symbol!r}; present: {list(self.symbols)}")
        j = self.symbols.index(symbol)
        return {k: getattr(self, k)[:, j] for k in self.keys()}

    def to_pandas(self, field_name: str = "close") -> pd.DataFrame:
        """One field as a DataFrame indexed by the clock, one column per symbol."""
        return pd.DataFrame(getattr(self, field_name), index=ns_to_datetime_index(self.clock_ts), columns=list(self.symbols))


def align(
    bars_list: Sequence[Bars],
    clock_ts: np.ndarray | Bars,
    *,
    start_ns: int | None = None,
    calendars: Sequence[str | None] | Mapping[str, str] | None = None,
) -> Aligned:
    """Put several symbols on one clock of read instants, as-of, without inventing trades.

    ``clock_ts`` holds the instants at which values are read. Pass a clock
    ``Bars`` (e.g. the BTCUSDT minute bars) to read at each clock bar's close
    (``clock.close_ts``), which is when a decision on that bar is taken. A
    source bar shows at the first instant at or after its close. Row 0 covers
    ``(start_ns, clock[0]]``; ``start_ns`` defaults to the clock bar's open
    (Bars clock) or just before ``clock[0]`` (array clock: only bars closing
    exactly at ``clock[0]`` are fresh in row 0), so earlier history sets the
    as-of state without counting as fresh.

    >>> from tests.conftest import make_bars                                   # doctest: +SKIP
    >>> btc = make_bars(600, symbol="BTCUSDT")                                  # doctest: +SKIP
    >>> nq5 = resample(make_bars(600, symbol="NQ"), "5m", calendar="24/7")      # doctest: +SKIP
    >>> a = align([btc, nq5], btc); a.close.shape                               # doctest: +SKIP
    (600, 2)
    """
    if isinstance(clock_ts, Bars):
        clock = clock_ts.close_ts
        default_start = int(clock_ts.ts[0]) if len(clock_ts) else 0
    else:
        clock = np.asarray(clock_ts)
        if clock.dtype.kind not in "iu":
            raise ConfigError("align: clock_ts must be int64 ns UTC (or a Bars); convert datetimes with nexus.data.timeframes.utc_ns_array")
        clock = clock.astype(np.int64, copy=False)
        default_start = int(clock[0]) - 1 if clock.size else 0
    if clock.size > 1 and (np.diff(clock) <= 0).any():
        row = int(np.flatnonzero(np.diff(clock) <= 0)[0]) + 1
        raise ValidationError(f"align: clock row {row} is not after row {row - 1}; the clock must be strictly increasing")
    if isinstance(bars_list, Bars):
        bars_list = [bars_list]
    bars_list = list(bars_list)
    if not bars_list:
        raise ConfigError("align: give at least one Bars")
    start = default_start if start_ns is None else int(start_ns)
    symbols = tuple(b.symbol or f"col{j}" for j, b in enumerate(bars_list))
    if isinstance(calendars, Mapping):
        cals = [calendar_for(b.symbol, calendars.get(b.symbol)) for b in bars_list]
    elif calendars is not None:
        if len(calendars) != len(bars_list):
            raise ConfigError(f"align: {len(calendars)} calendars for {len(bars_list)} symbols")
        cals = [calendar_for(b.symbol, c) for b, c in zip(bars_list, calendars)]
    else:
        cals = [calendar_for(b.symbol) for b in bars_list]

    m, k = clock.shape[0], len(bars_list)
    out = {name: np.empty((m, k)) for name in ("open", "high", "low", "close") + FLOW_COLUMNS}
    bar_index = np.empty((m, k), dtype=np.int64)
    fresh = np.empty((m, k), dtype=bool)
    in_session = np.empty((m, k), dtype=bool)
    masks: dict[str, np.ndarray] = {}
    none = np.zeros(0)
    for j, b in enumerate(bars_list):
        if not isinstance(b, Bars):
            raise ConfigError(f"align: item {j} is a {type(b).__name__}, not a nexus Bars")
        if not b.timeframe:
            raise ConfigError(f"align: {symbols[j]} bars have no timeframe, so their close times are unknown")
        _check_sorted(b)
        flows = [none if getattr(b, name) is None else getattr(b, name) for name in FLOW_COLUMNS]
        K.align_into_nb(clock, start, b.close_ts, b.open, b.high, b.low, b.close, *flows, j,
                        out["open"], out["high"], out["low"], out["close"], *(out[name] for name in FLOW_COLUMNS),
                        bar_index, fresh)
        if cals[j] not in masks:  # one calendar evaluation per distinct calendar
            masks[cals[j]] = session_mask(clock - 1, cals[j])
        in_session[:, j] = masks[cals[j]]
    return Aligned(clock_ts=clock, bar_index=bar_index, fresh=fresh, in_session=in_session,
                   symbols=symbols, calendars=tuple(cals), **out)


__all__ = ["resample", "group_index", "bucket_labels", "asof_index", "asof", "complete_mask", "align", "Aligned", "calendar_for"]
