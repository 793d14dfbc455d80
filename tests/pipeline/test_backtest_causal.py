"""Causality of the whole pipeline: cutting the data at bar t leaves every target and order before t unchanged.

The cut is applied to every series at once (``run.end`` = the clock time of
bar t), and the book's targets, orders and value are compared row by row.
"""

from __future__ import annotations

import numpy as np
import pytest

from nexus.lookahead import check_causal
from nexus.pipeline import backtest
from tests.pipeline.conftest import small_config


class Cut:
    """Data for check_causal: one book's clock, cut at row t via run.end."""

    def __init__(self, root, clock_ts, symbols, end=None):
        self.root, self.clock_ts, self.symbols, self.end = root, clock_ts, symbols, end

    def __len__(self):
        return len(self.clock_ts) if self.end is None else int(np.searchsorted(self.clock_ts, self.end))


def _cut(data: Cut, t: int) -> Cut:
    return Cut(data.root, data.clock_ts, data.symbols, int(data.clock_ts[t]))


def _outputs(data: Cut):
    import pandas as pd

    cfg = small_config(data.root)
    cfg.books = cfg.books[:1]
    cfg.books[0].symbols = list(data.symbols)
    if data.end is not None:
        cfg.run.end = pd.Timestamp(data.end, tz="UTC").isoformat()
    res = backtest(cfg)
    b = res.main
    pf = b.portfolio
    n, k = len(b.equity), len(b.series)
    orders = np.zeros((n, k))
    o = pf.orders
    np.add.at(orders, (o["idx"], o["col"]), np.where(o["side"] == 0, o["size"], -o["size"]))
    target = np.nan_to_num(b.targets, nan=-9.0)
    return {"target": target, "orders": orders, "value": b.equity.to_numpy(),
            "sma_value": b.baselines["sma_crossover"].equity.to_numpy()}


CRYPTO = ["BTCUSDT/1m", "ETHUSDT/1m", "BNBUSDT/1m", "SOLUSDT/1m", "XRPUSDT/1m"]


def _full(root, symbols):
    cfg = small_config(root)
    cfg.books = cfg.books[:1]
    cfg.books[0].symbols = list(symbols)
    return backtest(cfg)


def test_crypto_book_is_causal_at_random_cuts(small_store):
    res = _full(small_store, CRYPTO)
    assert len(res.main.trades) > 0, "the causality check needs a book that trades"
    rep = check_causal(_outputs, Cut(small_store, res.main.ts, CRYPTO), cut=_cut, n_random=4, seed=3, min_cut=300)
    rep.raise_if_failed()


def test_multi_asset_book_with_nq_is_causal(small_store):
    """Cuts inside NQ's span: its 5m decisions reach the minute clock only after their bar closed."""
    symbols = CRYPTO + ["NQ/5m"]
    res = _full(small_store, symbols)
    b = res.main
    nq = b.series.index("NQ/5m")
    assert (b.portfolio.orders["col"] == nq).sum() > 0, "NQ must trade in the small store for this test to bite"
    nq_rows = np.flatnonzero(np.isfinite(b.targets[:, nq]))
    # right after an NQ order, on an NQ order row itself, and between 5m closes
    cuts = sorted({int(nq_rows[len(nq_rows) // 3]) + 1, int(nq_rows[-1]), int(nq_rows[len(nq_rows) // 2]) + 3})
    rep = check_causal(_outputs, Cut(small_store, b.ts, symbols), cut=_cut, cuts=cuts)
    rep.raise_if_failed()
