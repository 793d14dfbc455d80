"""The quoted spread as the simulator's per-bar slippage: fills cross exactly half the standing quote."""

from __future__ import annotations

import numpy as np
import pytest

from nexus.data.sources import synth
from nexus.data.spread import quoted_slippage
from nexus.errors import DataError
from nexus.portfolio import Portfolio


def test_fills_cross_half_the_standing_quote():
    bars, _ = synth.generate("SOLUSDT", "1m", n=400, seed=0)
    entries = np.zeros(len(bars), bool)
    exits = np.zeros(len(bars), bool)
    entries[[10, 200]] = True
    exits[[100, 300]] = True
    pf = Portfolio.from_signals(bars.close, entries, exits, open=bars.open, price="next_open",
                                slippage=quoted_slippage(bars)[:, None], slippage_model="fixed", size=1.0)
    orders = pf.orders
    assert len(orders) == 4
    for o in orders:
        t = int(o["idx"])
        quote = bars.spread[t - 1]  # decided on t-1, filled at t's open against the quote standing then
        buy = o["size"] > 0 if "side" not in o.dtype.names else o["side"] == 0
        want = bars.open[t] + (0.5 * quote / bars.close[t - 1]) * bars.open[t] * (1 if buy else -1)
        assert o["price"] == pytest.approx(want, rel=1e-12)


def test_alignment_and_errors():
    bars, _ = synth.generate("BTCUSDT", "1m", n=50, seed=0)
    half = 0.5 * bars.spread / bars.close
    np.testing.assert_array_equal(quoted_slippage(bars, price="close"), half)
    np.testing.assert_array_equal(quoted_slippage(bars)[1:], half[:-1])
    with pytest.raises(DataError, match="no 'spread' column"):
        quoted_slippage(bars.with_columns(spread=None))
    with pytest.raises(DataError, match="next_open"):
        quoted_slippage(bars, price="next_worst")


def test_doctest():
    import doctest

    import nexus.data.spread as mod

    r = doctest.testmod(mod)
    assert r.attempted > 0 and r.failed == 0


def test_quoted_slippage_is_causal():
    from nexus.lookahead import check_causal

    bars, _ = synth.generate("XRPUSDT", "1m", n=3_000, seed=1)
    for price in ("next_open", "close"):
        check_causal(lambda b: quoted_slippage(b, price=price), bars).raise_if_failed()
