"""Each layer passes and rejects constructed bars for exactly the reasons it reports."""

from __future__ import annotations

import numpy as np
import pytest

from nexus.pipeline import reasons as R
from nexus.pipeline.config import BacktestConfig
from nexus.pipeline.layers import aggregate as L4
from nexus.pipeline.layers import governance as L5
from nexus.pipeline.layers import meta as L3
from nexus.pipeline.layers import quality as L1
from nexus.pipeline.layers import risk as L6
from nexus.pipeline.layers import signals as L2
from nexus.pipeline.layers import sizing as L7
from nexus.pipeline.layers.base import ColumnStore, LayerContext

CRISIS = 0
NAMES = ["HIGH_VOLATILITY_LOW_LIQUIDITY", "STRONG_TREND", "RANGING", "HIGH_QUALITY_TREND", "LOW_QUALITY_CHOPPY", "BALANCED"]


def ctx_for(cols: dict, cfg, meta=None, idx=None, models=None):
    n = len(next(iter(cols.values())))
    store = ColumnStore(n)
    for k, v in cols.items():
        store.put(k, np.asarray(v))
    return LayerContext(store, np.arange(n) if idx is None else np.asarray(idx), cfg, models, meta or {})


# ----------------------------------------------------------------- layer 1
def test_quality_each_reason():
    comp = np.array([np.nan, 0.60, 0.60, 0.60, 0.60, 0.60, 0.40, 0.60])
    liq = np.array([0.5, 0.5, 0.5, 0.5, 0.5, 0.2, 0.5, 0.5])
    regime = np.array([5, 5, 5, 5, CRISIS, 5, 5, 5], np.int8)
    dq = np.array([0.0, 0.0, 0.0, 0.95, 0.0, 0.0, 0.0, 0.0])
    sess = np.array([True, True, False, True, True, True, True, True])
    keep, why = L1.quality_gate(comp, liq, regime, dq, sess, min_composite=0.5, min_liquidity=0.3,
                                crisis_codes=(CRISIS,), max_data_quality=0.9)
    assert why.tolist() == [R.WARMUP, 0, R.SESSION_CLOSED, R.BAD_DATA, R.CRISIS_REGIME, R.LOW_LIQUIDITY,
                            R.LOW_COMPOSITE, 0]
    # priority: the model-free checks name the reason first
    _, why1 = L1.quality_gate(np.array([0.4]), np.array([0.1]), np.array([CRISIS], np.int8), np.array([1.0]),
                              np.array([True]), min_composite=0.5, min_liquidity=0.3, crisis_codes=(CRISIS,),
                              max_data_quality=0.9)
    assert why1.tolist() == [R.LOW_LIQUIDITY]
    assert keep.tolist() == [False, True, False, False, False, False, False, True]


def test_quality_switched_off_still_needs_warmup_and_session():
    comp = np.array([np.nan, 0.1, 0.1])
    keep, why = L1.quality_gate(comp, np.zeros(3), np.zeros(3, np.int8), np.ones(3), np.array([True, False, True]),
                                min_composite=0.5, min_liquidity=0.3, crisis_codes=(0,), max_data_quality=0.9,
                                enabled=False)
    assert why.tolist() == [R.WARMUP, R.SESSION_CLOSED, 0]


def test_quality_models_score_only_bars_past_the_model_free_checks():
    cfg = BacktestConfig().layers.quality
    calls = {}

    class Models:
        def predict(self, slot, rows):
            calls[slot] = rows.tolist()
            if slot == "data_quality":
                return np.full((len(rows), 1), 0.95, np.float32)  # every scored bar is bad data
            return None

        def outputs(self, slot):
            return ("anomaly",)

    cols = {"composite": [0.6, 0.4, 0.6, np.nan], "liquidity": [0.5, 0.5, 0.5, 0.5], "regime": np.full(4, 5, np.int8),
            "in_session": [True, True, True, True], "dq_rule": np.zeros(4), "vol_rule": np.full(4, 0.01)}
    out = L1.run(ctx_for(cols, cfg, {"crisis_codes": (0,), "regime_names": NAMES}, models=Models()))
    assert calls["data_quality"] == [0, 2]
    assert out.reason.tolist() == [R.BAD_DATA, R.LOW_COMPOSITE, R.BAD_DATA, R.WARMUP]


