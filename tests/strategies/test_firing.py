"""On the synthetic crypto pairs every one of the twenty fires a non-trivial number of signals, both ways, and none is constant."""

from __future__ import annotations

import numpy as np
import pytest

from nexus.data.sources.synth import CRYPTO_SYMBOLS, generate
from nexus.strategies import nexus_names, signals

# about six weeks of one-minute bars per pair: a once-per-session strategy (open_drive) decides about
# 40 times; three weeks gave it only ~20 chances, too few on a market without free trends (issue 14)
N_BARS = 60_000


@pytest.fixture(scope="module")
def matrices():
    return {s: signals(generate(s, "1m", n=N_BARS, seed=0)[0], "nexus") for s in CRYPTO_SYMBOLS}


@pytest.mark.parametrize("symbol", CRYPTO_SYMBOLS)
def test_every_strategy_fires_both_ways(matrices, symbol):
    S = matrices[symbol]
    assert S.names == tuple(nexus_names())
    for j, name in enumerate(S.names):
        col = S.signal[:, j]
        entries = np.count_nonzero((col != 0) & (np.r_[0, col[:-1]] != col))
        assert entries >= 5, f"{symbol} {name}: only {entries} entries in {N_BARS} bars"
        assert (col == 1).any() and (col == -1).any(), f"{symbol} {name} never trades one side"
        assert np.unique(col).size == 3, f"{symbol} {name} is constant"
        busy = np.count_nonzero(col) / col.size
        assert busy < 0.6, f"{symbol} {name} holds a position {busy:.0%} of the time: a constant in disguise"
        conf = S.confidence[col != 0, j]
        assert conf.min() > 0 and conf.max() <= 1, f"{symbol} {name}: confidence outside (0, 1] where it trades"
