"""The face `nexus/__init__.py`: verbs are plain functions that stay functions, names load lazily."""

from __future__ import annotations

import types

import numpy as np
import pandas as pd

import nexus as nx
from tests.conftest import make_bars


def test_verbs_stay_plain_functions_when_their_packages_are_imported():
    import nexus.mqscore.config  # noqa: F401  (importing a subpackage binds it on its parent)
    import nexus.sweep.grid  # noqa: F401
    from nexus.sweep import expand_grid

    assert expand_grid({"a": [1, 2]})  # the packages stay importable by name
    for name in ("backtest", "mqscore", "sweep", "walk_forward"):
        assert isinstance(getattr(nx, name), types.FunctionType), name


def test_verbs_call_the_functions_they_name():
    from nexus.mqscore.api import mqscore
    from nexus.sweep.runner import sweep

    bars = make_bars(600, seed=3)
    np.testing.assert_array_equal(nx.mqscore(bars).composite, mqscore(bars).composite)
    grid = {"fast": [5, 8], "slow": [30]}
    a = nx.sweep("sma_crossover", grid, data=bars, progress=False).table
    b = sweep("sma_crossover", grid, data=bars, progress=False).table
    pd.testing.assert_frame_equal(a, b)


def test_lazy_names_resolve_to_their_definitions():
    from nexus.metrics.stats import stats
    from nexus.portfolio.wrapper import Portfolio

    assert nx.stats is stats and nx.metrics.stats is stats and nx.Portfolio is Portfolio
    assert set(nx.__all__) >= {"backtest", "mqscore", "sweep", "walk_forward", "stats", "metrics", "Portfolio"}
