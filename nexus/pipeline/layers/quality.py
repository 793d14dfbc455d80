"""Layer 1, market quality: the MQScore gate plus data-quality, volatility and regime models.

Reads ``composite``, ``liquidity``, ``regime`` (MQScore rule regime, int8),
``in_session`` (bool), ``ready`` (past the configured warm-up, optional), ``dq_rule`` (rule data-quality score), ``vol_rule``
(EWMA volatility), and the model slots ``data_quality``,
``volatility_forecast``, ``regime_classifier`` when trained.
Writes ``regime`` (the regime used downstream), ``vol_forecast``,
``data_quality``.

Rejects, in this order: ``warmup`` (composite NaN), ``session_closed``,
``low_liquidity`` (< ``min_liquidity``), ``low_composite`` (< ``min_composite``),
``crisis_regime``, ``bad_data`` (data-quality score > ``max_data_quality``).
The model-free checks come first so that the three models score only the
bars that pass them (compress, score, scatter back inside the layer).

>>> import numpy as np
>>> keep, why = quality_gate(np.array([np.nan, .6, .4, .6]), np.array([.5, .5, .5, .1]),
...     np.array([0, 0, 0, 0]), np.zeros(4), np.ones(4, bool), min_composite=.5, min_liquidity=.3,
...     crisis_codes=(5,), max_data_quality=.9)
>>> keep.tolist(), why.tolist()
([False, True, False, False], [10, 0, 12, 13])
"""

from __future__ import annotations

import numpy as np

from nexus.pipeline import reasons as R
from nexus.pipeline.layers.base import LayerContext, LayerOutput, blend, first_reason


def quality_gate(composite: np.ndarray, liquidity: np.ndarray, regime: np.ndarray, data_quality: np.ndarray,
                 in_session: np.ndarray, *, min_composite: float, min_liquidity: float,
                 crisis_codes: tuple[int, ...], max_data_quality: float, enabled: bool = True,
                 ready: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(keep, reason) for each bar; warm-up and closed sessions reject even when the layer is off.

    ``ready`` (optional) marks bars past the configured warm-up; a NaN composite is warm-up too.
    """
    m = len(composite)
    warm = ~np.isfinite(composite)
    if ready is not None:
        warm |= ~np.asarray(ready, dtype=bool)
    closed = ~np.asarray(in_session, dtype=bool)
    keep, reason = first_reason(m, [
        (np.nan_to_num(liquidity, nan=0.0) < min_liquidity, R.LOW_LIQUIDITY),
        (composite < min_composite, R.LOW_COMPOSITE),
        (np.isin(regime, np.asarray(crisis_codes, dtype=regime.dtype)) if crisis_codes else np.zeros(m, bool), R.CRISIS_REGIME),
        (np.asarray(data_quality) > max_data_quality, R.BAD_DATA),
    ], enabled)
    # Bars that cannot be scored or traded never pass, switch or no switch.
    reason[closed] = R.SESSION_CLOSED
    reason[warm] = R.WARMUP
    return reason == 0, reason


def run(ctx: LayerContext) -> LayerOutput:
    cfg = ctx.cfg
    notes = {}
    rule_regime = ctx.get("regime").astype(np.int8)
    crisis = tuple(ctx.meta.get("crisis_codes", ()))
    composite, liquidity, session = ctx.get("composite"), ctx.get("liquidity"), ctx.get("in_session")
    ready = ctx.get("ready") if ctx.has("ready") else np.ones(ctx.m, dtype=bool)
    # bars the model-free checks already reject are never scored by the models
    pre = ready & np.isfinite(composite) & np.asarray(session, dtype=bool)
    if cfg.enabled:
        pre &= (np.nan_to_num(liquidity, nan=0.0) >= cfg.min_liquidity) & (composite >= cfg.min_composite)
    sub = ctx.subset(pre)
    regime = rule_regime.copy()
    pred = sub.predict("regime_classifier") if cfg.use_regime_model else None
    if pred is not None:
        regime[pre] = regime_from_model(pred, ctx.outputs("regime_classifier"), ctx.meta.get("regime_names", []),
                                        rule_regime[pre])
        notes["regime_classifier"] = "model (rule regime on rows it cannot score)"
    else:
        notes["regime_classifier"] = "rule: MQScore regime rules"
    dq = ctx.get("dq_rule").astype(np.float64)
    pred = sub.predict("data_quality")
    if pred is not None:
        dq[pre] = blend(np.clip(pred[:, 0].astype(np.float64), 0.0, 1.0), dq[pre])
    notes["data_quality"] = "model" if pred is not None else "rule: non-positive volume / broken bar / |return| in units of 8 EWMA sigmas"
    vol = ctx.get("vol_rule").astype(np.float64)
    pred = sub.predict("volatility_forecast")
    if pred is not None:
        vol[pre] = blend(np.maximum(pred[:, 0].astype(np.float64), 0.0), vol[pre])
    notes["volatility_forecast"] = "model" if pred is not None else "rule: EWMA(0.94) of squared returns"
    keep, reason = quality_gate(
        composite, liquidity, regime, dq, session,
        min_composite=cfg.min_composite, min_liquidity=cfg.min_liquidity,
        crisis_codes=crisis if cfg.block_crisis else (), max_data_quality=cfg.max_data_quality, enabled=cfg.enabled,
        ready=ready,
    )
    return LayerOutput(keep, reason, {"regime": regime, "vol_forecast": vol, "data_quality": dq}, notes)


# The regime model learns the synthetic store's true regimes; they map onto
# the MQScore regime names the rest of the pipeline (and its tables) use.
MODEL_TO_MQ_REGIME = {
    "calm": "BALANCED",
    "trend_up": "STRONG_TREND",
    "trend_down": "STRONG_TREND",
    "volatile": "LOW_QUALITY_CHOPPY",
    "crisis": "HIGH_VOLATILITY_LOW_LIQUIDITY",
}


def regime_from_model(pred: np.ndarray, classes: tuple[str, ...], regime_names: list[str], fallback: np.ndarray) -> np.ndarray:
    """Class probabilities [m, c] -> MQScore regime codes (argmax, mapped by name); rule regime where unscored."""
    pred = np.asarray(pred)
    lut = np.array([regime_names.index(MODEL_TO_MQ_REGIME.get(c, c)) if MODEL_TO_MQ_REGIME.get(c, c) in regime_names else -1
                    for c in classes] or [-1], dtype=np.int64)
    ok = np.isfinite(pred).all(axis=1)
    codes = lut[np.argmax(np.nan_to_num(pred, nan=-1.0), axis=1)]
    ok &= codes >= 0
    return np.where(ok, codes, fallback).astype(np.int8)
