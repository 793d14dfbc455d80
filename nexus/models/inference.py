"""Batched inference: whole feature matrices in large chunks, threads set explicitly.

ONNX models run in an onnxruntime session (``intra_op_num_threads`` set,
one inter-op thread); XGBoost models run ``Booster.inplace_predict`` on
float32 rows without building a DMatrix. Rows holding a NaN (feature
warm-up) get NaN outputs instead of a guess.

>>> from nexus.models.registry import Registry           # doctest: +SKIP
>>> model = Registry("data/models").load("volatility_forecast")   # doctest: +SKIP
>>> vol = predict(model, fm.select(model.feature_names))  # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import Any, Mapping

import numpy as np

from nexus.errors import ModelError

DEFAULT_CHUNK = 1 << 18
DEFAULT_THREADS = int(os.environ.get("NEXUS_MODEL_THREADS", "1"))


class OnnxRunner:
    """An onnxruntime session over ONNX bytes, reading one named output."""

    def __init__(self, blob: bytes, output: str, threads: int = DEFAULT_THREADS) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, int(threads))
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self.session = ort.InferenceSession(blob, sess_options=opts, providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name
        self.output = output

    def __call__(self, X: np.ndarray) -> np.ndarray:
        out = self.session.run([self.output], {self.input: X})[0]
        return np.asarray(out, dtype=np.float32).reshape(X.shape[0], -1)


class XGBoostRunner:
    """An XGBoost Booster loaded from UBJSON bytes, predicting with ``inplace_predict``."""

    def __init__(self, blob: bytes, threads: int = DEFAULT_THREADS) -> None:
        import xgboost as xgb

        self.booster = xgb.Booster()
        self.booster.load_model(bytearray(blob))
        self.booster.set_param({"nthread": max(1, int(threads))})

    def __call__(self, X: np.ndarray) -> np.ndarray:
        out = self.booster.inplace_predict(X, validate_features=False)
        return np.asarray(out, dtype=np.float32).reshape(X.shape[0], -1)


def run_batched(runner: Any, X: np.ndarray, chunk: int = DEFAULT_CHUNK) -> np.ndarray:
    """Apply ``runner`` over rows in chunks; rows with a NaN get NaN outputs."""
    n = X.shape[0]
    ok = np.isfinite(X).all(axis=1)
    if ok.all():
        parts = [runner(X[a:a + chunk]) for a in range(0, n, chunk)]
        return np.concatenate(parts) if len(parts) > 1 else (parts[0] if parts else np.empty((0, 0), np.float32))
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        k = runner(np.zeros((1, X.shape[1]), dtype=np.float32)).shape[1]
        return np.full((n, k), np.nan, dtype=np.float32)
    good = run_batched(runner, np.ascontiguousarray(X[idx]), chunk)
    out = np.full((n, good.shape[1]), np.nan, dtype=np.float32)
    out[idx] = good
    return out


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-np.clip(x, -60, 60)))).astype(np.float32)


def postprocess(kind: str, params: dict, raw: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
    """Turn a model's raw output into its slot's documented outputs (see nexus.models.slots)."""
    if kind == "identity":
        return raw
    if kind == "exp":  # models fitted on log targets
        return np.exp(raw).astype(np.float32)
    if kind == "exp_anchor":  # fitted on log(target / anchor feature): trees need not extrapolate levels
        anchor = np.maximum(X[:, int(params["column"])].astype(np.float64), float(params.get("floor", 1e-7)))
        return np.exp(raw[:, 0] + np.log(anchor)).astype(np.float32)[:, None]
    if kind == "clip01":
        return np.clip(raw, 0.0, 1.0)
    if kind == "isolation":  # decision_function -> the paper's score s(x) = -score_samples in (0, 1]
        return np.clip(-(raw + np.float32(params["offset"])), 0.0, 1.0).astype(np.float32)
    if kind == "column":
        return raw[:, [int(params["column"])]]
    if kind == "sigmoid_scale":
        scale = np.asarray(params["scale"], dtype=np.float32)
        centre = np.asarray(params.get("centre", 0.0), dtype=np.float32)
        return _sigmoid((raw - centre) / scale)
    if kind == "direction3":  # probabilities [down, flat, up] -> p_long, p_short, confidence
        p = np.clip(raw, 1e-7, 1.0)
        ent = -(p * np.log(p)).sum(axis=1) / np.log(3.0)
        return np.column_stack([raw[:, 2], raw[:, 0], np.clip(1.0 - ent, 0.0, 1.0)]).astype(np.float32)
    raise ModelError(f"unknown post-processing {kind!r} in the manifest; retrain with `nexus train`")


def predict(model: Any, X: np.ndarray, *, chunk: int = DEFAULT_CHUNK) -> np.ndarray:
    """``model.predict(X)`` for a :class:`nexus.models.registry.LoadedModel` (one call, all rows)."""
    return model.predict(X, chunk=chunk)


def predict_many(model: Any, matrices: Mapping[str, Any], *, chunk: int = DEFAULT_CHUNK) -> dict[str, np.ndarray]:
    """Score the feature matrices of many symbols in one batched call; outputs split back per symbol.

    >>> out = predict_many(model, {"BTCUSDT": fm_btc, "ETHUSDT": fm_eth})   # doctest: +SKIP
    """
    keys = list(matrices)
    if not keys:
        return {}
    Xs = [matrices[k].select(model.feature_names) for k in keys]
    out = model.predict(np.concatenate(Xs) if len(Xs) > 1 else Xs[0], chunk=chunk)
    bounds = np.cumsum([0] + [x.shape[0] for x in Xs])
    return {k: out[bounds[i]:bounds[i + 1]] for i, k in enumerate(keys)}


__all__ = ["OnnxRunner", "XGBoostRunner", "run_batched", "postprocess", "predict", "predict_many", "DEFAULT_CHUNK"]
