"""Return, risk and trade statistics: one ``stats`` function over public arrays, units in the keys.

The annualisation basis is its own field, never part of a key.

>>> import numpy as np
>>> from nexus.metrics import stats
>>> round(float(stats(np.array([0.1, -0.1]), periods_per_year=1)["Max Drawdown [%]"]), 9)
-10.0
"""

from nexus.metrics.returns import daily_returns
from nexus.metrics.stats import stats

__all__ = ["stats", "daily_returns"]
