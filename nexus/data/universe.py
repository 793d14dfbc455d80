"""A universe of instruments with composable filters.

Filters combine with ``&``, ``|`` and ``~`` and come in two kinds:

* attribute filters over the instrument spec: ``F.kind == "spot"``,
  ``attr("quote") == "USDT"``, ``F.calendar.isin(["24/7"])``;
* statistic filters computed from a store (or a ``{symbol: Bars}`` dict):
  ``F.median_daily_dollar_volume(store) > 1e9``,
  ``F.realized_volatility(store) < 0.8``.

>>> from nexus.data.universe import Universe, F, attr
>>> Universe.all().where(kind="spot").symbols
('BNBUSDT', 'BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT')
>>> Universe.all().where((F.kind == "future") | (attr("base") == "BTC")).symbols
('BTCUSDT', 'NQ')
>>> Universe.all().where(~(F.quote == "USDT")).symbols
('NQ',)

A statistic is computed once per symbol per filter object and cached there;
a symbol the store does not hold gets NaN, which fails every comparison.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
import os
from dataclasses import fields
from typing import Any, Callable, Iterable, Iterator, Mapping

import numpy as np
import pandas as pd

from nexus.data import instruments as _instruments
from nexus.data.bars import Bars
from nexus.data.instruments import Instrument
from nexus.data.timeframes import NS_PER_DAY, timeframe_ns
from nexus.errors import ConfigError, StoreError, UnknownSymbolError

_ATTRS = tuple(f.name for f in fields(Instrument))


class Filter:
    """A predicate over instruments; combine with ``&``, ``|``, ``~``."""

    def __init__(self, fn: Callable[[Instrument], bool], text: str) -> None:
        self._fn = fn
        self.text = text

    def __call__(self, inst: Instrument) -> bool:
        return bool(self._fn(inst))

    def __and__(self, other: "Filter") -> "Filter":
        other = _as_filter(other)
        return Filter(lambda i: self(i) and other(i), f"({self.text} & {other.text})")

    def __or__(self, other: "Filter") -> "Filter":
        other = _as_filter(other)
        return Filter(lambda i: self(i) or other(i), f"({self.text} | {other.text})")

    def __invert__(self) -> "Filter":
        return Filter(lambda i: not self(i), f"~{self.text}")

    def __bool__(self) -> bool:
        raise ConfigError(f"filter {self.text} has no truth value; combine filters with & | ~, not and / or / not")

    def __repr__(self) -> str:
        return f"Filter({self.text})"


def _as_filter(x: Any) -> Filter:
    if isinstance(x, Filter):
        return x
    raise ConfigError(f"cannot combine a filter with {type(x).__name__} {x!r}; build filters with F.<attribute> or attr(name)")


class _Comparable(ABC):
    """Shared comparison operators producing Filters from a value getter."""

    @abstractmethod
    def _value(self, inst: Instrument) -> Any:
        """The compared value for one instrument (an attribute, or a statistic from the store)."""

    def _cmp(self, op: str, other: Any, fn: Callable[[Any, Any], bool]) -> Filter:
        def pred(inst: Instrument) -> bool:
            v = self._value(inst)
            if isinstance(v, float) and math.isnan(v):
                return False
            return fn(v, other)

        return Filter(pred, f"{self.label} {op} {other!r}")

    def __eq__(self, other: Any) -> Filter:  # type: ignore[override]
        return self._cmp("==", other, lambda a, b: a == b)

    def __ne__(self, other: Any) -> Filter:  # type: ignore[override]
        return self._cmp("!=", other, lambda a, b: a != b)

    def __lt__(self, other: Any) -> Filter:
        return self._cmp("<", other, lambda a, b: a < b)

    def __le__(self, other: Any) -> Filter:
        return self._cmp("<=", other, lambda a, b: a <= b)

    def __gt__(self, other: Any) -> Filter:
        return self._cmp(">", other, lambda a, b: a > b)

    def __ge__(self, other: Any) -> Filter:
        return self._cmp(">=", other, lambda a, b: a >= b)

    def isin(self, values: Iterable[Any]) -> Filter:
        vals = tuple(values)
        return self._cmp("in", vals, lambda a, b: a in b)

    def between(self, lo: Any, hi: Any) -> Filter:
        """``lo <= value <= hi``."""
        return self._cmp("between", (lo, hi), lambda a, b: b[0] <= a <= b[1])

    __hash__ = None  # type: ignore[assignment]


class Attr(_Comparable):
    """An instrument attribute (``symbol``, ``kind``, ``quote``, ``tick_size``, ...)."""

    def __init__(self, name: str) -> None:
        if name not in _ATTRS:
            raise ConfigError(f"instruments have no attribute {name!r}; known: {list(_ATTRS)}")
        self.name = name
        self.label = name

    def _value(self, inst: Instrument) -> Any:
        return getattr(inst, self.name)


class Stat(_Comparable):
    """A per-symbol statistic (float); compare it to get a Filter. ``values(universe)`` lists it."""

    def __init__(self, label: str, fn: Callable[[Instrument], float]) -> None:
        self.label = label
        self._fn = fn
        self._cache: dict[str, float] = {}

    def _value(self, inst: Instrument) -> float:
        if inst.symbol not in self._cache:
            self._cache[inst.symbol] = float(self._fn(inst))
        return self._cache[inst.symbol]

    def values(self, universe: "Universe") -> pd.Series:
        """The statistic for every instrument of ``universe`` (NaN where there is no data)."""
        return pd.Series({i.symbol: self._value(i) for i in universe}, name=self.label, dtype=float)


def attr(name: str) -> Attr:
    """Attribute filter builder: ``attr("quote") == "USDT"``."""
    return Attr(name)


# ------------------------------------------------------------------ statistics from a store
def _read_daily(store: Any, inst: Instrument, timeframe: str | None, lookback_days: int | None) -> Bars | None:
    from nexus.data.resample import resample

    if isinstance(store, Mapping):
        bars = store.get(inst.symbol)
        if bars is None:
            return None
    else:
        if not hasattr(store, "read") or not hasattr(store, "timeframes"):
            raise ConfigError(f"statistic filters need a BarStore or a {{symbol: Bars}} dict, got {type(store).__name__}; e.g. nexus.BarStore('data/bars')")
        try:
            available = list(store.timeframes(inst.symbol))
        except UnknownSymbolError:
            return None
        if not available:
            return None
        if timeframe is None:
            # prefer daily bars; else the coarsest intraday series (least to read, usually the longest history)
            intraday = [tf for tf in available if timeframe_ns(tf) <= NS_PER_DAY]
            if not intraday:
                return None
            timeframe = "1d" if "1d" in intraday else max(intraday, key=timeframe_ns)
        elif timeframe not in available:
            return None
        start = None
        if lookback_days is not None and hasattr(store, "last_ts"):
            last = store.last_ts(inst.symbol, timeframe)
            start = None if last is None else int(last) - int(lookback_days) * NS_PER_DAY
        try:
            bars = store.read(inst.symbol, timeframe, start=start, columns=["quote_volume"])
        except StoreError:  # this dataset has no quote_volume column; price x volume stands in
            bars = store.read(inst.symbol, timeframe, start=start, columns=[])
    if len(bars) == 0:
        return None
    if lookback_days is not None:
        bars = bars[int(np.searchsorted(bars.ts, bars.ts[-1] - int(lookback_days) * NS_PER_DAY, side="right")):]
        if len(bars) == 0:
            return None
    if timeframe_ns(bars.timeframe) != NS_PER_DAY:
        bars = resample(bars, "1d", calendar=inst.calendar)
    return bars


def _dollar_volume(bars: Bars, inst: Instrument) -> np.ndarray:
    if bars.quote_volume is not None:
        return bars.quote_volume
    typical = (bars.high + bars.low + bars.close) / 3.0
    return typical * bars.volume * inst.multiplier


def median_daily_dollar_volume(store: Any, *, timeframe: str | None = None, lookback_days: int | None = None) -> Stat:
    """Median over days of traded value (quote volume, else typical price x volume x multiplier)."""

    def fn(inst: Instrument) -> float:
        daily = _read_daily(store, inst, timeframe, lookback_days)
        if daily is None:
            return float("nan")
        return float(np.median(_dollar_volume(daily, inst)))

    return Stat("median_daily_dollar_volume", fn)


def realized_volatility(store: Any, *, timeframe: str | None = None, lookback_days: int | None = None, annualize: bool = True) -> Stat:
    """Standard deviation of daily log close-to-close returns, annualised with 365 (24/7) or 252 (CME) days."""

    def fn(inst: Instrument) -> float:
        daily = _read_daily(store, inst, timeframe, lookback_days)
        if daily is None or len(daily) < 3:
            return float("nan")
        r = np.diff(np.log(daily.close))
        sd = float(np.std(r, ddof=1))
        if annualize:
            sd *= math.sqrt(365.0 if inst.calendar == "24/7" else 252.0)
        return sd

    return Stat("realized_volatility", fn)


class _FilterNamespace:
    """``F.<attribute>`` for instrument attributes, ``F.<statistic>(store)`` for statistics."""

    median_daily_dollar_volume = staticmethod(median_daily_dollar_volume)
    realized_volatility = staticmethod(realized_volatility)

    @staticmethod
    def stat(label: str, fn: Callable[[Instrument], float]) -> Stat:
        """A custom statistic: ``F.stat("my_score", lambda inst: ...) > 0.5``."""
        return Stat(label, fn)

    def __getattr__(self, name: str) -> Attr:
        if name.startswith("__"):
            raise AttributeError(name)
        return Attr(name)

    def __dir__(self) -> list[str]:
        return list(_ATTRS) + ["median_daily_dollar_volume", "realized_volatility", "stat"]


F = _FilterNamespace()


# ------------------------------------------------------------------ the universe
class Universe:
    """An ordered set of instruments (sorted by symbol); filtering returns a new Universe."""

    def __init__(self, instruments: Iterable[Instrument]) -> None:
        table: dict[str, Instrument] = {}
        for inst in instruments:
            if not isinstance(inst, Instrument):
                raise ConfigError(f"Universe takes Instrument objects, got {type(inst).__name__}; use Universe.of('BTCUSDT', ...)")
            table[inst.symbol] = inst
        self._items = tuple(table[s] for s in sorted(table))

    @classmethod
    def all(cls, path: str | os.PathLike | None = None) -> "Universe":
        """Every instrument in the spec file (plus ``$NEXUS_INSTRUMENTS`` / ``path``)."""
        return cls(_instruments.all_instruments(path))

    @classmethod
    def of(cls, *symbols: str, path: str | os.PathLike | None = None) -> "Universe":
        """The named instruments: ``Universe.of("BTCUSDT", "NQ")``."""
        flat = [s for item in symbols for s in ([item] if isinstance(item, str) else item)]
        return cls(_instruments.get(s, path) for s in flat)

    def where(self, *filters: Filter, **attrs: Any) -> "Universe":
        """Instruments passing every filter and every ``attribute=value`` (a list/tuple/set value means any of)."""
        conds = [_as_filter(f) for f in filters]
        for name, value in attrs.items():
            a = Attr(name)
            conds.append(a.isin(value) if isinstance(value, (list, tuple, set, frozenset)) else a == value)
        return Universe(i for i in self._items if all(c(i) for c in conds))

    filter = where

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(i.symbol for i in self._items)

    @property
    def instruments(self) -> tuple[Instrument, ...]:
        return self._items

    def get(self, symbol: str) -> Instrument:
        for i in self._items:
            if i.symbol == symbol:
                return i
        raise UnknownSymbolError(f"symbol {symbol!r} is not in this universe; it holds {list(self.symbols)}")

    def __iter__(self) -> Iterator[Instrument]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, item: object) -> bool:
        sym = item.symbol if isinstance(item, Instrument) else item
        return sym in self.symbols

    def __or__(self, other: "Universe") -> "Universe":
        return Universe(self._items + tuple(other))

    def __and__(self, other: "Universe") -> "Universe":
        keep = set(other.symbols)
        return Universe(i for i in self._items if i.symbol in keep)

    def __sub__(self, other: "Universe") -> "Universe":
        drop = set(other.symbols)
        return Universe(i for i in self._items if i.symbol not in drop)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Universe) and self._items == other._items

    __hash__ = None  # type: ignore[assignment]

    def to_pandas(self) -> pd.DataFrame:
        """One row per instrument, indexed by symbol."""
        rows = [{f: getattr(i, f) for f in _ATTRS} for i in self._items]
        return pd.DataFrame(rows, columns=list(_ATTRS)).set_index("symbol")

    def __repr__(self) -> str:
        return f"Universe({list(self.symbols)})"

    def _repr_html_(self) -> str:
        return self.to_pandas()._repr_html_()


__all__ = ["Universe", "Filter", "Attr", "Stat", "F", "attr", "median_daily_dollar_volume", "realized_volatility"]
