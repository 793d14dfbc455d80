"""Detection strategies: spoofing, iceberg, liquidation, liquidity_trap.

Bar proxies: a spoof is aggressive-looking pressure that price immediately
disowns; an iceberg is heavy volume traded inside a narrow range; a
liquidation cascade is a volume burst with high price velocity; a liquidity
trap is a failed break of the level where the most volume traded.
"""

from __future__ import annotations

import numpy as np

from nexus.strategies import detection_nb as nb
from nexus.strategies.context import Context
from nexus.strategies.registry import Param, strategy


@strategy(
    name="spoofing", group="detection", _builtin=True,
    params={"n": Param(20, 10, 120), "z": Param(1.0, 0.0, 4.0), "thr": Param(0.3, 0.1, 0.8)},
    warmup=lambda p: p["n"] + 1,
)
def spoofing(bars, ctx: Context, n=20, z=1.0, thr=0.3):
    """Fade pressure that turns out fake.

    Bar proxy for spoofed size: bar t-1 shows strong one-sided aggressor flow
    (``|delta/V| > thr``) on a volume burst (z-score over n > z), and bar t
    closes beyond bar t-1's open against it: the pressure did not hold, so
    signal the reversal (-1 after apparent buying, +1 after apparent selling).
    Confidence ``|delta/V| / (2 thr)`` of bar t-1.
    """
    return nb.spoofing_nb(ctx.open, ctx.close, ctx.delta(), ctx.volume, ctx.vol_z(n), float(thr), float(z), *ctx.outputs())


@strategy(
    name="iceberg", group="detection", _builtin=True,
    params={"m": Param(5, 2, 30), "n": Param(60, 20, 240), "vmult": Param(1.3, 1.0, 4.0),
            "range_k": Param(2.0, 0.5, 5.0), "thr": Param(0.1, 0.02, 0.5)},
    warmup=lambda p: max(p["n"] + 1, p["m"]),
)
def iceberg(bars, ctx: Context, m=5, n=60, vmult=1.3, range_k=2.0, thr=0.1):
    """Side with a hidden (iceberg) order that keeps refilling.

    Bar proxy: over the last m bars volume exceeds ``vmult`` times normal
    (``sum_m V > vmult * m * mean_n V``) while the range ``max H - min L``
    stays below ``range_k`` n-bar ATRs: size traded without moving price.
    The aggressors' side (``sum delta / sum V`` beyond ``thr``) hit a hidden
    order on the other side; signal the hidden side (``-sign(imbalance)``).
    Confidence ``volume ratio / (2 vmult)``.
    """
    return nb.iceberg_nb(ctx.rmax("high", m), ctx.rmin("low", m), ctx.delta_sum(m), ctx.vol_sum(m),
                         ctx.vol_mean(n), ctx.atr(n), int(m), float(vmult), float(range_k), float(thr), *ctx.outputs())


@strategy(
    name="liquidation", group="detection", _builtin=True,
    params={"n": Param(60, 20, 240), "m": Param(5, 2, 20), "z": Param(2.5, 1.0, 5.0), "v_thr": Param(2.0, 1.0, 6.0)},
    warmup=lambda p: max(p["n"], p["m"]) + 2,
)
def liquidation(bars, ctx: Context, n=60, m=5, z=2.5, v_thr=2.0):
    """Ride liquidation cascades, fade the stop hunt when they exhaust.

    Bar proxy: volume z-score over n above ``z``, m-bar velocity
    ``vel = (C_t - C_{t-m}) / ATR_n`` beyond ``v_thr`` and its acceleration
    ``vel_t - vel_{t-1}``. Accelerating: signal ``sign(vel)`` (cascade);
    decelerating: ``-sign(vel)`` (exhausted hunt). Confidence ``|vel| / (2 v_thr)``.
    """
    return nb.liquidation_nb(ctx.close, ctx.atr(n), ctx.vol_z(n), int(m), float(z), float(v_thr), *ctx.outputs())


@strategy(
    name="liquidity_trap", group="detection", _builtin=True,
    params={"n": Param(60, 20, 240), "atr_n": Param(20, 10, 120), "k": Param(0.1, 0.0, 1.0)},
    warmup=lambda p: max(p["n"], p["atr_n"]) + 1,
)
def liquidity_trap(bars, ctx: Context, n=60, atr_n=20, k=0.1):
    """Fade a failed break of a high-volume level.

    Bar proxy for a level where resting liquidity sat: the close of the
    highest-volume bar among the prior n bars (latest on ties). Bull trap:
    the previous close was below the level, the bar's high pierces it by more
    than ``k`` ATRs and the bar closes back below: -1. Bear trap mirrored: +1.
    Confidence: the share of the bar's range given back (wick rejection).
    """
    top = ctx.memo(("argmax_vol", n), lambda: nb.rolling_argmax_nb(ctx.volume, int(n), ctx.buf(np.int64), ctx.scratch(np.int64)))
    return nb.liquidity_trap_nb(ctx.high, ctx.low, ctx.close, top, ctx.atr(atr_n), int(n), float(k), *ctx.outputs())
