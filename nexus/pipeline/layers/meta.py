"""Layer 3, meta-strategy selection: per-bar strategy weights and the anomaly skip.

Reads ``regime`` (int8), ``passing`` (bool [m, k]), ``anomaly_rule``; model
slots ``meta_selector`` (predicted forward performance per strategy -> weights)
and ``anomaly_detector`` when trained. Writes ``weights`` (float32 [m, k]) and
``anomaly``. Rejects ``anomaly`` (score > ``max_anomaly``, 0.8 in the
original) and ``no_weight`` (every passing strategy weighs zero).

Rule fallback (the original's regime tables): a weight per strategy *group*
and regime from :data:`REGIME_TABLE`; groups or regimes not listed weigh 1.

>>> import numpy as np
>>> w = regime_weights(np.array([0, 1], np.int8), ["trend", "ranging"], ["breakout", "reversion"],
...                    table={"trend": {"breakout": 1.5, "reversion": 0.5}})
>>> w.tolist()
[[1.5, 0.5], [1.0, 1.0]]
"""

from __future__ import annotations

import numpy as np

from nexus.pipeline import reasons as R
from nexus.pipeline.layers.base import LayerContext, LayerOutput, blend, first_reason

# regime name -> strategy group -> weight. Trend regimes favour breakouts and
# technical continuation, ranging favours mean reversion and rotation, choppy
# markets halve everything but the detectors (which look for traps).
REGIME_TABLE: dict[str, dict[str, float]] = {
    "STRONG_TREND": {"breakout": 1.5, "event": 1.3, "technical": 1.3, "ml": 1.2, "reversion": 0.5, "rotation": 0.7},
    "HIGH_QUALITY_TREND": {"breakout": 1.4, "event": 1.2, "technical": 1.3, "ml": 1.2, "reversion": 0.6, "rotation": 0.8},
    "RANGING": {"breakout": 0.5, "event": 0.7, "technical": 0.8, "reversion": 1.5, "rotation": 1.3, "detection": 1.2},
    "LOW_QUALITY_CHOPPY": {"breakout": 0.5, "event": 0.5, "technical": 0.5, "ml": 0.5, "reversion": 0.8, "rotation": 0.5,
                           "microstructure": 0.5, "detection": 1.0},
    "BALANCED": {},
    # never reached while layer 1 blocks crisis bars; zero when a user lets them through
    "HIGH_VOLATILITY_LOW_LIQUIDITY": {g: 0.0 for g in ("breakout", "event", "technical", "ml", "reversion", "rotation",
                                                       "microstructure", "detection", "user")},
}


def regime_weights(regime: np.ndarray, regime_names: list[str], groups: list[str],
                   table: dict[str, dict[str, float]] | None = None) -> np.ndarray:
    """Weights [m, k] looked up per bar from the regime table (one small [n_regimes, k] lookup)."""
    table = REGIME_TABLE if table is None else table
    lut = np.ones((max(len(regime_names), 1), len(groups)), dtype=np.float32)
    for r, rname in enumerate(regime_names):
        row = table.get(rname, {})
        for j, g in enumerate(groups):
            lut[r, j] = row.get(g, 1.0)
    codes = np.clip(np.asarray(regime, dtype=np.int64), 0, len(lut) - 1)
    return lut[codes]


def meta_gate(anomaly: np.ndarray, weights: np.ndarray, passing: np.ndarray, *, max_anomaly: float,
              enabled: bool = True) -> tuple[np.ndarray, np.ndarray]:
    no_weight = ~((weights > 0) & passing).any(axis=1)
    return first_reason(len(anomaly), [(anomaly > max_anomaly, R.ANOMALY), (no_weight, R.NO_WEIGHT)], enabled)


def weights_from_performance(pred: np.ndarray) -> np.ndarray:
    """Predicted forward performance per strategy -> non-negative weights with mean 1 per bar."""
    pos = np.clip(np.nan_to_num(np.asarray(pred, dtype=np.float32), nan=0.0), 0.0, None)
    mean = pos.mean(axis=1, keepdims=True)
    return np.where(mean > 0, pos / np.where(mean > 0, mean, 1.0), 0.0).astype(np.float32)


def run(ctx: LayerContext) -> LayerOutput:
    cfg = ctx.cfg
    notes = {}
    passing = ctx.get("passing")
    k = passing.shape[1]
    names = tuple(ctx.meta.get("strategy_names", ()))
    if cfg.weights == "equal":
        weights = np.ones(passing.shape, dtype=np.float32)
        notes["meta_selector"] = "equal weights"
    else:
        weights = regime_weights(ctx.get("regime"), ctx.meta.get("regime_names", []), ctx.meta.get("strategy_groups", ["?"] * k))
        pred = ctx.predict("meta_selector")
        if pred is not None:
            pred = _by_name(pred, ctx.outputs("meta_selector"), names)
        if pred is not None:
            weights = blend(weights_from_performance(pred), weights).astype(np.float32)
            # rows the model could not score keep the table weights
            bad = ~np.isfinite(pred).all(axis=1)
            weights[bad] = regime_weights(ctx.get("regime")[bad], ctx.meta.get("regime_names", []),
                                          ctx.meta.get("strategy_groups", ["?"] * k))
            notes["meta_selector"] = "model"
        else:
            notes["meta_selector"] = "rule: regime tables"
    pred = ctx.predict("anomaly_detector")
    anomaly = blend(None if pred is None else np.clip(pred[:, 0].astype(np.float64), 0.0, 1.0), ctx.get("anomaly_rule"))
    notes["anomaly_detector"] = "model" if pred is not None else "rule: min(1, |return| / (5 EWMA sigmas))"
    keep, reason = meta_gate(anomaly, weights, passing, max_anomaly=cfg.max_anomaly, enabled=cfg.enabled)
    return LayerOutput(keep, reason, {"weights": weights, "anomaly": anomaly}, notes)


def _by_name(pred: np.ndarray, outputs: tuple[str, ...], names: tuple[str, ...]) -> np.ndarray | None:
    """Model columns reordered to the signal matrix's strategies; None when they do not match."""
    if not names or set(names) - set(outputs):
        return None
    pos = [outputs.index(n) for n in names]
    return np.asarray(pred)[:, pos]
