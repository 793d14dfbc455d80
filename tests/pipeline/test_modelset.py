"""Models are applied only after their training window; rows they cannot score fall back to the rule."""

from __future__ import annotations

import numpy as np

from nexus.pipeline.modelset import ModelSet
from tests.conftest import make_bars


class FakeModel:
    """The LoadedModel interface: a model that returns the sum of its features (an independent reference)."""

    def __init__(self, names, end_ns, series=None):
        self.feature_names = tuple(names)
        self.outputs = ("y",)
        self.entry = {"train_windows": {series: {"end_ns": end_ns}} if series else {}}
        self.train_window = (0, end_ns + 10 ** 12)  # overall window ends later than the series' own
        self.calls = []

    def predict(self, X):
        self.calls.append(len(X))
        return X.astype(np.float64).sum(axis=1, keepdims=True).astype(np.float32)


def test_bound_model_scores_only_rows_after_the_series_training_window():
    from nexus.models.features import build_features
    from nexus.mqscore import mqscore
    from nexus.strategies import signals

    bars = make_bars(1500, seed=3, symbol="BTCUSDT")
    mq, sig = mqscore(bars), signals(bars)
    fm = build_features(bars, mq, sig)
    names = fm.names[:3]
    end = int(bars.ts[1200])
    ms = ModelSet(None, use_models=False)
    model = FakeModel(names, end, series="BTCUSDT/1m")
    ms.models["router"] = model
    bound = ms.bind(bars, mq, sig)
    rows = np.array([5, 1100, 1200, 1201, 1499])
    out = bound.predict("router", rows)
    assert np.isnan(out[:3, 0]).all()  # inside / before the training window (ts <= end)
    ref = fm.values[np.ix_([1201, 1499], [fm.names.index(n) for n in names])].astype(np.float64).sum(axis=1)
    np.testing.assert_allclose(out[3:, 0], ref, rtol=1e-6)
    assert model.calls == [2] and bound.rows_scored["router"] == 2
    assert bound.predict("governor", rows) is None  # no model: the layer runs its rule


def test_registry_status_without_models(tmp_path):
    ms = ModelSet(tmp_path / "none", use_models=True)
    assert ms.models == {} and all("rule fallback" in v for v in ms.status.values())
    assert set(ms.status) >= {"router", "data_quality", "meta_selector"}


def test_features_from_a_late_row_equal_the_full_build():
    from nexus.models.feature_kernels import ANCHOR
    from nexus.models.features import build_features
    from nexus.mqscore import mqscore
    from nexus.pipeline.modelset import features_from
    from nexus.strategies import signals

    bars = make_bars(3 * ANCHOR + 500, seed=5, symbol="ETHUSDT")
    mq, sig = mqscore(bars), signals(bars)
    full = build_features(bars, mq, sig)
    first = 2 * ANCHOR + 123
    part = features_from(bars, mq, sig, first)
    assert part.names == full.names
    lo = 2 * ANCHOR
    np.testing.assert_array_equal(part.values[lo:], full.values[lo:])  # bit for bit
    sig_cols = [i for i, name in enumerate(full.names) if name.startswith("sig_")] or list(range(len(full.names) - 8, len(full.names)))
    other = [i for i in range(len(full.names)) if i not in sig_cols]
    np.testing.assert_array_equal(part.values[:, other], full.values[:, other])
    assert np.isnan(part.values[:lo, sig_cols]).all()
