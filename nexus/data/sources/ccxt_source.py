"""Download 1-minute (or any) bars from any ccxt exchange into the bar store.

Resumable and safe: the download starts after the last bar the store holds
(or at ``since``), pages with the exchange's own maximum page size, keeps
only closed bars, and appends every ``batch_pages`` pages through the store's
atomic write. Transient network errors are retried with exponential backoff
and jitter; an exchange that cannot be reached at all fails within seconds
with one line and nothing written.

On Binance the raw klines endpoint is used (through ccxt's
``publicGetKlines`` / ``fapiPublicGetKlines``) because it carries taker-buy
volume, trade count and quote volume; elsewhere ccxt's unified
``fetch_ohlcv`` is used and those columns are absent (never zero-filled).

API keys are optional (public bars need none) and read only from the
environment: ``NEXUS_<EXCHANGE>_API_KEY``, ``..._SECRET``, ``..._PASSWORD``.
They are never logged, printed or written to the store.

>>> from nexus.data.store import BarStore                    # doctest: +SKIP
>>> reports = download(BarStore("data/bars"), "binance", ["BTC/USDT"], "1m",
...                    since="2024-01-01")                   # doctest: +SKIP
>>> reports[0].bars_written                                  # doctest: +SKIP
"""

from __future__ import annotations

import os
import random
import re
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from nexus.data.sources import klines
from nexus.data.sources.paging import NS_PER_MS, BarSink, BatchWriter, page_through
from nexus.data.sources.retry import RetryPolicy, RetryState, call_with_retries
from nexus.data.sources.symbols import to_ccxt_symbol, to_store_symbol
from nexus.data.timeframes import ns_to_datetime_index, timeframe_ns, to_utc_ns
from nexus.errors import ConfigError, SourceError

# Largest page each exchange serves for OHLCV (ccxt's exchange.features agree).
PAGE_LIMITS: dict[str, int] = {"binance": 1000, "binanceusdm": 1000, "okx": 300, "bybit": 1000}
DEFAULT_PAGE_LIMIT = 500
# Exchanges whose ccxt fetch_ohlcv honours params["until"] (or windows by itself):
# a request then covers exactly [since, since + limit * timeframe).
WINDOWED = frozenset({"okx", "bybit"})
UNTIL_PARAM = frozenset({"bybit"})
_sleep = time.sleep  # module-level so the CLI tests can make retries instant
CREDENTIAL_FIELDS = {"API_KEY": "apiKey", "SECRET": "secret", "PASSWORD": "password", "UID": "uid"}


