"""Baselines users compare the twenty against (group "baseline", not counted among them):
sma_crossover, zscore_reversion (Bollinger), ts_momentum, donchian_breakout.

Confidence is 1 wherever a rule holds a position, except zscore_reversion
(``|z| / (2k)``, 0.5 at the band).
"""

from __future__ import annotations

from nexus.errors import ConfigError
from nexus.strategies import baselines_nb as nb
from nexus.strategies.context import Context
from nexus.strategies.registry import Param, strategy
from nexus.strategies.shared_nb import deviation_signal_nb


@strategy(
    name="sma_crossover", group="baseline", _builtin=True,
    params={"fast": Param(10, 2, 100), "slow": Param(50, 10, 400)},
    warmup=lambda p: p["slow"],
)
def sma_crossover(bars, ctx: Context, fast=10, slow=50):
    """+1 while SMA_fast is above SMA_slow, -1 while below (0 when equal)."""
    if fast >= slow:
        raise ConfigError(f"sma_crossover: fast ({fast}) must be below slow ({slow})")
    return nb.sma_cross_nb(ctx.sma(fast), ctx.sma(slow), *ctx.outputs())


@strategy(
    name="zscore_reversion", group="baseline", _builtin=True,
    params={"n": Param(20, 5, 400), "k": Param(2.0, 0.5, 4.0)},
    warmup=lambda p: p["n"],
)
def zscore_reversion(bars, ctx: Context, n=20, k=2.0):
    """Bollinger reversion: -sign(z) while the close is beyond k population std of its n-bar SMA."""
    return deviation_signal_nb(ctx.close, ctx.sma(n), ctx.std(n), float(k), -1, *ctx.outputs())


@strategy(
    name="ts_momentum", group="baseline", _builtin=True,
    params={"lookback": Param(60, 5, 1440)},
    warmup=lambda p: p["lookback"],
)
def ts_momentum(bars, ctx: Context, lookback=60):
    """Time-series momentum: sign(C_t - C_{t-lookback})."""
    return nb.ts_momentum_nb(ctx.close, int(lookback), *ctx.outputs())


@strategy(
    name="donchian_breakout", group="baseline", _builtin=True, stateful=True,
    params={"n": Param(20, 5, 400)},
    warmup=lambda p: p["n"] + 1,
)
def donchian_breakout(bars, ctx: Context, n=20):
    """Donchian (turtle) breakout: +1 after a close above the prior n-bar high, -1 after one below
    the prior n-bar low, held until the opposite breakout (stateful: unbounded memory)."""
    return nb.donchian_nb(ctx.close, ctx.rmax("high", n), ctx.rmin("low", n), *ctx.outputs())
