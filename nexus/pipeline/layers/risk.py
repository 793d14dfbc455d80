"""Layer 6, risk: classifier (favourable / neutral / adverse), multiplier and checks.

Reads ``regime``, ``composite``, ``liquidity``, ``vol_forecast``, ``vol_ref``
(slow EWMA volatility), ``router_confidence``; model slots
``risk_classifier`` (class probabilities favourable, neutral, adverse) and
``risk_multiplier`` (a value in [0, 1]). Writes ``risk_class`` (int8: 0
favourable, 1 neutral, 2 adverse) and ``multiplier``.

Checks, first failure named: confidence >= 0.57 (``risk_low_confidence``),
multiplier >= 0.3 (``low_multiplier``), not adverse (``adverse_risk``), no
low-quality flag (regime LOW_QUALITY_CHOPPY, ``low_quality_flag``), no
low-liquidity flag (liquidity < 0.3, ``low_liquidity_flag``). The book-level
checks of the original (daily loss < 2 %, drawdown < 15 %) need equity and
run in layer 8; the 10 % size check is the cap in layer 7.

Rule fallback: adverse when the volatility forecast is above twice its slow
average or the regime is a crisis; favourable in STRONG_TREND or
HIGH_QUALITY_TREND with composite >= 0.6; else neutral. Multiplier =
clip(0.5 + 2 (composite - 0.5), 0, 1) * min(1, vol_ref / vol_forecast).

>>> import numpy as np
>>> cls, mult = rule_risk(np.array([1, 3], np.int8), np.array([.7, .5]), np.array([.01, .04]), np.array([.01, .01]),
...                       trend_codes=(1,), crisis_codes=(5,))
>>> cls.tolist(), mult.round(3).tolist()
([0, 2], [0.9, 0.125])
"""

from __future__ import annotations

import numpy as np

from nexus.pipeline import reasons as R
from nexus.pipeline.layers.base import LayerContext, LayerOutput, blend, first_reason

FAVOURABLE, NEUTRAL, ADVERSE = 0, 1, 2


def rule_risk(regime: np.ndarray, composite: np.ndarray, vol_forecast: np.ndarray, vol_ref: np.ndarray, *,
              trend_codes: tuple[int, ...], crisis_codes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    vol_ratio = np.where(vol_forecast > 0, vol_ref / np.where(vol_forecast > 0, vol_forecast, 1.0), 1.0)
    vol_ratio = np.nan_to_num(vol_ratio, nan=1.0)
    adverse = (vol_ratio < 0.5) | np.isin(regime, crisis_codes)
    favourable = np.isin(regime, trend_codes) & (composite >= 0.6)
    cls = np.where(adverse, ADVERSE, np.where(favourable, FAVOURABLE, NEUTRAL)).astype(np.int8)
    mult = np.clip(0.5 + 2.0 * (np.nan_to_num(composite) - 0.5), 0.0, 1.0) * np.minimum(1.0, vol_ratio)
    return cls, mult


def risk_checks(confidence: np.ndarray, multiplier: np.ndarray, risk_class: np.ndarray, regime: np.ndarray,
                liquidity: np.ndarray, *, min_confidence: float, min_multiplier: float, block_adverse: bool,
                block_low_quality: bool, low_quality_codes: tuple[int, ...], low_liquidity: float,
                enabled: bool = True) -> tuple[np.ndarray, np.ndarray]:
    m = len(confidence)
    return first_reason(m, [
        (~(confidence >= min_confidence), R.RISK_LOW_CONFIDENCE),
        (~(multiplier >= min_multiplier), R.LOW_MULTIPLIER),
        ((risk_class == ADVERSE) & block_adverse, R.ADVERSE_RISK),
        (np.isin(regime, low_quality_codes) & block_low_quality, R.LOW_QUALITY_FLAG),
        (~(liquidity >= low_liquidity), R.LOW_LIQUIDITY_FLAG),
    ], enabled)


def run(ctx: LayerContext) -> LayerOutput:
    cfg = ctx.cfg
    meta = ctx.meta
    notes = {}
    regime = ctx.get("regime")
    composite = ctx.get("composite")
    cls, mult = rule_risk(regime, composite, ctx.get("vol_forecast"), ctx.get("vol_ref"),
                          trend_codes=tuple(meta.get("trend_codes", ())), crisis_codes=tuple(meta.get("crisis_codes", ())))
    pred = ctx.predict("risk_classifier")
    if pred is not None:
        classes = ctx.outputs("risk_classifier")
        lut = np.array([{"favourable": FAVOURABLE, "neutral": NEUTRAL, "adverse": ADVERSE}.get(c, NEUTRAL) for c in classes])
        ok = np.isfinite(pred).all(axis=1)
        cls = np.where(ok, lut[np.argmax(np.nan_to_num(pred, nan=-1.0), axis=1)], cls).astype(np.int8)
        notes["risk_classifier"] = "model"
    else:
        notes["risk_classifier"] = "rule: vol forecast vs slow vol, regime, composite"
    pred = ctx.predict("risk_multiplier")
    if pred is not None:
        mult = blend(np.clip(pred[:, 0].astype(np.float64), 0.0, 1.0), mult)
        notes["risk_multiplier"] = "model"
    else:
        notes["risk_multiplier"] = "rule: composite and vol ratio"
    keep, reason = risk_checks(
        ctx.get("router_confidence"), mult, cls, regime, ctx.get("liquidity"),
        min_confidence=cfg.min_confidence, min_multiplier=cfg.min_multiplier, block_adverse=cfg.block_adverse,
        block_low_quality=cfg.block_low_quality, low_quality_codes=tuple(meta.get("low_quality_codes", ())),
        low_liquidity=cfg.low_liquidity, enabled=cfg.enabled,
    )
    return LayerOutput(keep, reason, {"risk_class": cls, "multiplier": mult}, notes)
