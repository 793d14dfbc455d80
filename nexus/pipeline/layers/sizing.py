"""Layer 7, sizing: quarter Kelly (original) or volatility targeting, with caps.

Reads ``router_confidence``, ``multiplier``, ``risk_class``, ``direction``,
``vol_forecast``; ``ctx.meta["risk"]`` gives stop-loss, take-profit and the
per-position cap. Writes ``size`` (fraction of book equity, >= 0) and
``target`` (direction * size). Rejects ``zero_size``.

Kelly (original): p = confidence, b = take_profit / stop_loss,
f = max(min_fraction, kelly_fraction * (p b - (1 - p)) / b), times the risk
multiplier, times ``favourable`` (1.2) or ``adverse`` (0.5), capped at the
position cap (10 %). The per-symbol cap (20 %) applies where positions add up,
in layer 8.

vol_target (offered beside it): f = vol_target / (per-bar vol forecast *
sqrt(bars per day)) times the multiplier, same caps: every position risks
about the same daily volatility.

>>> import numpy as np
>>> kelly_size(np.array([0.7, 0.5]), np.array([1.0, 1.0]), np.array([1, 1], np.int8), stop_loss=.02,
...            take_profit=.04, kelly_fraction=.25, min_fraction=.001, favourable=1.2, adverse=.5, cap=.1).round(5).tolist()
[0.1, 0.0625]
"""

from __future__ import annotations

import numpy as np

from nexus.pipeline import reasons as R
from nexus.pipeline.layers.base import LayerContext, LayerOutput, first_reason
from nexus.pipeline.layers.risk import ADVERSE, FAVOURABLE


def kelly_size(p: np.ndarray, multiplier: np.ndarray, risk_class: np.ndarray, *, stop_loss: float, take_profit: float,
               kelly_fraction: float, min_fraction: float, favourable: float, adverse: float, cap: float) -> np.ndarray:
    b = take_profit / stop_loss
    f = np.maximum(min_fraction, kelly_fraction * (p * b - (1.0 - p)) / b)
    tilt = np.where(risk_class == FAVOURABLE, favourable, np.where(risk_class == ADVERSE, adverse, 1.0))
    return np.minimum(f * multiplier * tilt, cap)


def vol_target_size(vol_forecast: np.ndarray, multiplier: np.ndarray, *, vol_target: float, bars_per_day: float,
                    cap: float) -> np.ndarray:
    daily = vol_forecast * np.sqrt(bars_per_day)
    f = np.where(daily > 0, vol_target / np.where(daily > 0, daily, 1.0), 0.0)
    return np.minimum(np.nan_to_num(f) * multiplier, cap)


def run(ctx: LayerContext) -> LayerOutput:
    cfg = ctx.cfg
    risk = ctx.meta["risk"]
    mult = ctx.get("multiplier")
    if not cfg.enabled:
        size = np.full(ctx.m, risk.position_cap)
        note = "off: every decision takes the position cap"
    elif cfg.method == "vol_target":
        size = vol_target_size(ctx.get("vol_forecast"), mult, vol_target=cfg.vol_target,
                               bars_per_day=ctx.meta.get("bars_per_day", 1440.0), cap=risk.position_cap)
        note = "volatility target"
    else:
        size = kelly_size(ctx.get("router_confidence"), mult, ctx.get("risk_class"), stop_loss=risk.stop_loss,
                          take_profit=risk.take_profit, kelly_fraction=cfg.kelly_fraction, min_fraction=cfg.min_fraction,
                          favourable=cfg.favourable, adverse=cfg.adverse, cap=risk.position_cap)
        note = "quarter Kelly" if cfg.kelly_fraction == 0.25 else f"{cfg.kelly_fraction} Kelly"
    size = np.nan_to_num(size, nan=0.0)
    keep, reason = first_reason(ctx.m, [(~(size > 0), R.ZERO_SIZE)])
    target = ctx.get("direction") * size
    return LayerOutput(keep, reason, {"size": size, "target": target}, {"sizing": note})