def test_quality_run_uses_rule_fallbacks_and_ready():
    cfg = BacktestConfig().layers.quality
    cols = {"composite": [0.6, 0.6], "liquidity": [0.5, 0.5], "regime": np.array([5, 5], np.int8),
            "in_session": [True, True], "ready": [False, True], "dq_rule": [0.1, 0.2], "vol_rule": [0.01, 0.02]}
    out = L1.run(ctx_for(cols, cfg, {"crisis_codes": (0,), "regime_names": NAMES}))
    assert out.reason.tolist() == [R.WARMUP, 0]
    assert out.values["vol_forecast"].tolist() == [0.01, 0.02]
    assert out.notes["regime_classifier"].startswith("rule")


def test_regime_model_mapping_by_name():
    pred = np.array([[0.1, 0.7, 0.1, 0.05, 0.05], [np.nan] * 5, [0, 0, 0, 0, 1.0]], np.float32)
    classes = ("calm", "trend_up", "trend_down", "volatile", "crisis")
    out = L1.regime_from_model(pred, classes, NAMES, np.array([2, 2, 2], np.int8))
    assert out.tolist() == [NAMES.index("STRONG_TREND"), 2, NAMES.index("HIGH_VOLATILITY_LOW_LIQUIDITY")]


# ----------------------------------------------------------------- layer 2
def test_signal_filter_reference_loop():
    rng = np.random.default_rng(3)
    sig = rng.integers(-1, 2, size=(200, 6)).astype(np.int8)
    conf = rng.random((200, 6)).astype(np.float32)
    keep, why, passing = L2.signal_filter(sig, conf, min_confidence=0.57)
    for i in range(200):
        fired = [j for j in range(6) if sig[i, j] != 0]
        ok = [j for j in fired if conf[i, j] >= np.float32(0.57)]
        assert passing[i].tolist() == [j in ok for j in range(6)]
        expect = R.NO_SIGNAL if not fired else (R.LOW_SIGNAL_CONFIDENCE if not ok else 0)
        assert why[i] == expect and keep[i] == (expect == 0)


def test_signal_filter_off_counts_every_fired_signal():
    sig = np.array([[1, 0], [0, 0]], np.int8)
    conf = np.array([[0.1, 0.9], [0.9, 0.9]], np.float32)
    keep, why, passing = L2.signal_filter(sig, conf, min_confidence=0.57, enabled=False)
    assert keep.tolist() == [True, False] and why.tolist() == [0, R.NO_SIGNAL]


# ----------------------------------------------------------------- layer 3
def test_meta_anomaly_and_no_weight():
    anomaly = np.array([0.9, 0.1, 0.1, 0.8])
    weights = np.array([[1, 1], [0, 0], [0, 1], [1, 1]], np.float32)
    passing = np.array([[1, 0], [1, 1], [1, 0], [1, 0]], bool)
    keep, why = L3.meta_gate(anomaly, weights, passing, max_anomaly=0.8)
    assert why.tolist() == [R.ANOMALY, R.NO_WEIGHT, R.NO_WEIGHT, 0]  # 0.8 is not above 0.8


def test_meta_run_regime_table_by_group():
    cfg = BacktestConfig().layers.meta
    regime = np.array([NAMES.index("STRONG_TREND"), NAMES.index("RANGING")], np.int8)
    cols = {"regime": regime, "passing": np.ones((2, 2), bool), "anomaly_rule": np.zeros(2)}
    meta = {"regime_names": NAMES, "strategy_groups": ["breakout", "reversion"], "strategy_names": ("a", "b")}
    out = L3.run(ctx_for(cols, cfg, meta))
    assert out.values["weights"].tolist() == [[1.5, 0.5], [0.5, 1.5]]
    assert out.keep.all()


# ----------------------------------------------------------------- layer 4
def _agg_ref(s, c, p, w, thr, minc):
    num = sum(s[j] * w[j] * c[j] for j in range(len(s)) if p[j])
    den = sum(w[j] * c[j] for j in range(len(s)) if p[j])
    agg = num / den if den > 0 else 0.0
    mc = np.mean([c[j] for j in range(len(s)) if p[j]]) if p.any() else 0.0
    d = 1 if agg > thr else (-1 if agg < -thr else 0)
    why = R.WEAK_CONSENSUS if d == 0 else (R.LOW_MEAN_CONFIDENCE if mc < minc else 0)
    return agg, d, why


