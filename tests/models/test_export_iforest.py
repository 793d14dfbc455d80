"""The compact IsolationForest export equals scikit-learn's decision_function."""

import numpy as np
import onnxruntime as ort
import pytest
from sklearn.ensemble import IsolationForest

from nexus.models.export_iforest import average_path_length, export_isolation_forest


def test_average_path_length_closed_form():
    # c(n) = 2 H(n-1) - 2 (n-1) / n with H(i) ~ ln(i) + gamma; c(2) = 1, c(1) = c(0) = 0
    n = np.array([0, 1, 2, 3, 256])
    h = lambda i: np.log(i) + 0.5772156649015329  # noqa: E731
    want = [0.0, 0.0, 1.0, 2 * h(2) - 2 * 2 / 3, 2 * h(255) - 2 * 255 / 256]
    np.testing.assert_allclose(average_path_length(n), want, rtol=1e-12)


@pytest.mark.parametrize("max_features", [1.0, 0.6])
def test_onnx_scores_equal_sklearn(max_features):
    rng = np.random.default_rng(3)
    X = rng.standard_t(3, size=(3000, 12)).astype(np.float32)
    model = IsolationForest(n_estimators=40, max_samples=128, max_features=max_features, random_state=1).fit(X)
    blob, output = export_isolation_forest(model, 12)
    sess = ort.InferenceSession(blob, providers=["CPUExecutionProvider"])
    Y = np.vstack([X[:500], rng.standard_t(3, size=(1500, 12)).astype(np.float32) * 3])
    got = sess.run([output], {"X": Y})[0][:, 0]
    np.testing.assert_allclose(got, model.decision_function(Y), atol=1e-5)
    # the graph is one tree ensemble, not one branch per tree
    import onnx

    ops = [n.op_type for n in onnx.load_from_string(blob).graph.node]
    assert ops.count("TreeEnsembleRegressor") == 1 and len(ops) == 5
