"""Golden run: the default pipeline on a small fixed synthetic store, pinned.

Any change in behaviour (a layer, a threshold, the simulator's rules or costs,
the strategies, MQScore, the synthetic generator) moves these numbers; when
it is intended, re-pin them and say why in the commit. Store: build_default_store(
scale=0.003, seed=11) plus 600 NQ 5m bars (tests/pipeline/conftest.py), rule
fallbacks in every model slot. The period is two days, so the annualised
Sharpe is extreme; it is pinned as a number, not as a judgement.
"""

from __future__ import annotations

import numpy as np
import pytest

from nexus.pipeline import backtest
from tests.pipeline.conftest import small_config

GOLDEN = {
    # book: (trades, orders, final value, sharpe)
    "main": (14, 44, 9788862.67862707, -15.665356523675843),
    "NQ-1h": (0, 0, 10000000.0, float("nan")),
    "NQ-1d": (0, 0, 10000000.0, float("nan")),
}
GOLDEN_FUNNEL = {"bars seen": 14850, "1 quality": 9550, "2 signals": 7512, "3 meta": 7471, "4 aggregate": 5712, "5 governance": 4596, "6 risk": 4562, "7 sizing": 4562, "8 accepted by book": 36, "orders": 44, "trades": 14}


@pytest.fixture(scope="module")
def golden(small_store):
    return backtest(small_config(small_store))


def test_golden_books(golden):
    for name, (trades, orders, final, sharpe) in GOLDEN.items():
        b = golden.books[name]
        key = "Sharpe Ratio"
        assert len(b.trades) == trades, name
        assert len(b.portfolio.orders) == orders, name
        assert float(b.equity.iloc[-1]) == pytest.approx(final, rel=1e-9), name
        assert float(b.stats[key]) == pytest.approx(sharpe, rel=1e-9, nan_ok=True), name


def test_golden_funnel_and_consistency(golden):
    b = golden.main
    assert b.funnel["total"].to_dict() == GOLDEN_FUNNEL
    # the funnel only narrows through layers 1-7
    layers = b.funnel["total"].iloc[:8].to_numpy()
    assert np.all(np.diff(layers) <= 0)
    # the equity curve ends where the portfolio ends, and trade P&L + open P&L explain it
    assert float(b.equity.iloc[-1]) == pytest.approx(float(np.asarray(b.portfolio.value).ravel()[-1]))
    assert b.costs["fees"] == pytest.approx(float(b.portfolio.orders["fees"].sum()))
    # reasons account for every bar of every series exactly once
    assert int(b.reasons["total"].sum()) == int(b.funnel.loc["bars seen", "total"])


def test_default_trades_and_beats_nothing_silently(golden):
    """The default profile trades on the fixed store, and both baselines ran beside it."""
    b = golden.main
    assert len(b.trades) > 0 and set(b.baselines) == {"sma_crossover", "buy_and_hold"}
    assert len(b.baselines["sma_crossover"].portfolio.orders) > 0


def test_futures_books_roll_their_contracts(tmp_path):
    """NQ books trade the contracts: a position held into a roll bar is closed in the expiring contract and
    reopened in the next, the two legs apart by exactly the calendar spread (no slippage), each paying
    2.25 USD per contract; P&L comes from contract prices, signals from the back-adjusted series."""
    from nexus.data.contracts import store_view
    from nexus.data.sources.synth import build_default_store
    from nexus.data.store import BarStore

    build_default_store(BarStore(tmp_path), scale=0.3, seed=3, symbols=["NQ"], progress=False)
    res = backtest({"run": {"store": str(tmp_path), "use_models": False, "progress": False, "baselines": []},
                    "books": [{"name": "NQ-1h", "symbols": ["NQ/1h"], "clock": "1h", "capital": 1e7}],
                    "costs": {"slippage_model": "none", "fill_sensitivity": False}})
    book = res.books["NQ-1h"]
    o = book.portfolio.orders
    roll = o[o["reason"] == 10]
    cont = store_view(BarStore(tmp_path), "NQ", "1h", "front")
    assert len(roll) > 0 and len(roll) % 2 == 0
    spread_at = dict(zip(cont.roll_ts.tolist(), cont.spread.tolist()))
    front_open = dict(zip(cont.bars.ts.tolist(), cont.bars.open.tolist()))
    for a, b in zip(roll[0::2], roll[1::2]):
        t = int(book.ts[a["idx"]])
        assert a["idx"] == b["idx"] and a["size"] == b["size"] and a["side"] != b["side"]
        assert b["price"] == pytest.approx(front_open[t]) and b["price"] - a["price"] == pytest.approx(spread_at[t])
        assert a["fees"] == pytest.approx(2.25 * a["size"]) and b["fees"] == pytest.approx(2.25 * b["size"])
        # the position was held into the roll bar in the expiring contract
        assert np.asarray(book.portfolio.position)[a["idx"] - 1, 0] != 0.0
    assert book.symbol_stats.loc["NQ/1h", "rolls"] == len(roll) // 2