def credentials_from_env(exchange_id: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """ccxt credential fields from ``NEXUS_<EXCHANGE>_API_KEY`` etc.; empty when unset."""
    env = os.environ if env is None else env
    prefix = f"NEXUS_{exchange_id.upper()}_"
    return {field_: env[prefix + name] for name, field_ in CREDENTIAL_FIELDS.items() if env.get(prefix + name)}


def make_exchange(exchange_id: str, *, env: Mapping[str, str] | None = None, timeout_ms: int = 10_000) -> Any:
    """A ccxt exchange with rate limiting on and credentials (if any) from the environment."""
    import ccxt

    eid = str(exchange_id).strip().lower()
    if eid not in ccxt.exchanges:
        close = [e for e in ccxt.exchanges if e.startswith(eid[:3])][:8]
        raise ConfigError(f"unknown exchange {exchange_id!r}; ccxt ids look like binance, okx, bybit (similar: {', '.join(close) or 'none'})")
    config: dict[str, Any] = {"enableRateLimit": True, "timeout": int(timeout_ms)}
    config.update(credentials_from_env(eid, env))
    return getattr(ccxt, eid)(config)


def page_limit(exchange: Any) -> int:
    """The exchange's maximum OHLCV page: the table above, else ccxt's features, else 500."""
    eid = getattr(exchange, "id", "")
    if eid in PAGE_LIMITS:
        return PAGE_LIMITS[eid]
    try:
        return int(exchange.features["spot"]["fetchOHLCV"]["limit"])
    except (AttributeError, KeyError, TypeError, ValueError):
        return DEFAULT_PAGE_LIMIT


class _Fetcher:
    """One page of bars from ccxt, as nexus columns (``since`` in ms)."""

    def __init__(self, exchange: Any, symbol: str, market: Mapping, timeframe: str, tf_ms: int) -> None:
        self.exchange = exchange
        self.symbol = symbol
        self.market = market
        self.timeframe = timeframe
        self.tf_ms = tf_ms
        self.raw_method = self._raw_method()
        self.windowed = self.raw_method is None and exchange.id in WINDOWED
        self.calls: list[dict] = []

    def _raw_method(self) -> Callable | None:
        if self.exchange.id not in ("binance", "binanceusdm"):
            return None
        if self.market.get("spot"):
            name = "publicGetKlines"
        elif self.market.get("linear"):
            name = "fapiPublicGetKlines"
        elif self.market.get("inverse"):
            return None  # coin-margined volume is in contracts; unified rows handle it
        else:
            return None
        return getattr(self.exchange, name, None)

    @property
    def has_taker(self) -> bool:
        return self.raw_method is not None

    def __call__(self, since_ms: int, limit: int) -> dict[str, np.ndarray]:
        if self.raw_method is not None:
            interval = (getattr(self.exchange, "timeframes", None) or {}).get(self.timeframe, self.timeframe)
            request = {"symbol": self.market["id"], "interval": interval, "startTime": int(since_ms), "limit": int(limit)}
            self.calls.append(request)
            rows = self.raw_method(request)
            return klines.binance_to_columns(rows, where=f"{self.exchange.id} {self.symbol} page at {since_ms}")
        params = {"until": int(since_ms + limit * self.tf_ms - 1)} if self.exchange.id in UNTIL_PARAM else {}
        self.calls.append({"since": int(since_ms), "limit": int(limit), **params})
        rows = self.exchange.fetch_ohlcv(self.symbol, self.timeframe, since=int(since_ms), limit=int(limit), params=params)
        return klines.unified_to_columns(rows, where=f"{self.exchange.id} {self.symbol} page at {since_ms}")


@dataclass
class DownloadReport:
    """What one symbol's download did."""

    exchange: str
    symbol: str
    store_symbol: str
    timeframe: str
    start_ns: int
    end_ns: int
    resumed: bool
    pages: int = 0
    requests: list = field(default_factory=list)
    bars_written: int = 0
    batches: int = 0
    retries: int = 0
    first_ts: int | None = None
    last_ts: int | None = None
    has_taker_buy: bool = False
    seconds: float = 0.0

    def summary(self) -> str:
        if not self.bars_written:
            return f"{self.exchange} {self.symbol} {self.timeframe}: up to date, nothing new"
        span = ns_to_datetime_index(np.array([self.first_ts, self.last_ts], dtype=np.int64))
        return (
            f"{self.exchange} {self.symbol} -> {self.store_symbol} {self.timeframe}: {self.bars_written} bars "
            f"{span[0]} .. {span[1]} in {self.pages} pages, {self.batches} writes, {self.retries} retries, {self.seconds:.1f}s"
            + (" (resumed)" if self.resumed else "")
        )


_URL_QUERY = re.compile(r"(https?://[^\s?\"']+)\?[^\s\"']+")


def _scrub(text: str, secrets: Iterable[str]) -> str:
    for s in secrets:
        if s:
            text = text.replace(s, "***")
    # a signed request carries key, timestamp and signature in its query string: never print one
    return _URL_QUERY.sub(r"\1?***", text)


def download(
    store: BarSink,
    exchange: str | Any,
    symbols: Iterable[str],
    timeframe: str,
    *,
    since: object = None,
    until: object = None,
    batch_pages: int = 50,
    limit: int | None = None,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] | None = None,
    rng: random.Random | None = None,
    progress: bool = True,
    now_ms: int | None = None,
    env: Mapping[str, str] | None = None,
) -> list[DownloadReport]:
    """Download ``symbols`` (ccxt ``BTC/USDT`` or store ``BTCUSDT``) into ``store``.

    ``exchange`` is a ccxt id or an exchange object. ``since`` is needed only
    when the store does not yet hold the symbol; otherwise the download
    resumes after the last stored bar. ``until`` is exclusive; by default the
    download runs to the last closed bar. Bars are public data: an exchange
    made here never carries credentials, so no request is signed (``env`` is
    kept for callers but not used for keys).
    """
    import ccxt

    # OHLCV bars are public: never sign these requests, whatever credentials the environment holds
    ex = make_exchange(exchange, env={}) if isinstance(exchange, str) else exchange
    secrets = [str(getattr(ex, a, "") or "") for a in ("apiKey", "secret", "password", "uid")]
    policy = policy or RetryPolicy()
    sleep = sleep or _sleep
    rng = rng if rng is not None else random.Random()
    state = RetryState()
    eid = getattr(ex, "id", str(exchange))

    def call(fn: Callable[[], Any]) -> Any:
        return call_with_retries(
            fn,
            retryable=(ccxt.NetworkError,),
            rate_limit_errors=(ccxt.RateLimitExceeded, ccxt.DDoSProtection),
            policy=policy,
            state=state,
            sleep=sleep,
            rng=rng,
        )

    reports: list[DownloadReport] = []
    written_total = 0
    try:
        try:
            call(ex.load_markets)
        except ccxt.NetworkError as exc:
            raise SourceError(f"could not reach {eid}: {_first_line(exc)}; nothing was written") from None
        for sym in symbols:
            rep = _download_one(ex, sym, timeframe, store, call, state, since=since, until=until,
                                batch_pages=batch_pages, limit=limit, progress=progress, now_ms=now_ms)
            reports.append(rep)
            written_total += rep.bars_written
    except ccxt.NetworkError as exc:  # retries spent part-way
        done = f"{written_total} bars were written" if written_total else "nothing was written"
        raise SourceError(
            _scrub(f"could not reach {eid}: {_first_line(exc)}; {done}; run the same command again to resume", secrets)
        ) from None
    except _PartialError as exc:
        raise SourceError(_scrub(str(exc), secrets)) from None
    except ccxt.AuthenticationError as exc:
        raise SourceError(
            f"{eid} rejected the API credentials from NEXUS_{eid.upper()}_API_KEY/_SECRET ({type(exc).__name__}); "
            "public bars need no key: unset them or fix them"
        ) from None
    except ccxt.BadSymbol as exc:
        msg = _first_line(exc)
        msg = msg if msg.startswith(eid) else f"{eid}: {msg}"
        raise SourceError(_scrub(f"{msg}; check the symbol (ccxt form BTC/USDT, swaps BTC/USDT:USDT)", secrets)) from None
    except ccxt.BaseError as exc:
        raise SourceError(_scrub(f"{eid} refused the request: {type(exc).__name__}: {_first_line(exc)}", secrets)) from None
    return reports


