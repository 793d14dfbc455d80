"""Paging a bar history out of a source that serves a limited page per request.

Independent of ccxt: ``fetch(since_ms, limit)`` returns one page as nexus
columns (see :mod:`nexus.data.sources.klines`). The rules, in one place:

* each request starts at the open time after the last bar kept, so pages
  meet without a gap; rows before that cursor (an exchange repeating the last
  bar of the previous page) and repeated open times are dropped;
* only closed bars are kept: a bar opening at ``t`` is closed when
  ``t + timeframe <= now``, so the still-forming bar never reaches the store;
* ``until`` is exclusive (bars with ``ts < until``), like ``Bars.between``;
* an empty page from a *windowed* source (the request covers exactly
  ``[since, since + limit * timeframe)``, as ccxt does for okx and bybit)
  means the exchange has no bars there, so the cursor moves one window on;
  from a source that returns "the first bars at or after since" (Binance)
  it should mean nothing is left, so it is asked once more before stopping,
  which turns a transient empty answer into no gap at all.

:class:`BatchWriter` appends pages to the store every ``batch_pages`` pages
through its atomic write, so an interruption loses at most one batch and the
next run resumes from the store's last bar.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Protocol

import numpy as np

from nexus.data.bars import Bars
from nexus.data.sources import klines

NS_PER_MS = 1_000_000


def clip_page(cols: dict[str, np.ndarray], *, cursor_ns: int, end_ns: int, now_ns: int, tf_ns: int) -> dict[str, np.ndarray]:
    """Rows of one page that belong to ``[cursor, end)``, closed, sorted, one per open time."""
    ts = cols["ts"]
    if ts.size and np.any(ts[1:] <= ts[:-1]):
        order = np.argsort(ts, kind="stable")
        cols = klines.take(cols, order)
        ts = cols["ts"]
        first = np.ones(ts.size, dtype=bool)
        first[1:] = ts[1:] != ts[:-1]
        cols = klines.take(cols, first)
        ts = cols["ts"]
    keep = (ts >= cursor_ns) & (ts < end_ns) & (ts + tf_ns <= now_ns)
    return klines.take(cols, keep) if not keep.all() else cols


@dataclass
class PageEvent:
    """One request's outcome, for progress and reports."""

    cols: dict[str, np.ndarray]
    cursor_ns: int  # where this request started
    next_ns: int  # where the next one starts
    raw_rows: int


def page_through(
    fetch: Callable[[int, int], dict[str, np.ndarray]],
    *,
    windowed: bool,
    start_ns: int,
    end_ns: int,
    now_ns: int,
    tf_ns: int,
    limit: int,
) -> Iterator[PageEvent]:
    """Yield the pages covering ``[start, min(end, last closed bar]``.

    ``fetch(since_ms, limit)`` returns one page of columns; ``windowed`` says
    whether a request covers exactly ``limit`` bar slots (see module docstring).
    """
    cursor = start_ns
    confirmed_empty = False
    while cursor < end_ns and cursor + tf_ns <= now_ns:
        raw = fetch(cursor // NS_PER_MS, limit)
        kept = clip_page(raw, cursor_ns=cursor, end_ns=end_ns, now_ns=now_ns, tf_ns=tf_ns)
        raw_max = int(raw["ts"].max()) if raw["ts"].size else None
        # the page reached the end or the forming bar: asking again would bring nothing closed
        done = raw_max is not None and (raw_max >= end_ns or raw_max + tf_ns > now_ns)
        if kept["ts"].size:
            nxt = int(kept["ts"][-1]) + tf_ns
            confirmed_empty = False
        elif windowed:
            nxt = cursor + limit * tf_ns
        elif done:
            nxt = cursor
        elif not confirmed_empty:
            confirmed_empty = True
            continue
        else:
            nxt, done = cursor, True
        yield PageEvent(kept, cursor, nxt, int(raw["ts"].size))
        if done:
            return
        cursor = nxt if nxt > cursor else cursor + limit * tf_ns


class BarSink(Protocol):
    def write(self, bars: Bars, *, overwrite: bool = False, source: str = "", validate: bool = True) -> Any: ...

    def last_ts(self, symbol: str, timeframe: str) -> int | None: ...


@dataclass
class BatchWriter:
    """Collects pages and appends them to the store every ``batch_pages`` pages."""

    store: BarSink
    symbol: str
    timeframe: str
    source: str
    batch_pages: int = 50
    meta: dict = field(default_factory=dict)
    on_write: Callable[[Bars], None] | None = None
    written: int = 0
    batches: int = 0
    last_written_ns: int | None = None
    _parts: list = field(default_factory=list)
    _pages: int = 0

    def add(self, cols: dict[str, np.ndarray]) -> None:
        if cols["ts"].size:
            self._parts.append(cols)
        self._pages += 1
        if self._pages >= self.batch_pages:
            self.flush()

    @property
    def pending(self) -> int:
        return sum(p["ts"].size for p in self._parts)

    def flush(self) -> None:
        self._pages = 0
        if not self._parts:
            return
        cols = klines.concat(self._parts)
        self._parts = []
        bars = Bars.from_arrays(symbol=self.symbol, timeframe=self.timeframe, meta=dict(self.meta), **cols)
        self.store.write(bars, source=self.source)
        self.written += len(bars)
        self.batches += 1
        self.last_written_ns = int(bars.ts[-1])
        if self.on_write is not None:
            self.on_write(bars)
