"""Record real OHLCV pages from an exchange as a test fixture (needs network).

The tests of ``nexus.data.sources.ccxt_source`` replay these pages through a
fake exchange (tests/sources/fake_exchange.py) and never touch the network.
Run this to refresh them from the live exchange, e.g.::

    .venv/bin/python scripts/record_ccxt.py --exchange binance --symbol BTC/USDT \
        --timeframe 1m --bars 2350 --out tests/sources/fixtures/binance_BTCUSDT_1m.json
    .venv/bin/python scripts/record_ccxt.py --exchange okx   --symbol BTC/USDT --bars 1000 ...
    .venv/bin/python scripts/record_ccxt.py --exchange bybit --symbol BTC/USDT --bars 2100 ...

It records the *last* ``--bars`` bars up to now, so the final page holds the
still-forming bar (the tests check it is never stored), and keeps each
request beside its response exactly as the exchange returned it: Binance
through the raw klines endpoint (12 string fields per row, with taker-buy
volume), the others through ccxt's unified ``fetch_ohlcv`` (six numbers).
No API key is used or needed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

RAW_BINANCE = {"spot": "publicGetKlines", "linear": "fapiPublicGetKlines"}


def record(exchange_id: str, symbol: str, timeframe: str, n_bars: int, limit: int | None) -> dict:
    import ccxt

    from nexus.data.sources.ccxt_source import UNTIL_PARAM, page_limit

    ex = getattr(ccxt, exchange_id)({"enableRateLimit": True, "timeout": 15_000})
    ex.load_markets()
    market = ex.market(symbol)
    tf_ms = ex.parse_timeframe(timeframe) * 1000
    lim = int(limit or page_limit(ex))
    now = ex.milliseconds()
    since = (now // tf_ms) * tf_ms - (n_bars - 1) * tf_ms
    raw_name = None
    if exchange_id in ("binance", "binanceusdm"):
        raw_name = RAW_BINANCE.get("spot" if market["spot"] else "linear" if market.get("linear") else "")
    pages = []
    cursor = since
    while cursor <= now:
        if raw_name:
            request = {"symbol": market["id"], "interval": ex.timeframes[timeframe], "startTime": cursor, "limit": lim}
            response = getattr(ex, raw_name)(request)
            ts = [int(r[0]) for r in response]
        else:
            params = {"until": cursor + lim * tf_ms - 1} if exchange_id in UNTIL_PARAM else {}
            request = {"since": cursor, "limit": lim, **params}
            response = ex.fetch_ohlcv(symbol, timeframe, since=cursor, limit=lim, params=params)
            ts = [int(r[0]) for r in response]
        pages.append({"request": request, "response": response})
        print(f"page {len(pages)}: {len(response)} rows", file=sys.stderr)
        if not ts:
            cursor += lim * tf_ms
            continue
        cursor = max(ts) + tf_ms
    recorded_at = ex.milliseconds()
    keep = {k: market.get(k) for k in ("id", "symbol", "base", "quote", "settle", "type", "spot", "swap", "future", "linear", "inverse")}
    return {
        "exchange": exchange_id,
        "symbol": symbol,
        "timeframe": timeframe,
        "method": raw_name or "fetch_ohlcv",
        "page_limit": lim,
        "recorded_at_ms": recorded_at,
        "ccxt_version": ccxt.__version__,
        "recorded": True,
        "market": keep,
        "timeframes": dict(ex.timeframes),
        "pages": pages,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exchange", required=True)
    ap.add_argument("--symbol", required=True, help="ccxt symbol, e.g. BTC/USDT")
    ap.add_argument("--timeframe", default="1m")
    ap.add_argument("--bars", type=int, default=2350, help="how many of the latest bars to record")
    ap.add_argument("--limit", type=int, default=None, help="page size (default: the exchange's maximum)")
    ap.add_argument("--out", required=True, type=Path)
    args = ap.parse_args(argv)
    t0 = time.time()
    fixture = record(args.exchange, args.symbol, args.timeframe, args.bars, args.limit)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(fixture, separators=(",", ":")) + "\n")
    print(f"wrote {args.out} ({len(fixture['pages'])} pages) in {time.time() - t0:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
