"""Download bars from Yahoo Finance (yfinance), e.g. the NQ future ``NQ=F``.

Yahoo serves intraday history only so far back, and only so much per
request; the download is cut into requests that respect both:

============  =====================  ==================
interval      history Yahoo serves   per request
============  =====================  ==================
1m            last 30 days           7 days
2m .. 30m     last 60 days           60 days
1h            last 730 days          730 days
1d, 1w        unlimited              one request
============  =====================  ==================

``yf.download`` is called with ``auto_adjust=False`` (futures have no
dividends; adjusted prices would invent moves), ``ignore_tz=False`` so even
daily bars keep their exchange zone, and ``multi_level_index=True``; the
``(Price, Ticker)`` column levels are read by name. Intraday times are
converted from the exchange zone to UTC; daily and weekly bars are stamped
00:00 UTC of their exchange-local trading date, so they sit on a clean 1-day
grid instead of moving with daylight saving. Only closed bars are kept.

yfinance reports failure by returning an empty frame and logging the
reason; an empty answer therefore becomes a :class:`SourceError` carrying
that reason. ``download_fn`` is injectable so tests replay recorded frames.

>>> reports = download_yfinance(BarStore("data/bars"), ["NQ=F"], "5m")   # doctest: +SKIP
"""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from nexus.data.bars import Bars
from nexus.data.sources.checks import validate_file
from nexus.data.sources.paging import BarSink
from nexus.data.sources.symbols import to_store_symbol
from nexus.data.timeframes import NS_PER_DAY, timeframe_ns, to_utc_ns
from nexus.errors import ConfigError, SourceError


@dataclass(frozen=True)
class IntervalLimit:
    yahoo: str
    lookback_days: int | None  # how far back Yahoo serves this interval (None: unlimited)
    chunk_days: int | None  # most days one request may span (None: unlimited)


INTERVALS: dict[str, IntervalLimit] = {
    "1m": IntervalLimit("1m", 30, 7),
    "2m": IntervalLimit("2m", 60, 60),
    "5m": IntervalLimit("5m", 60, 60),
    "15m": IntervalLimit("15m", 60, 60),
    "30m": IntervalLimit("30m", 60, 60),
    "1h": IntervalLimit("1h", 730, 730),
    "1d": IntervalLimit("1d", None, None),
    "1w": IntervalLimit("1wk", None, None),
}
# stay clear of the edge: Yahoo measures "30 days" from its own clock
SAFETY_NS = 3_600_000_000_000
DEFAULT_DAILY_START = "2000-01-01"
_OFFLINE_RE = re.compile(r"resolve host|DNSError|Failed to resolve|timed out|Connection(Error| refused| reset)", re.I)
PRICE_FIELDS = {"Open": "open", "High": "high", "Low": "low", "Close": "close", "Volume": "volume"}


@dataclass
class YfReport:
    ticker: str
    store_symbol: str
    timeframe: str
    requests: list[tuple[pd.Timestamp, pd.Timestamp]] = field(default_factory=list)
    bars_written: int = 0
    first_ts: int | None = None
    last_ts: int | None = None
    resumed: bool = False
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.bars_written:
            head = f"yfinance {self.ticker} {self.timeframe}: nothing new"
        else:
            a, b = (pd.Timestamp(t, tz="UTC") for t in (self.first_ts, self.last_ts))
            head = (f"yfinance {self.ticker} -> {self.store_symbol} {self.timeframe}: {self.bars_written:,} bars "
                    f"{a} .. {b} in {len(self.requests)} request(s)" + (" (resumed)" if self.resumed else ""))
        return "\n".join([head] + [f"  note: {n}" for n in self.notes])


def plan_requests(start_ns: int, end_ns: int, chunk_days: int | None) -> list[tuple[int, int]]:
    """``[start, end)`` cut into consecutive pieces of at most ``chunk_days``."""
    if end_ns <= start_ns:
        return []
    if chunk_days is None:
        return [(start_ns, end_ns)]
    step = chunk_days * NS_PER_DAY
    edges = list(range(start_ns, end_ns, step)) + [end_ns]
    return list(zip(edges[:-1], edges[1:]))


