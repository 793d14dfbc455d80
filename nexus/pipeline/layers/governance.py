"""Layer 5, governance and routing: P(long), P(short) and a confidence per bar.

Reads ``aggregate``, ``direction``, ``weighted_confidence``; model slots
``router`` (columns P(long), P(short)[, confidence]) and ``governor`` (a
weight in [0, 1] for the router model against the rule, from its recent
out-of-sample record). Writes ``p_long``, ``p_short``, ``router_confidence``.
Acts only when P(direction) > ``min_probability`` (0.6) and confidence >=
``min_confidence`` (0.7); rejects ``low_probability`` / ``low_router_confidence``.

Rule fallback (documented calibration of the vote): P(direction of the vote)
= 0.5 + 0.5 |agg|, so the layer-4 band |agg| > 0.3 maps to P > 0.65;
confidence = the weight*confidence-weighted mean confidence of the passing
strategies. Without a governor model the router model, when trained, gets
weight 1.

>>> import numpy as np
>>> pl, ps, conf = rule_router(np.array([0.5, -0.2]), np.array([0.8, 0.6]))
>>> pl.tolist(), ps.tolist(), conf.tolist()
([0.75, 0.4], [0.25, 0.6], [0.8, 0.6])
"""

from __future__ import annotations

import numpy as np

from nexus.pipeline import reasons as R
from nexus.pipeline.layers.base import LayerContext, LayerOutput, first_reason


def rule_router(aggregate: np.ndarray, weighted_confidence: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    p_long = 0.5 + 0.5 * np.clip(aggregate, -1.0, 1.0)
    return p_long, 1.0 - p_long, np.asarray(weighted_confidence, dtype=np.float64)


def route_gate(direction: np.ndarray, p_long: np.ndarray, p_short: np.ndarray, confidence: np.ndarray, *,
               min_probability: float, min_confidence: float, enabled: bool = True) -> tuple[np.ndarray, np.ndarray]:
    p_dir = np.where(direction > 0, p_long, np.where(direction < 0, p_short, 0.0))
    return first_reason(len(direction), [
        (~(p_dir > min_probability), R.LOW_PROBABILITY),
        (~(confidence >= min_confidence), R.LOW_ROUTER_CONFIDENCE),
    ], enabled)


def run(ctx: LayerContext) -> LayerOutput:
    cfg = ctx.cfg
    notes = {}
    agg, direction, wconf = ctx.get("aggregate"), ctx.get("direction"), ctx.get("weighted_confidence")
    p_long, p_short, conf = rule_router(agg, wconf)
    pred = ctx.predict("router")
    if pred is not None:
        pred = np.asarray(pred, dtype=np.float64)
        ok = np.isfinite(pred).all(axis=1)
        g = np.ones(len(agg))
        trust = ctx.predict("governor")
        if trust is not None:
            g = np.clip(np.nan_to_num(trust[:, 0].astype(np.float64), nan=0.0), 0.0, 1.0)
            notes["governor"] = "model"
        else:
            notes["governor"] = "rule: router model weight 1"
        g = np.where(ok, g, 0.0)  # rows the router cannot score fall back to the rule
        pred = np.nan_to_num(pred)
        p_long = g * pred[:, 0] + (1 - g) * p_long
        p_short = g * pred[:, 1] + (1 - g) * p_short
        conf = g * pred[:, 2] + (1 - g) * conf
        notes["router"] = "model"
    else:
        notes["router"] = "rule: P = 0.5 + 0.5|agg|, confidence = weighted strategy confidence"
        notes["governor"] = "rule: no router model to weigh"
    keep, reason = route_gate(direction, p_long, p_short, conf, min_probability=cfg.min_probability,
                              min_confidence=cfg.min_confidence, enabled=cfg.enabled)
    return LayerOutput(keep, reason, {"p_long": p_long, "p_short": p_short, "router_confidence": conf}, notes)
