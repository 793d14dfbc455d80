"""Layer-6 risk models: triple-barrier risk classifier and the size multiplier."""

from __future__ import annotations

import numpy as np

from nexus.models.export import export_sklearn
from nexus.models.slots import RISK_CLASSES, SLOTS
from nexus.models.train_common import SlotResult, mean_margin, slot_rows
from nexus.models.train_data import TrainConfig, TrainingSet
from nexus.models.train_signal import train_direction


def train_risk_classifier(ts: TrainingSet, cfg: TrainConfig) -> SlotResult:
    """P(adverse, neutral, favourable): the triple-barrier outcome (profit 2 sigma, loss 1 sigma, H bars)."""
    return train_direction("risk_classifier", "risk3", RISK_CLASSES, {"kind": "identity"}, ts, cfg)


def train_risk_multiplier(ts: TrainingSet, cfg: TrainConfig) -> SlotResult:
    """Random forest on clip(0.5 + edge / (4 sigma sqrt(H)), 0, 1); baseline: the training mean."""
    from sklearn.ensemble import RandomForestRegressor

    spec = SLOTS["risk_multiplier"]
    names, Xf, yf, ok, Xv, yv, okv = slot_rows(ts, "risk_multiplier", "riskmult")
    # each tree sees a quarter of the rows (bootstrap subsample): the forest's cost stays near the boosted slots'
    params = {"n_estimators": cfg.n(20), "max_depth": 8, "min_samples_leaf": 100, "max_features": 0.5,
              "max_samples": 0.25, "random_state": cfg.seed, "n_jobs": cfg.threads}
    model = RandomForestRegressor(**params).fit(Xf[ok], yf[ok])
    pred = np.clip(model.predict(Xv[okv]), 0.0, 1.0)
    mse = float(np.mean((pred - yv[okv]) ** 2))
    base = float(np.mean((yf[ok].mean() - yv[okv]) ** 2))
    blob, raw = export_sklearn(model, len(names))
    return SlotResult(
        "risk_multiplier", "onnx", blob, names, spec.outputs, spec.metric, mse, base, False,
        int(ok.sum()), int(okv.sum()), raw_output=raw, postprocess={"kind": "clip01"},
        params={k: v for k, v in params.items() if k != "n_jobs"}, extra={"train_mean": float(yf[ok].mean())},
        native=model, X_check=Xv[okv][:2000], **mean_margin((yf[ok].mean() - yv[okv]) ** 2, (pred - yv[okv]) ** 2),
    )
