"""Microstructure strategies: market_microstructure, order_book_imbalance, liquidity_absorption.

Bar proxies: the bid-ask bounce and trade-by-trade persistence show in the
lag-1 autocorrelation of bar returns; book imbalance becomes aggressor-flow
imbalance (taker-buy volume when present, else close location times volume).
"""

from __future__ import annotations

import numpy as np

from nexus.indicators.rolling import rolling_autocorr1_nb
from nexus.strategies import microstructure_nb as nb
from nexus.strategies.context import Context
from nexus.strategies.registry import Param, strategy
from nexus.strategies.shared_nb import flow_signal_nb

_NONE = np.empty(0)  # no trend filter in flow_signal_nb


@strategy(
    name="market_microstructure", group="microstructure", _builtin=True,
    params={"n": Param(60, 20, 240), "k": Param(1.5, 0.5, 4.0), "ac_thr": Param(0.1, 0.02, 0.4)},
    warmup=lambda p: p["n"] + 2,
)
def market_microstructure(bars, ctx: Context, n=60, k=1.5, ac_thr=0.1):
    """Follow or fade a large bar depending on the microstructure regime.

    Bar proxy: ``ac`` = correlation of ``r_t`` with ``r_{t-1}`` over n bars.
    When ``|r_t| > k * sigma_n``: ``ac > ac_thr`` (flow persists) signals
    ``sign(r_t)``; ``ac < -ac_thr`` (bounce, liquidity providers dominate)
    signals ``-sign(r_t)``. Confidence ``|ac| / (2 ac_thr)``.
    """
    r = ctx.returns()
    ac = ctx.memo(("ac1", n), lambda: rolling_autocorr1_nb(r, n, ctx.buf()))
    return nb.market_microstructure_nb(r, ac, ctx.sigma(n), float(k), float(ac_thr), *ctx.outputs())


@strategy(
    name="order_book_imbalance", group="microstructure", _builtin=True,
    params={"n": Param(10, 3, 60), "thr": Param(0.25, 0.05, 0.6)},
    warmup=lambda p: p["n"],
)
def order_book_imbalance(bars, ctx: Context, n=10, thr=0.25):
    """Side with the book imbalance, read from aggressor flow.

    Bar proxy for the order book: ``imb = sum_n(delta) / sum_n(volume)`` with
    delta = taker buys - taker sells (taker_buy_volume) or, without that
    column, close location ``((C-L)-(H-C))/(H-L)`` times volume. Signal
    ``sign(imb)`` while ``|imb| > thr``. Confidence ``|imb| / (2 thr)``.
    """
    return flow_signal_nb(ctx.delta_sum(n), ctx.vol_sum(n), 1.0, float(thr), _NONE, _NONE, *ctx.outputs())


@strategy(
    name="liquidity_absorption", group="microstructure", _builtin=True,
    params={"m": Param(5, 2, 30), "n": Param(60, 20, 240), "thr": Param(0.15, 0.05, 0.6), "vmult": Param(1.2, 0.8, 3.0)},
    warmup=lambda p: max(p["m"] + 1, p["n"]),
)
def liquidity_absorption(bars, ctx: Context, m=5, n=60, thr=0.15, vmult=1.2):
    """Fade aggressors whose effort brings no result: passive liquidity absorbed them.

    Bar proxy: over the last m bars, aggressor imbalance ``sum(delta)/sum(V)``
    below ``-thr`` while the close did not fall (``C_t >= C_{t-m}``) on
    volume above ``vmult`` times normal (``sum_m V > vmult * m * mean_n V``)
    signals +1 (buyers absorbed the selling); the mirror signals -1.
    Confidence ``|imbalance| / (2 thr)``.
    """
    return nb.liquidity_absorption_nb(ctx.close, ctx.delta_sum(m), ctx.vol_sum(m), ctx.vol_mean(n), int(m), float(thr), float(vmult), *ctx.outputs())
