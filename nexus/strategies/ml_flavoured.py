"""ML-flavoured strategies: momentum_ignition and volume_imbalance.

Bar proxies: ignition is a full-bodied shock bar on a volume burst after a
quiet stretch; volume imbalance is a fixed-weight logistic-style score of
up/down volume, aggressor delta and the return t-stat (no trained model; the
weights are parameters a sweep can fit).
"""

from __future__ import annotations

from nexus.indicators.rolling import rolling_extreme_nb
from nexus.strategies import ml_nb as nb
from nexus.strategies.context import Context
from nexus.strategies.registry import Param, strategy


@strategy(
    name="momentum_ignition", group="ml", _builtin=True,
    params={"n": Param(60, 20, 240), "k": Param(3.0, 1.5, 8.0), "z": Param(2.0, 1.0, 6.0),
            "quiet": Param(10, 3, 60), "quiet_z": Param(1.5, 0.0, 3.0), "body": Param(0.6, 0.3, 0.95)},
    warmup=lambda p: p["n"] + p["quiet"] + 1,
)
def momentum_ignition(bars, ctx: Context, n=60, k=3.0, z=2.0, quiet=10, quiet_z=1.5, body=0.6):
    """Join a momentum ignition: a sudden full-bodied burst out of a quiet tape.

    Bar proxy for an ignition sequence of aggressive orders: bar t's return
    beyond ``k`` sigmas (std of the n returns before it), volume z-score over
    n above ``z``, body ``|C-O|`` above ``body`` of its range, and no bar of
    the previous ``quiet`` with volume z-score at or above ``quiet_z``.
    Signal ``sign(r_t)``. Confidence ``|r_t| / sigma / (2k)``.
    """
    vz = ctx.vol_z(n)
    vmax = ctx.memo(("vzmax", n, quiet), lambda: rolling_extreme_nb(vz, quiet, True, ctx.buf(), ctx.scratch()))
    return nb.momentum_ignition_nb(ctx.open, ctx.high, ctx.low, ctx.close, ctx.returns(), ctx.sigma(n), vz, vmax,
                                   float(k), float(z), float(quiet_z), float(body), *ctx.outputs())


@strategy(
    name="volume_imbalance", group="ml", _builtin=True,
    params={"n": Param(20, 5, 240), "thr": Param(0.6, 0.2, 0.95), "w_v": Param(1.0, 0.0, 3.0),
            "w_d": Param(1.0, 0.0, 3.0), "w_r": Param(0.5, 0.0, 2.0)},
    warmup=lambda p: p["n"] + 1,
)
def volume_imbalance(bars, ctx: Context, n=20, thr=0.6, w_v=1.0, w_d=1.0, w_r=0.5):
    """Score volume imbalance with fixed weights; trade a strong score.

    Bar proxy for the tape, over n bars: up/down volume imbalance (volume of bars closing
    above / below their open), aggressor imbalance ``sum delta / sum V`` and
    the return t-stat ``sum r / (sigma * sqrt(n))``.
    ``score = tanh(w_v * vimb + w_d * dimb + w_r * rz)``; signal
    ``sign(score)`` when ``|score| > thr``. Confidence ``|score|``.
    """
    return nb.volume_imbalance_nb(ctx.open, ctx.close, ctx.volume, ctx.returns(), ctx.delta_sum(n), ctx.vol_sum(n),
                                  ctx.sigma(n), int(n), float(thr), float(w_v), float(w_d), float(w_r), *ctx.outputs())
