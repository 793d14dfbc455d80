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
