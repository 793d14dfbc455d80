"""Replay: stored bars fed one clock bar at a time through the paper step, and the comparison with the backtest.

``replay(cfg, store, start=T0, end=T1)`` runs each book from its warm-up
start ``A = T0 - warm-up`` (``paper.warmup``; by default twice
``run.warmup_bars`` bars of the book's coarsest series) and trades from
``T0``. At each clock bar it hands the session every series' bars that have
closed by that bar's close, exactly what a live session would have had.
:func:`backtest_config` is the backtest of the same span
(``run.start = A``, ``run.trade_start = T0``, ``run.end = T1``);
:func:`compare_tables` holds the two run folders' orders, limits, decisions and
equity equal, every column to the last bit.

>>> warmup_ns(["BTCUSDT/1m", "NQ/5m"], 200) // 60_000_000_000   # minutes: 2 x 200 bars of 5 minutes
2000
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from nexus.data.timeframes import timeframe_ns, to_utc_ns
from nexus.errors import ConfigError
from nexus.paper.session import PaperSession, iso, session_config
from nexus.paper.state import has_state

COMPARED = ("orders", "limits", "decisions", "equity")


def warmup_ns(symbols: list[str], warmup_bars: int, warmup: str = "") -> int:
    """How far before the first traded bar a session starts reading: ``warmup`` (a duration such as "2d"),
    or twice ``warmup_bars`` bars of the coarsest series (enough for every series to pass its warm-up)."""
    if warmup:
        return timeframe_ns(warmup)
    return 2 * max(1, int(warmup_bars)) * max(timeframe_ns(s.split("/", 1)[1]) for s in symbols)


def book_bars(store: Any, book: Any, anchor_ns: int, end_ns: int) -> dict[str, Any]:
    """Every series of ``book`` from the anchor to the end (exclusive), read once."""
    return {key: store.read(sym, tf, start=anchor_ns, end=end_ns) for key, (sym, tf) in zip(book.symbols, book.parsed())}


def closed_by(bars: dict[str, Any], read_ns: int) -> dict[str, Any]:
    """Each series' bars whose close is at or before ``read_ns`` (a view, no copy)."""
    return {k: b[: int(np.searchsorted(b.close_ts, read_ns, side="right"))] for k, b in bars.items()}


def replay_book(cfg: Any, store: Any, book: str, *, start: Any, end: Any, warmup: str = "",
                batch: int | Callable[[int], int] = 1,
                state: str | Path | None = None, models: Any = None,
                progress: Callable[[PaperSession, Any], None] | None = None) -> PaperSession:
    """Replay one book over [start, end): a new session (or the one in ``state``, resumed) stepped through the
    stored bars ``batch`` clock bars per step (or ``batch(row)`` from clock row ``row``); the warm-up before
    ``start`` is one step, as a live session's first step catches up its history; the last step is final
    (the data ends there)."""
    t0, t1 = to_utc_ns(start, what="--start"), to_utc_ns(end, what="--end")
    if t0 >= t1:
        raise ConfigError(f"paper --replay: --start {iso(t0)} is not before --end {iso(t1)}")
    books = {b.name: b for b in cfg.books}
    if book not in books:
        raise ConfigError(f"paper --replay: no book {book!r} in the config; books: {', '.join(books)}")
    anchor = t0 - warmup_ns(books[book].symbols, cfg.run.warmup_bars, warmup)
    bars = book_bars(store, books[book], anchor, t1)
    present = [k for k, b in bars.items() if len(b)]
    if len(present) < len(bars):
        # as the backtest does, a series without a bar in the span is not part of the book
        cfg = copy.deepcopy(cfg)
        next(b for b in cfg.books if b.name == book).symbols = present
        bars = {k: bars[k] for k in present}
    if state is not None and has_state(state):
        session = PaperSession.restore(state, cfg, store, models=models)
        if session.info.anchor != iso(anchor) or session.info.trade_start != iso(t0):
            raise ConfigError(f"{state}: that session started at {session.info.trade_start}; replay the same --start")
    else:
        session = PaperSession.start(cfg, store, anchor=anchor, trade_start=t0, book=book, models=models)
    clock_ns = timeframe_ns(session.book.clock)
    on_clock = [b.ts for k, b in bars.items() if timeframe_ns(k.split("/", 1)[1]) == clock_ns]
    clock = np.unique(np.concatenate(on_clock)) if on_clock else np.zeros(0, np.int64)
    if len(clock) == 0:
        raise ConfigError(f"paper --replay: book {book!r} has no {session.book.clock} bars in "
                          f"[{iso(anchor)}, {iso(t1)}); pick a span the store holds")
    size = batch if callable(batch) else (lambda row: batch)
    t = session.next_row
    warm = int(np.searchsorted(clock, t0, side="left"))  # rows before the first traded bar: one step, as live starts
    while t < len(clock):
        last = min(len(clock), max(t + max(1, int(size(t))), warm)) - 1
        report = session.step(closed_by(bars, int(clock[last]) + clock_ns), final=last == len(clock) - 1)
        if state is not None and report is not None:
            session.save(state)
        if progress is not None and report is not None:
            progress(session, report)
        t = max(last + 1, session.next_row)
    return session


