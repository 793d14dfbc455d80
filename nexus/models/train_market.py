"""Layer-1 and layer-3 market models: data quality, volatility forecast, regime classifier, anomaly detector."""

from __future__ import annotations

import numpy as np

from nexus.errors import ModelError
from nexus.models.export import export_sklearn, export_xgboost
from nexus.models.slots import SLOTS, SYNTH_REGIMES
from nexus.models.train_common import (
    SlotResult, auc_margin, balanced_accuracy, balanced_margin, columns, finite_rows, need_rows, rmse_margin, xgb_fit,
    xgb_predict,
)
from nexus.models.train_data import EPS_VOL, TrainConfig, TrainingSet

RULE_REGIMES = ("high_volatility_low_liquidity", "strong_trend", "ranging", "high_quality_trend",
                "low_quality_choppy", "balanced")


def train_anomaly(slot: str, ts: TrainingSet, cfg: TrainConfig) -> SlotResult:
    """IsolationForest on the slot's features; judged on injected faults against |return z-score|."""
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import roc_auc_score

    spec = SLOTS[slot]
    names, cols = columns(ts, spec.feature_set)
    X = ts.X_fit[:, cols]
    X = X[finite_rows(X)]
    need_rows(slot, X.shape[0], 10)
    params = {"n_estimators": cfg.n(100), "max_samples": 256, "random_state": cfg.seed}
    model = IsolationForest(**params).fit(X)
    blob, raw = export_sklearn(model, len(names))
    scores, base, bad = [], [], []
    for ev in ts.corrupt_eval:
        idx = [ev["names"].index(n) for n in names]
        keep = (ev["bad"] | ev["clean"]) & finite_rows(ev["X"][:, idx])
        if not ev["bad"][keep].any():
            continue
        scores.append(-model.score_samples(ev["X"][keep][:, idx]))
        base.append(ev["baseline"][keep])
        bad.append(ev["bad"][keep])
    if not scores:
        raise ModelError(f"slot {slot!r}: no validation slice long enough for the injected-fault check; train on more bars")
    s, b, y = np.concatenate(scores), np.concatenate(base), np.concatenate(bad)
    Xv = ts.X_val[:, cols]
    Xv = Xv[finite_rows(Xv)]
    clean_scores = -model.score_samples(Xv)
    return SlotResult(
        slot, "onnx", blob, names, spec.outputs, spec.metric, float(roc_auc_score(y, s)),
        float(roc_auc_score(y, b)), True, X.shape[0], int(y.size), raw_output=raw,
        postprocess={"kind": "isolation", "params": {"offset": float(model.offset_)}}, params=params,
        extra={"n_faults": int(y.sum()), "share_above_0.8_on_clean_validation": float(np.mean(clean_scores > 0.8)),
               "median_score_clean": float(np.median(clean_scores))},
        native=model, X_check=Xv[:2000], **auc_margin(y, s, b),
    )


def train_volatility(ts: TrainingSet, cfg: TrainConfig) -> SlotResult:
    """XGBoost on log realised volatility ahead; baseline: the last realised volatility."""
    spec = SLOTS["volatility_forecast"]
    names, cols = columns(ts, spec.feature_set)
    # the target is log(future vol / rv_60): a ratio keeps the trees inside the range they saw, whatever the level
    j = names.index("rv_60")
    anchor_f = np.log(np.maximum(ts.X_fit[:, cols[j]].astype(np.float64), EPS_VOL))
    anchor_v = np.log(np.maximum(ts.X_val[:, cols[j]].astype(np.float64), EPS_VOL))
    Xf, yf = ts.X_fit[:, cols], ts.y_fit["vol"] - anchor_f
    ok = finite_rows(Xf, yf)
    Xv, yv, bv = ts.X_val[:, cols], ts.y_val["vol"], ts.y_val["vol_base"]
    okv = finite_rows(Xv, yv, bv)
    need_rows("volatility_forecast", int(ok.sum()), int(okv.sum()))
    params = {"objective": "reg:squarederror", "max_depth": 5, "eta": 0.1, "subsample": 0.8,
              "min_child_weight": 20, "lambda": 5.0}
    rounds = cfg.n(150)
    booster = xgb_fit(Xf[ok], yf[ok], params, rounds, cfg.threads, cfg.seed)
    pred = xgb_predict(booster, Xv[okv])[:, 0] + anchor_v[okv]
    rmse = float(np.sqrt(np.mean((pred - yv[okv]) ** 2)))
    base = float(np.sqrt(np.mean((bv[okv] - yv[okv]) ** 2)))
    return SlotResult(
        "volatility_forecast", "xgboost-ubj", export_xgboost(booster), names, spec.outputs, spec.metric,
        rmse, base, False, int(ok.sum()), int(okv.sum()),
        postprocess={"kind": "exp_anchor", "params": {"column": j, "floor": EPS_VOL}},
        params={**params, "rounds": rounds,
                "target": f"log(std of the next {cfg.horizon} log returns / rv_60); output = exp(raw) * rv_60"},
        extra={"mae_log_vol": float(np.mean(np.abs(pred - yv[okv]))),
               "baseline_mae_log_vol": float(np.mean(np.abs(bv[okv] - yv[okv])))},
        native=booster, X_check=Xv[okv][:2000], **rmse_margin((bv[okv] - yv[okv]) ** 2, (pred - yv[okv]) ** 2),
    )


