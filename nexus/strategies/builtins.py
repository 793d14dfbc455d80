"""Imports every built-in strategy module so their decorators fill the registry (order = matrix order)."""

from nexus.strategies import breakout, microstructure, detection, technical, rotation, reversion, ml_flavoured, baselines  # noqa: F401
