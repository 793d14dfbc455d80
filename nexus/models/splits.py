"""Purged walk-forward and purged k-fold splitters, scikit-learn shaped.

A label at row t looks ``purge`` rows ahead (its horizon), so a training row
closer than ``purge`` rows to the start of a test fold would carry test
information: it is dropped (the purge). Serially correlated features leak a
little further, so ``embargo`` more rows are dropped after each test fold
when training rows may follow it (k-fold), and before it in walk-forward,
where training always precedes testing.

>>> import numpy as np
>>> wf = PurgedWalkForward(n_splits=3, test_size=10, purge=2, embargo=1)
>>> [(int(tr.max()), int(te.min()), int(te.max())) for tr, te in wf.split(np.zeros((60, 1)))]
[(26, 30, 39), (36, 40, 49), (46, 50, 59)]
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from nexus.errors import ConfigError


def _n_rows(X: Any) -> int:
    try:
        return int(X.shape[0])
    except AttributeError:
        return len(X)


class PurgedWalkForward:
    """Walk-forward splits: each test fold follows its training rows in time.

    ``n_splits`` test folds of ``test_size`` rows end at the last row (default
    size: the rows after ``min_train`` split evenly). Anchored (``train_size``
    None): training starts at row 0 and grows; rolling: the last
    ``train_size`` rows before the gap. The gap between the last training row
    and the first test row is ``purge + embargo`` rows.
    """

    def __init__(self, n_splits: int = 5, *, test_size: int | None = None, train_size: int | None = None,
                 min_train: int = 1, purge: int = 0, embargo: int = 0) -> None:
        self.n_splits = n_splits
        self.test_size = test_size
        self.train_size = train_size
        self.min_train = min_train
        self.purge = purge
        self.embargo = embargo

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return self.n_splits

    def _check(self, n: int) -> int:
        if self.n_splits < 1:
            raise ConfigError(f"PurgedWalkForward: n_splits must be >= 1, got {self.n_splits}")
        if self.purge < 0 or self.embargo < 0:
            raise ConfigError("PurgedWalkForward: purge and embargo must be >= 0 rows")
        gap = self.purge + self.embargo
        test = self.test_size or (n - self.min_train - gap) // self.n_splits
        if test < 1 or n - self.n_splits * test - gap < max(1, self.min_train):
            raise ConfigError(
                f"PurgedWalkForward: {n} rows cannot hold {self.n_splits} test folds of {test} rows after "
                f"{self.min_train} training rows and a gap of {gap}; use fewer splits or a smaller test_size"
            )
        return test

    def split(self, X: Any, y: Any = None, groups: Any = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        n = _n_rows(X)
        test = self._check(n)
        gap = self.purge + self.embargo
        for k in range(self.n_splits):
            t0 = n - (self.n_splits - k) * test
            train_end = t0 - gap
            train_start = 0 if self.train_size is None else max(0, train_end - self.train_size)
            yield np.arange(train_start, train_end), np.arange(t0, t0 + test)


class PurgedKFold:
    """K contiguous folds; training rows on both sides of the test fold, purged before it and embargoed after it."""

    def __init__(self, n_splits: int = 5, *, purge: int = 0, embargo: int = 0) -> None:
        self.n_splits = n_splits
        self.purge = purge
        self.embargo = embargo

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return self.n_splits

    def split(self, X: Any, y: Any = None, groups: Any = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        n = _n_rows(X)
        if self.n_splits < 2 or n < self.n_splits:
            raise ConfigError(f"PurgedKFold: need 2 <= n_splits <= rows ({n}), got {self.n_splits}")
        if self.purge < 0 or self.embargo < 0:
            raise ConfigError("PurgedKFold: purge and embargo must be >= 0 rows")
        bounds = np.linspace(0, n, self.n_splits + 1).astype(np.int64)
        idx = np.arange(n)
        for k in range(self.n_splits):
            a, b = int(bounds[k]), int(bounds[k + 1])
            # rows a-purge..a-1 have labels reaching into the fold; rows b..b+embargo-1 follow it too closely
            keep = (idx < a - self.purge) | (idx >= b + self.embargo)
            yield idx[keep], idx[a:b]


def train_cutoff(n: int, fraction: float = 0.6) -> int:
    """Rows ``0..cut-1`` form the default training window (the first ``fraction`` of a series)."""
    if not 0.0 < fraction < 1.0:
        raise ConfigError(f"training fraction must be in (0, 1), got {fraction}")
    return int(n * fraction)


__all__ = ["PurgedWalkForward", "PurgedKFold", "train_cutoff"]
