"""Export, registry and batched inference: ONNX parity, hashes, widths, training windows."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from nexus.errors import ModelError
from nexus.models.export import export_sklearn, export_xgboost, xgboost_to_onnx
from nexus.models.inference import OnnxRunner, XGBoostRunner, run_batched
from nexus.models.registry import Registry

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3000, 6)).astype(np.float32)
Y = (X[:, 0] - 0.5 * X[:, 1] ** 2 + 0.1 * RNG.normal(size=3000)).astype(np.float32)
Y3 = np.digitize(Y, [-0.5, 0.5]).astype(np.int64)


def _onnx(model, n=6):
    blob, out = export_sklearn(model, n)
    return OnnxRunner(blob, out)


def test_sklearn_onnx_parity():
    from sklearn.ensemble import IsolationForest, RandomForestRegressor
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    iso = IsolationForest(n_estimators=20, random_state=0).fit(X)
    np.testing.assert_allclose(_onnx(iso)(X)[:, 0], iso.decision_function(X), atol=1e-5)
    rf = RandomForestRegressor(n_estimators=10, max_depth=6, random_state=0).fit(X, Y)
    np.testing.assert_allclose(_onnx(rf)(X)[:, 0], rf.predict(X), atol=1e-5)
    lr = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, Y3)
    np.testing.assert_allclose(_onnx(lr)(X), lr.predict_proba(X), atol=1e-5)


def test_xgboost_onnx_and_ubjson_parity():
    import xgboost as xgb

    reg = xgb.XGBRegressor(n_estimators=30, max_depth=4, nthread=1).fit(X, Y)
    blob, out = xgboost_to_onnx(reg, 6)
    np.testing.assert_allclose(OnnxRunner(blob, out)(X)[:, 0], reg.predict(X), atol=1e-5)
    np.testing.assert_array_equal(XGBoostRunner(export_xgboost(reg))(X)[:, 0], reg.predict(X))
    clf = xgb.XGBClassifier(n_estimators=20, max_depth=3, nthread=1).fit(X, Y3)
    blob, out = xgboost_to_onnx(clf, 6)
    np.testing.assert_allclose(OnnxRunner(blob, out)(X), clf.predict_proba(X), atol=1e-5)
    np.testing.assert_allclose(XGBoostRunner(export_xgboost(clf))(X), clf.predict_proba(X), atol=1e-7)


def test_batched_prediction_is_chunk_invariant_and_nan_rows_give_nan():
    import xgboost as xgb

    reg = xgb.XGBRegressor(n_estimators=10, max_depth=3, nthread=1).fit(X, Y)
    run = XGBoostRunner(export_xgboost(reg))
    whole = run_batched(run, X, chunk=1 << 20)
    np.testing.assert_array_equal(run_batched(run, X, chunk=7), whole)
    Xn = X.copy()
    Xn[[3, 10], 2] = np.nan
    got = run_batched(run, Xn, chunk=5)
    assert np.isnan(got[[3, 10]]).all()
    keep = np.setdiff1d(np.arange(len(X)), [3, 10])
    np.testing.assert_array_equal(got[keep], whole[keep])


def _save_vol_model(root):
    import xgboost as xgb

    reg = xgb.XGBRegressor(n_estimators=10, max_depth=3, nthread=1).fit(X, Y)
    r = Registry(root)
    entry = {
        "feature_names": [f"f{i}" for i in range(6)], "n_features": 6, "outputs": ["vol_forecast"],
        "postprocess": {"kind": "exp"}, "usable": True,
        "train_window": {"start_ns": 0, "end_ns": 1_000},
        "train_windows": {"BTCUSDT/1m": {"start_ns": 0, "end_ns": 500}},
    }
    r.save("volatility_forecast", export_xgboost(reg), "xgboost-ubj", entry)
    return r, reg


def test_registry_round_trip_and_manifest(tmp_path):
    r, reg = _save_vol_model(tmp_path)
    m = r.load("volatility_forecast")
    assert r.has("volatility_forecast") and not r.has("router")
    assert m.feature_names == tuple(f"f{i}" for i in range(6)) and m.n_features == 6 and m.usable
    np.testing.assert_allclose(m.predict(X)[:, 0], np.exp(reg.predict(X)), rtol=1e-6)
    man = json.loads((tmp_path / "manifest.json").read_text())
    e = man["models"]["volatility_forecast"]
    assert e["format"] == "xgboost-ubj" and len(e["sha256"]) == 64 and e["file"] == "volatility_forecast.ubj"
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_tampered_model_is_refused(tmp_path):
    r, _ = _save_vol_model(tmp_path)
    path = tmp_path / "volatility_forecast.ubj"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match=r"volatility_forecast\.ubj does not match its sha256.*nexus train"):
        r.load("volatility_forecast")


def test_wrong_width_is_refused(tmp_path):
    r, _ = _save_vol_model(tmp_path)
    m = r.load("volatility_forecast")
    with pytest.raises(ModelError, match="expects 6 features per row.*got 5"):
        m.predict(X[:, :5])
    with pytest.raises(ModelError, match="expects 6 features"):
        m.predict(X[0])


def test_training_window_is_enforced(tmp_path):
    r, _ = _save_vol_model(tmp_path)
    m = r.load("volatility_forecast")
    m.check_applicable(np.array([1_001, 2_000]))
    with pytest.raises(ModelError, match="2 of 3 bars .*first at row 0.*force=True"):
        m.check_applicable(np.array([10, 1_000, 1_001]))
    m.check_applicable(np.array([600, 700]), series="BTCUSDT/1m")  # its own window ends at 500
    with pytest.raises(ModelError):
        m.check_applicable(np.array([600]), series="ETHUSDT/1m")  # unknown series: the overall window
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        m.check_applicable(np.array([10]), force=True)
    assert any("forced" in str(x.message) for x in w)


def test_missing_and_unknown_slots(tmp_path):
    r = Registry(tmp_path)
    with pytest.raises(ModelError, match="no 'router' model.*nexus train"):
        r.load("router")
    with pytest.raises(ModelError, match="unknown model slot 'rooter'.*router"):
        r.load("rooter")
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ModelError, match="manifest.json is not readable JSON"):
        r.load("router")