def frame_to_columns(df: pd.DataFrame, ticker: str, timeframe: str) -> dict[str, np.ndarray]:
    """A yfinance frame -> nexus columns (``ts`` int ns UTC, OHLCV float64), sorted, NaN rows dropped."""
    where = f"yfinance {ticker} {timeframe}"
    if isinstance(df.columns, pd.MultiIndex):
        names = list(df.columns.names)
        level = names.index("Ticker") if "Ticker" in names else None
        if level is None:  # unnamed levels: the one holding the ticker
            level = next((i for i in range(df.columns.nlevels) if ticker in df.columns.get_level_values(i)), None)
        if level is None:
            raise SourceError(f"{where}: the frame has no column level for {ticker!r} (levels {names})")
        tickers = list(dict.fromkeys(df.columns.get_level_values(level)))
        if ticker not in tickers:
            raise SourceError(f"{where}: the frame holds {tickers}, not {ticker!r}")
        df = df.xs(ticker, axis=1, level=level)
    missing = [k for k in PRICE_FIELDS if k not in df.columns]
    if missing:
        raise SourceError(f"{where}: Yahoo's frame lacks {missing} (columns {list(df.columns)})")
    if not isinstance(df.index, pd.DatetimeIndex):
        raise SourceError(f"{where}: the frame's index is not a DatetimeIndex ({type(df.index).__name__})")
    if df.index.tz is None:
        raise SourceError(f"{where}: the frame's times carry no zone; call yf.download with ignore_tz=False")
    df = df[list(PRICE_FIELDS)].dropna(how="all", subset=["Open", "High", "Low", "Close"])
    idx = df.index
    if timeframe_ns(timeframe) >= NS_PER_DAY:
        # the exchange-local trading date, at 00:00 UTC
        local = idx.tz_localize(None).normalize()
        ts = np.asarray(local.as_unit("ns").asi8, dtype=np.int64)
    else:
        ts = np.asarray(idx.tz_convert("UTC").as_unit("ns").asi8, dtype=np.int64)
    cols = {"ts": ts}
    for yahoo, name in PRICE_FIELDS.items():
        cols[name] = pd.to_numeric(df[yahoo], errors="coerce").to_numpy(np.float64)
    order = np.argsort(ts, kind="stable")
    return {k: v[order] for k, v in cols.items()}


