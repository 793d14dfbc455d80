"""Quarterly futures contracts: expiries, the roll calendar and continuous series.

An index future such as NQ lists quarterly contracts, month codes H (March),
M (June), U (September) and Z (December), named ``NQH25`` (root, month code,
two-digit year). Each expires on the third Friday of its month (trading ends
at 08:30 CT, the special opening quotation). Volume moves to the next
contract about a week before: the **roll rule** here is the common one, roll
``ROLL_DAYS_BEFORE_EXPIRY`` = 8 calendar days before expiry (the Thursday of
the week before), i.e. the next contract is the front from the first CME
trading day on or after that date (its session opens 17:00 CT the evening
before).

Three views of one root (see :func:`continuous`):

* ``"front"`` / ``"none"``: the front contract's own prices, stitched at each roll
  (unadjusted: the series jumps by the calendar spread at every roll);
* ``"difference"``: back-adjusted by difference, every bar before a roll
  shifted by (new - old) close of the last bar before the roll, so the series
  has no jump at rolls and its last stretch equals the front contract;
* ``"ratio"``: back-adjusted by ratio, earlier bars scaled by new / old
  (keeps percentage returns, not point differences).

Indicators and strategies read the back-adjusted series (the ``NQ`` dataset
of the default store is the difference-adjusted one); profit and loss must
come from the contracts' own prices, which the store keeps as datasets
``NQH25`` ... beside the roll table (aux ``rolls`` of the root dataset). The
simulator's side of rolls (closing the old contract and opening the new one
at the roll bar) belongs to the execution layer and reads this calendar.

>>> expiry_date(2025, 3), roll_date(2025, 3)
(datetime.date(2025, 3, 21), datetime.date(2025, 3, 13))
>>> contract_symbol("NQ", 2025, 12), parse_contract("NQZ25")
('NQZ25', ('NQ', 2025, 12))
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Mapping
from zoneinfo import ZoneInfo

import numpy as np

from nexus.data.bars import Bars
from nexus.data.calendar import CME_TZ, NS_PER_DAY, session_id
from nexus.errors import DataError

MONTH_CODES = {3: "H", 6: "M", 9: "U", 12: "Z"}
CODE_MONTHS = {v: k for k, v in MONTH_CODES.items()}
ROLL_DAYS_BEFORE_EXPIRY = 8
ADJUSTMENTS = ("none", "difference", "ratio")
_CONTRACT_RE = re.compile(r"^([A-Z0-9]+?)([FGHJKMNQUVXZ])(\d{2})$")
_EPOCH = dt.date(1970, 1, 1)


def expiry_date(year: int, month: int) -> dt.date:
    """Third Friday of ``month``: the expiry of an equity index future."""
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(4 - first.weekday()) % 7 + 14)


def expiry_ns(year: int, month: int) -> int:
    """Last trading instant (08:30 CT on the third Friday) as int ns UTC."""
    d = expiry_date(year, month)
    local = dt.datetime(d.year, d.month, d.day, 8, 30, tzinfo=ZoneInfo(CME_TZ))
    return int(local.timestamp()) * 1_000_000_000


def roll_date(year: int, month: int) -> dt.date:
    """Trading date from which the next contract is the front (``ROLL_DAYS_BEFORE_EXPIRY`` before expiry)."""
    return expiry_date(year, month) - dt.timedelta(days=ROLL_DAYS_BEFORE_EXPIRY)


def contract_symbol(root: str, year: int, month: int) -> str:
    """``NQH25`` style symbol of a quarterly contract."""
    if month not in MONTH_CODES:
        raise DataError(f"{root} contract month {month}: quarterly contracts are March, June, September, December")
    return f"{root}{MONTH_CODES[month]}{year % 100:02d}"


def parse_contract(symbol: str) -> tuple[str, int, int]:
    """``(root, year, month)`` of a contract symbol such as ``NQH25`` (years 2000-2099)."""
    m = _CONTRACT_RE.match(symbol.upper())
    if not m or m.group(2) not in CODE_MONTHS:
        raise DataError(f"{symbol!r} is not a quarterly contract symbol; use ROOT + H/M/U/Z + two-digit year, e.g. NQH25")
    return m.group(1), 2000 + int(m.group(3)), CODE_MONTHS[m.group(2)]


def is_contract(symbol: str) -> bool:
    """True for a single dated contract such as ``NQH25`` (its root's continuous series is the one to analyse)."""
    m = _CONTRACT_RE.match(symbol)
    return bool(m) and m.group(2) in CODE_MONTHS


@dataclass(frozen=True)
class RollCalendar:
    """Quarterly contracts of one root in expiry order, with the trading day each stops being the front."""

    root: str
    symbols: tuple[str, ...]
    expiry_ns: np.ndarray  # int64, last trading instant of each contract
    roll_day: np.ndarray  # int64 CME trading-day id (days since 1970) from which the *next* contract is the front

    def front_index(self, ts: np.ndarray) -> np.ndarray:
        """Index (into ``symbols``) of the front contract of each bar (by its CME trading day)."""
        day = session_id(np.asarray(ts, dtype=np.int64), "CME_GLOBEX")
        idx = np.searchsorted(self.roll_day, day, side="right")
        if idx.size and idx.max() >= len(self.symbols):
            raise DataError(f"{self.root}: bars after the last contract's roll ({self.symbols[-1]}); extend the calendar")
        return idx

    def table(self) -> list[dict]:
        """One row per contract: symbol, expiry, roll date (first day the next one is the front)."""
        out = []
        for s, e, r in zip(self.symbols, self.expiry_ns, self.roll_day):
            out.append({"symbol": s, "expiry": int(e), "roll_date": str(_EPOCH + dt.timedelta(days=int(r)))})
        return out


def roll_calendar(root: str, start_ns: int, end_ns: int) -> RollCalendar:
    """Contracts that are the front at some instant of ``[start_ns, end_ns]``, plus the one after."""
    start = _EPOCH + dt.timedelta(days=int(start_ns) // NS_PER_DAY)
    end = _EPOCH + dt.timedelta(days=int(end_ns) // NS_PER_DAY)
    year, month = start.year, 3 * ((start.month - 1) // 3) + 3
    months = []
    while True:
        if roll_date(year, month) > start - dt.timedelta(days=1):
            months.append((year, month))
            if roll_date(year, month) > end + dt.timedelta(days=1):
                break
        month += 3
        if month > 12:
            year, month = year + 1, 3
    months.append((year + (month == 12), 3 if month == 12 else month + 3))
    return RollCalendar(
        root=root,
        symbols=tuple(contract_symbol(root, y, m) for y, m in months),
        expiry_ns=np.array([expiry_ns(y, m) for y, m in months], dtype=np.int64),
        roll_day=np.array([(roll_date(y, m) - _EPOCH).days for y, m in months], dtype=np.int64),
    )


@dataclass
class Continuous:
    """A continuous series and where it came from."""

    bars: Bars
    contract: np.ndarray  # index into ``calendar.symbols`` of the contract each bar is from
    calendar: RollCalendar
    roll_ts: np.ndarray  # int64, first bar of each new front contract
    spread: np.ndarray  # new - old close on the last bar before each roll (the calendar spread)
    ratio: np.ndarray  # new / old close there


def continuous(contracts: Mapping[str, Bars], calendar: RollCalendar, adjust: str = "difference") -> Continuous:
    """Stitch ``contracts`` (symbol -> Bars) into one front series; ``adjust`` in ``ADJUSTMENTS``.

    The roll happens at the first bar of the roll day; the spread is measured on
    the last bar before it, where both contracts must have a bar.
    """
    if adjust not in ADJUSTMENTS:
        raise DataError(f"{calendar.root}: adjust={adjust!r}; use one of {list(ADJUSTMENTS)}")
    parts, idx_parts = [], []
    for k, sym in enumerate(calendar.symbols):
        b = contracts.get(sym)
        if b is None or len(b) == 0:
            continue
        keep = calendar.front_index(b.ts) == k
        if keep.any():
            parts.append(b.take(np.flatnonzero(keep)))
            idx_parts.append(np.full(int(keep.sum()), k, dtype=np.int64))
    if not parts:
        raise DataError(f"{calendar.root}: no contract bars while any contract is the front; load the contracts first")
    arrays = {c: np.concatenate([getattr(p, c) for p in parts]) for c in parts[0].columns if all(p.has(c) for p in parts)}
    which = np.concatenate(idx_parts)
    if (np.diff(arrays["ts"]) <= 0).any():
        raise DataError(f"{calendar.root}: contract bars overlap or are unsorted after stitching")
    roll_pos = np.flatnonzero(np.diff(which) != 0) + 1
    spread = np.empty(roll_pos.shape[0])
    ratio = np.empty(roll_pos.shape[0])
    for j, pos in enumerate(roll_pos):
        t_prev = arrays["ts"][pos - 1]
        old = contracts[calendar.symbols[which[pos - 1]]]
        new = contracts[calendar.symbols[which[pos]]]
        i_old = np.searchsorted(old.ts, t_prev)
        i_new = np.searchsorted(new.ts, t_prev)
        if i_new >= len(new) or new.ts[i_new] != t_prev:
            raise DataError(f"{calendar.root}: {new.symbol} has no bar at the last bar before its roll; the spread is unknown")
        spread[j] = new.close[i_new] - old.close[i_old]
        ratio[j] = new.close[i_new] / old.close[i_old]
    if adjust != "none" and roll_pos.size:
        # every bar before roll j gets the adjustments of roll j and all later rolls
        seg = np.searchsorted(roll_pos, np.arange(which.shape[0]), side="right")
        for c in ("open", "high", "low", "close"):
            if adjust == "difference":
                add = np.r_[np.cumsum(spread[::-1])[::-1], 0.0]
                arrays[c] = arrays[c] + add[seg]
            else:
                mul = np.r_[np.cumprod(ratio[::-1])[::-1], 1.0]
                arrays[c] = arrays[c] * mul[seg]
    ref = parts[-1]
    meta = dict(ref.meta)
    meta.update(continuous=adjust, roll_rule=f"{ROLL_DAYS_BEFORE_EXPIRY} days before expiry")
    bars = Bars.from_arrays(symbol=calendar.root, timeframe=ref.timeframe, meta=meta, **arrays)
    return Continuous(bars=bars, contract=which, calendar=calendar, roll_ts=arrays["ts"][roll_pos], spread=spread, ratio=ratio)


def rolls_aux(cont: Continuous) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The roll table as store side data: ``(ts of each roll bar, columns)``."""
    cal = cont.calendar
    to_idx = cont.contract[np.searchsorted(cont.bars.ts, cont.roll_ts)]
    months = np.array([parse_contract(s)[1] * 100 + parse_contract(s)[2] for s in cal.symbols], dtype=np.int64)
    return cont.roll_ts, {
        "from_contract": months[to_idx - 1], "to_contract": months[to_idx],
        "expiry": cal.expiry_ns[to_idx - 1], "spread": cont.spread, "ratio": cont.ratio,
    }


def store_view(store, root: str, timeframe: str, view: str = "difference") -> Continuous:
    """A continuous view of ``root`` from the contracts in ``store`` (``view``: front/none, difference, ratio).

    >>> store_view(nx.BarStore("data/bars"), "NQ", "1h", "front").roll_ts   # doctest: +SKIP
    """
    adjust = "none" if view == "front" else view
    if adjust not in ADJUSTMENTS:
        raise DataError(f"{root}/{timeframe}: unknown view {view!r}; use front, none, difference or ratio")
    store.dataset_meta(root, timeframe)  # an unknown root or timeframe gets the store's one-line error
    rolls = store.read_aux(root, timeframe, "rolls") if "rolls" in store.aux_names(root, timeframe) else None
    if rolls is None:
        raise DataError(f"{root}/{timeframe}: the store holds no roll table (aux 'rolls'); build it with `nexus data synth`")
    stored = [s for s in store.symbols() if s.startswith(root) and is_contract(s) and parse_contract(s)[0] == root and store.has(s, timeframe)]
    if not stored:
        raise DataError(f"{root}/{timeframe}: no contracts such as {root}H25 in the store")
    first = min(store.read(s, timeframe).ts[0] for s in stored)
    last = max(store.last_ts(s, timeframe) for s in stored)
    cal = roll_calendar(root, first, last)
    contracts = {s: store.read(s, timeframe) for s in stored if s in cal.symbols}
    return continuous(contracts, cal, adjust)


__all__ = [
    "MONTH_CODES", "ROLL_DAYS_BEFORE_EXPIRY", "ADJUSTMENTS", "expiry_date", "expiry_ns", "roll_date",
    "contract_symbol", "parse_contract", "is_contract", "RollCalendar", "roll_calendar", "Continuous", "continuous",
    "rolls_aux", "store_view",
]
