"""MQScore configuration, names of grades and regimes, default weights."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

from nexus.errors import ConfigError

DIMENSIONS = ("liquidity", "volatility", "momentum", "imbalance", "trend", "noise")

REGIME_NAMES = (
    "HIGH_VOLATILITY_LOW_LIQUIDITY",
    "STRONG_TREND",
    "RANGING",
    "HIGH_QUALITY_TREND",
    "LOW_QUALITY_CHOPPY",
    "BALANCED",
)
HIGH_VOLATILITY_LOW_LIQUIDITY, STRONG_TREND, RANGING, HIGH_QUALITY_TREND, LOW_QUALITY_CHOPPY, BALANCED = range(6)

# code i <-> GRADE_NAMES[i]; code -1 marks warm-up bars
GRADE_NAMES = ("F", "D-", "D", "D+", "C-", "C", "C+", "B-", "B", "B+", "A-", "A", "A+")
GRADE_FLOORS = (0.0, 0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80, 0.90)

COMPONENT_NAMES: dict[str, tuple[str, ...]] = {
    "liquidity": ("spread_proxy", "volume_stability", "price_impact", "range_stability", "volume_depth"),
    "volatility": ("vol_ratio_20_50", "vol_clustering", "range_stability", "vol_ratio_50_100"),
    "momentum": ("roc20", "roc50", "volume_surge", "sma_alignment", "rsi_distance", "macd_strength", "return_size_stability"),
    "imbalance": ("vwap_deviation", "flow_balance", "flow_size_stability", "price_dispersion", "signed_volume_balance"),
    "trend": ("adx", "dm_balance", "sma_gap", "side_persistence", "bollinger_excess", "trend_volume_agreement"),
    "noise": ("savgol_snr", "sma_snr", "diff_vol_ratio", "volume_steadiness", "price_volume_corr", "range_stability", "return_autocorr"),
}

DEFAULT_COMPONENT_WEIGHTS: dict[str, tuple[float, ...]] = {
    "liquidity": (0.25, 0.25, 0.25, 0.15, 0.10),
    "volatility": (0.25, 0.25, 0.25, 0.25),
    "momentum": (0.20, 0.20, 0.15, 0.15, 0.10, 0.10, 0.10),
    "imbalance": (0.25, 0.25, 0.20, 0.15, 0.15),
    "trend": (0.25, 0.20, 0.15, 0.15, 0.15, 0.10),
    "noise": (0.20, 0.15, 0.15, 0.15, 0.10, 0.15, 0.10),
}
DEFAULT_WEIGHTS: dict[str, float] = {
    "liquidity": 0.15, "volatility": 0.15, "momentum": 0.15, "imbalance": 0.15, "trend": 0.20, "noise": 0.20,
}
MIN_WINDOW = 101  # the longest fixed lookback is the 100-return volatility


@dataclass(frozen=True)
class MQConfig:
    """Settings of the MQScore engine.

    ``window``: bars per score (W); bars before W-1 are warm-up (NaN, gate False).
    ``weights``: composite weight per dimension; ``component_weights``: per dimension,
    one weight per component (order of ``COMPONENT_NAMES``).
    ``min_composite`` (0.5; the original's lowered 0.45 is available) and
    ``min_liquidity`` (0.3) gate a bar, as does a regime in ``crisis_regimes``.
    ``imbalance_source``: ``"bar_direction"`` (C vs O), ``"taker_buy"`` (needs the
    column) or ``"auto"`` (taker-buy volume when the bars carry it).
    ``regime_rule``: ``"reference"`` (the original's rules, default) or ``"consistent"``
    (choppy when noise < 0.3, i.e. noisy, since high noise score means *less* noise).
    ``regime_model``: optional callable ``f(dims [m, 6] float64) -> scores [m, 6]`` used
    instead of the rules on bars past warm-up (the trained classifier hook).

    >>> MQConfig(min_composite=0.45).window
    200
    """

    window: int = 200
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    component_weights: Mapping[str, tuple[float, ...]] = field(default_factory=lambda: dict(DEFAULT_COMPONENT_WEIGHTS))
    min_composite: float = 0.5
    min_liquidity: float = 0.3
    crisis_regimes: tuple[str, ...] = ("HIGH_VOLATILITY_LOW_LIQUIDITY",)
    imbalance_source: str = "auto"
    regime_rule: str = "reference"
    regime_model: Callable[[np.ndarray], np.ndarray] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.window, (int, np.integer)) or self.window < MIN_WINDOW:
            raise ConfigError(f"MQConfig.window={self.window!r}: must be an integer >= {MIN_WINDOW} (the 100-bar lookbacks must fit)")
        unknown = set(self.weights) - set(DIMENSIONS)
        if unknown or set(self.weights) != set(DIMENSIONS):
            raise ConfigError(f"MQConfig.weights: give one weight for each of {DIMENSIONS}; got {sorted(self.weights)}")
        for name, wts in self.component_weights.items():
            if name not in COMPONENT_NAMES or len(wts) != len(COMPONENT_NAMES[name]):
                raise ConfigError(f"MQConfig.component_weights[{name!r}]: need {len(COMPONENT_NAMES.get(name, ()))} weights for {COMPONENT_NAMES.get(name)}")
        allw = list(self.weights.values()) + [w for ws in self.component_weights.values() for w in ws]
        if any(not np.isfinite(w) or w < 0 for w in allw):
            raise ConfigError("MQConfig: weights must be finite and >= 0")
        for attr in ("min_composite", "min_liquidity"):
            v = getattr(self, attr)
            if not 0.0 <= float(v) <= 1.0:
                raise ConfigError(f"MQConfig.{attr}={v}: must be in [0, 1]")
        bad = [r for r in self.crisis_regimes if r not in REGIME_NAMES]
        if bad:
            raise ConfigError(f"MQConfig.crisis_regimes: unknown {bad}; choose from {REGIME_NAMES}")
        if self.imbalance_source not in ("auto", "bar_direction", "taker_buy"):
            raise ConfigError(f"MQConfig.imbalance_source={self.imbalance_source!r}: use 'auto', 'bar_direction' or 'taker_buy'")
        if self.regime_rule not in ("reference", "consistent"):
            raise ConfigError(f"MQConfig.regime_rule={self.regime_rule!r}: use 'reference' or 'consistent'")
        if self.regime_model is not None and not callable(self.regime_model):
            raise ConfigError("MQConfig.regime_model must be a callable f(dims [m, 6]) -> scores [m, 6] or None")

    def weight_vector(self) -> np.ndarray:
        return np.array([float(self.weights[d]) for d in DIMENSIONS])

    def component_weight_vector(self, dim: str) -> np.ndarray:
        return np.array(self.component_weights.get(dim, DEFAULT_COMPONENT_WEIGHTS[dim]), dtype=np.float64)

    def crisis_mask(self) -> np.ndarray:
        return np.array([name in self.crisis_regimes for name in REGIME_NAMES])
