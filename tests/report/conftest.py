from __future__ import annotations

import pytest

from tests.pipeline.conftest import small_config, small_store  # noqa: F401  (fixture re-export)


@pytest.fixture(scope="session")
def small_result(small_store):  # noqa: F811
    from nexus.pipeline import backtest

    return backtest(small_config(small_store))
