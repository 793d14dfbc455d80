"""The model slots of the eight-layer pipeline: the single source of truth.

Each slot names what the model predicts, its outputs (columns of
``LoadedModel.predict``), the feature set it reads, the library that fits it
and the naive baseline it must beat to be marked usable. The pipeline codes
against these names; training fills them; the report reads them.

>>> from nexus.models.slots import SLOTS
>>> SLOTS["volatility_forecast"].outputs
('vol_forecast',)
>>> [s.name for s in SLOTS.values() if s.layer == 6]
['risk_classifier', 'risk_multiplier']
"""

from __future__ import annotations

from dataclasses import dataclass

from nexus.errors import ModelError

# Which columns of a FeatureMatrix a slot reads (see nexus.models.features).
FEATURE_SETS = ("bar", "bar_mq", "bar_mq_nocal", "bar_mq_sig")

# Labels of the synthetic store's true regimes (nexus.data.sources.synth.REGIME_NAMES).
SYNTH_REGIMES = ("calm", "trend_up", "trend_down", "volatile", "crisis")
RISK_CLASSES = ("adverse", "neutral", "favourable")
DIRECTION_CLASSES = ("down", "flat", "up")


@dataclass(frozen=True)
class SlotSpec:
    name: str
    layer: int
    task: str  # "anomaly" | "regression" | "classification" | "multi_regression"
    library: str  # "sklearn" (exported to ONNX) | "xgboost" (UBJSON, inplace_predict)
    feature_set: str
    outputs: tuple[str, ...]
    meaning: str
    baseline: str
    metric: str  # the out-of-sample metric compared with the baseline
    higher_is_better: bool


def _anomaly_slot(name: str, layer: int, feature_set: str, meaning: str) -> SlotSpec:
    """An IsolationForest slot: every anomaly scorer is judged alike, by ROC AUC on the same injected faults."""
    return SlotSpec(name, layer, "anomaly", "sklearn", feature_set, ("anomaly",), meaning,
                    "|return z-score| scored on the same injected faults (ROC AUC)", "auc_corrupt_bars", True)


_SPECS = (
    _anomaly_slot(
        "data_quality", 1, "bar",
        "IsolationForest anomaly score of the bar's own features in [0, 1] (0.5 ordinary, near 1 very unusual)",
    ),
    SlotSpec(
        "volatility_forecast", 1, "regression", "xgboost", "bar_mq", ("vol_forecast",),
        "std of 1-bar log returns over the next H bars",
        "last realised volatility (std of the past H log returns)", "rmse_log_vol", False,
    ),
    SlotSpec(
        "regime_classifier", 1, "classification", "xgboost", "bar_mq_nocal", SYNTH_REGIMES,
        "probability of each true synthetic regime (or of each MQScore rule regime on real data)",
        "MQScore rule regimes mapped to the labels by their majority class on the training window",
        "balanced_accuracy", True,
    ),
    SlotSpec(
        "meta_selector", 3, "multi_regression", "xgboost", "bar_mq", (),  # outputs = strategy names, set at training
        "weight in [0, 1] per strategy: sigmoid of its predicted forward performance over H bars / OOS scale",
        "each strategy's mean forward performance on the training window", "mean_rank_ic", True,
    ),
    _anomaly_slot(
        "anomaly_detector", 3, "bar_mq_sig",
        "IsolationForest anomaly score of market-quality and signal features in [0, 1]; > 0.8 skips the bar",
    ),
    SlotSpec(
        "governor", 5, "classification", "sklearn", "bar_mq_sig", ("trust",),
        "P(the aggregate signal's direction is right over the next H bars) given its recent record; weight in [0, 1]",
        "the training base rate (constant probability)", "brier", False,
    ),
    SlotSpec(
        "router", 5, "classification", "xgboost", "bar_mq_sig", ("p_long", "p_short", "confidence"),
        "P(up), P(down) over H bars (moves beyond 0.5 sigma), confidence = 1 - normalised entropy",
        "majority class (balanced accuracy 1/3; log loss of the class prior)", "log_loss", False,
    ),
    SlotSpec(
        "risk_classifier", 6, "classification", "xgboost", "bar_mq_sig", RISK_CLASSES,
        "probability of the triple-barrier outcome of a trade in the aggregate direction (or momentum when flat)",
        "class prior (log loss) / majority class (balanced accuracy 1/3)", "log_loss", False,
    ),
    SlotSpec(
        "risk_multiplier", 6, "regression", "sklearn", "bar_mq_sig", ("multiplier",),
        "size multiplier in [0, 1]: expected outcome quality of a trade in the aggregate direction",
        "the training mean (constant)", "mse", False,
    ),
)

SLOTS: dict[str, SlotSpec] = {s.name: s for s in _SPECS}
SLOT_NAMES: tuple[str, ...] = tuple(SLOTS)


def get_slot(name: str) -> SlotSpec:
    """The :class:`SlotSpec` called ``name``; ModelError listing the known slots otherwise."""
    try:
        return SLOTS[name]
    except KeyError:
        raise ModelError(f"unknown model slot {name!r}; known slots: {', '.join(SLOT_NAMES)}") from None


__all__ = ["SLOTS", "SLOT_NAMES", "SlotSpec", "get_slot", "FEATURE_SETS", "SYNTH_REGIMES", "RISK_CLASSES", "DIRECTION_CLASSES"]
