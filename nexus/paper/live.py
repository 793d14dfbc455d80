"""The live loop: poll a ccxt exchange for closed bars, store them, step the session, save, repeat.

Each poll downloads every series' new closed bars with ``nexus data fetch``'s
own code (:func:`nexus.data.sources.ccxt_source.download`: public endpoints,
the still-forming bar dropped, duplicates and out-of-order rows sorted out,
retries with backoff on network errors and rate limits, the store's
validation on every write). Then it decides how far the session may step:
up to the newest bar close every series has reached, or, once
``late_seconds`` have passed since a bar's close, without the series that
are still missing it. A bar that closes at or before the last simulated
bar's close is never stored afterwards (the past the session traded on stays
what it was), so the store always holds exactly the bars the session saw and
``nexus backtest`` over it gives the same orders. A bar the store's validation
refuses is never stored, so nothing trades on it.

A series that misses ``gap_limit`` bars in a row triggers ``on_gap``:
``flatten`` (every position closes at the next open; the session goes on)
or ``pause`` (the state is saved and the loop stops with exit code 3; a
restart goes on). Ctrl-C (SIGINT) or SIGTERM stops the loop after the
current step. The state folder is replaced after every step, so a kill at
any moment loses no bar and sends no order twice: the restarted loop
catches up every bar since, in order.
"""

from __future__ import annotations

import random
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, TextIO

import numpy as np

from nexus.data.timeframes import timeframe_ns
from nexus.errors import NexusError
from nexus.paper.session import PaperSession, StepReport, iso

NS_PER_S = 1_000_000_000
PAUSED = 3  # exit code of a loop that paused at a gap


@dataclass
class LiveSettings:
    poll_seconds: float = 10.0
    late_seconds: float = 20.0
    gap_limit: int = 5
    on_gap: str = "flatten"
    max_retries: int = 6
    backoff_seconds: float = 1.0


@dataclass
class PollReport:
    """What one poll did."""

    read_ns: int | None  # how far the session may step (a bar close), None: not yet
    step: StepReport | None
    errors: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)


