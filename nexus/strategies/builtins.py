"""The built-in strategies, in signal-matrix order: the twenty NEXUS strategies, then the baselines.

Each group module describes its strategies with ``@strategy(...)``; nothing
registers on import. This list is the one place that says which strategies
are built in and in which order; :func:`register_builtins` adds them to the
registry (``nexus.strategies`` calls it once when imported).
"""

from __future__ import annotations

from nexus.strategies import baselines, breakout, detection, microstructure, ml_flavoured, reversion, rotation, technical
from nexus.strategies.registry import register

BUILTINS = (
    breakout.event_driven, breakout.low_volume_node, breakout.absorption, breakout.momentum_breakout,
    microstructure.market_microstructure, microstructure.order_book_imbalance, microstructure.liquidity_absorption,
    detection.spoofing, detection.iceberg, detection.liquidation, detection.liquidity_trap,
    technical.mtf_alignment, technical.cumulative_delta, technical.delta_divergence,
    rotation.open_drive, rotation.profile_rotation,
    reversion.vwap_reversion, reversion.stop_run,
    ml_flavoured.momentum_ignition, ml_flavoured.volume_imbalance,
    baselines.sma_crossover, baselines.zscore_reversion, baselines.ts_momentum, baselines.donchian_breakout,
)


def register_builtins() -> None:
    """Put every built-in into the registry, in this order."""
    for fn in BUILTINS:
        register(fn, replace=True)
