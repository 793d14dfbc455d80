"""What every layer takes and returns: compressed views in, a keep mask out.

A layer sees only the bars that every earlier layer passed: ``ctx.get(name)``
returns a column *compressed* to those bars (``ctx.idx`` are their positions
in the book's bar arrays). It returns a :class:`LayerOutput` whose arrays are
aligned with ``ctx.idx``: ``keep`` (bool), ``reason`` (uint8 codes from
:mod:`nexus.pipeline.reasons`, ignored where ``keep``), and new columns that
later layers read. The runner scatters reasons back to full length and
shrinks ``idx`` to the kept bars, so each later layer, and every model it
calls, runs on fewer rows.

A user function with the same signature ``fn(ctx) -> LayerOutput`` can
replace any layer (``BacktestConfig.functions["risk"] = fn`` or
``function = "name"`` in the TOML, a name registered with ``register_function``); it must provide the columns
later layers read (listed in each layer's docstring).

>>> import numpy as np
>>> store = ColumnStore(5)
>>> store.put("x", np.arange(5.0))
>>> ctx = LayerContext(store, np.array([1, 3]), cfg=None)
>>> ctx.get("x").tolist()
[1.0, 3.0]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nexus.errors import ConfigError


@dataclass
class LayerOutput:
    keep: np.ndarray
    reason: np.ndarray
    values: dict[str, np.ndarray] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def passing(cls, m: int, values: dict[str, np.ndarray] | None = None, notes: dict[str, str] | None = None) -> "LayerOutput":
        return cls(np.ones(m, dtype=bool), np.zeros(m, dtype=np.uint8), values or {}, notes or {})


def first_reason(m: int, checks: list[tuple[np.ndarray, int]], enabled: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Combine (failed_mask, code) checks in priority order into (keep, reason).

    The first failed check names the reason; a disabled layer keeps every bar.
    """
    reason = np.zeros(m, dtype=np.uint8)
    if not enabled:
        return np.ones(m, dtype=bool), reason
    for failed, code in reversed(checks):
        reason[np.asarray(failed, dtype=bool)] = code
    return reason == 0, reason


class ColumnStore:
    """Per-bar columns kept only on the bars that were alive when they were made.

    Each column is stored with the bar positions it covers; reading it for a
    later (smaller) set of positions is one ``searchsorted`` and a take.
    """

    def __init__(self, n: int) -> None:
        self.n = int(n)
        self._cols: dict[str, tuple[np.ndarray | None, np.ndarray]] = {}
        self._pos_cache: tuple[int, int, np.ndarray] | None = None

    def put(self, name: str, values: np.ndarray, idx: np.ndarray | None = None) -> None:
        values = np.asarray(values)
        expect = self.n if idx is None else len(idx)
        if values.shape[0] != expect:
            raise ConfigError(f"pipeline column {name!r} has {values.shape[0]} rows; expected {expect} (one per bar handed to the layer)")
        self._cols[name] = (None if idx is None else np.asarray(idx, dtype=np.int64), values)

    def has(self, name: str) -> bool:
        return name in self._cols

    def names(self) -> list[str]:
        return list(self._cols)

    def source(self, name: str, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(stored values, positions of ``idx`` in them); positions None = the values are already aligned.

        Kernels gather rows themselves from this, so big matrices are not copied per layer.
        """
        try:
            where, values = self._cols[name]
        except KeyError:
            raise ConfigError(f"pipeline column {name!r} is missing; a replaced or disabled layer must still provide it "
                              f"(available: {sorted(self._cols)})") from None
        if where is None:
            return values, idx
        if where is idx:
            return values, None
        cache = self._pos_cache
        if cache is not None and cache[0] == id(where) and cache[1] == id(idx):
            return values, cache[2]
        pos = np.searchsorted(where, idx)
        if len(idx) and (pos.max(initial=0) >= len(where) or not np.array_equal(where[pos], idx)):
            raise ConfigError(f"pipeline column {name!r} does not cover the bars asked for")
        self._pos_cache = (id(where), id(idx), pos)  # every column a layer wrote shares one position map
        return values, pos

    def get(self, name: str, idx: np.ndarray) -> np.ndarray:
        values, pos = self.source(name, idx)
        return values if pos is None else values[pos]

    def full(self, name: str, fill: Any = np.nan) -> np.ndarray:
        """The column scattered to every bar (``fill`` where it was not computed)."""
        where, values = self._cols[name]
        if where is None:
            return values
        out = np.full((self.n,) + values.shape[1:], fill, dtype=np.result_type(values.dtype, np.asarray(fill).dtype))
        out[where] = values
        return out

    def drop(self, name: str) -> None:
        self._cols.pop(name, None)


class LayerContext:
    """The view one layer gets: compressed columns, its config, models, book metadata."""

    def __init__(self, store: ColumnStore, idx: np.ndarray, cfg: Any, models: Any = None, meta: dict | None = None) -> None:
        self.store = store
        self.idx = idx
        self.cfg = cfg
        self.models = models
        self.meta = meta or {}

    @property
    def m(self) -> int:
        return int(len(self.idx))

    def get(self, name: str) -> np.ndarray:
        return self.store.get(name, self.idx)

    def rows(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(full stored array, int64 row positions of the bars in view): for kernels that gather rows themselves."""
        values, pos = self.store.source(name, self.idx)
        if pos is None:
            pos = np.arange(len(values), dtype=np.int64)
        return values, np.ascontiguousarray(pos, dtype=np.int64)

    def has(self, name: str) -> bool:
        return self.store.has(name)

    def subset(self, mask: np.ndarray) -> "LayerContext":
        """The same view restricted to ``mask`` (bool over the bars in view), e.g. to score fewer rows."""
        return LayerContext(self.store, self.idx[np.asarray(mask, dtype=bool)], self.cfg, self.models, self.meta)

    def predict(self, slot: str) -> np.ndarray | None:
        """The trained model of ``slot`` on the bars in view: float32 [m, outputs], NaN on rows it may not
        score (warm-up, inside its training window); None when the slot has no usable model."""
        if self.models is None:
            return None
        return self.models.predict(slot, self.idx)

    def outputs(self, slot: str) -> tuple[str, ...]:
        """Output names of the model in ``slot`` (empty without one)."""
        return () if self.models is None else tuple(self.models.outputs(slot))


def blend(pred: np.ndarray | None, rule: np.ndarray) -> np.ndarray:
    """Model value where the model scored the row, the rule value elsewhere."""
    if pred is None:
        return rule
    pred = np.asarray(pred)
    ok = np.isfinite(pred) if pred.ndim == 1 else np.isfinite(pred).all(axis=1)
    if pred.ndim == 2 and np.ndim(rule) == 2:
        return np.where(ok[:, None], pred, rule)
    return np.where(ok, pred, rule)
