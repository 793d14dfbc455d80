"""Symbol names across sources: ccxt ``BTC/USDT`` <-> store ``BTCUSDT``.

The store names a spot pair by its exchange id without separators
(``BTCUSDT``, as Binance and its dump files do). A perpetual swap gets a
``-PERP`` suffix and a dated future its expiry (``BTCUSDT-240628``) so the
three never collide in one store. yfinance continuous futures drop ``=F``
(``NQ=F`` -> ``NQ``).

>>> to_store_symbol("BTC/USDT"), to_store_symbol("ETH/USDT:USDT"), to_store_symbol("NQ=F")
('BTCUSDT', 'ETHUSDT-PERP', 'NQ')
>>> to_ccxt_symbol("BTCUSDT"), to_ccxt_symbol("ETHUSDT-PERP")
('BTC/USDT', 'ETH/USDT:USDT')
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping

from nexus.errors import ConfigError

# Longest first so "BTCFDUSD" splits as BTC + FDUSD, not BTCFD + USD.
KNOWN_QUOTES: tuple[str, ...] = tuple(
    sorted(
        ("USDT", "USDC", "FDUSD", "TUSD", "BUSD", "DAI", "USD", "EUR", "GBP", "TRY", "BRL", "JPY",
         "BTC", "ETH", "BNB", "SOL", "XRP", "DOGE"),
        key=len,
        reverse=True,
    )
)

_STORE_RE = re.compile(r"^[A-Z0-9]+(?:-(?:PERP|\d{6}))?$")
_CCXT_RE = re.compile(r"^([A-Za-z0-9]+)/([A-Za-z0-9]+)(?::([A-Za-z0-9]+)(?:-(\d{6}))?)?$")


def to_store_symbol(symbol: str) -> str:
    """Store name for a ccxt unified symbol, a yfinance ticker or an exchange id."""
    s = str(symbol).strip()
    if not s:
        raise ConfigError("empty symbol; write it as BTC/USDT (ccxt) or BTCUSDT (store)")
    if s.endswith("=F"):  # yfinance continuous future
        return s[:-2].upper()
    contract = re.match(r"^([A-Z0-9]+?[FGHJKMNQUVXZ]\d{2})\.(CME|CBT|NYM|CMX)$", s.upper())
    if contract:  # yfinance dated future such as NQH25.CME: the contract's own dataset (see nexus.data.contracts)
        return contract.group(1)
    m = _CCXT_RE.match(s)
    if m:
        base, quote, settle, expiry = m.groups()
        name = f"{base}{quote}".upper()
        if expiry:
            return f"{name}-{expiry}"
        if settle:
            return f"{name}-PERP"
        return name
    if "/" in s:
        raise ConfigError(f"symbol {symbol!r} is not a ccxt symbol; write BASE/QUOTE, e.g. BTC/USDT or BTC/USDT:USDT")
    # an exchange id such as okx's BTC-USDT: drop separators
    return s.upper() if _STORE_RE.match(s.upper()) else re.sub(r"[-_]", "", s.upper())


def split_pair(name: str, quotes: Iterable[str] = KNOWN_QUOTES) -> tuple[str, str]:
    """``BTCUSDT`` -> (``BTC``, ``USDT``) by the longest known quote currency suffix."""
    for q in quotes:
        if name.endswith(q) and len(name) > len(q):
            return name[: -len(q)], q
    raise ConfigError(
        f"cannot tell base from quote in {name!r}; write the ccxt symbol (e.g. BTC/USDT) instead"
    )


def to_ccxt_symbol(symbol: str, markets: Mapping[str, Mapping] | None = None) -> str:
    """ccxt unified symbol for a store name or exchange id; a ccxt symbol passes through.

    With ``markets`` (an exchange's loaded markets) the exchange's own ids are
    used, which handles any quote currency; otherwise known quote suffixes.
    """
    s = str(symbol).strip()
    if _CCXT_RE.match(s):
        return s
    if markets:
        for unified in markets:
            if to_store_symbol(unified) == s.upper():
                return unified
    name = s.upper()
    kind = "spot"
    expiry = None
    if name.endswith("-PERP"):
        name, kind = name[:-5], "swap"
    elif re.search(r"-\d{6}$", name):
        name, expiry, kind = name[:-7], name[-6:], "future"
    base, quote = split_pair(name)
    if kind == "swap":
        return f"{base}/{quote}:{quote}"
    if kind == "future":
        return f"{base}/{quote}:{quote}-{expiry}"
    return f"{base}/{quote}"


def parse_symbol_list(text: str | Iterable[str]) -> list[str]:
    """``"BTC/USDT, ETH/USDT"`` -> ``["BTC/USDT", "ETH/USDT"]`` (order kept, duplicates dropped)."""
    items = text.split(",") if isinstance(text, str) else list(text)
    out: list[str] = []
    for item in items:
        item = str(item).strip()
        if item and item not in out:
            out.append(item)
    if not out:
        raise ConfigError("no symbols given; pass e.g. --symbols BTC/USDT,ETH/USDT")
    return out
