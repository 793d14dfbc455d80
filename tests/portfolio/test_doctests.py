"""The docstring examples of the portfolio, metrics and figure modules run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "nexus.portfolio", "nexus.portfolio.broadcast", "nexus.portfolio.signals", "nexus.portfolio.targets",
    "nexus.portfolio.wrapper", "nexus.portfolio.book_step", "nexus.metrics", "nexus.metrics.stats",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    mod = importlib.import_module(name)
    res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0
    assert res.attempted > 0
