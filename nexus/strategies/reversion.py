"""Mean-reversion strategies: vwap_reversion and stop_run (stop-run anticipation).

Bar proxies: VWAP over a trailing window of typical prices; stop clusters sit
beyond equal swing highs / lows (two halves of the lookback topping out at
the same price).
"""

from __future__ import annotations

from nexus.strategies import reversion_nb as nb
from nexus.strategies.context import Context
from nexus.strategies.registry import Param, strategy
from nexus.strategies.shared_nb import deviation_signal_nb


@strategy(
    name="vwap_reversion", group="reversion", _builtin=True,
    params={"n": Param(60, 20, 480), "atr_n": Param(60, 10, 240), "k": Param(3.0, 0.5, 6.0)},
    warmup=lambda p: max(p["n"], p["atr_n"] + 1),
)
def vwap_reversion(bars, ctx: Context, n=60, atr_n=60, k=3.0):
    """Revert to the rolling VWAP when price strays ``k`` volatility units from it.

    ``dev = (C - VWAP_n) / ATR_atr_n`` with VWAP of the typical price
    (H+L+C)/3 over n bars (bar proxy for the traded VWAP); signal ``-sign(dev)`` while ``|dev| > k``.
    Confidence ``|dev| / (2k)``.
    """
    vwap = ctx.vwap(n)
    return deviation_signal_nb(ctx.close, vwap, ctx.atr(atr_n), float(k), -1, *ctx.outputs())


@strategy(
    name="stop_run", group="reversion", _builtin=True,
    params={"n": Param(60, 20, 480), "atr_n": Param(20, 10, 120), "tol": Param(0.5, 0.1, 2.0), "near": Param(1.0, 0.2, 3.0)},
    warmup=lambda p: max(2 * (p["n"] // 2), p["atr_n"]) + 1,
)
def stop_run(bars, ctx: Context, n=60, atr_n=20, tol=0.5, near=1.0):
    """Anticipate the run on stops clustered beyond equal swing highs (or lows).

    Bar proxy for resting stops: split the prior n bars into two halves; when
    their highest highs are within ``tol`` ATRs (a double top: stops pile up
    just above) and a rising close is within ``near`` ATRs below that level,
    signal +1 (price is drawn to the stops); equal lows mirrored: -1.
    Confidence ``1 - 0.5 * distance / (near * ATR)``.
    """
    h = max(1, int(n) // 2)
    return nb.stop_run_nb(ctx.close, ctx.rmax("high", h), ctx.rmin("low", h), ctx.atr(atr_n), h, float(tol), float(near), *ctx.outputs())
