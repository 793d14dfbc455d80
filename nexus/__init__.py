"""nexus: a vectorized research backtester for crypto and futures.

>>> import nexus as nx
>>> store = nx.BarStore("data/bars")                         # doctest: +SKIP
>>> bars = store.read("BTCUSDT", "1m")                        # doctest: +SKIP
>>> q = nx.mqscore(bars); S = nx.signals(bars)                # doctest: +SKIP
>>> pf = nx.Portfolio.from_signals(bars.close, entries, exits)  # doctest: +SKIP

Names are imported lazily so ``import nexus`` stays fast and a notebook pays
numba compilation only for what it uses. The verbs ``backtest``, ``mqscore``,
``sweep`` and ``walk_forward`` are plain functions of this face. This module
is the top of the import ladder (docs/architecture.md): nothing under
``nexus/`` imports it.
"""

from __future__ import annotations

import importlib
import sys
import types
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
    "metrics": "nexus.metrics",
    "stylized_facts": "nexus.metrics.stylized",
    "BacktestConfig": "nexus.pipeline",
    "BacktestResult": "nexus.pipeline",
    "errors": "nexus.errors",
    "runs": "nexus.runs",
}



def backtest(config: Any = None, **kwargs: Any):
    """Run the eight-layer pipeline over every book of ``config`` -> BacktestResult (``nexus.pipeline.backtest``)."""
    from nexus.pipeline.runner import backtest as run

    return run(config, **kwargs)


def mqscore(bars: Any, config: Any = None, **kwargs: Any):
    """Market quality of ``bars`` (one, a list or a dict of Bars) -> MQScore (``nexus.mqscore.api.mqscore``)."""
    from nexus.mqscore.api import mqscore as run

    return run(bars, config, **kwargs)


def sweep(strategy: Any, grid: Any, **kwargs: Any):
    """Evaluate ``strategy`` over a parameter ``grid`` -> SweepResult (``nexus.sweep.runner.sweep``)."""
    from nexus.sweep.runner import sweep as run

    return run(strategy, grid, **kwargs)


def walk_forward(strategy: Any, grid: Any, **kwargs: Any):
    """Walk-forward optimisation of ``strategy`` over ``grid`` -> WalkForwardResult (``nexus.sweep.walkforward``)."""
    from nexus.sweep.walkforward import walk_forward as run

    return run(strategy, grid, **kwargs)


_FUNCTIONS = ("backtest", "mqscore", "sweep", "walk_forward")
__all__ = sorted([*_API, *_FUNCTIONS]) + ["__version__"]


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


class _Face(types.ModuleType):
    """Importing a subpackage binds it as an attribute of its parent: ``import nexus.sweep.grid``
    would replace the function ``nexus.sweep`` with the package. The face keeps its functions
    (the packages stay importable by name: ``from nexus.sweep import expand_grid``)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _FUNCTIONS and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Face
