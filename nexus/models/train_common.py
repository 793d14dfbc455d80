"""Shared pieces of slot training: the fit result, XGBoost fitting, metrics, feature-set columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
