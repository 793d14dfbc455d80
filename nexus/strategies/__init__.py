"""The twenty NEXUS strategies and four baselines as numba signal kernels, one registry.

>>> import nexus as nx                                            # doctest: +SKIP
>>> S = nx.signals(bars)       # every strategy but the baselines  # doctest: +SKIP
>>> S.names, S.signal.shape                 # (names, [n_bars, k] int8)       # doctest: +SKIP
>>> nx.check_lookahead("all", bars).ok                            # doctest: +SKIP
True

See docs/strategies.md for each strategy's rule and bar proxy.
"""

from nexus.strategies.registry import (
    REGISTRY, Param, StrategySpec, get_spec, nexus_names, register, register_strategy, select, strategy, unregister_strategy,
)
from nexus.strategies.builtins import BUILTINS, register_builtins
from nexus.strategies.matrix import SignalMatrix, signal_columns, signals
from nexus.strategies.checks import LookaheadReport, WarmupReport, check_lookahead, check_warmup
from nexus.strategies.context import Context
from nexus.strategies.pool import release_memory

register_builtins()

__all__ = [
    "REGISTRY", "Param", "StrategySpec", "SignalMatrix", "Context", "LookaheadReport", "WarmupReport",
    "signals", "signal_columns", "register_strategy", "unregister_strategy", "get_spec", "nexus_names",
    "select", "check_lookahead", "check_warmup", "release_memory", "strategy", "register", "BUILTINS",
]
