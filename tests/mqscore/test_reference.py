"""Kernels against the slow reference (tests/mqscore/reference.py) to 1e-8."""

from __future__ import annotations

import numpy as np
import pytest

from nexus.mqscore import api as mq
from nexus.mqscore.config import GRADE_FLOORS
from tests.conftest import make_bars
from tests.mqscore.reference import reference_components, reference_dims, reference_regime

TOL = 1e-8
W = 200


def _compare(bars, at, config=None, use_taker=None):
    got = mq.components(bars, config)
    ref = reference_components(bars, at, window=W, use_taker=use_taker)
    assert set(ref) == set(got)
    worst = {k: float(np.max(np.abs(got[k][at] - ref[k]))) for k in ref}
    bad = {k: v for k, v in worst.items() if not v <= TOL}
    assert not bad, f"components off the reference: {bad}"
    return ref


@pytest.mark.parametrize("seed,taker", [(3, True), (11, False)])
def test_components_dimensions_and_labels_match_reference(seed, taker):
    bars = make_bars(2500, seed=seed, taker=taker)
    at = list(range(W - 1, len(bars)))
    ref = _compare(bars, at)
    q = mq.mqscore(bars)
    dims = reference_dims(ref)
    for name, values in dims.items():
        np.testing.assert_allclose(getattr(q, name)[at], values, rtol=0, atol=TOL, err_msg=name)
    # labels: identical except where a value sits within 1e-9 of a threshold
    comp = dims["composite"]
    grade = np.array([max(i for i, f in enumerate(GRADE_FLOORS) if c >= f) for c in comp])
    near = np.zeros(len(at), bool)
    for f in GRADE_FLOORS:
        near |= np.abs(comp - f) < 1e-9
    assert np.array_equal(q.grade[at][~near], grade[~near])
    codes, scores = reference_regime(dims)
    np.testing.assert_allclose(q.regime_scores[at], scores, atol=1e-6)
    assert np.array_equal(q.regime[at], codes)
    np.testing.assert_allclose(q.confidence[at], scores.max(axis=1), atol=1e-6)
    gate = (comp >= 0.5) & (dims["liquidity"] >= 0.3) & (codes != 0)
    assert np.array_equal(q.gate[at], gate)
    # and the warm-up
    assert np.isnan(q.composite[: W - 1]).all() and not q.gate[: W - 1].any()
    assert (q.grade[: W - 1] == -1).all() and (q.regime[: W - 1] == -1).all()


def test_bar_direction_and_taker_sources_differ_only_in_flow():
    bars = make_bars(800, seed=5, taker=True)
    at = list(range(W - 1, len(bars)))
    a = mq.components(bars, mq.MQConfig(imbalance_source="taker_buy"))
    b = mq.components(bars, mq.MQConfig(imbalance_source="bar_direction"))
    ref_b = reference_components(bars, at, use_taker=False)
    np.testing.assert_allclose(b["imbalance.flow_balance"][at], ref_b["imbalance.flow_balance"], atol=TOL)
    assert not np.allclose(a["imbalance.flow_balance"][at], b["imbalance.flow_balance"][at])
    for k in a:
        if k != "imbalance.flow_balance":
            assert np.array_equal(a[k], b[k]), k


def test_no_drift_over_200k_bars_at_a_high_price_level():
    """Running sums are re-anchored: agreement holds late in a long series at price 40,000."""
    bars = make_bars(200_000, seed=8, price=40_000.0, vol=0.001)
    rng = np.random.default_rng(0)
    at = sorted(set(rng.integers(W, len(bars), 40).tolist()) | {len(bars) - 1})
    _compare(bars, at)


def test_other_window_length():
    bars = make_bars(900, seed=2)
    cfg = mq.MQConfig(window=300)
    got = mq.components(bars, cfg)
    at = list(range(299, 900, 7))
    ref = reference_components(bars, at, window=300)
    for k in ref:
        np.testing.assert_allclose(got[k][at], ref[k], atol=TOL, err_msg=k)
    assert np.isnan(mq.mqscore(bars, cfg).composite[:299]).all()
