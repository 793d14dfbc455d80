"""What a paper step need not compute twice: tree-model scores of rows already scored, and store reads.

A step re-runs the layers over every bar from the session's anchor, and the
features of a bar never change once it has closed (the pipeline is causal).
An XGBoost model scores each row on its own (a walk down each tree, summed
in a fixed order), so a row's score does not depend on the other rows of
the batch: :class:`RowMemo` keeps each scored row's output under the row's
bytes and scores only rows it has not seen. Neural models (ONNX) run batched
matrix products whose blocking may depend on the batch size, so they are
left as they are. :class:`MemoStore` caches whole-series reads (the futures
contracts a book's clock prices in), which do not change during a session.

>>> import numpy as np
>>> calls = []
>>> memo = RowMemo(lambda X: (calls.append(len(X)), X.sum(axis=1, keepdims=True))[1])
>>> X = np.arange(6, dtype=np.float32).reshape(3, 2)
>>> memo(X).ravel().tolist(), memo(X[:2]).ravel().tolist(), calls
([1.0, 5.0, 9.0], [1.0, 5.0], [3])
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np


class RowMemo:
    """Wrap a row-wise scorer ``fn(X) -> [m, k]``: each distinct row is scored once."""

    def __init__(self, fn: Callable[[np.ndarray], np.ndarray], max_rows: int = 300_000) -> None:
        self.fn = fn
        self.max_rows = max_rows
        self.cache: dict[bytes, np.ndarray] = {}

    def __call__(self, X: np.ndarray) -> np.ndarray:
        X = np.ascontiguousarray(X)
        keys = [X[i].tobytes() for i in range(X.shape[0])]
        todo = [i for i, key in enumerate(keys) if key not in self.cache]
        if todo:
            new = np.asarray(self.fn(X[todo] if len(todo) < len(keys) else X))
            if len(self.cache) + len(todo) > self.max_rows:
                self.cache.clear()
            for i, row in zip(todo, new):
                self.cache[keys[i]] = row
        return np.stack([self.cache[key] for key in keys]) if keys else np.asarray(self.fn(X))


def memoize_models(models: Any) -> Any:
    """Give every loaded XGBoost model of a ModelSet (plain slots and walk-forward folds) a :class:`RowMemo`."""
    from nexus.models.inference import XGBoostRunner

    loaded = list(getattr(models, "models", {}).values())
    for fold_list in getattr(models, "folds", {}).values():
        loaded += [m for _, m in fold_list if m is not None]
    for m in loaded:
        runner = getattr(m, "runner", None)
        if isinstance(runner, XGBoostRunner):
            m.runner = RowMemo(runner)
    return models


class MemoStore:
    """A bar store whose whole-series reads, roll tables and listings are read once per session."""

    CACHED = ("read_aux", "aux_names", "symbols", "timeframes", "has", "dataset_meta", "last_ts")

    def __init__(self, store: Any) -> None:
        self._store = store
        self._memo: dict[tuple, Any] = {}

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if name not in self.CACHED and name != "read":
            return attr

        def cached(*args: Any, **kwargs: Any) -> Any:
            if name == "read" and (kwargs or len(args) > 2):
                return attr(*args, **kwargs)  # a range read: as asked
            key = (name, args, tuple(sorted(kwargs.items())))
            if key not in self._memo:
                self._memo[key] = attr(*args, **kwargs)
            return self._memo[key]

        return cached
