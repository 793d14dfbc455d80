"""Purged walk-forward and k-fold splits: no overlap, purge and embargo, scikit-learn shape."""

from __future__ import annotations

import numpy as np
import pytest

from nexus.errors import ConfigError
from nexus.models.splits import PurgedKFold, PurgedWalkForward, train_cutoff


def test_walk_forward_hand_checked_anchored():
    X = np.zeros((100, 2))
    folds = list(PurgedWalkForward(n_splits=3, test_size=20, purge=5, embargo=2).split(X))
    assert [(tr[0], tr[-1], te[0], te[-1]) for tr, te in folds] == [(0, 32, 40, 59), (0, 52, 60, 79), (0, 72, 80, 99)]


def test_walk_forward_hand_checked_rolling():
    X = np.zeros((100, 2))
    folds = list(PurgedWalkForward(n_splits=3, test_size=20, train_size=25, purge=5, embargo=2).split(X))
    assert [(tr[0], tr[-1], len(tr)) for tr, _ in folds] == [(8, 32, 25), (28, 52, 25), (48, 72, 25)]


@pytest.mark.parametrize("train_size", [None, 150])
@pytest.mark.parametrize("purge,embargo", [(0, 0), (10, 0), (10, 5)])
def test_walk_forward_never_overlaps_and_purges(train_size, purge, embargo):
    n, h = 1000, purge
    wf = PurgedWalkForward(n_splits=5, train_size=train_size, purge=purge, embargo=embargo, min_train=100)
    assert wf.get_n_splits() == 5
    last_test = -1
    for tr, te in wf.split(np.zeros((n, 3))):
        assert np.intersect1d(tr, te).size == 0
        assert tr.max() < te.min()  # training strictly precedes testing
        # every training label window [i, i + h] ends before the test fold (purge) with `embargo` to spare
        assert (tr + h + embargo < te.min()).all()
        assert te.min() - tr.max() - 1 == purge + embargo
        assert np.array_equal(te, np.arange(te[0], te[-1] + 1))
        assert te[0] > last_test
        last_test = te[-1]
        if train_size:
            assert len(tr) == min(train_size, tr[-1] + 1)  # the first windows may be shorter
        else:
            assert tr[0] == 0
    assert last_test == n - 1


def test_purged_kfold_purges_before_and_embargoes_after():
    n, purge, embargo = 200, 7, 4
    seen = []
    for tr, te in PurgedKFold(n_splits=4, purge=purge, embargo=embargo).split(np.zeros((n, 1))):
        a, b = te[0], te[-1] + 1
        assert np.intersect1d(tr, te).size == 0
        before, after = tr[tr < a], tr[tr >= b]
        assert (before + purge < a).all()  # no training label reaches into the test fold
        assert (after >= b + embargo).all()
        # exactly the purged and embargoed rows are missing
        assert len(tr) + len(te) == n - min(purge, a) - min(embargo, n - b)
        seen.append(te)
    np.testing.assert_array_equal(np.concatenate(seen), np.arange(n))


def test_sklearn_accepts_the_splitter():
    from sklearn.linear_model import LinearRegression
    from sklearn.model_selection import cross_val_score

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + rng.normal(0, 0.01, 300)
    scores = cross_val_score(LinearRegression(), X, y, cv=PurgedWalkForward(n_splits=3, purge=5, min_train=50))
    assert scores.shape == (3,) and (scores > 0.99).all()


def test_bad_configuration_is_a_clear_error():
    with pytest.raises(ConfigError, match="cannot hold 5 test folds"):
        list(PurgedWalkForward(n_splits=5, test_size=30).split(np.zeros((100, 1))))
    with pytest.raises(ConfigError, match="purge and embargo"):
        list(PurgedWalkForward(n_splits=2, purge=-1).split(np.zeros((100, 1))))
    with pytest.raises(ConfigError):
        train_cutoff(100, 1.5)
    assert train_cutoff(1000) == 600
