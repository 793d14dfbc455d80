"""Serialise fitted models without pickle: scikit-learn to ONNX, XGBoost to UBJSON (or ONNX).

>>> import numpy as np
>>> from sklearn.linear_model import LinearRegression
>>> X = np.arange(10, dtype=np.float32).reshape(5, 2)
>>> blob, output = export_sklearn(LinearRegression().fit(X, X[:, 0]), n_features=2)
>>> blob[:2], output                                   # doctest: +SKIP
(b'\\x08\\t', 'variable')
"""

from __future__ import annotations

from typing import Any

from nexus.errors import ModelError

ONNX_OPSET = {"": 17, "ai.onnx.ml": 3}


def export_sklearn(model: Any, n_features: int) -> tuple[bytes, str]:
    """ONNX bytes of a fitted scikit-learn estimator and the name of the output the runner reads.

    Classifiers export plain probability tensors (no ZipMap); IsolationForest
    exports ``scores`` (decision_function); regressors ``variable``.
    """
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType

    kind = type(model).__name__
    if kind == "IsolationForest":
        # skl2onnx's graph runs ~12x slower than one summed tree ensemble (see export_iforest)
        from nexus.models.export_iforest import export_isolation_forest

        return export_isolation_forest(model, n_features)
    options = {}
    if hasattr(model, "predict_proba"):
        options = {id(model): {"zipmap": False}}
        output = "probabilities"
    else:
        output = "variable"
    try:
        onx = to_onnx(model, initial_types=[("X", FloatTensorType([None, int(n_features)]))],
                      options=options or None, target_opset=ONNX_OPSET)
    except Exception as exc:  # skl2onnx raises many types; the user needs one message
        raise ModelError(f"cannot export {kind} to ONNX ({exc}); use an estimator skl2onnx supports") from exc
    names = [o.name for o in onx.graph.output]
    if output not in names:
        raise ModelError(f"ONNX export of {kind} has outputs {names}, expected {output!r}")
    return onx.SerializeToString(), output


def export_xgboost(model: Any) -> bytes:
    """XGBoost's own UBJSON bytes of a fitted XGBModel or Booster."""
    booster = model.get_booster() if hasattr(model, "get_booster") else model
    return bytes(booster.save_raw("ubj"))


def xgboost_to_onnx(model: Any, n_features: int) -> tuple[bytes, str]:
    """ONNX bytes of a fitted XGBRegressor / XGBClassifier (onnxmltools) and its output name."""
    from onnxmltools.convert import convert_xgboost
    from onnxmltools.convert.common.data_types import FloatTensorType

    try:
        onx = convert_xgboost(model, initial_types=[("X", FloatTensorType([None, int(n_features)]))],
                              target_opset=15)  # the highest opset onnxmltools converts XGBoost to
    except Exception as exc:
        raise ModelError(f"onnxmltools cannot convert {type(model).__name__} ({exc}); keep the UBJSON export") from exc
    names = [o.name for o in onx.graph.output]
    output = "probabilities" if "probabilities" in names else names[-1]
    return onx.SerializeToString(), output


__all__ = ["export_sklearn", "export_xgboost", "xgboost_to_onnx", "ONNX_OPSET"]
