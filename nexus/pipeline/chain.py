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

Configs are data: ``function = "name"`` in a layer's TOML section names a
function that code registered (:func:`register_function`) or that an
installed package declares as an entry point in group
``nexus.pipeline_functions``. A config never imports a module path.

>>> @register_function("keep_odd")
... def keep_odd(ctx):
...     return odd(ctx)
>>> load_function("keep_odd", "doc") is keep_odd
True
"""

from __future__ import annotations

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


ENTRY_POINT_GROUP = "nexus.pipeline_functions"
_FUNCTIONS: dict[str, Callable] = {}


def register_function(name: str, fn: Callable | None = None) -> Callable:
    """Make ``fn`` available to configs as ``function = "name"``; usable as a decorator.

    >>> register_function("my_risk", lambda ctx: None).__name__
    '<lambda>'
    """
    if not isinstance(name, str) or not name.strip() or ":" in name:
        raise ConfigError(f"register_function: name {name!r} must be a plain non-empty name (no ':')")

    def add(f: Callable) -> Callable:
        if not callable(f):
            raise ConfigError(f"register_function({name!r}): {type(f).__name__} is not callable")
        _FUNCTIONS[name] = f
        return f

    return add if fn is None else add(fn)


def _entry_points() -> dict[str, Any]:
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def registered_functions() -> list[str]:
    """Names a config may use: registered in code, or declared by installed plugins."""
    return sorted(set(_FUNCTIONS) | set(_entry_points()))


def load_function(spec: str, where: str) -> Callable:
    """The function a config names (``function = "name"``), from the registry or a plugin entry point."""
    name = str(spec).strip()
    if name in _FUNCTIONS:
        return _FUNCTIONS[name]
    ep = _entry_points().get(name)
    if ep is not None:
        try:
            fn = ep.load()
        except Exception as exc:  # a broken plugin is the plugin's fault, reported on one line
            raise ConfigError(f"{where}: function = {spec!r}: the plugin entry point {ep.value!r} fails to load "
                              f"({type(exc).__name__}: {exc})") from None
        return register_function(name, fn)
    known = ", ".join(registered_functions()) or "none registered"
    how = (" (a config never imports a module path)" if ":" in name or "." in name else "")
    raise ConfigError(
        f"{where}: function = {spec!r} is not a registered pipeline function{how}; known: {known}. Register it in code "
        f"with nexus.pipeline.register_function({name.split(':')[-1]!r}, fn), declare an entry point in group "
        f"{ENTRY_POINT_GROUP!r}, or pass backtest(cfg, functions={{layer: fn}})"
    )


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
