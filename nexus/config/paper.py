"""The schema of ``paper.toml``: what ``nexus paper`` trades, where it polls and how it handles trouble.

The pipeline, costs, rules and models come from the backtest config the file
names (``paper.backtest``), so a paper session decides exactly what that
backtest decides; ``[book]`` is the one book it trades (symbols the exchange
serves: NQ has no ccxt source, replay covers it).

>>> PAPER.key("paper.on_gap").choices
('flatten', 'pause')
"""

from __future__ import annotations

from nexus.config.common import CAPITAL, CLOCK
from nexus.config.schema import Key, Schema, Section

PAPER = Schema(
    file="paper.toml",
    example="paper.poll_seconds=5",
    sections=(
        Section("paper", (
            Key("backtest", "str", "backtest.toml", "backtest config whose pipeline, costs, rules and models the "
                "session runs (its [run] start, end and books are not used)"),
            Key("exchange", "str", "binance", "ccxt exchange id; public endpoints only, no API key"),
            Key("store", "str", "data/paper_bars", "bar store the live bars are appended to (keep it apart from the "
                "research store: its newest bars must be the exchange's)"),
            Key("state", "str", "paper_state", "session state folder (replaced atomically after each step)"),
            Key("runs", "str", "runs", 'run records: each session writes a folder here when it stops ("" = none)'),
            Key("warmup", "str", "", 'history read before the first traded bar, e.g. "2d" ("" = twice run.warmup_bars '
                'bars of the coarsest series)'),
            Key("poll_seconds", "float", 10.0, "seconds between polls of the exchange", lo=0.0, lo_open=True),
            Key("late_seconds", "float", 20.0, "after a bar's close, wait this long for every series' bar; then step "
                "without the missing ones (a bar that comes later is never stored)", lo=0.0),
            Key("gap_limit", "int", 5, "bars a series may miss in a row before on_gap acts", lo=1),
            Key("on_gap", "str", "flatten", '"flatten": close every position at the next open and go on; "pause": '
                "save and stop (a restart goes on)", choices=("flatten", "pause")),
            Key("max_retries", "int", 6, "retries of a failed request (network error, rate limit) per poll", lo=0),
            Key("backoff_seconds", "float", 1.0, "first retry delay; doubles per retry, x5 after a rate limit",
                lo=0.0),
        ), help="the session"),
        Section("book", (
            Key("name", "str", "paper", "book name"),
            Key("symbols", "list[str]", ["BTCUSDT/1m", "ETHUSDT/1m", "BNBUSDT/1m", "SOLUSDT/1m", "XRPUSDT/1m"],
                'series "SYMBOL/timeframe" the exchange serves, none finer than the clock'),
            CLOCK,
            CAPITAL,
        ), help="the one book the session trades"),
    ),
)
