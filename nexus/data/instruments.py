"""Instrument specifications (tick, lot, multiplier, fees, session calendar).

The specs live in one editable file, ``nexus/data/instruments.toml``. A user
file named by ``$NEXUS_INSTRUMENTS`` or passed as ``path=`` is layered on
top: its tables add symbols or replace individual fields of known ones.

>>> from nexus.data import instruments
>>> nq = instruments.get("NQ")
>>> nq.multiplier, nq.tick_size, nq.calendar
(20.0, 0.25, 'CME_GLOBEX')
>>> nq.round_price(20000.13)
20000.25
>>> sorted(i.symbol for i in instruments.all_instruments() if i.kind == "spot")
['BNBUSDT', 'BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT']
"""

from __future__ import annotations

import math
import os
import tomllib
import dataclasses
import re
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from nexus.errors import ConfigError, UnknownSymbolError

KINDS = ("spot", "future", "perpetual")
CALENDARS = ("24/7", "CME_GLOBEX")
ENV_VAR = "NEXUS_INSTRUMENTS"


@dataclass(frozen=True)
class Instrument:
    """One tradable instrument. Fees are fractions of traded notional."""

    symbol: str
    exchange: str
    base: str
    quote: str
    kind: str
    tick_size: float
    lot_size: float
    multiplier: float
    maker_fee: float
    taker_fee: float
    calendar: str
    currency: str
    # per contract (or unit) and side, in ``currency``: the broker's commission, and the exchange,
    # clearing and regulatory fees together; charged on top of the fractional maker / taker fees
    commission_per_contract: float = 0.0
    exchange_fee_per_contract: float = 0.0

    @property
    def price_decimals(self) -> int:
        """Decimals needed to print a price on the tick grid (0.25 -> 2, 0.0001 -> 4)."""
        return _decimals(self.tick_size)

    @property
    def qty_decimals(self) -> int:
        return _decimals(self.lot_size)

    def round_price(self, price):
        """Nearest tick (scalar or array); the extra decimal rounding removes float residue like 0.30000000000000004."""
        out = np.round(np.round(np.asarray(price, dtype=np.float64) / self.tick_size) * self.tick_size, self.price_decimals)
        return float(out) if out.ndim == 0 else out

    def round_qty(self, qty):
        """Nearest lot (scalar or array)."""
        out = np.round(np.round(np.asarray(qty, dtype=np.float64) / self.lot_size) * self.lot_size, self.qty_decimals)
        return float(out) if out.ndim == 0 else out

    def notional(self, price, qty):
        """Value of ``qty`` units at ``price`` in ``currency`` (price * qty * multiplier)."""
        return np.asarray(price, dtype=np.float64) * qty * self.multiplier


def _decimals(step: float) -> int:
    d = 0
    while d < 12 and abs(round(step * 10**d) - step * 10**d) > 1e-9:
        d += 1
    return d


_FIELDS = {f.name: f.type for f in fields(Instrument) if f.name != "symbol"}
_FLOAT_FIELDS = ("tick_size", "lot_size", "multiplier", "maker_fee", "taker_fee", "commission_per_contract",
                 "exchange_fee_per_contract")
_OPTIONAL = ("commission_per_contract", "exchange_fee_per_contract")
COST_FIELDS = ("maker_fee", "taker_fee", "commission_per_contract", "exchange_fee_per_contract")


def default_path() -> Path:
    """The packaged spec file."""
    return Path(str(resources.files("nexus.data").joinpath("instruments.toml")))


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"instrument file {path} does not exist; fix ${ENV_VAR} or the path= argument") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"instrument file {path}: not valid TOML ({exc})") from None


