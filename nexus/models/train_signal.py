"""Layer-3 and layer-5 signal models: meta-strategy selector, governor, router."""

from __future__ import annotations

import numpy as np

from nexus.errors import ModelError
from nexus.models.export import export_sklearn, export_xgboost
from nexus.models.slots import DIRECTION_CLASSES, SLOTS
from nexus.models.train_common import (
    SlotResult, balanced_accuracy, log_loss, mean_margin, prior_probs, row_log_loss, slot_rows, xgb_fit, xgb_predict,
)
from nexus.models.train_data import TrainConfig, TrainingSet


def _spearman_cols(a: np.ndarray, b: np.ndarray) -> float:
    """Mean Spearman correlation over columns where both vary (rank IC)."""
    from scipy.stats import spearmanr

    ics = []
    for j in range(a.shape[1]):
        if np.ptp(a[:, j]) > 0 and np.ptp(b[:, j]) > 0:
            ics.append(spearmanr(a[:, j], b[:, j]).statistic)
    return float(np.mean(ics)) if ics else 0.0


def train_meta(ts: TrainingSet, cfg: TrainConfig) -> SlotResult:
    """Multi-output XGBoost: each strategy's volatility-scaled P&L over the next H bars."""
    names, Xf, yf, ok, Xv, yv, okv = slot_rows(ts, "meta_selector", "meta")
    params = {"objective": "reg:squarederror", "max_depth": 3, "eta": 0.08, "subsample": 0.8,
              "min_child_weight": 50, "lambda": 10.0}
    rounds = cfg.n(30)
    # one tree per strategy per round: a third of the rows keeps this slot's cost near the others'
    rows = np.flatnonzero(ok)
    if rows.size > cfg.max_rows // 3:
        rows = np.sort(np.random.default_rng(cfg.seed).choice(rows, size=cfg.max_rows // 3, replace=False))
    booster = xgb_fit(Xf[rows], yf[rows], params, rounds, cfg.threads, cfg.seed)
    pred = xgb_predict(booster, Xv[okv])
    mean = yf[ok].mean(axis=0)
    mse = float(np.mean((pred - yv[okv]) ** 2))
    base = float(np.mean((mean[None, :] - yv[okv]) ** 2))
    scale = np.maximum(pred.std(axis=0), 1e-6)
    return SlotResult(
        "meta_selector", "xgboost-ubj", export_xgboost(booster), names, tuple(ts.strategy_names), "mse",
        mse, base, False, int(rows.size), int(okv.sum()),
        postprocess={"kind": "sigmoid_scale", "params": {"scale": scale.tolist(), "centre": 0.0}},
        params={**params, "rounds": rounds, "target": f"sum of signal * next-bar log return over {cfg.horizon} bars / (rv_60 sqrt(H))"},
        extra={"mean_rank_ic": _spearman_cols(pred, yv[okv]), "raw_output": "predicted scaled forward P&L per strategy"},
        native=booster, X_check=Xv[okv][:2000],
        **mean_margin(((mean[None, :] - yv[okv]) ** 2).mean(axis=1), ((pred - yv[okv]) ** 2).mean(axis=1)),
    )


def train_governor(ts: TrainingSet, cfg: TrainConfig) -> SlotResult:
    """Logistic regression: P(the aggregate's direction is right over H bars) from its recent record."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    spec = SLOTS["governor"]
    names, Xf, yf, ok, Xv, yv, okv = slot_rows(ts, "governor", "gov")
    if np.unique(yf[ok]).size < 2:
        raise ModelError("slot 'governor': the aggregate was always right or always wrong on the training rows; nothing to learn")
    params = {"C": 0.1, "max_iter": 300}
    model = make_pipeline(StandardScaler(), LogisticRegression(**params)).fit(Xf[ok], yf[ok].astype(int))
    p = model.predict_proba(Xv[okv])[:, 1]
    rate = float(yf[ok].mean())
    brier = float(np.mean((p - yv[okv]) ** 2))
    base = float(np.mean((rate - yv[okv]) ** 2))
    blob, raw = export_sklearn(model, len(names))
    return SlotResult(
        "governor", "onnx", blob, names, spec.outputs, spec.metric, brier, base, False,
        int(ok.sum()), int(okv.sum()), raw_output=raw, postprocess={"kind": "column", "params": {"column": 1}},
        params={**params, "scaler": "standard"}, extra={"base_rate": rate},
        native=model, X_check=Xv[okv][:2000], **mean_margin((rate - yv[okv]) ** 2, (p - yv[okv]) ** 2),
    )


def train_direction(slot: str, label: str, classes: tuple[str, ...], post: dict, ts: TrainingSet, cfg: TrainConfig) -> SlotResult:
    """XGBoost 3-class model judged by log loss against the class prior (and balanced accuracy vs 1/3)."""
    spec = SLOTS[slot]
    names, Xf, yf, ok, Xv, yv, okv = slot_rows(ts, slot, label)
    k = len(classes)
    params = {"objective": "multi:softprob", "num_class": k, "max_depth": 4, "eta": 0.05, "subsample": 0.8,
              "min_child_weight": 50, "lambda": 10.0}
    rounds = cfg.n(60)
    booster = xgb_fit(Xf[ok], yf[ok], params, rounds, cfg.threads, cfg.seed)
    proba = xgb_predict(booster, Xv[okv])
    prior = prior_probs(yf[ok], k)
    ll = log_loss(yv[okv], proba, k)
    base = log_loss(yv[okv], np.tile(prior, (int(okv.sum()), 1)), k)
    majority = int(prior.argmax())
    return SlotResult(
        slot, "xgboost-ubj", export_xgboost(booster), names, spec.outputs, "log_loss", ll, base, False,
        int(ok.sum()), int(okv.sum()), postprocess=post, params={**params, "rounds": rounds, "classes": list(classes)},
        extra={"balanced_accuracy": balanced_accuracy(yv[okv], proba.argmax(axis=1)),
               "baseline_balanced_accuracy": balanced_accuracy(yv[okv], np.full(int(okv.sum()), majority)),
               "class_prior": prior.tolist()},
        native=booster, X_check=Xv[okv][:2000],
        **mean_margin(row_log_loss(yv[okv], np.tile(prior, (int(okv.sum()), 1))), row_log_loss(yv[okv], proba)),
    )


def train_router(ts: TrainingSet, cfg: TrainConfig) -> SlotResult:
    return train_direction("router", "dir3", DIRECTION_CLASSES, {"kind": "direction3"}, ts, cfg)