class _LogCatcher(logging.Handler):
    """Collects what yfinance logs while a request runs: its only account of why a frame is empty."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage().strip()
        except Exception:  # a malformed log call must not break the download
            text = str(record.msg)
        text = re.sub(r"\s*See https?://\S+.*$", "", " ".join(text.split()))  # curl's doc link
        if text and not re.fullmatch(r"\d+ Failed downloads?:", text):
            self.messages.append(text)


def _default_download() -> Callable[..., pd.DataFrame]:
    import yfinance as yf

    return yf.download


def _call(download_fn: Callable[..., pd.DataFrame], ticker: str, limit: IntervalLimit, a: int, b: int, prepost: bool) -> tuple[pd.DataFrame, list[str]]:
    catcher = _LogCatcher()
    logger = logging.getLogger("yfinance")
    logger.addHandler(catcher)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # yfinance's own deprecation noise under pandas 3
            df = download_fn(
                tickers=ticker,
                start=pd.Timestamp(a, tz="UTC").to_pydatetime(),
                end=pd.Timestamp(b, tz="UTC").to_pydatetime(),
                interval=limit.yahoo,
                auto_adjust=False,
                actions=False,
                prepost=prepost,
                progress=False,
                threads=False,
                ignore_tz=False,
                multi_level_index=True,
            )
    except TypeError as exc:
        import yfinance

        raise SourceError(
            f"yfinance {getattr(yfinance, '__version__', '?')} does not take nexus's arguments ({exc}); upgrade it: pip install -U yfinance"
        ) from None
    except Exception as exc:  # yfinance raises assorted errors (network, rate limit, JSON)
        raise SourceError(f"could not reach Yahoo Finance for {ticker}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}; nothing was written") from None
    finally:
        logger.removeHandler(catcher)
    if df is None:
        df = pd.DataFrame()
    return df, catcher.messages


def download_yfinance(
    store: BarSink,
    tickers: Iterable[str],
    timeframe: str,
    *,
    since: object = None,
    until: object = None,
    store_symbol: str | None = None,
    prepost: bool = False,
    download_fn: Callable[..., pd.DataFrame] | None = None,
    now: object = None,
) -> list[YfReport]:
    """Download ``tickers`` (e.g. ``["NQ=F"]``) at ``timeframe`` into ``store``; resumes after the last stored bar.

    ``since`` defaults to the oldest bar Yahoo serves at this interval
    (2000-01-01 for daily and weekly); an older ``since`` is moved up to it
    with a note. ``until`` is exclusive. ``store_symbol`` renames a single
    ticker (default ``NQ=F`` -> ``NQ``).
    """
    if timeframe not in INTERVALS:
        raise ConfigError(f"yfinance: timeframe {timeframe!r} is not served; use one of {', '.join(INTERVALS)}")
    limit = INTERVALS[timeframe]
    tickers = list(tickers)
    if store_symbol is not None and len(tickers) != 1:
        raise ConfigError("--as renames one ticker; download the tickers one at a time")
    download_fn = download_fn or _default_download()
    now_ns = to_utc_ns(now, what="now") if now is not None else pd.Timestamp.now(tz="UTC").value
    tf_ns = timeframe_ns(timeframe)
    reports = []
    for ticker in tickers:
        rep = YfReport(ticker, store_symbol or to_store_symbol(ticker), timeframe)
        earliest = None if limit.lookback_days is None else now_ns - limit.lookback_days * NS_PER_DAY + SAFETY_NS
        start = to_utc_ns(since, what="since") if since is not None else (earliest if earliest is not None else to_utc_ns(DEFAULT_DAILY_START))
        last = store.last_ts(rep.store_symbol, timeframe)
        if last is not None and last + tf_ns > start:
            start, rep.resumed = int(last) + tf_ns, True
        if earliest is not None and start < earliest:
            rep.notes.append(
                f"Yahoo serves {timeframe} bars only for the last {limit.lookback_days} days; starting at "
                f"{pd.Timestamp(earliest, tz='UTC').floor('min')} instead of {pd.Timestamp(start, tz='UTC')}"
                + ("; the store will have a gap after its last bar" if rep.resumed else "")
            )
            start = earliest
        end = min(to_utc_ns(until, what="until"), now_ns) if until is not None else now_ns
        parts, reasons = [], []
        for a, b in plan_requests(start, end, limit.chunk_days):
            df, msgs = _call(download_fn, ticker, limit, a, b, prepost)
            rep.requests.append((pd.Timestamp(a, tz="UTC"), pd.Timestamp(b, tz="UTC")))
            if df.empty:
                reasons.extend(m for m in msgs if m not in reasons)
                continue
            cols = frame_to_columns(df, ticker, timeframe)
            keep = (cols["ts"] >= start) & (cols["ts"] < end) & (cols["ts"] + tf_ns <= now_ns)
            parts.append({k: v[keep] for k, v in cols.items()})
        if not rep.requests:
            reports.append(rep)
            continue
        if not parts:
            why = "; ".join(reasons) or "Yahoo returned no rows and gave no reason"
            span = f"{pd.Timestamp(start, tz='UTC').floor('s')} .. {pd.Timestamp(end, tz='UTC').floor('s')}"
            if any(_OFFLINE_RE.search(r) for r in reasons):
                raise SourceError(f"could not reach Yahoo Finance for {ticker}: {reasons[-1]}; nothing was written")
            if rep.resumed and end - start <= 4 * NS_PER_DAY:
                rep.notes.append(f"no new bars in {span} (market closed?)")
                reports.append(rep)
                continue
            raise SourceError(f"yfinance returned no {timeframe} bars for {ticker} in {span}: {why}; nothing was written")
        cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        order = np.argsort(cols["ts"], kind="stable")
        cols = {k: v[order] for k, v in cols.items()}
        first = np.ones(cols["ts"].size, bool)
        first[1:] = cols["ts"][1:] != cols["ts"][:-1]  # a bar on a request edge may come twice
        cols = {k: v[first] for k, v in cols.items()}
        if cols["ts"].size == 0:
            rep.notes.append("every bar Yahoo returned is still forming or outside the range")
            reports.append(rep)
            continue
        bars = Bars.from_arrays(symbol=rep.store_symbol, timeframe=timeframe,
                                meta={"source": "yfinance", "ticker": ticker}, **cols)
        validate_file(bars, f"yfinance {ticker} {timeframe}")
        store.write(bars, source="yfinance")
        rep.bars_written = len(bars)
        rep.first_ts, rep.last_ts = int(bars.ts[0]), int(bars.ts[-1])
        reports.append(rep)
    return reports