def backtest_config(session: PaperSession, end: Any) -> Any:
    """The backtest config of the session's span: run.start = its anchor, run.trade_start, run.end = ``end``."""
    cfg, _ = session_config(session.cfg, session.info.book, to_utc_ns(session.info.anchor),
                            to_utc_ns(session.info.trade_start))
    cfg.run.end = iso(to_utc_ns(end))
    return cfg


def backtest_command(session: PaperSession, end: Any, config: str | None) -> str:
    """The ``nexus backtest`` command line that runs the same span as the session."""
    src = f" --config {config}" if config else ""
    return (f"nexus backtest{src} --symbols {','.join(session.keys)} --capital {session.book.capital:g} "
            f"--start {session.info.anchor} --end {iso(to_utc_ns(end))} --set run.trade_start='{session.info.trade_start}'")


def compare_tables(paper: dict[str, pd.DataFrame], backtest: dict[str, pd.DataFrame], book: str) -> list[str]:
    """Differences between the paper session's and the backtest's tables of ``book`` (empty: identical).

    Every column must be equal to the bit (floats by their bits, NaN equal to NaN); the book name is
    the only column allowed to differ (a ``--symbols`` backtest names its book "main").
    """
    diffs = []
    for name in COMPARED:
        a = paper.get(name, pd.DataFrame())
        b = backtest.get(name, pd.DataFrame())
        if name == "equity":
            a = a[a["curve"] == a["curve"].iloc[0]] if len(a) else a
            b = b[b["curve"] == b["curve"].iloc[0]] if len(b) else b  # the book's curve comes first
        if "book" in b.columns and len(b):
            b = b[b["book"] == b["book"].iloc[0]]
        if len(a) != len(b):
            diffs.append(f"{name}: {len(a)} rows in paper, {len(b)} in the backtest")
            continue
        for col in a.columns:
            if col in ("book", "curve"):
                continue
            x, y = a[col].to_numpy(), b[col].to_numpy() if col in b.columns else None
            if y is None:
                diffs.append(f"{name}: column {col!r} missing in the backtest")
                continue
            if x.dtype.kind == "f" and y.dtype.kind == "f":
                same = np.array_equal(x.view(np.int64), y.view(np.int64))
            elif x.dtype.kind == "M" or str(a[col].dtype).startswith("datetime"):
                same = np.array_equal(a[col].to_numpy("datetime64[ns]"), b[col].to_numpy("datetime64[ns]"))
            else:
                same = np.array_equal(x, y)
            if not same:
                bad = np.flatnonzero(np.asarray(x != y))[:1]
                at = f" (first at row {int(bad[0])}: {x[bad[0]]!r} vs {y[bad[0]]!r})" if len(bad) else ""
                diffs.append(f"{name}: column {col!r} differs{at}")
    return diffs


def run_backtest(cfg: Any) -> Any:
    """The backtest of a session's span, quiet (a BacktestResult)."""
    from nexus.pipeline import backtest

    cfg.run.progress = False
    return backtest(cfg, echo=False)


def run_backtest_tables(cfg: Any) -> dict[str, pd.DataFrame]:
    """orders, limits, decisions, equity of a backtest (what ``nexus backtest`` records in its run folder)."""
    from nexus.runs.record import backtest_tables

    return backtest_tables(run_backtest(cfg))


def run_tables(run: Any) -> dict[str, pd.DataFrame]:
    """The compared tables of a recorded run (a paper or a backtest run folder)."""
    return {name: run.table(name) for name in COMPARED if (run.path / f"{name}.parquet").is_file()}
