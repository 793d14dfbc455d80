from __future__ import annotations

import numpy as np

from nexus.mqscore import REGIME_NAMES
from nexus.mqscore.evaluate import SYNTH_NAMES, evaluate_regimes, rule_regimes_as_synth


def test_scores_by_hand():
    true = np.array([0, 0, 0, 1, 1, 2, -1])
    pred = np.array([0, 1, 0, 1, 1, 1, 2])
    r = evaluate_regimes(pred, true, names=("a", "b", "c"))
    assert r.n == 6 and r.confusion.tolist() == [[2, 1, 0], [0, 2, 0], [0, 1, 0]]
    np.testing.assert_allclose(r.precision, [1.0, 0.5, np.nan])
    np.testing.assert_allclose(r.recall, [2 / 3, 1.0, 0.0])
    assert abs(r.balanced_accuracy - (2 / 3 + 1 + 0) / 3) < 1e-15
    assert abs(r.accuracy - 4 / 6) < 1e-15
    assert "balanced accuracy" in r.summary()


def test_rule_mapping_with_trend_direction():
    close = np.r_[np.full(20, 100.0), np.linspace(101, 110, 5), np.linspace(99, 90, 5)]
    regime = np.full(30, -1, np.int8)
    st = REGIME_NAMES.index("STRONG_TREND")
    regime[20:25] = st
    regime[25:30] = st
    regime[0] = REGIME_NAMES.index("HIGH_VOLATILITY_LOW_LIQUIDITY")
    regime[1] = REGIME_NAMES.index("BALANCED")
    out = rule_regimes_as_synth(regime, close)
    assert out[0] == SYNTH_NAMES.index("crisis") and out[1] == SYNTH_NAMES.index("calm")
    assert (out[20:25] == SYNTH_NAMES.index("trend_up")).all()
    assert (out[25:30] == SYNTH_NAMES.index("trend_down")).all()
    assert (out[2:20] == -1).all()