def rule_mapping(rule: np.ndarray, label: np.ndarray, k: int) -> np.ndarray:
    """For each of the 6 rule regimes, the label it most often coincides with (fitted on training rows)."""
    overall = int(np.bincount(label.astype(int), minlength=k).argmax())
    mapping = np.full(6, overall, dtype=np.int64)
    for r in range(6):
        sel = rule == r
        if sel.any():
            mapping[r] = int(np.bincount(label[sel].astype(int), minlength=k).argmax())
    return mapping


def train_regime(ts: TrainingSet, cfg: TrainConfig) -> SlotResult:
    """XGBoost multi-class over the true (synthetic) regimes; baseline: the MQScore rules, majority-mapped."""
    spec = SLOTS["regime_classifier"]
    names, cols = columns(ts, spec.feature_set)
    k = ts.n_regimes
    Xf, yf, rf = ts.X_fit[:, cols], ts.y_fit["regime"], ts.y_fit["regime_rule"]
    ok = finite_rows(Xf, yf, rf)
    Xv, yv, rv = ts.X_val[:, cols], ts.y_val["regime"], ts.y_val["regime_rule"]
    okv = finite_rows(Xv, yv, rv)
    need_rows("regime_classifier", int(ok.sum()), int(okv.sum()))
    params = {"objective": "multi:softprob", "num_class": k, "max_depth": 3, "eta": 0.15,
              "subsample": 0.8, "min_child_weight": 20}
    rounds = cfg.n(80)
    booster = xgb_fit(Xf[ok], yf[ok], params, rounds, cfg.threads, cfg.seed)
    proba = xgb_predict(booster, Xv[okv])
    model_ba = balanced_accuracy(yv[okv], proba.argmax(axis=1))
    if ts.regime_source == "synthetic":
        mapping = rule_mapping(rf[ok].astype(int), yf[ok], k)
        base_pred = mapping[rv[okv].astype(int)]
        base_ba = balanced_accuracy(yv[okv], base_pred)
        baseline = "MQScore rule regimes mapped to the true regimes by majority on the fit rows"
        outputs = SYNTH_REGIMES
    else:
        mapping = np.arange(6)
        majority = np.bincount(yf[ok].astype(int), minlength=k).argmax()
        base_pred = np.full(int(okv.sum()), majority)
        base_ba = balanced_accuracy(yv[okv], base_pred)
        baseline = "majority class (the labels are the rules themselves on real data)"
        outputs = RULE_REGIMES
    return SlotResult(
        "regime_classifier", "xgboost-ubj", export_xgboost(booster), names, outputs, spec.metric,
        model_ba, base_ba, True, int(ok.sum()), int(okv.sum()),
        params={**params, "rounds": rounds, "labels": ts.regime_source},
        extra={"baseline_detail": baseline, "rule_to_label": mapping.tolist(),
               "accuracy": float(np.mean(proba.argmax(axis=1) == yv[okv]))},
        native=booster, X_check=Xv[okv][:2000], **balanced_margin(yv[okv], proba.argmax(axis=1), base_pred),
    )
