"""Rows as exchanges return them -> column arrays in the nexus schema.

Two shapes reach nexus:

* ccxt's unified OHLCV: ``[[ms, open, high, low, close, volume], ...]``;
* Binance's raw klines (REST ``/api/v3/klines`` and the public dump files),
  twelve fields: open time, open, high, low, close, volume, close time, quote
  asset volume, number of trades, taker buy base volume, taker buy quote
  volume, ignore. Numbers arrive as strings.

Raw klines carry ``quote_volume``, ``trades`` and ``taker_buy_volume``;
unified rows do not, and then those columns are absent rather than zero.

>>> cols = unified_to_columns([[60_000, 1, 2, 0.5, 1.5, 10]])
>>> cols["ts"].tolist(), cols["close"].tolist(), "taker_buy_volume" in cols
([60000000000], [1.5], False)
>>> cols = binance_to_columns([[60_000, "1", "2", "0.5", "1.5", "10", 119_999, "15", 7, "4", "6", "0"]])
>>> cols["taker_buy_volume"].tolist(), cols["trades"].tolist()
([4.0], [7])
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nexus.errors import SourceError

UNIT_TO_NS = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}

BINANCE_FIELDS = (
    "open_time", "open", "high", "low", "close", "volume", "close_time",
    "quote_volume", "count", "taker_buy_volume", "taker_buy_quote_volume", "ignore",
)


def _floats(values: Sequence, where: str, name: str) -> np.ndarray:
    # None (ccxt's "exchange did not say") becomes NaN so validation names the row
    try:
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise SourceError(f"{where}: column {name!r} holds a value that is not a number ({exc})") from None


def unified_to_columns(rows: Sequence[Sequence], *, where: str = "ccxt page") -> dict[str, np.ndarray]:
    """ccxt ``fetch_ohlcv`` rows -> ``ts`` (ns) and OHLCV arrays."""
    if len(rows) == 0:
        return empty_columns(taker=False)
    bad = [i for i, r in enumerate(rows) if r is None or len(r) < 6]
    if bad:
        raise SourceError(f"{where}: row {bad[0]} has {0 if rows[bad[0]] is None else len(rows[bad[0]])} fields, ccxt OHLCV rows have 6")
    cols = list(zip(*(r[:6] for r in rows)))
    if any(v is None for v in cols[0]):
        raise SourceError(f"{where}: a row has no timestamp; the exchange returned a malformed page")
    return {
        "ts": np.asarray(cols[0], dtype=np.int64) * UNIT_TO_NS["ms"],
        "open": _floats(cols[1], where, "open"),
        "high": _floats(cols[2], where, "high"),
        "low": _floats(cols[3], where, "low"),
        "close": _floats(cols[4], where, "close"),
        "volume": _floats(cols[5], where, "volume"),
    }


def binance_to_columns(rows: Sequence[Sequence], *, unit: str = "ms", where: str = "binance klines") -> dict[str, np.ndarray]:
    """Binance raw kline rows (12 fields) -> nexus columns incl. ``taker_buy_volume``."""
    if len(rows) == 0:
        return empty_columns(taker=True)
    short = [i for i, r in enumerate(rows) if len(r) < 11]
    if short:
        raise SourceError(f"{where}: row {short[0]} has {len(rows[short[0]])} fields, Binance klines have 12")
    cols = list(zip(*rows))
    try:
        ts = np.asarray(cols[0], dtype=np.int64)
        trades = np.asarray(cols[8], dtype=np.int64)
    except (TypeError, ValueError) as exc:
        raise SourceError(f"{where}: open time or trade count is not an integer ({exc})") from None
    return {
        "ts": ts * UNIT_TO_NS[unit],
        "open": _floats(cols[1], where, "open"),
        "high": _floats(cols[2], where, "high"),
        "low": _floats(cols[3], where, "low"),
        "close": _floats(cols[4], where, "close"),
        "volume": _floats(cols[5], where, "volume"),
        "quote_volume": _floats(cols[7], where, "quote_volume"),
        "trades": trades,
        "taker_buy_volume": _floats(cols[9], where, "taker_buy_volume"),
    }


def empty_columns(*, taker: bool) -> dict[str, np.ndarray]:
    cols = {"ts": np.empty(0, np.int64)}
    for name in ("open", "high", "low", "close", "volume"):
        cols[name] = np.empty(0, np.float64)
    if taker:
        cols["quote_volume"] = np.empty(0, np.float64)
        cols["trades"] = np.empty(0, np.int64)
        cols["taker_buy_volume"] = np.empty(0, np.float64)
    return cols


def take(cols: dict[str, np.ndarray], mask_or_idx: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[mask_or_idx] for k, v in cols.items()}


def concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Join pages column by column; all pages must have the same columns."""
    if not parts:
        raise ValueError("concat of no pages")
    names = list(parts[0])
    for p in parts[1:]:
        if list(p) != names:
            raise SourceError(f"pages disagree on columns: {names} vs {list(p)}")
    return {n: np.concatenate([p[n] for p in parts]) for n in names}
