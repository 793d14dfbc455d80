"""A paper session: one book of the backtest config, stepped bar by bar with decisions identical to the backtest.

Each step has two halves, each the backtest's own code:

1. **Decisions.** Layers 1-8 (``pipeline.symbol.run_symbol`` per series,
   ``pipeline.runner.book_clock``) over every series' closed bars from the
   session's anchor ``A`` (its warm-up start) to now. The pipeline is causal to
   the bit (``tests/pipeline/test_backtest_causal.py``), so the decisions of the
   new clock rows are those a backtest from ``A`` over any longer span makes on
   them. A series without a new bar reuses its last run; models stay loaded and
   an XGBoost model scores only rows it has not scored before.
2. **Fills.** The decisions go to a :class:`~nexus.paper.broker.PaperBroker` as
   orders; it advances the simulator's kernel (``portfolio.book_step``) over the
   new rows, from the state the last step left.

Decisions before ``trade_start`` (the session's first bar) are dropped, as
``run.trade_start`` drops them in a backtest: ``nexus backtest --start A
--set run.trade_start=T0`` over the same span gives the same decisions,
orders, fills and equity. A step processes new clock rows only once every
series has a closed bar (before that no series can be past its warm-up).

The session's state (anchor, clock rows done, the simulator's state and the
records) is written atomically after every step (:mod:`nexus.paper.state`);
:meth:`PaperSession.restore` continues from it.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from nexus.data.bars import Bars
from nexus.data.timeframes import timeframe_ns
from nexus.errors import ConfigError
from nexus.paper.broker import Order, PaperBroker
from nexus.paper.memo import MemoStore, memoize_models
from nexus.paper.state import PaperError, Records, SessionInfo, StepReport, load_state, save_state


def config_hash(cfg_dict: Mapping[str, Any]) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(cfg_dict, sort_keys=True, default=str).encode()).hexdigest()[:16]


def iso(ns: int) -> str:
    import pandas as pd

    return pd.Timestamp(int(ns), tz="UTC").isoformat()


def session_config(cfg: Any, book: str | None, anchor_ns: int, trade_start_ns: int) -> tuple[Any, Any]:
    """(the config with run.start = anchor, run.trade_start, no end; the book) — what the backtest of the
    same span reads."""
    cfg = copy.deepcopy(cfg)
    books = {b.name: b for b in cfg.books}
    if book is None:
        book = cfg.books[0].name
    if book not in books:
        raise ConfigError(f"paper: no book {book!r} in the config; books: {', '.join(books)}")
    cfg.run.start = iso(anchor_ns)
    cfg.run.trade_start = iso(trade_start_ns)
    cfg.run.end = ""
    cfg.books = [books[book]]
    return cfg, books[book]


class PaperSession:
    """One book stepped through time. Build with :meth:`start` (new) or :meth:`restore` (from a state folder)."""

    def __init__(self, cfg: Any, book: Any, store: Any, info: SessionInfo, broker: PaperBroker, records: Records,
                 models: Any = None) -> None:
        from nexus.data import instruments

        self.cfg = cfg
        self.book = book
        self.store = MemoStore(store)
        self.info = info
        self.broker = broker
        self.records = records
        self.series = [tuple(s.split("/", 1)) for s in book.symbols]
        self.keys = list(book.symbols)
        self.tf_ns = [timeframe_ns(tf) for _, tf in self.series]
        self.instruments = [instruments.get(sym) for sym, _ in self.series]
        from nexus.pipeline.progress import Timings

        self.timings = Timings(echo=False)
        if models is None:
            from nexus.pipeline.modelset import ModelSet

            models = ModelSet(cfg.run.models, cfg.run.use_models, self.timings)
        self.models = memoize_models(models)
        self._runs: dict[str, Any] = {}

    # ------------------------------------------------------------ building
    @classmethod
    def start(cls, cfg: Any, store: Any, *, anchor: Any, trade_start: Any, book: str | None = None,
              models: Any = None) -> "PaperSession":
        from nexus.data.timeframes import to_utc_ns

        a, t = to_utc_ns(anchor, what="paper anchor"), to_utc_ns(trade_start, what="paper trade start")
        if a > t:
            raise ConfigError(f"paper: the warm-up start {iso(a)} is after the first traded bar {iso(t)}")
        scfg, b = session_config(cfg, book, a, t)
        info = SessionInfo(b.name, list(b.symbols), iso(a), iso(t), config_hash(scfg.to_dict()))
        broker = PaperBroker(list(b.symbols), float(b.capital))
        return cls(scfg, b, store, info, broker, Records.empty(len(b.symbols)), models)

    @classmethod
    def restore(cls, folder: str | Path, cfg: Any, store: Any, *, models: Any = None) -> "PaperSession":
        info, book_state, rec = load_state(folder)
        from nexus.data.timeframes import to_utc_ns

        scfg, b = session_config(cfg, info.book, to_utc_ns(info.anchor), to_utc_ns(info.trade_start))
        if config_hash(scfg.to_dict()) != info.config_hash:
            raise PaperError(f"{folder}: the session was started with another config (book {info.book!r}); "
                             "use the same config, or a new --state folder for a new session")
        broker = PaperBroker(list(b.symbols), float(b.capital), book_state)
        if len(rec.value):
            broker.last_value = float(rec.value[-1])
        return cls(scfg, b, store, info, broker, rec, models)

    def save(self, folder: str | Path) -> None:
        save_state(folder, self.info, self.broker.state, self.records)

    # ------------------------------------------------------------ stepping
    @property
    def next_row(self) -> int:
        return self.broker.state.next_row

    @property
    def anchor_ns(self) -> int:
        from nexus.data.timeframes import to_utc_ns

        return to_utc_ns(self.info.anchor)

    def _run(self, key: str, bars: Bars, inst: Any) -> Any:
        from nexus.pipeline.symbol import run_symbol

        old = self._runs.get(key)
        if old is not None and old.n == len(bars) and (len(bars) == 0 or old.bars.ts[-1] == bars.ts[-1]):
            return old  # no new bar: the same run
        run = run_symbol(bars, self.cfg, self.models, self.timings, calendar=inst.calendar, want_baseline=False)
        self._runs[key] = run
        return run

    def step(self, bars: Mapping[str, Bars], *, final: bool = False) -> StepReport | None:
        """Simulate every clock row the closed ``bars`` (each series from the anchor on) add. None: nothing new.

        ``final``: the data ends with these bars (the replay's last step), as a backtest's data ends.
        """
        from nexus.pipeline.layers.execution import book_options
        from nexus.pipeline.runner import book_clock
        from nexus.portfolio.book import prepare_book

        t0 = time.perf_counter()
        missing = [k for k in self.keys if len(bars.get(k, ())) == 0]
        if missing:
            return None  # before every series has a closed bar no decision can be made: wait
        runs = [self._run(k, bars[k], inst) for k, inst in zip(self.keys, self.instruments)]
        ck = book_clock(runs, self.instruments, self.store, self.book.clock, self.cfg.run.trade_start)
        n = len(ck.clock_ts)
        t_first = self.next_row
        if n <= t_first:
            return None
        if not np.array_equal(ck.clock_ts[:t_first], self.records.ts):
            raise PaperError(f"paper {self.info.book}: the bars before {iso(int(self.records.ts[-1]))} changed since "
                             "they were traded (a bar inserted or removed in the store); start a new session")
        for t, j in zip(*np.nonzero(np.isfinite(ck.decision[t_first:]))):
            self.broker.submit(Order(self.keys[j], float(ck.decision[t_first + t, j]), t_first + int(t)))
        opts = book_options(ck, self.cfg, float(self.book.capital), self.instruments, self.book.clock)
        x = prepare_book(ck.open, ck.high, ck.low, ck.close, ck.decision, **opts)
        f0 = self.broker.state.n_fills
        rows = self.broker.fill(x, final=final)
        self.records.extend(ck.clock_ts[t_first:], ck.decision[t_first:], rows)
        self.info.steps += 1
        return StepReport(rows.rows, ck.clock_ts[t_first:], int(np.isfinite(ck.decision[t_first:]).sum()),
                          self.broker.state.n_fills - f0, float(rows.value[-1]), time.perf_counter() - t0)

    # ------------------------------------------------------------ output
    def tables(self) -> dict[str, Any]:
        """orders, limits, decisions and equity in the run folder's layout (``nexus.runs.record.book_tables``)."""
        import pandas as pd

        from nexus.runs.record import book_tables

        fills, limits = self.broker.state.records()
        r = self.records
        out = book_tables(self.info.book, self.keys, r.ts, fills, limits, r.decision, r.reason, r.exit_code, r.held)
        out["equity"] = pd.DataFrame({"curve": self.info.book, "ts": pd.to_datetime(r.ts, utc=True), "value": r.value})
        return out
