"""Integer enums the kernels read, and the string names users write.

Strings are mapped to these ints only at the API edge (see :func:`parse`);
kernels compare plain ints, so they hold no Python objects.
"""

from __future__ import annotations

from typing import NamedTuple

from nexus.errors import ConfigError


def _enum(name: str, *names: str) -> NamedTuple:
    """A NamedTuple instance whose fields count 0, 1, 2, ... (``Direction.short == 1``)."""
    return NamedTuple(name, [(n, int) for n in names])(*range(len(names)))


Direction = _enum("Direction", "long", "short", "both")
SizeType = _enum("SizeType", "amount", "value", "percent")
PriceType = _enum("PriceType", "next_open", "close", "next_worst")
SlippageModel = _enum("SlippageModel", "fixed", "spread", "volume")
TargetType = _enum("TargetType", "weight", "amount", "value")
Side = _enum("Side", "buy", "sell")
Reason = _enum("Reason", "signal", "sl", "tp", "tsl", "end", "rebalance", "time_stop", "daily_loss_limit",
               "drawdown_stop", "reversal", "roll")
FillModel = _enum("FillModel", "aggressive", "realistic", "conservative")
BookSlippage = _enum("BookSlippage", "none", "fixed", "ticks", "spread", "volume")
OrderType = _enum("OrderType", "market", "limit", "stop", "stop_limit")
LimitStatus = _enum("LimitStatus", "filled", "resting", "cancelled", "expired", "crossed")
TradeStatus = _enum("TradeStatus", "open", "closed")
TradeDirection = _enum("TradeDirection", "long", "short")


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
