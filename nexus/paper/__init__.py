"""Paper trading: the backtest's pipeline and simulator stepped bar by bar on live or replayed bars.

- :mod:`nexus.paper.session`: one book stepped through time (decisions by the pipeline, fills by the simulator);
- :mod:`nexus.paper.broker`: the broker interface and the paper broker;
- :mod:`nexus.paper.replay`: stored bars fed one by one, and the comparison with ``nexus backtest``;
- :mod:`nexus.paper.live`: the polling loop on a ccxt exchange;
- :mod:`nexus.paper.state`: the session's state folder, replaced atomically after each step.
"""

from nexus.paper.broker import Broker, OpenOrder, Order, PaperBroker
from nexus.paper.session import PaperError, PaperSession

__all__ = ["Broker", "OpenOrder", "Order", "PaperBroker", "PaperError", "PaperSession"]
