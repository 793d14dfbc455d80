"""Parameter sweeps, walk-forward optimisation and their engines (local, Ray).

>>> import nexus as nx                                        # doctest: +SKIP
>>> res = nx.sweep("sma_crossover", {"fast": [5, 10], "slow": [50, 100]}, data=bars)  # doctest: +SKIP
"""

from nexus.sweep.grid import auto_chunk_columns, expand_grid
from nexus.sweep.result import SweepResult
from nexus.sweep.runner import METRICS, sweep
from nexus.sweep.walkforward import WalkForwardResult, make_windows, walk_forward

__all__ = ["sweep", "walk_forward", "expand_grid", "auto_chunk_columns", "make_windows", "SweepResult", "WalkForwardResult", "METRICS"]
