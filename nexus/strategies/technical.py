"""Technical strategies: mtf_alignment, cumulative_delta, delta_divergence.

Bar proxies: the tape's cumulative delta is the running sum of aggressor
delta (taker buys - taker sells, or close location times volume); higher
timeframes are built inside the kernel from the bar timestamps, causally.
"""

from __future__ import annotations

import math

from nexus.strategies import technical_nb as nb
from nexus.strategies.context import Context
from nexus.strategies.registry import Param, strategy
from nexus.strategies.shared_nb import flow_signal_nb

FIVE_MIN_NS = 300_000_000_000
HOUR_NS = 3_600_000_000_000


def _mtf_warmup(p, base_ns):
    htf_bars = math.ceil((p["k60"] + 1) * HOUR_NS / base_ns)
    return max(htf_bars, math.ceil((p["k5"] + 1) * FIVE_MIN_NS / base_ns), p["n"] + 1)


@strategy(
    name="mtf_alignment", group="technical", _builtin=True,
    params={"n": Param(20, 5, 120), "k5": Param(12, 3, 48), "k60": Param(6, 2, 24)},
    warmup=_mtf_warmup,
)
def mtf_alignment(bars, ctx: Context, n=20, k5=12, k60=6):
    """Trade when the base, 5-minute and 1-hour trends agree.

    Base trend: ``C - SMA_n``. 5-minute trend: the last *closed* 5-minute
    close minus the mean of the last ``k5`` closed 5-minute closes; 1-hour
    likewise with ``k60``. A higher-timeframe bar counts only once the base
    bar that ends it has closed. Bar proxy: the higher-timeframe bars are built
    from the base bars' timestamps inside the kernel (gaps handled). Signal the common sign when all three agree.
    Confidence ``0.5 + 0.5 * min(1, |C - SMA_n| / ATR_n)``.
    """
    base = ctx.timeframe_ns
    dev5 = ctx.memo(("htf", FIVE_MIN_NS, k5), lambda: nb.htf_deviation_nb(ctx.ts, ctx.close, base, FIVE_MIN_NS, int(k5), ctx.buf()))
    dev60 = ctx.memo(("htf", HOUR_NS, k60), lambda: nb.htf_deviation_nb(ctx.ts, ctx.close, base, HOUR_NS, int(k60), ctx.buf()))
    return nb.mtf_alignment_nb(ctx.close, ctx.sma(n), ctx.atr(n), dev5, dev60, *ctx.outputs())


@strategy(
    name="cumulative_delta", group="technical", _builtin=True,
    params={"n": Param(60, 10, 480), "thr": Param(2.0, 0.5, 5.0)},
    warmup=lambda p: p["n"] + 1,
)
def cumulative_delta(bars, ctx: Context, n=60, thr=2.0):
    """Follow a significant cumulative-delta trend that price confirms.

    Bar proxy for the tape: delta per bar (taker buys - sells, else close
    location times volume). ``zd = sum_n(delta) / (std_n(delta) * sqrt(n))``;
    signal ``sign(zd)`` when ``|zd| > thr`` and the close is on the same side
    of its n-bar SMA. Confidence ``|zd| / (2 thr)``.
    """
    dstd = ctx.delta_std(n)
    return flow_signal_nb(ctx.delta_sum(n), dstd, math.sqrt(n), float(thr), ctx.close, ctx.sma(n), *ctx.outputs())


@strategy(
    name="delta_divergence", group="technical", _builtin=True,
    params={"n": Param(30, 10, 240)},
    warmup=lambda p: p["n"] + 1,
)
def delta_divergence(bars, ctx: Context, n=30):
    """Price makes a new low that cumulative delta does not confirm (and the mirror).

    Bar proxy: cumulative delta ``cvd`` (running sum of aggressor delta;
    only differences within the window matter). Bullish: ``L_t`` below the
    lowest low of the prior n bars while ``cvd_t`` is above the prior n
    bars' lowest cvd: +1. Bearish mirrored with highs: -1. Confidence
    ``0.5 + 0.5 * min(1, distance of cvd from its prior extreme / prior cvd range)``.
    """
    return nb.delta_divergence_nb(ctx.high, ctx.low, ctx.cvd(), ctx.rmin("low", n), ctx.rmax("high", n),
                                  ctx.rmin("cvd", n), ctx.rmax("cvd", n), *ctx.outputs())