def _build(symbol: str, spec: dict, path: Path) -> Instrument:
    unknown = sorted(set(spec) - set(_FIELDS))
    if unknown:
        raise ConfigError(f"{path} [{symbol}]: unknown field(s) {unknown}; known: {sorted(_FIELDS)}")
    missing = sorted(set(_FIELDS) - set(spec) - set(_OPTIONAL))
    if missing:
        raise ConfigError(f"{path} [{symbol}]: missing field(s) {missing}")
    values = dict(spec)
    for name in _FLOAT_FIELDS:
        if name not in values:
            continue
        v = values[name]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
            raise ConfigError(f"{path} [{symbol}]: {name} must be a number, got {v!r}")
        values[name] = float(v)
    for name in ("tick_size", "lot_size", "multiplier"):
        if values[name] <= 0:
            raise ConfigError(f"{path} [{symbol}]: {name} must be > 0, got {values[name]}")
    for name in _OPTIONAL:
        if values.get(name, 0.0) < 0:
            raise ConfigError(f"{path} [{symbol}]: {name} must be >= 0, got {values[name]}")
    for name in ("maker_fee", "taker_fee"):
        if not -0.01 <= values[name] < 0.1:
            raise ConfigError(f"{path} [{symbol}]: {name} {values[name]} is a fraction of notional (0.001 = 0.1 %); expected in [-0.01, 0.1)")
    if values["kind"] not in KINDS:
        raise ConfigError(f"{path} [{symbol}]: kind {values['kind']!r} must be one of {list(KINDS)}")
    if values["calendar"] not in CALENDARS:
        raise ConfigError(f"{path} [{symbol}]: calendar {values['calendar']!r} must be one of {list(CALENDARS)}")
    for name in ("exchange", "base", "quote", "currency"):
        if not isinstance(values[name], str) or not values[name]:
            raise ConfigError(f"{path} [{symbol}]: {name} must be a non-empty string")
    return Instrument(symbol=symbol, **values)


@lru_cache(maxsize=8)
def _load(paths: tuple[tuple[str, float], ...]) -> dict[str, Instrument]:
    merged: dict[str, dict] = {}
    origin: dict[str, Path] = {}
    for p, _mtime in paths:
        path = Path(p)
        for symbol, spec in _read_toml(path).items():
            if not isinstance(spec, dict):
                raise ConfigError(f"{path}: {symbol!r} must be a table [{symbol}] of fields")
            merged.setdefault(symbol, {}).update(spec)
            origin[symbol] = path
    return {s: _build(s, spec, origin[s]) for s, spec in merged.items()}


def _paths(path: str | os.PathLike | None) -> tuple[tuple[str, float], ...]:
    chosen = [default_path()]
    user = path if path is not None else os.environ.get(ENV_VAR) or None
    if user is not None:
        chosen.append(Path(user))
    out = []
    for p in chosen:
        try:
            mtime = p.stat().st_mtime  # part of the cache key so an edited file is re-read
        except FileNotFoundError:
            raise ConfigError(f"instrument file {p} does not exist; fix ${ENV_VAR} or the path= argument") from None
        out.append((str(p), mtime))
    return tuple(out)


def load(path: str | os.PathLike | None = None) -> dict[str, Instrument]:
    """All instruments by symbol: the packaged file overlaid with ``path`` or ``$NEXUS_INSTRUMENTS``."""
    return dict(_load(_paths(path)))


def _contract_root(symbol: str) -> str | None:
    m = re.match(r"^([A-Z0-9]+?)[FGHJKMNQUVXZ]\d{2}$", symbol)
    return m.group(1) if m else None


def get(symbol: str, path: str | os.PathLike | None = None) -> Instrument:
    """The instrument for a store symbol; ``UnknownSymbolError`` lists the known ones."""
    table = _load(_paths(path))
    try:
        return table[symbol]
    except KeyError:
        root = _contract_root(symbol)
        if root in table and table[root].kind == "future":  # NQH25 trades under the NQ spec
            return dataclasses.replace(table[root], symbol=symbol)
        raise UnknownSymbolError(
            f"no instrument spec for symbol {symbol!r}; known: {sorted(table)}. Add a [{symbol}] table to a TOML file named by ${ENV_VAR}"
        ) from None


def with_costs(inst: Instrument, overrides: dict, where: str) -> Instrument:
    """``inst`` with some of its :data:`COST_FIELDS` replaced (a book's own rates), checked as the file's values are.

    >>> with_costs(get("NQ"), {"commission_per_contract": 0.5}, "backtest.toml").commission_per_contract
    0.5
    """
    if not isinstance(overrides, dict):
        raise ConfigError(f"{where} [{inst.symbol}]: give a table of cost keys, e.g. commission_per_contract = 0.5")
    unknown = sorted(set(overrides) - set(COST_FIELDS))
    if unknown:
        raise ConfigError(f"{where} [{inst.symbol}]: unknown cost key(s) {unknown}; allowed: {', '.join(COST_FIELDS)}")
    spec = {name: getattr(inst, name) for name in _FIELDS}
    spec.update(overrides)
    return _build(inst.symbol, spec, where)


def all_instruments(path: str | os.PathLike | None = None) -> list[Instrument]:
    """Every known instrument, sorted by symbol."""
    table = _load(_paths(path))
    return [table[s] for s in sorted(table)]


__all__ = ["Instrument", "get", "all_instruments", "load", "default_path", "with_costs", "KINDS", "CALENDARS",
           "COST_FIELDS"]
