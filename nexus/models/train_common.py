"""Shared pieces of slot training: the fit result, XGBoost fitting, metrics, feature-set columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from nexus.errors import ModelError
from nexus.models.feature_kernels import BAR_FEATURES, SIG_FEATURES
from nexus.models.features import MQ_FEATURES
from nexus.models.slots import SLOTS
from nexus.models.train_data import TrainingSet

_CALENDAR = ("tod_sin", "tod_cos", "dow_sin", "dow_cos")
FEATURE_SET_NAMES = {
    "bar": BAR_FEATURES,
    "bar_mq": BAR_FEATURES + MQ_FEATURES,
    "bar_mq_sig": BAR_FEATURES + MQ_FEATURES + SIG_FEATURES,
    # regimes last hours to days; a training window of a few weeks makes day-of-week a spurious cue
    "bar_mq_nocal": tuple(n for n in BAR_FEATURES if n not in _CALENDAR) + MQ_FEATURES,
}


@dataclass
class SlotResult:
    """A fitted, exported slot model and its honest out-of-sample record."""

    slot: str
    fmt: str  # "onnx" | "xgboost-ubj"
    blob: bytes
    feature_names: tuple[str, ...]
    outputs: tuple[str, ...]
    metric: str
    model_score: float
    baseline_score: float
    higher_is_better: bool
    n_fit: int
    n_val: int
    raw_output: str = ""
    postprocess: dict = field(default_factory=lambda: {"kind": "identity"})
    params: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    native: Any = None  # the fitted object, for the parity check right after export
    X_check: np.ndarray | None = None
    # the validation margin (positive: the model beats its baseline) as a statistic of resampled row indices
    margin: Callable[[np.ndarray], np.ndarray] | None = None
    margin_n: int = 0
    margin_rows: np.ndarray | None = None  # per-row series whose autocorrelation sets the bootstrap block length

    @property
    def usable(self) -> bool:
        if not (np.isfinite(self.model_score) and np.isfinite(self.baseline_score)):
            return False
        return self.model_score > self.baseline_score if self.higher_is_better else self.model_score < self.baseline_score


def columns(ts: TrainingSet, feature_set: str) -> tuple[tuple[str, ...], list[int]]:
    names = FEATURE_SET_NAMES[feature_set]
    return names, ts.cols(names)


def finite_rows(*arrays: np.ndarray) -> np.ndarray:
    ok = np.ones(arrays[0].shape[0], dtype=bool)
    for a in arrays:
        a = np.asarray(a)
        ok &= np.isfinite(a).all(axis=1) if a.ndim == 2 else np.isfinite(a)
    return ok


def xgb_fit(X: np.ndarray, y: np.ndarray, params: dict, rounds: int, threads: int, seed: int) -> Any:
    import xgboost as xgb

    full = {"tree_method": "hist", "nthread": threads, "seed": seed, "max_bin": 128, **params}
    dtrain = xgb.QuantileDMatrix(X, label=y, max_bin=128)
    return xgb.train(full, dtrain, num_boost_round=rounds)


def xgb_predict(booster: Any, X: np.ndarray) -> np.ndarray:
    out = booster.inplace_predict(np.ascontiguousarray(X, dtype=np.float32), validate_features=False)
    return np.asarray(out, dtype=np.float64).reshape(X.shape[0], -1)


def need_rows(slot: str, n_fit: int, n_val: int, minimum: int = 50) -> None:
    if n_fit < minimum or n_val < 10:
        raise ModelError(f"slot {slot!r}: only {n_fit} fit / {n_val} validation rows with a defined label; "
                         "train on more bars (a longer store or --max-rows)")


def slot_rows(ts: TrainingSet, slot: str, label: str) -> tuple:
    """A slot's feature columns and one label on the fit and validation rows, with the rows where both are
    finite (enough of them, or ModelError): ``(names, X_fit, y_fit, ok_fit, X_val, y_val, ok_val)``."""
    names, cols = columns(ts, SLOTS[slot].feature_set)
    Xf, yf = ts.X_fit[:, cols], ts.y_fit[label]
    ok = finite_rows(Xf, yf)
    Xv, yv = ts.X_val[:, cols], ts.y_val[label]
    okv = finite_rows(Xv, yv)
    need_rows(slot, int(ok.sum()), int(okv.sum()))
    return names, Xf, yf, ok, Xv, yv, okv


def log_loss(y: np.ndarray, p: np.ndarray, k: int) -> float:
    from sklearn.metrics import log_loss as _ll

    p = np.clip(np.asarray(p, dtype=np.float64), 1e-7, 1.0)
    return float(_ll(y.astype(int), p / p.sum(axis=1, keepdims=True), labels=list(range(k))))


def prior_probs(y: np.ndarray, k: int) -> np.ndarray:
    counts = np.bincount(y.astype(int), minlength=k).astype(np.float64) + 1.0  # Laplace: no zero probability
    return counts / counts.sum()


def balanced_accuracy(y: np.ndarray, pred: np.ndarray) -> float:
    import warnings

    from sklearn.metrics import balanced_accuracy_score

    with warnings.catch_warnings():
        # a class predicted but absent from a validation fold is expected, and the score stays defined
        warnings.simplefilter("ignore", UserWarning)
        return float(balanced_accuracy_score(y.astype(int), pred.astype(int)))


# Margins: each returns SlotResult fields; resample indices idx [b, n] index the time-ordered validation rows.
def mean_margin(base_loss: np.ndarray, model_loss: np.ndarray) -> dict:
    """Mean per-row loss difference baseline - model (MSE, Brier, log loss)."""
    d = np.asarray(base_loss, dtype=np.float64) - np.asarray(model_loss, dtype=np.float64)
    return {"margin": lambda idx: d[idx].mean(axis=1), "margin_n": int(d.size), "margin_rows": d}


def rmse_margin(base_sq: np.ndarray, model_sq: np.ndarray) -> dict:
    """RMSE(baseline) - RMSE(model) from per-row squared errors."""
    eb, em = np.asarray(base_sq, dtype=np.float64), np.asarray(model_sq, dtype=np.float64)
    return {"margin": lambda idx: np.sqrt(eb[idx].mean(axis=1)) - np.sqrt(em[idx].mean(axis=1)),
            "margin_n": int(eb.size), "margin_rows": eb - em}


def row_log_loss(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Per-row log loss as sklearn computes it (probabilities clipped and renormalised)."""
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-7, 1.0)
    p = p / p.sum(axis=1, keepdims=True)
    return -np.log(np.clip(p[np.arange(p.shape[0]), y.astype(int)], 1e-15, 1.0))


