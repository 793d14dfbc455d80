"""Return, risk and trade statistics: one ``stats`` function, units and annualisation basis in the keys.

>>> import numpy as np
>>> from nexus.metrics import stats_from_returns
>>> round(float(stats_from_returns(np.array([0.1, -0.1]), periods_per_year=1)["Max Drawdown [%]"]), 9)
-10.0
"""

from nexus.metrics.stats import portfolio_stats, stats, stats_from_returns

__all__ = ["stats", "stats_from_returns", "portfolio_stats"]
