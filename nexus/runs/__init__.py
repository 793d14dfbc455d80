"""Run records: every backtest and sweep as a folder of JSON and Parquet; list, load, compare, remove.

>>> import nexus as nx                                   # doctest: +SKIP
>>> nx.runs.list()                                       # newest first   # doctest: +SKIP
>>> run = nx.runs.load("20261205T081500123Z-1a2b3c4d")   # doctest: +SKIP
>>> cmp = nx.runs.compare(["2026...-1a2b", "2026...-9f8e"], out="reports/compare")  # doctest: +SKIP
>>> cmp.stats; cmp.config                                # doctest: +SKIP
"""

from nexus.runs.compare import CompareResult, compare
from nexus.runs.record import record_backtest, record_sweep, write_run
from nexus.runs.store import DEFAULT_ROOT, Run, RunNotFoundError, list_runs, load, remove

list = list_runs  # noqa: A001 - nx.runs.list() is the documented verb
rm = remove

__all__ = ["list", "list_runs", "load", "compare", "remove", "rm", "record_backtest", "record_sweep", "write_run", "Run",
           "RunNotFoundError", "CompareResult", "DEFAULT_ROOT"]
