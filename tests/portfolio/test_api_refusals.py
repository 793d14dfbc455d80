"""The Python API refuses what the CLI refuses: fees above 10 % (unless allowed) and leverage <= 0."""

from __future__ import annotations

import numpy as np
import pytest

import nexus as nx
from nexus.errors import ConfigError

CLOSE = np.array([10.0, 11.0, 12.0, 11.0, 13.0])
ENTRIES = np.array([1, 0, 0, 0, 0], bool)
EXITS = np.array([0, 0, 1, 0, 0], bool)


def test_fees_above_ten_percent_are_refused_unless_allowed():
    with pytest.raises(ConfigError, match=r"fees=1.5 .*150% of every order.*allow_high_fees=True"):
        nx.Portfolio.from_signals(CLOSE, ENTRIES, EXITS, fees=1.5, price="close", init_cash=10_000.0)
    with pytest.raises(ConfigError, match="fees=0.2"):  # one column of several is enough
        nx.Portfolio.from_signals(np.column_stack([CLOSE, CLOSE]), ENTRIES, EXITS, fees=np.array([0.001, 0.2]), price="close")
    with pytest.raises(ConfigError, match="fees=0.5"):
        nx.Portfolio.from_targets(CLOSE, np.full(5, 0.5), fees=0.5, price="close")
    # allowed on purpose: one round trip at 50 % each way, by hand
    pf = nx.Portfolio.from_signals(CLOSE, ENTRIES, EXITS, fees=0.5, price="close", init_cash=150.0, allow_high_fees=True)
    size = 150.0 / (10.0 * 1.5)  # cash / (price x (1 + fees))
    assert pf.orders["size"][0] == pytest.approx(size)
    assert float(pf.value[-1]) == pytest.approx(size * 12.0 * 0.5)  # sold at 12, half goes in fees
    nx.Portfolio.from_signals(CLOSE, ENTRIES, EXITS, fees=0.1, price="close")  # the boundary itself is fine


def test_leverage_zero_or_negative_is_refused():
    with pytest.raises(ConfigError, match=r"leverage=0 would allow no exposure.*leverage > 0"):
        nx.Portfolio.from_signals(CLOSE, ENTRIES, EXITS, leverage=0.0, price="close")
    with pytest.raises(ConfigError, match="leverage"):
        nx.Portfolio.from_targets(CLOSE, np.full(5, 0.5), leverage=0.0, price="close")


def test_an_unknown_keyword_is_refused_with_the_valid_ones():
    # a misspelt cost must not pass silently as a default (fee= for fees=)
    with pytest.raises(ConfigError, match=r"from_signals: unknown keyword 'fee'.*fees, fixed_fees"):
        nx.Portfolio.from_signals(CLOSE, ENTRIES, EXITS, fee=0.001, price="close")
    with pytest.raises(ConfigError, match=r"from_targets: unknown keyword 'slipage'.*slippage_model"):
        nx.Portfolio.from_targets(CLOSE, np.full(5, 0.5), slipage=0.001, price="close")


def test_the_shared_costs_mean_the_same_in_both_simulators():
    # one long of 10 units at 10, closed at 12: fees 0.1 % of each notional plus 1 per order, by hand
    kw = dict(fees=0.001, fixed_fees=1.0, price="close", init_cash=1_000.0)
    sig = nx.Portfolio.from_signals(CLOSE, ENTRIES, EXITS, size=10.0, **kw)
    tgt = nx.Portfolio.from_targets(CLOSE, np.array([10.0, np.nan, 0.0, np.nan, np.nan]), target_type="amount", **kw)
    by_hand = 1_000.0 + 10 * (12.0 - 10.0) - (0.001 * 100.0 + 1.0) - (0.001 * 120.0 + 1.0)
    assert float(sig.value[-1]) == pytest.approx(by_hand, abs=1e-12)
    assert float(np.ravel(tgt.value)[-1]) == pytest.approx(by_hand, abs=1e-12)
