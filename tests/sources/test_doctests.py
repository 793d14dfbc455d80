"""The examples in the sources modules' docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("name", ["symbols", "klines", "retry", "checks"])
def test_module_examples(name):
    mod = importlib.import_module(f"nexus.data.sources.{name}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
