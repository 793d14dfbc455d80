"""The eight-layer NEXUS pipeline as array functions, and the multi-asset backtest.

>>> import nexus as nx
>>> cfg = nx.BacktestConfig.from_toml("backtest.toml")     # doctest: +SKIP
>>> res = nx.backtest(cfg)                                 # doctest: +SKIP
>>> print(res.summary()); res.report("reports/")           # doctest: +SKIP

Layers, rules, fallbacks and profiles: docs/pipeline.md.
"""

from nexus.pipeline.chain import register_function
from nexus.pipeline.config import BacktestConfig
from nexus.pipeline.layers.base import LayerContext, LayerOutput
from nexus.pipeline.result import BacktestResult
from nexus.pipeline.runner import backtest

__all__ = ["backtest", "BacktestConfig", "BacktestResult", "LayerContext", "LayerOutput", "register_function"]