def test_aggregate_matches_loop():
    rng = np.random.default_rng(5)
    s = rng.integers(-1, 2, size=(300, 5)).astype(np.int8)
    c = rng.random((300, 5)).astype(np.float32)
    p = (s != 0) & (rng.random((300, 5)) > 0.3)
    w = rng.random((300, 5)).astype(np.float32) * 2
    out = L4.aggregate(s, c, p, w, threshold=0.3, min_mean_confidence=0.5)
    for i in range(300):
        agg, d, why = _agg_ref(s[i], c[i].astype(np.float64), p[i], w[i].astype(np.float64), 0.3, 0.5)
        assert out["aggregate"][i] == pytest.approx(agg, abs=1e-6)
        assert out["direction"][i] == d and out["reason"][i] == why
        if d != 0:
            share = out["contrib"][i]
            assert share.sum() == pytest.approx(1.0, abs=1e-5)
            assert all(share[j] == 0 for j in range(5) if s[i, j] != d or not p[i, j])
    assert {R.WEAK_CONSENSUS, R.LOW_MEAN_CONFIDENCE, 0} <= set(out["reason"].tolist())


def test_aggregate_hand_numbers():
    s = np.array([[1, 1, -1], [1, -1, 0], [1, 0, 0]], np.int8)
    c = np.array([[0.8, 0.6, 0.7], [0.9, 0.9, 0.0], [0.4, 0, 0]], np.float32)
    p = np.array([[1, 1, 1], [1, 1, 0], [1, 0, 0]], bool)
    w = np.ones((3, 3), np.float32)
    out = L4.aggregate(s, c, p, w, threshold=0.3, min_mean_confidence=0.5)
    assert out["aggregate"][0] == pytest.approx((0.8 + 0.6 - 0.7) / 2.1)  # 0.333 > 0.3: long
    assert out["direction"].tolist() == [1, 0, 1]
    assert out["reason"].tolist() == [0, R.WEAK_CONSENSUS, R.LOW_MEAN_CONFIDENCE]
    assert out["contrib"][0].tolist() == pytest.approx([0.8 / 1.4, 0.6 / 1.4, 0.0])


# ----------------------------------------------------------------- layer 5
def test_governance_rule_router_and_gate():
    agg = np.array([0.5, 0.5, 0.1, -0.4, -0.4])
    wconf = np.array([0.8, 0.6, 0.9, 0.75, 0.75])
    direction = np.array([1, 1, 1, -1, 1], np.int8)
    pl, ps, conf = L5.rule_router(agg, wconf)
    assert pl.tolist() == pytest.approx([0.75, 0.75, 0.55, 0.3, 0.3])
    keep, why = L5.route_gate(direction, pl, ps, conf, min_probability=0.6, min_confidence=0.7)
    assert why.tolist() == [0, R.LOW_ROUTER_CONFIDENCE, R.LOW_PROBABILITY, 0, R.LOW_PROBABILITY]


class _FakeModels:
    """Stands in for a trained router / governor: fixed outputs per row."""

    def __init__(self, table):
        self.table = table

    def predict(self, slot, rows):
        v = self.table.get(slot)
        return None if v is None else np.asarray(v, np.float32)[rows]

    def outputs(self, slot):
        return ("p_long", "p_short", "confidence") if slot == "router" else ("trust",)


def test_governance_router_model_blends_by_governor_and_falls_back_on_nan():
    cfg = BacktestConfig.from_dict({"profile": "original"}).layers.governance
    cols = {"aggregate": [0.5, 0.5], "direction": np.array([1, 1], np.int8), "weighted_confidence": [0.9, 0.9]}
    models = _FakeModels({"router": [[0.9, 0.1, 0.8], [np.nan, np.nan, np.nan]], "governor": [[0.5], [0.5]]})
    out = L5.run(ctx_for(cols, cfg, models=models))
    # row 0: 0.5 * model + 0.5 * rule; row 1: rule only
    assert out.values["p_long"].tolist() == pytest.approx([0.5 * 0.9 + 0.5 * 0.75, 0.75])
    assert out.values["router_confidence"].tolist() == pytest.approx([0.5 * 0.8 + 0.5 * 0.9, 0.9])
    assert out.notes["router"] == "model"


# ----------------------------------------------------------------- layer 6
def test_risk_checks_each_reason():
    conf = np.array([0.5, 0.8, 0.8, 0.8, 0.8, 0.8])
    mult = np.array([1.0, 0.2, 1.0, 1.0, 1.0, 1.0])
    cls = np.array([1, 1, L6.ADVERSE, 1, 1, 0], np.int8)
    regime = np.array([5, 5, 5, 4, 5, 5], np.int8)
    liq = np.array([0.5, 0.5, 0.5, 0.5, 0.1, 0.5])
    keep, why = L6.risk_checks(conf, mult, cls, regime, liq, min_confidence=0.57, min_multiplier=0.3,
                               block_adverse=True, block_low_quality=True, low_quality_codes=(4,), low_liquidity=0.3)
    assert why.tolist() == [R.RISK_LOW_CONFIDENCE, R.LOW_MULTIPLIER, R.ADVERSE_RISK, R.LOW_QUALITY_FLAG,
                            R.LOW_LIQUIDITY_FLAG, 0]