class LiveLoop:
    """Poll ``exchange`` into ``store`` and step ``session``; ``clock`` (seconds) and ``sleep`` are injectable."""

    def __init__(self, session: PaperSession, exchange: Any, store: Any, settings: LiveSettings, state: str | Path,
                 *, clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep,
                 out: TextIO | None = None, rng: random.Random | None = None) -> None:
        self.session = session
        self.exchange = exchange
        self.store = store
        self.settings = settings
        self.state = Path(state)
        self.clock = clock
        self.sleep = sleep
        self.out = out if out is not None else sys.stderr
        self.rng = rng
        self.stop_requested = False
        self.polls = 0

    # ------------------------------------------------------------ one poll
    def _done_ns(self) -> int:
        """The close of the last simulated clock bar (the anchor before any)."""
        r = self.session.records.ts
        return int(r[-1]) + timeframe_ns(self.session.book.clock) if len(r) else self.session.anchor_ns

    def _download(self, now_ns: int) -> list[str]:
        from nexus.data.sources.ccxt_source import download
        from nexus.data.sources.retry import RetryPolicy

        s = self.settings
        policy = RetryPolicy(max_retries=s.max_retries, first_contact_retries=s.max_retries,
                             base_delay=s.backoff_seconds, first_contact_delay=s.backoff_seconds)
        done = self._done_ns()
        errors = []
        for (sym, tf), tf_ns in zip(self.session.series, self.session.tf_ns):
            # never below the session's past: a bar closing at or before the last simulated close is not stored
            since = max(self.session.anchor_ns, done - tf_ns + 1)
            try:
                download(self.store, self.exchange, [sym], tf, since=since, now_ms=now_ns // 1_000_000, policy=policy,
                         sleep=self.sleep, rng=self.rng, progress=False)
            except NexusError as exc:  # retries spent, or a page the store's validation refused: nothing stored
                errors.append(f"{sym}/{tf}: {str(exc).splitlines()[0]}")
        return errors

    def _ready_ns(self, now_ns: int) -> int | None:
        """The newest bar close up to which every series is complete, or late enough to go without it."""
        clock_ns = timeframe_ns(self.session.book.clock)
        last_close = []
        for (sym, tf), tf_ns in zip(self.session.series, self.session.tf_ns):
            last = self.store.last_ts(sym, tf)
            if last is None or last < self.session.anchor_ns:
                return None
            last_close.append(int(last) + tf_ns)
        newest = max(c for c, tf_ns in zip(last_close, self.session.tf_ns) if tf_ns == clock_ns) \
            if clock_ns in self.session.tf_ns else max(last_close)
        # complete up to R: no series has a bar closing at or before R still to come
        complete = min(c + tf_ns - 1 for c, tf_ns in zip(last_close, self.session.tf_ns))
        late = now_ns - int(self.settings.late_seconds * NS_PER_S)
        ready = min(newest, max(complete, late))
        return (ready // clock_ns) * clock_ns

    def _gaps(self, ready_ns: int) -> list[str]:
        """Series that miss ``gap_limit`` bars or more up to ``ready_ns``, each gap reported once (also across a
        restart: a paused session goes on when restarted)."""
        out = []
        seen = self.session.info.gaps
        for key, (sym, tf), tf_ns in zip(self.session.keys, self.session.series, self.session.tf_ns):
            last = self.store.last_ts(sym, tf)
            close = int(last) + tf_ns if last is not None else self.session.anchor_ns
            missing = (ready_ns - close) // tf_ns
            if missing >= self.settings.gap_limit:
                if seen.get(key) != close:
                    seen[key] = close
                    out.append(f"{key}: {missing} bars missing up to {iso(ready_ns)}")
            else:
                seen.pop(key, None)
        return out

    def _bars(self, ready_ns: int) -> dict[str, Any]:
        out = {}
        for key, (sym, tf) in zip(self.session.keys, self.session.series):
            b = self.store.read(sym, tf, start=self.session.anchor_ns)
            out[key] = b[: int(np.searchsorted(b.close_ts, ready_ns, side="right"))]
        return out

    def poll(self) -> PollReport:
        """Download, decide how far to step, handle a gap, step, save."""
        self.polls += 1
        now_ns = int(self.clock() * NS_PER_S)
        errors = self._download(now_ns)
        for e in errors:
            self.log(f"error  {e}")
        ready = self._ready_ns(now_ns)
        if ready is None or ready <= self._done_ns():
            return PollReport(ready, None, errors)
        gaps = self._gaps(ready)
        for g in gaps:
            self.log(f"gap    {g}; on_gap = {self.settings.on_gap}")
            self.session.info.events.append(f"{iso(now_ns)} gap {g} ({self.settings.on_gap})")
        if gaps and self.settings.on_gap == "pause":
            self.session.save(self.state)
            self.stop_requested = True
            return PollReport(ready, None, errors, gaps)
        if gaps:
            closed = self.session.broker.flatten()
            if closed:
                self.log(f"flat   {', '.join(closed)} at the next open")
        step = self.session.step(self._bars(ready))
        self.session.save(self.state)
        return PollReport(ready, step, errors, gaps)

    # ------------------------------------------------------------ the loop
    def log(self, text: str) -> None:
        print(f"[paper] {text}", file=self.out, flush=True)

    def status(self, rep: PollReport, next_poll: float) -> str:
        """The one-line live status: last bar, equity, open positions, next poll."""
        r = self.session.records
        last = iso(int(r.ts[-1])) if len(r.ts) else "-"
        eq = self.session.broker.balances()["equity"]
        pos = self.session.broker.positions()
        held = ", ".join(f"{k.split('/')[0]} {v:+g}" for k, v in pos.items()) or "none"
        return (f"{self.session.info.book}: last bar {last}  equity {eq:,.2f}  positions {held}  "
                f"next poll {time.strftime('%H:%M:%S', time.gmtime(next_poll))} UTC")

    def run(self, max_polls: int | None = None, until_ns: int | None = None) -> int:
        """Poll until stopped (Ctrl-C, SIGTERM, a pause, ``max_polls`` or the clock passing ``until_ns``).
        Returns 0, or :data:`PAUSED` after a pause at a gap."""
        old = {}

        def request_stop(signum: int, frame: Any) -> None:
            self.stop_requested = True
            self.log("stopping after the current step")

        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                old[sig] = signal.signal(sig, request_stop)
            except ValueError:  # not the main thread: no handler (the caller stops the loop)
                pass
        paused = False
        try:
            while not self.stop_requested:
                rep = self.poll()
                paused = bool(rep.gaps) and self.settings.on_gap == "pause"
                nxt = self.clock() + self.settings.poll_seconds
                if rep.step is not None or self.polls == 1:
                    self.log(self.status(rep, nxt))
                if (max_polls is not None and self.polls >= max_polls) or (
                        until_ns is not None and self.clock() * NS_PER_S >= until_ns) or self.stop_requested:
                    break
                self.sleep(self.settings.poll_seconds)
        finally:
            for sig, handler in old.items():
                signal.signal(sig, handler)
        return PAUSED if paused else 0
