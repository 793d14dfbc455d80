"""Replay parity: every book of the default config, replayed through the paper step, equals `nexus backtest`
over the same span and warm-up: orders, limit orders, decisions and equity, every column bit for bit.

The main book (five crypto pairs at 1m and NQ 5m on the minute clock) runs two days of 1-minute bars,
NQ 1h about five days and NQ 1d three months, every book one clock bar per step after its warm-up
(read in one step, as a live session starts).
"""

from __future__ import annotations

import numpy as np
import pytest

from nexus.data.store import BarStore
from nexus.paper.replay import backtest_config, compare_tables, replay_book, run_backtest_tables
from tests.paper.conftest import paper_config

# (start, end, warm-up): MQScore reads about 200 bars, so the NQ books read 20 days and 330 days before
SPANS = {
    "main": ("2026-10-29T17:00", "2026-10-31T17:00", ""),
    "NQ-1h": ("2026-10-26T00:00", "2026-10-30T21:00", "20d"),
    "NQ-1d": ("2026-08-01", "2026-10-31", "330d"),
}


@pytest.mark.parametrize("book", list(SPANS))
def test_replay_equals_the_backtest_to_the_last_digit(paper_store, book):
    cfg = paper_config(paper_store, costs__fill="realistic")
    start, end, warmup = SPANS[book]
    store = BarStore(paper_store)
    steps = []
    session = replay_book(cfg, store, book, start=start, end=end, warmup=warmup,
                          progress=lambda s, rep: steps.append(len(rep.rows)))
    paper = session.tables()
    bt = run_backtest_tables(backtest_config(session, end))
    assert compare_tables(paper, bt, book) == []
    # the span was really traded and really stepped bar by bar
    assert len(paper["orders"]) >= 4 and len(paper["decisions"]) >= 10
    traded = paper["equity"]["ts"] >= start
    assert traded.sum() >= {"main": 2880, "NQ-1h": 80, "NQ-1d": 60}[book]
    assert steps[1:] == [1] * (len(steps) - 1) and len(steps) > {"main": 2880, "NQ-1h": 80, "NQ-1d": 60}[book]
    # and the comparison itself can fail: one fill price off by one ulp is a difference
    o = bt["orders"].copy()
    o.loc[o.index[0], "price"] = np.nextafter(o["price"].iloc[0], np.inf)
    assert compare_tables(paper, {**bt, "orders": o}, book) == [
        f"orders: column 'price' differs (first at row 0: {paper['orders']['price'].iloc[0]!r} vs {o['price'].iloc[0]!r})"]
