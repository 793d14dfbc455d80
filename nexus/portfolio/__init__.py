"""Vectorized portfolio simulation: ``Portfolio.from_signals``, ``Portfolio.from_targets``, records.

>>> import nexus as nx
>>> pf = nx.Portfolio.from_signals([10.0, 11.0, 12.0], [1, 0, 0], [0, 0, 0], price="close", init_cash=100.0)
>>> float(pf.value[-1])
120.0
"""

from nexus.portfolio.records import order_dt, trade_dt
from nexus.portfolio.wrapper import Portfolio

from_signals = Portfolio.from_signals
from_targets = Portfolio.from_targets

__all__ = ["Portfolio", "from_signals", "from_targets", "order_dt", "trade_dt"]
