"""Run layers 1-7 over one symbol's bars: compress, score, scatter back.

Each layer sees only the bars every earlier layer kept; its rejections are
written into one ``uint8`` reason array for all bars, and the kept positions
shrink. What survives layer 7 are the symbol's decisions: a signed target
weight on the bar where it was decided.

>>> import numpy as np
>>> from nexus.pipeline.layers.base import LayerOutput
>>> def odd(ctx):  # a user layer keeping odd bars
...     keep = ctx.idx % 2 == 1
...     return LayerOutput(keep, np.where(keep, 0, 99).astype(np.uint8))
>>> run = run_chain({"x": np.arange(6.0)}, [("odd", odd, None)])
>>> run.idx.tolist(), run.reason.tolist(), run.passed
([1, 3, 5], [99, 0, 99, 0, 99, 0], {'odd': 3})
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from nexus.errors import ConfigError
from nexus.pipeline.layers.base import ColumnStore, LayerContext, LayerOutput

UNSPECIFIED_REJECT = 255


@dataclass
class ChainRun:
    store: ColumnStore
    idx: np.ndarray  # bars that passed every layer
    reason: np.ndarray  # uint8 per bar (0 = passed)
    passed: dict[str, int]  # bars alive after each layer
    notes: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def load_function(spec: str, where: str) -> Callable:
    """``"package.module:function"`` -> the callable (for ``function = ...`` in the TOML)."""
    if ":" not in spec:
        raise ConfigError(f"{where}: function = {spec!r}; write 'package.module:function'")
    mod_name, fn_name = spec.split(":", 1)
    try:
        mod = importlib.import_module(mod_name)
    except ImportError as exc:
        raise ConfigError(f"{where}: cannot import {mod_name!r} ({exc}); check the module is on PYTHONPATH") from None
    fn = getattr(mod, fn_name, None)
    if not callable(fn):
        raise ConfigError(f"{where}: {mod_name!r} has no function {fn_name!r}")
    return fn


def _check_output(out: Any, m: int, name: str) -> LayerOutput:
    if not isinstance(out, LayerOutput):
        raise ConfigError(f"layer {name!r} returned {type(out).__name__}; a layer must return nexus.pipeline.layers.LayerOutput")
    keep = np.asarray(out.keep, dtype=bool)
    reason = np.asarray(out.reason, dtype=np.uint8)
    if keep.shape != (m,) or reason.shape != (m,):
        raise ConfigError(f"layer {name!r}: keep/reason have shapes {keep.shape}/{reason.shape}; expected ({m},), one per bar handed in")
    out.keep, out.reason = keep, reason
    return out


def run_chain(inputs: dict[str, np.ndarray], layers: list[tuple[str, Callable, Any]], *, models: Any = None,
              meta: dict | None = None) -> ChainRun:
    """Run ``layers`` = [(name, fn, cfg), ...] over per-bar ``inputs`` (each array has one row per bar)."""
    import time

    n = len(next(iter(inputs.values())))
    store = ColumnStore(n)
    for name, arr in inputs.items():
        store.put(name, arr)
    idx = np.arange(n, dtype=np.int64)
    reason = np.zeros(n, dtype=np.uint8)
    passed: dict[str, int] = {}
    notes: dict[str, str] = {}
    seconds: dict[str, float] = {}
    for name, fn, cfg in layers:
        t0 = time.perf_counter()
        if len(idx):
            ctx = LayerContext(store, idx, cfg, models, meta)
            out = _check_output(fn(ctx), len(idx), name)
            for key, values in out.values.items():
                store.put(key, values, idx)
            rejected = ~out.keep
            codes = out.reason[rejected]
            codes[codes == 0] = UNSPECIFIED_REJECT
            reason[idx[rejected]] = codes
            idx = idx[out.keep]
            notes.update(out.notes)
        passed[name] = int(len(idx))
        seconds[name] = time.perf_counter() - t0
    return ChainRun(store, idx, reason, passed, notes, seconds)
