"""A stand-in for a ccxt exchange that replays recorded pages (no network).

It learns the bars from a fixture's recorded responses and answers any
request the way the real exchange does: Binance's raw klines give the first
``limit`` rows at or after ``startTime``; okx windows ``[since, since +
limit * timeframe)``; bybit honours ``params["until"]``. ``faults`` maps a
call number (1-based, counting OHLCV requests) to what goes wrong on it: an
exception instance to raise, ``"empty"`` (an empty answer), ``"overlap"``
(the bar before the cursor repeated at the top of the page) or ``"crash"``
(a RuntimeError standing for a killed process).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ccxt

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load_fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


class FakeExchange:
    def __init__(self, fixture: dict, *, faults: dict[int, Any] | None = None, load_markets_error: Exception | None = None,
                 always: Exception | None = None, more: tuple[dict, ...] = ()) -> None:
        self.id = fixture["exchange"]
        self.fixture = fixture
        self.timeframes = dict(fixture["timeframes"])
        self.tf_ms = 60_000
        self.limit_max = int(fixture["page_limit"])
        self._markets: dict[str, dict] = {}
        self.books: dict[str, tuple[list[int], list[list]]] = {}  # market id -> (open times, rows)
        for fx in (fixture, *more):
            market = dict(fx["market"])
            self._markets[fx["symbol"]] = market
            rows: dict[int, list] = {}
            for page in fx["pages"]:
                for row in page["response"]:
                    rows[int(row[0])] = row
            ts = sorted(rows)
            self.books[market["id"]] = (ts, [rows[t] for t in ts])
        self.markets: dict | None = None
        self.faults = dict(faults or {})
        self.always = always
        self.load_markets_error = load_markets_error
        self.calls: list[dict] = []
        self.load_markets_calls = 0
        self.enableRateLimit = True
        self.apiKey = ""
        self.secret = ""

    # ------------------------------------------------------------ ccxt surface
    def parse_timeframe(self, timeframe: str) -> int:
        return {"1m": 60, "5m": 300, "1h": 3600, "1d": 86400}[timeframe]

    def milliseconds(self) -> int:
        return int(self.fixture["recorded_at_ms"])

    def load_markets(self, reload: bool = False) -> dict:
        self.load_markets_calls += 1
        if self.always is not None:
            raise self.always
        if self.load_markets_error is not None:
            err, self.load_markets_error = self.load_markets_error, None
            raise err
        self.markets = self._markets
        return self.markets

    def market(self, symbol: str) -> dict:
        if self.markets is None:
            raise ccxt.ExchangeError("markets not loaded")
        if symbol not in self.markets:
            raise ccxt.BadSymbol(f"{self.id} does not have market symbol {symbol}")
        return self.markets[symbol]

    def _fault(self) -> str | None:
        n = len(self.calls)
        if self.always is not None:
            raise self.always
        what = self.faults.pop(n, None)
        if isinstance(what, BaseException):
            raise what
        if what == "crash":
            raise RuntimeError("process killed")
        return what

    def _serve(self, market_id: str, since: int, limit: int, until: int | None, fault: str | None) -> list:
        import bisect

        if fault == "empty":
            return []
        ts, rows = self.books[market_id]
        lo = bisect.bisect_left(ts, since)
        hi = len(ts) if until is None else bisect.bisect_right(ts, until)
        out = rows[lo:min(hi, lo + limit)]
        if fault == "overlap" and lo > 0:
            out = [rows[lo - 1]] + out[: limit - 1]
        return [list(r) for r in out]

    def publicGetKlines(self, request: dict) -> list:  # noqa: N802 (ccxt's name)
        if self.fixture["method"] != "publicGetKlines":
            raise AttributeError("publicGetKlines")
        self.calls.append(dict(request))
        fault = self._fault()
        limit = min(int(request.get("limit", 500)), self.limit_max)
        if request["symbol"] not in self.books:
            raise ccxt.BadSymbol(f'binance {{"code":-1121,"msg":"Invalid symbol."}}')
        return self._serve(request["symbol"], int(request["startTime"]), limit, request.get("endTime"), fault)

    def fetch_ohlcv(self, symbol: str, timeframe: str = "1m", since: int | None = None, limit: int | None = None,
                    params: dict | None = None) -> list:
        params = dict(params or {})
        self.calls.append({"since": since, "limit": limit, **params})
        market = self.market(symbol)
        fault = self._fault()
        limit = min(int(limit or 100), self.limit_max)
        until = params.get("until")
        if self.id == "okx" and since is not None:
            until = since + limit * self.tf_ms - 1 if until is None else until
        rows = self._serve(market["id"], int(since), limit, until, fault)
        # ccxt's unified rows are numbers, never strings
        return [[int(r[0])] + [float(x) for x in r[1:6]] for r in rows]



class MemoryStore:
    """The store's write/last_ts/read contract in memory, to test paging alone."""

    def __init__(self, fail_after_writes: int | None = None) -> None:
        self.data: dict[tuple[str, str], list] = {}
        self.writes: list = []
        self.fail_after_writes = fail_after_writes

    def write(self, bars, *, overwrite: bool = False, source: str = "", validate: bool = True):
        if self.fail_after_writes is not None and len(self.writes) >= self.fail_after_writes:
            raise RuntimeError("process killed")
        key = (bars.symbol, bars.timeframe)
        self.data.setdefault(key, []).append(bars)
        self.writes.append((key, len(bars), source))

    def last_ts(self, symbol: str, timeframe: str) -> int | None:
        parts = self.data.get((symbol, timeframe))
        return int(parts[-1].ts[-1]) if parts else None
