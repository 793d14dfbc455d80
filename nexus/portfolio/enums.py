"""Integer enums the kernels read, and the string names users write.

Strings are mapped to these ints only at the API edge (see :func:`parse`);
kernels compare plain ints, so they hold no Python objects.
"""

from __future__ import annotations

from typing import NamedTuple

from nexus.errors import ConfigError


class _Direction(NamedTuple):
    long: int = 0
    short: int = 1
    both: int = 2


class _SizeType(NamedTuple):
    amount: int = 0
    value: int = 1
    percent: int = 2


class _PriceType(NamedTuple):
    next_open: int = 0
    close: int = 1
    next_worst: int = 2


class _SlippageModel(NamedTuple):
    fixed: int = 0
    spread: int = 1
    volume: int = 2


class _TargetType(NamedTuple):
    weight: int = 0
    amount: int = 1
    value: int = 2


class _Side(NamedTuple):
    buy: int = 0
    sell: int = 1


class _Reason(NamedTuple):
    signal: int = 0
    sl: int = 1
    tp: int = 2
    tsl: int = 3
    end: int = 4
    rebalance: int = 5


class _TradeStatus(NamedTuple):
    open: int = 0
    closed: int = 1


class _TradeDirection(NamedTuple):
    long: int = 0
    short: int = 1


Direction = _Direction()
SizeType = _SizeType()
PriceType = _PriceType()
SlippageModel = _SlippageModel()
TargetType = _TargetType()
Side = _Side()
Reason = _Reason()
TradeStatus = _TradeStatus()
TradeDirection = _TradeDirection()


def parse(enum: NamedTuple, value: object, field: str) -> int:
    """Map a user string (or an already valid int) to the enum's int, naming the field on error."""
    names = enum._fields
    if isinstance(value, str):
        key = value.strip().lower().replace("-", "_")
        if key in names:
            return int(getattr(enum, key))
    elif isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names):
        return int(value)
    raise ConfigError(f"{field}={value!r} is not understood; use one of {', '.join(repr(n) for n in names)}")
