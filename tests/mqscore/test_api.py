"""API edge: validation messages, config, several symbols, the regime-model hook, helpers."""

from __future__ import annotations

import numpy as np
import pytest

import nexus as nx
from nexus.mqscore import api as mq
from nexus.data.bars import Bars
from nexus.errors import ConfigError, ValidationError
from tests.conftest import make_bars


def _with(bars, **cols):
    arrays = {k: v.copy() for k, v in bars.arrays().items()}
    arrays.update(cols)
    return Bars.from_arrays(symbol="BTCUSDT", timeframe="1m", **arrays)


@pytest.mark.parametrize("field,value,text", [
    ("close", np.nan, "row 37: open/high/low/close is not finite"),
    ("low", -1.0, "row 37: open/high/low/close is <= 0"),
    ("volume", -5.0, "row 37: volume is negative"),
])
def test_bad_bars_are_refused_naming_symbol_row_and_field(field, value, text):
    b = make_bars(300, seed=1)
    arr = getattr(b, field).copy()
    arr[37] = value
    with pytest.raises(ValidationError, match=text) as err:
        mq.mqscore(_with(b, **{field: arr}))
    assert "BTCUSDT 1m" in str(err.value)


def test_high_below_low_and_bad_taker_volume():
    b = make_bars(300, seed=1)
    h = b.high.copy()
    h[12] = b.low[12] * 0.9
    with pytest.raises(ValidationError, match="row 12: high is below low"):
        mq.mqscore(_with(b, high=h))
    tb = b.taker_buy_volume.copy()
    tb[5] = b.volume[5] * 2
    with pytest.raises(ValidationError, match="row 5: taker_buy_volume"):
        mq.mqscore(_with(b, taker_buy_volume=tb))
    # bar direction ignores the taker column, so it is not checked
    q = mq.mqscore(_with(b, taker_buy_volume=tb), mq.MQConfig(imbalance_source="bar_direction"))
    assert np.isfinite(q.composite[-1])


def test_config_errors():
    with pytest.raises(ConfigError, match="window"):
        mq.MQConfig(window=50)
    with pytest.raises(ConfigError, match="weights"):
        mq.MQConfig(weights={"liquidity": 1.0})
    with pytest.raises(ConfigError, match="crisis_regimes"):
        mq.MQConfig(crisis_regimes=("PANIC",))
    with pytest.raises(ConfigError, match="imbalance_source"):
        mq.MQConfig(imbalance_source="trades")
    with pytest.raises(ConfigError, match="taker_buy_volume"):
        mq.mqscore(make_bars(300, taker=False), mq.MQConfig(imbalance_source="taker_buy"))
    with pytest.raises(ValidationError, match="no bars"):
        mq.mqscore(make_bars(300)[:0])


def test_several_symbols_in_parallel_equal_one_by_one():
    bars = {f"S{i}": make_bars(900 + 50 * i, seed=20 + i, symbol=f"S{i}") for i in range(3)}
    many = mq.mqscore(bars)
    listed = mq.mqscore(list(bars.values()))
    for (name, b), q2 in zip(bars.items(), listed):
        q1 = mq.mqscore(b)
        for q in (many[name], q2):
            assert q.symbol == name
            for f in ("composite", "regime", "gate", "regime_scores", "noise"):
                assert np.array_equal(getattr(q, f), getattr(q1, f), equal_nan=True), f


def test_thresholds_crisis_and_gate():
    b = make_bars(1500, seed=30)
    q = mq.mqscore(b)
    ok = q.regime >= 0
    expect = ok & (q.composite >= 0.5) & (q.liquidity >= 0.3) & (q.regime != 0)
    assert np.array_equal(q.gate, expect)
    q45 = mq.mqscore(b, mq.MQConfig(min_composite=0.45))
    assert q45.gate.sum() >= q.gate.sum()
    assert np.array_equal(q45.gate, ok & (q.composite >= 0.45) & (q.liquidity >= 0.3) & (q.regime != 0))
    # making BALANCED a crisis regime closes the gate on those bars
    qb = mq.mqscore(b, mq.MQConfig(crisis_regimes=("HIGH_VOLATILITY_LOW_LIQUIDITY", "BALANCED")))
    assert not (qb.gate & (qb.regime == mq.REGIME_NAMES.index("BALANCED"))).any()


def test_regime_model_hook():
    def model(dims):
        assert dims.shape[1] == 6 and np.isfinite(dims).all()
        s = np.zeros((len(dims), 6))
        s[:, 2] = dims[:, 4]  # "RANGING" scored by trend, "BALANCED" by 0.3
        s[:, 5] = 0.3
        return s
    b = make_bars(800, seed=31)
    q = mq.mqscore(b, mq.MQConfig(regime_model=model))
    ok = q.regime >= 0
    expect = np.where(q.trend > 0.3, 2, 5)
    assert np.array_equal(q.regime[ok], expect[ok])
    np.testing.assert_allclose(q.confidence[ok], np.maximum(q.trend, 0.3)[ok], atol=1e-6)
    with pytest.raises(ConfigError, match="regime_model"):
        mq.mqscore(b, mq.MQConfig(regime_model=lambda d: np.zeros((3, 6))))


def test_names_frame_summary_and_lazy_top_level():
    b = make_bars(600, seed=2)
    q = nx.mqscore(b)
    assert q.grade_names()[0] == "" and set(q.grade_names()[199:]) <= set(mq.GRADE_NAMES)
    assert set(q.regime_names()[199:]) <= set(mq.REGIME_NAMES)
    df = q.to_pandas()
    assert len(df) == 600 and str(df.index.tz) == "UTC"
    s = q.summary()
    assert s["scored"] == 401 and abs(sum(s["regimes"].values()) - 1) < 1e-12
    assert abs(s["gate_share"] - q.gate[199:].mean()) < 1e-15
    assert q.dims().shape == (600, 6)
