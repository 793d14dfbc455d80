"""Event-driven and breakout strategies: event_driven, low_volume_node, absorption, momentum_breakout.

Bar proxies: a news-like event is a return shock on a volume burst; the order
book's low-volume nodes come from a rolling volume profile; absorption is a
high-volume bar with a small range (size traded without moving price).
"""

from __future__ import annotations

from nexus.strategies import breakout_nb as nb
from nexus.strategies.context import Context
from nexus.strategies.registry import Param, strategy
from nexus.strategies.shared_nb import deviation_signal_nb


@strategy(
    name="event_driven", group="event", _builtin=True,
    params={"n": Param(60, 20, 240), "k": Param(4.0, 2.0, 8.0), "z": Param(3.0, 1.0, 6.0), "hold": Param(15, 1, 120)},
    warmup=lambda p: p["n"] + p["hold"] + 2,
)
def event_driven(bars, ctx: Context, n=60, k=4.0, z=3.0, hold=15):
    """Trade the drift after a market event once the next bar confirms it.

    Event at bar s: ``|r_s| > k * sigma_n`` (std of returns over the n bars
    before s) on a volume burst (volume z-score over n > z). If bar s+1 moves
    the same way, signal ``sign(r_s)`` for ``hold`` bars from s+1.
    Bar proxy: the shock bar stands in for the news event. Confidence:
    ``|r_s| / sigma / (2k)`` clipped to [0, 1] (0.5 at the threshold).
    """
    return nb.event_driven_nb(ctx.returns(), ctx.sigma(n), ctx.vol_z(n), float(k), float(z), int(hold), *ctx.outputs())


@strategy(
    name="low_volume_node", group="breakout", _builtin=True,
    params={"window": Param(240, 60, 1440), "bin_bps": Param(10.0, 2.0, 50.0), "frac": Param(0.3, 0.05, 0.8)},
    warmup=lambda p: p["window"] + 1,
)
def low_volume_node(bars, ctx: Context, window=240, bin_bps=10.0, frac=0.3):
    """Breakout into a low-volume node: thin price areas are crossed fast.

    Bar proxy for the book's thin levels: a volume profile of the prior
    ``window`` bars, closes binned on an absolute log-price grid of
    ``bin_bps`` basis points. When the close moves to a different bin whose
    profile volume is below ``frac`` times the mean volume per occupied bin,
    signal the direction of the move. Confidence ``1 - 0.5 * node / (frac * mean)``.
    """
    node, mean, _, _, _, bins = ctx.profile(int(window), float(bin_bps))
    return nb.low_volume_node_nb(bins, node, mean, float(frac), *ctx.outputs())


@strategy(
    name="absorption", group="breakout", _builtin=True,
    params={"n": Param(20, 10, 120), "z": Param(2.0, 1.0, 4.0), "range_frac": Param(0.6, 0.2, 1.0), "hold": Param(30, 5, 240)},
    warmup=lambda p: p["n"] + p["hold"] + 2,
)
def absorption(bars, ctx: Context, n=20, z=2.0, range_frac=0.6, hold=30):
    """Breakout from an absorption bar.

    Bar proxy for passive size absorbing aggressive flow: a bar with volume
    z-score (over n) above ``z`` and a range below ``range_frac`` times the
    n-bar ATR (mean true range). Within the next ``hold`` bars, a close above
    its high signals +1, below its low -1 (once; a newer absorption bar
    replaces the levels). Confidence ``vz / (2z)`` of the absorption bar.
    """
    return nb.absorption_nb(ctx.high, ctx.low, ctx.close, ctx.vol_z(n), ctx.atr(n), float(z), float(range_frac), int(hold), *ctx.outputs())


@strategy(
    name="momentum_breakout", group="breakout", _builtin=True,
    params={"n": Param(20, 10, 200), "z": Param(2.0, 1.0, 4.0)},
    warmup=lambda p: p["n"],
)
def momentum_breakout(bars, ctx: Context, n=20, z=2.0):
    """Momentum breakout: the close's n-bar z-score beyond ``z`` (the original: 20 bars, |z| > 2).

    ``zc = (C - SMA_n) / std_n`` (population std); signal ``sign(zc)`` while
    ``|zc| > z``. Bar proxy: none needed, the rule is on closes. Confidence ``|zc| / (2z)``.
    """
    return deviation_signal_nb(ctx.close, ctx.sma(n), ctx.std(n), float(z), 1, *ctx.outputs())