def test_risk_rule_classes_and_multiplier():
    regime = np.array([1, 5, 5, 0], np.int8)
    comp = np.array([0.7, 0.55, 0.55, 0.7])
    vf = np.array([0.01, 0.01, 0.03, 0.01])
    vr = np.array([0.01, 0.005, 0.01, 0.01])
    cls, mult = L6.rule_risk(regime, comp, vf, vr, trend_codes=(1, 3), crisis_codes=(0,))
    assert cls.tolist() == [L6.FAVOURABLE, L6.NEUTRAL, L6.ADVERSE, L6.ADVERSE]
    assert mult.tolist() == pytest.approx([0.9, 0.6 * 0.5, 0.6 / 3, 0.9])


# ----------------------------------------------------------------- layer 7
@pytest.mark.parametrize("p", [0.3, 0.57, 0.65, 0.7, 0.9])
def test_kelly_closed_form(p):
    for cls, tilt in ((0, 1.2), (1, 1.0), (2, 0.5)):
        got = L7.kelly_size(np.array([p]), np.array([0.8]), np.array([cls], np.int8), stop_loss=0.02, take_profit=0.04,
                            kelly_fraction=0.25, min_fraction=0.001, favourable=1.2, adverse=0.5, cap=0.1)[0]
        b = 2.0
        f = max(0.001, 0.25 * (p * b - (1 - p)) / b)
        assert got == pytest.approx(min(f * 0.8 * tilt, 0.1))


def test_sizing_run_zero_size_and_target_sign():
    cfg = BacktestConfig().layers.sizing
    meta = {"risk": BacktestConfig().risk}
    cols = {"router_confidence": [0.7, 0.7], "multiplier": [1.0, 0.0], "risk_class": np.array([1, 1], np.int8),
            "direction": np.array([-1, 1], np.int8), "vol_forecast": [0.01, 0.01]}
    out = L7.run(ctx_for(cols, cfg, meta))
    assert out.reason.tolist() == [0, R.ZERO_SIZE]
    assert out.values["target"][0] == pytest.approx(-min(0.25 * (0.7 * 2 - 0.3) / 2, 0.1))


def test_vol_target_size():
    got = L7.vol_target_size(np.array([0.001, 0.0]), np.array([1.0, 1.0]), vol_target=0.01, bars_per_day=1440, cap=0.1)
    assert got.tolist() == pytest.approx([min(0.01 / (0.001 * np.sqrt(1440)), 0.1), 0.0])


# ------------------------------------------------- numba twins of layers 2 and 4
@pytest.mark.parametrize("enabled", [True, False])
def test_layer_kernels_equal_their_numpy_reference(enabled):
    from nexus.pipeline.kernels import aggregate_nb, signal_filter_nb, strategy_counts_nb

    rng = np.random.default_rng(9)
    n, k = 500, 7
    sig = rng.integers(-1, 2, size=(n, k)).astype(np.int8)
    conf = rng.random((n, k)).astype(np.float32)
    rows = np.sort(rng.choice(n, 300, replace=False)).astype(np.int64)
    keep, why, passing = L2.signal_filter(sig[rows], conf[rows], min_confidence=0.57, enabled=enabled)
    k2, w2, p2 = signal_filter_nb(sig, conf, rows, 0.57, enabled)
    assert (keep == k2).all() and (why == w2).all() and (passing == p2).all()
    w = (rng.random((300, k)) * 2).astype(np.float32)
    ref = L4.aggregate(sig[rows], conf[rows], passing, w, threshold=0.3, min_mean_confidence=0.5, enabled=enabled)
    agg, d, mc, wc, contrib, kk, rr = aggregate_nb(sig, conf, rows, passing, w, 0.3, 0.5, enabled)
    np.testing.assert_allclose(agg, ref["aggregate"], atol=1e-12)
    np.testing.assert_allclose(mc, ref["mean_confidence"], atol=1e-12)
    np.testing.assert_allclose(wc, ref["weighted_confidence"], atol=1e-12)
    np.testing.assert_allclose(contrib, ref["contrib"], atol=1e-6)
    assert (d == ref["direction"]).all() and (kk == ref["keep"]).all() and (rr == ref["reason"]).all()
    ready = rng.random(n) > 0.2
    fired, passed = strategy_counts_nb(sig, conf, ready, 0.57)
    assert fired.tolist() == (sig[ready] != 0).sum(axis=0).tolist()
    assert passed.tolist() == ((sig[ready] != 0) & (conf[ready] >= np.float32(0.57))).sum(axis=0).tolist()