class _PartialError(Exception):
    """A network failure after some batches were written; message says what is stored."""


_ERRNO_RE = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


def _first_line(exc: BaseException) -> str:
    """ccxt's message (method and URL) plus the root cause a user can act on (DNS, refused, timeout)."""
    text = str(exc).strip().splitlines()
    line = (text[0] if text else type(exc).__name__)[:300]
    root, seen = exc, 0
    while (root.__cause__ or root.__context__) is not None and seen < 10:
        root, seen = root.__cause__ or root.__context__, seen + 1
    if root is not exc:
        m = _ERRNO_RE.search(str(root))
        reason = m.group(1).strip() if m else type(root).__name__
        if reason and reason not in line:
            line = f"{line} ({reason})"
    return line


def _download_one(ex, sym, timeframe, store, call, state, *, since, until, batch_pages, limit, progress, now_ms) -> DownloadReport:
    import ccxt

    t0 = time.perf_counter()
    markets = getattr(ex, "markets", None) or {}
    unified = to_ccxt_symbol(sym, markets)
    try:
        market = ex.market(unified)
    except ccxt.BadSymbol:
        raise ccxt.BadSymbol(f"{ex.id} has no market {sym!r}") from None
    timeframes = getattr(ex, "timeframes", None) or {}
    if timeframes and timeframe not in timeframes:
        raise ConfigError(f"{ex.id} does not serve {timeframe!r} bars; it serves {', '.join(timeframes)}")
    store_symbol = to_store_symbol(unified)
    tf_ns = timeframe_ns(timeframe)
    tf_ms = tf_ns // NS_PER_MS
    now_ns = int(now_ms if now_ms is not None else ex.milliseconds()) * NS_PER_MS
    last = store.last_ts(store_symbol, timeframe)
    if last is None and since is None:
        raise ConfigError(f"{store_symbol} {timeframe} is not in the store yet; pass --since (e.g. --since 2024-01-01)")
    start_ns = -(-to_utc_ns(since, what="since") // tf_ns) * tf_ns if since is not None else 0
    resumed = last is not None and int(last) + tf_ns > start_ns
    if resumed:
        start_ns = int(last) + tf_ns
    end_ns = to_utc_ns(until, what="until") if until is not None else now_ns
    fetch = _Fetcher(ex, unified, market, timeframe, tf_ms)
    lim = int(limit or page_limit(ex))
    rep = DownloadReport(ex.id, unified, store_symbol, timeframe, start_ns, end_ns, resumed, has_taker_buy=fetch.has_taker)
    writer = BatchWriter(store, store_symbol, timeframe, source=f"ccxt:{ex.id}", batch_pages=batch_pages,
                         meta={"source": f"ccxt:{ex.id}", "exchange_symbol": unified})
    horizon = max(0, (min(end_ns, now_ns - tf_ns + 1) - start_ns + tf_ns - 1) // tf_ns)
    bar = _progress(horizon, f"{ex.id} {store_symbol} {timeframe}", progress)
    retries0 = state.retries
    try:
        for ev in page_through(lambda s, n: call(lambda: fetch(s, n)), start_ns=start_ns, end_ns=end_ns,
                               now_ns=now_ns, tf_ns=tf_ns, limit=lim, windowed=fetch.windowed):
            rep.pages += 1
            if ev.cols["ts"].size and rep.first_ts is None:
                rep.first_ts = int(ev.cols["ts"][0])
            writer.add(ev.cols)
            if bar is not None:
                bar.update(max(0, min(ev.next_ns, start_ns + horizon * tf_ns) - ev.cursor_ns) // tf_ns)
                bar.set_postfix(kept=writer.written + writer.pending, refresh=False)
        writer.flush()
    except ccxt.NetworkError as exc:
        # retries spent: keep what is already verified and contiguous, then say so
        writer.flush()
        if writer.written:
            stamp = ns_to_datetime_index(np.array([writer.last_written_ns], dtype=np.int64))[0]
            raise _PartialError(
                f"lost connection to {ex.id} during {store_symbol} {timeframe}: {_first_line(exc)}; "
                f"{writer.written} bars up to {stamp} were written; run the same command again to resume"
            ) from None
        raise
    finally:
        if bar is not None:
            bar.close()
    rep.requests = fetch.calls
    rep.bars_written = writer.written
    rep.batches = writer.batches
    rep.last_ts = writer.last_written_ns
    rep.retries = state.retries - retries0
    rep.seconds = time.perf_counter() - t0
    return rep


def _progress(total: int, desc: str, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="bar", unit_scale=True, file=sys.stderr, dynamic_ncols=True, leave=True)
