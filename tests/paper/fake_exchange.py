"""A ccxt exchange on a controllable clock for the live loop's tests (no network).

It holds whole bar histories and answers ``fetch_ohlcv`` the way a real
exchange does at the clock's time: the bars opened at or after ``since`` up
to now, the still-forming one included (the loop must drop it). Trouble is
injected by request number (``faults``: an exception instance to raise) and
by bar: ``missing`` bars are never served, ``late`` bars only from a given
time on, ``bad`` bars are served broken (high below low). ``duplicate`` and
``shuffle`` repeat and reorder the rows of every page.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class FakeClock:
    """Seconds since the epoch; ``sleep`` moves it on instead of waiting."""

    def __init__(self, now: float) -> None:
        self.now = float(now)
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(float(seconds))
        self.now += float(seconds)


class ClockedExchange:
    id = "fakex"

    def __init__(self, bars: dict[str, Any], clock: FakeClock, *, faults: dict[int, BaseException] | None = None,
                 missing: set[tuple[str, int]] = frozenset(), late: dict[tuple[str, int], float] | None = None,
                 bad: set[tuple[str, int]] = frozenset(), duplicate: bool = False, shuffle: bool = False) -> None:
        self.bars = bars  # ccxt symbol -> Bars (1m)
        self.clock = clock
        self.faults = dict(faults or {})
        self.missing = set(missing)
        self.late = dict(late or {})
        self.bad = set(bad)
        self.duplicate = duplicate
        self.shuffle = shuffle
        self.timeframes = {"1m": "1m", "5m": "5m"}
        self.markets: dict | None = None
        self.calls: list[dict] = []
        self.rateLimit = 50
        self.enableRateLimit = True

    def load_markets(self, reload: bool = False) -> dict:
        self.markets = {s: {"id": s.replace("/", ""), "symbol": s, "base": s.split("/")[0], "quote": s.split("/")[1],
                            "spot": True, "type": "spot", "linear": None, "inverse": None} for s in self.bars}
        return self.markets

    def market(self, symbol: str) -> dict:
        import ccxt

        if symbol not in (self.markets or {}):
            raise ccxt.BadSymbol(f"fakex does not have market symbol {symbol}")
        return self.markets[symbol]

    def milliseconds(self) -> int:
        return int(self.clock() * 1000)

    def fetch_ohlcv(self, symbol: str, timeframe: str = "1m", since: int | None = None, limit: int | None = None,
                    params: dict | None = None) -> list:
        self.calls.append({"symbol": symbol, "since": since, "limit": limit, "now": self.clock()})
        err = self.faults.pop(len(self.calls), None)
        if err is not None:
            raise err
        b = self.bars[symbol]
        now_ms = self.milliseconds()
        ts_ms = b.ts // 1_000_000
        store_sym = symbol.replace("/", "")
        rows = []
        for i in np.flatnonzero((ts_ms >= (since or 0)) & (ts_ms <= now_ms))[: int(limit or 500)]:
            t = int(b.ts[i])
            if (store_sym, t) in self.missing or self.clock() < self.late.get((store_sym, t), -np.inf):
                continue
            o, h, lo, c, v = (float(x[i]) for x in (b.open, b.high, b.low, b.close, b.volume))
            if (store_sym, t) in self.bad:
                h, lo = lo * 0.99, h * 1.01  # high below low: the store's validation refuses it
            rows.append([int(ts_ms[i]), o, h, lo, c, v])
        if self.duplicate and rows:
            rows = rows + rows[-2:]
        if self.shuffle:
            rows = rows[::-1]
        return rows