def _balanced(y: np.ndarray, correct: np.ndarray) -> np.ndarray:
    """Balanced accuracy of each row of resampled labels / correctness [b, n] (classes absent from a row skipped)."""
    acc = []
    for c in np.unique(y):
        m = y == c
        cnt = m.sum(axis=1)
        acc.append(np.where(cnt > 0, (correct & m).sum(axis=1) / np.maximum(cnt, 1), np.nan))
    return np.nanmean(np.vstack(acc), axis=0)


def balanced_margin(y: np.ndarray, pred_model: np.ndarray, pred_base: np.ndarray) -> dict:
    """Balanced accuracy of the model minus the baseline's."""
    y = np.asarray(y).astype(int)
    cm, cb = pred_model.astype(int) == y, pred_base.astype(int) == y
    return {"margin": lambda idx: _balanced(y[idx], cm[idx]) - _balanced(y[idx], cb[idx]),
            "margin_n": int(y.size), "margin_rows": cm.astype(np.float64) - cb.astype(np.float64)}


def _auc_rows(y: np.ndarray, s: np.ndarray) -> np.ndarray:
    """ROC AUC of each row (Mann-Whitney with mid-ranks for ties)."""
    from scipy.stats import rankdata

    r = rankdata(s, axis=1)
    pos = y.sum(axis=1)
    neg = y.shape[1] - pos
    with np.errstate(invalid="ignore", divide="ignore"):
        return ((r * y).sum(axis=1) - pos * (pos + 1) / 2.0) / (pos * neg)


AUC_ROWS = 6000


def auc_margin(y: np.ndarray, score_model: np.ndarray, score_base: np.ndarray) -> dict:
    """ROC AUC of the model's anomaly scores minus the baseline's on the injected faults."""
    y = np.asarray(y, dtype=bool)
    sm, sb = np.asarray(score_model, dtype=np.float64), np.asarray(score_base, dtype=np.float64)
    if y.size > AUC_ROWS:  # every fault, and clean rows thinned evenly in time: the bootstrap stays cheap
        keep = y | (np.arange(y.size) % int(np.ceil(y.size / AUC_ROWS)) == 0)
        y, sm, sb = y[keep], sm[keep], sb[keep]
    return {"margin": lambda idx: _auc_rows(y[idx], sm[idx]) - _auc_rows(y[idx], sb[idx]),
            "margin_n": int(y.size), "margin_rows": sm - sb}
