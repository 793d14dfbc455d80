"""Where a stored series came from, in one line for report headers.

>>> describe({"sources": ["synthetic"], "meta": {"source": "synthetic", "seed": 0}})
'synthetic (seed 0)'
>>> describe({"sources": ["ccxt:binance"], "meta": {}}, written="2026-12-01 10:00 UTC")
'ccxt:binance, written to the store 2026-12-01 10:00 UTC'
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping


def describe(dataset_meta: Mapping[str, Any], written: str | None = None) -> str:
    """One line from :meth:`BarStore.dataset_meta`: synthetic with its seed, or the source(s) and when stored."""
    meta = dict(dataset_meta.get("meta") or {})
    sources = list(dataset_meta.get("sources") or []) or ([meta["source"]] if meta.get("source") else [])
    if "synthetic" in sources or meta.get("source") == "synthetic":
        seed = meta.get("seed")
        return f"synthetic (seed {seed})" if seed is not None else "synthetic"
    what = ", ".join(sources) if sources else "unknown source"
    return f"{what}, written to the store {written}" if written else what


def series_source(store, symbol: str, timeframe: str) -> str:
    """:func:`describe` for a dataset of ``store``; the write time is the manifest's (the last download or import)."""
    meta = store.dataset_meta(symbol, timeframe)
    path = store.root / symbol / timeframe / "_manifest.json"
    written = None
    if path.is_file():
        written = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return describe(meta, written)


def is_synthetic(source_line: str) -> bool:
    return source_line.startswith("synthetic")


__all__ = ["describe", "series_source", "is_synthetic"]
