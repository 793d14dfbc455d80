"""Models: causal features, labels, purged walk-forward splits, training, export, registry, inference.

>>> from nexus.models import Registry, build_features      # doctest: +SKIP
>>> fm = build_features(bars, mq=nx.mqscore(bars), sig=nx.signals(bars))   # doctest: +SKIP
>>> vol = Registry("data/models").load("volatility_forecast")              # doctest: +SKIP
>>> vol.check_applicable(bars.ts); v = vol.predict(fm.select(vol.feature_names))  # doctest: +SKIP

``labels`` is not imported here: labels look forward and only training code uses them.
"""

from nexus.models.features import FeatureMatrix, build_features
from nexus.models.inference import predict
from nexus.models.registry import LoadedModel, Registry
from nexus.models.slots import SLOT_NAMES, SLOTS, SlotSpec, get_slot
from nexus.models.splits import PurgedKFold, PurgedWalkForward, train_cutoff

__all__ = [
    "FeatureMatrix", "build_features", "predict", "LoadedModel", "Registry", "SLOTS", "SLOT_NAMES", "SlotSpec",
    "get_slot", "PurgedWalkForward", "PurgedKFold", "train_cutoff",
]
