"""nexus: a vectorized research backtester for crypto and futures.

>>> import nexus as nx
>>> store = nx.BarStore("data/bars")                         # doctest: +SKIP
>>> bars = store.read("BTCUSDT", "1m")                        # doctest: +SKIP
>>> q = nx.mqscore(bars); S = nx.signals(bars)                # doctest: +SKIP
>>> pf = nx.Portfolio.from_signals(bars.close, entries, exits)  # doctest: +SKIP

Names are imported lazily so ``import nexus`` stays fast and a notebook pays
numba compilation only for what it uses.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_API: dict[str, str] = {
    "Bars": "nexus.data.bars",
    "BarStore": "nexus.data.store",
    "validate": "nexus.data.validate",
    "clean": "nexus.data.clean",
    "resample": "nexus.data.resample",
    "align": "nexus.data.resample",
    "Instrument": "nexus.data.instruments",
    "instruments": "nexus.data.instruments",
    "Universe": "nexus.data.universe",
    "synth": "nexus.data.sources.synth",
    "mqscore": "nexus.mqscore",
    "signals": "nexus.strategies",
    "signal_columns": "nexus.strategies",
    "SignalMatrix": "nexus.strategies",
    "register_strategy": "nexus.strategies",
    "check_lookahead": "nexus.strategies",
    "check_warmup": "nexus.strategies",
    "Registry": "nexus.models",
    "build_features": "nexus.models",
    "Portfolio": "nexus.portfolio",
    "stats": "nexus.metrics",
    "stylized_facts": "nexus.metrics.stylized",
    "backtest": "nexus.pipeline",
    "BacktestConfig": "nexus.pipeline",
    "BacktestResult": "nexus.pipeline",
    "sweep": "nexus.sweep",
    "walk_forward": "nexus.sweep",
    "errors": "nexus.errors",
}

__all__ = sorted(_API) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'nexus' has no attribute {name!r}")
    mod = importlib.import_module(module)
    value = mod if module.endswith("." + name) and not hasattr(mod, name) else getattr(mod, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
