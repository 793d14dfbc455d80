"""Layer 4, aggregation: one weighted vote per bar.

agg = sum(s_i * w_i * c_i) / sum(w_i * c_i) over the strategies that passed
layer 2; long when agg > ``threshold`` (0.3), short when agg < -threshold,
and the mean confidence of the passing strategies must be >= 0.5.
Reads ``signal``, ``confidence``, ``passing``, ``weights``. Writes
``aggregate`` (float64), ``direction`` (int8), ``mean_confidence``,
``weighted_confidence`` (sum(w c^2) / sum(w c)) and ``contrib`` (float32
[m, k], each strategy's share of the vote in the chosen direction, for
attribution). Rejects ``weak_consensus`` and ``low_mean_confidence``.

>>> import numpy as np
>>> s = np.array([[1, 1, -1]], np.int8); c = np.array([[.8, .6, .7]], np.float32)
>>> p = np.ones((1, 3), bool); w = np.ones((1, 3), np.float32)
>>> out = aggregate(s, c, p, w, threshold=.3, min_mean_confidence=.5)
>>> round(float(out["aggregate"][0]), 4), int(out["direction"][0])
(0.3333, 1)
"""

from __future__ import annotations

import numpy as np

from nexus.pipeline import reasons as R
from nexus.pipeline.kernels import aggregate_nb
from nexus.pipeline.layers.base import LayerContext, LayerOutput, first_reason


def aggregate(signal: np.ndarray, confidence: np.ndarray, passing: np.ndarray, weights: np.ndarray, *,
              threshold: float, min_mean_confidence: float, enabled: bool = True) -> dict[str, np.ndarray]:
    wc = np.where(passing, weights.astype(np.float64) * confidence, 0.0)
    den = wc.sum(axis=1)
    safe = np.where(den > 0, den, 1.0)
    agg = np.where(den > 0, (wc * signal).sum(axis=1) / safe, 0.0)
    npass = passing.sum(axis=1)
    mean_conf = np.where(npass > 0, np.where(passing, confidence.astype(np.float64), 0.0).sum(axis=1) / np.maximum(npass, 1), 0.0)
    wconf = np.where(den > 0, (wc * confidence).sum(axis=1) / safe, 0.0)
    thr = threshold if enabled else 0.0
    direction = np.where(agg > thr, 1, np.where(agg < -thr, -1, 0)).astype(np.int8)
    agree = wc * ((signal * direction[:, None]) > 0)
    tot = agree.sum(axis=1, keepdims=True)
    contrib = np.where(tot > 0, agree / np.where(tot > 0, tot, 1.0), 0.0).astype(np.float32)
    keep, reason = first_reason(len(agg), [
        (direction == 0, R.WEAK_CONSENSUS),
        (mean_conf < min_mean_confidence, R.LOW_MEAN_CONFIDENCE),
    ])
    if not enabled:  # off = no flat band and no confidence floor; a zero vote still cannot trade
        keep, reason = first_reason(len(agg), [(direction == 0, R.WEAK_CONSENSUS)])
    return {"aggregate": agg, "direction": direction, "mean_confidence": mean_conf,
            "weighted_confidence": wconf, "contrib": contrib, "keep": keep, "reason": reason}


def run(ctx: LayerContext) -> LayerOutput:
    # the numba twin of aggregate() (tests hold them equal) gathers signal rows itself
    sig, rows = ctx.rows("signal")
    conf, rows_c = ctx.rows("confidence")
    if not np.array_equal(rows, rows_c):
        sig, conf, rows = ctx.get("signal"), ctx.get("confidence"), np.arange(ctx.m, dtype=np.int64)
    passing = np.ascontiguousarray(ctx.get("passing"), dtype=np.bool_)
    weights = np.ascontiguousarray(ctx.get("weights"), dtype=np.float32)
    agg, direction, mean_conf, wconf, contrib, keep, reason = aggregate_nb(
        sig, conf, rows, passing, weights, float(ctx.cfg.threshold), float(ctx.cfg.min_mean_confidence),
        bool(ctx.cfg.enabled))
    return LayerOutput(keep, reason, {"aggregate": agg, "direction": direction, "mean_confidence": mean_conf,
                                      "weighted_confidence": wconf, "contrib": contrib})
