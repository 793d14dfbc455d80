"""The strategy registry and the ``@register_strategy`` decorator.

Every strategy, built-in or yours, is a function ``fn(bars, **params) ->
(signal, confidence)`` with one value per bar: ``signal`` int8 in {-1, 0, 1},
``confidence`` float32 in [0, 1]. Registering it records its group,
parameters (default and a sweep range each), warm-up and description, and
gives it everything the built-ins get: ``signals``, ``signal_columns``,
``check_lookahead``, ``check_warmup``, the CLI and sweeps.

The registered callable validates parameters and outputs and forces the first
``warmup`` bars to signal 0 / confidence 0.

>>> import numpy as np
>>> from nexus.strategies import register_strategy, signals
>>> @register_strategy(name="my_gap", group="user", params={"n": (5, (2, 50))},   # doctest: +SKIP
...                    warmup=lambda p: p["n"])
... def my_gap(bars, n=5):
...     '''Long when the close is above the close n bars ago. Bar proxy: none.'''
...     up = np.zeros(len(bars), dtype=np.int8)
...     up[n:] = np.sign(bars.close[n:] - bars.close[:-n])
...     return up, np.abs(up).astype(np.float32)
>>> signals(bars, ["my_gap"]).names           # doctest: +SKIP
('my_gap',)
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from nexus.data.bars import Bars
from nexus.errors import ConfigError, ValidationError

MINUTE_NS = 60_000_000_000


@dataclass(frozen=True)
class Param:
    """A strategy parameter: default, sweep range [low, high], and its kind (int or float)."""

    default: float | int
    low: float | int
    high: float | int

    @property
    def kind(self) -> type:
        return int if isinstance(self.default, (int, np.integer)) and not isinstance(self.default, bool) else float

    def coerce(self, value: Any, where: str) -> float | int:
        if self.kind is int:
            if isinstance(value, bool) or not isinstance(value, (int, np.integer, float, np.floating)) or float(value) != int(value):
                raise ConfigError(f"{where}: expected an integer, got {value!r}")
            v = int(value)
            if v < 1 and self.low >= 1:
                raise ConfigError(f"{where}: must be >= 1, got {v}")
            return v
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: expected a number, got {value!r}") from None
        if not math.isfinite(v):
            raise ConfigError(f"{where}: must be finite, got {value!r}")
        return v


def _as_param(name: str, spec: Any, strategy: str) -> Param:
    if isinstance(spec, Param):
        return spec
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[1], (tuple, list)) and len(spec[1]) == 2:
        return Param(spec[0], spec[1][0], spec[1][1])
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return Param(spec, spec, spec)
    raise ConfigError(
        f"register_strategy({strategy!r}): parameter {name!r} must be Param(default, low, high), "
        f"(default, (low, high)) or a plain default, got {spec!r}"
    )


@dataclass
class StrategySpec:
    """One registry entry; call :meth:`compute` (or the registered function) to run it."""

    name: str
    group: str
    params: dict[str, Param]
    warmup: int | Callable[..., int]
    description: str
    fn: Callable[..., Any]
    builtin: bool = False
    stateful: bool = False  # holds a state with unbounded memory (e.g. the last Donchian breakout)
    wants_ctx: bool = field(default=False, repr=False)

    @property
    def defaults(self) -> dict[str, Any]:
        return {k: p.default for k, p in self.params.items()}

    @property
    def ranges(self) -> dict[str, tuple]:
        return {k: (p.low, p.high) for k, p in self.params.items()}

    def resolve(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        """Defaults overridden by ``params``; unknown names and bad types raise ConfigError."""
        out = self.defaults
        for key, value in (params or {}).items():
            if key not in self.params:
                raise ConfigError(
                    f"strategy {self.name!r}: unknown parameter {key!r}; known: {sorted(self.params) or 'none'}"
                )
            out[key] = self.params[key].coerce(value, f"strategy {self.name!r} parameter {key!r}")
        return out

    def warmup_for(self, params: Mapping[str, Any] | None = None, timeframe_ns: int = MINUTE_NS) -> int:
        """Leading bars forced to 0 (and the history a value depends on) for these parameters."""
        w = self.warmup
        if callable(w):
            p = self.resolve(params)
            n_args = len(inspect.signature(w).parameters)
            w = w(p, timeframe_ns) if n_args >= 2 else w(p)
        return max(0, int(w))

    def compute(self, bars: Bars, params: Mapping[str, Any] | None = None, ctx: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Run the strategy: validated (signal int8, confidence float32) with the warm-up zeroed."""
        p = self.resolve(params)
        if self.wants_ctx:
            if ctx is None:
                from nexus.strategies.context import Context

                ctx = Context(bars)
            out = self.fn(bars, ctx=ctx, **p)
        else:
            out = self.fn(bars, **p)
        if self.builtin:
            sig, conf = out  # kernels allocate fresh int8 / float32 outputs; the tests pin their ranges
        else:
            sig, conf = self._check_output(out, len(bars), bars)
        tf = bars.timeframe_ns if bars.timeframe else (ctx.timeframe_ns if ctx is not None else MINUTE_NS)
        w = min(self.warmup_for(p, tf), len(bars))
        if w:
            sig[:w] = 0
            conf[:w] = 0.0
        return sig, conf

    def _check_output(self, out: Any, n: int, bars: Bars) -> tuple[np.ndarray, np.ndarray]:
        where = f"strategy {self.name!r} on {bars.symbol or '?'} {bars.timeframe or '?'}"
        if not (isinstance(out, tuple) and len(out) == 2):
            raise ValidationError(f"{where}: must return (signal, confidence), got {type(out).__name__}")
        sig = np.asarray(out[0])
        conf = np.asarray(out[1])
        if sig.shape != (n,) or conf.shape != (n,):
            raise ValidationError(f"{where}: outputs must have shape ({n},), got {sig.shape} and {conf.shape}")
        if sig.dtype != np.int8:
            if sig.dtype.kind == "f" and np.isnan(sig).any():
                row = int(np.flatnonzero(np.isnan(sig))[0])
                raise ValidationError(f"{where}: signal is NaN at row {row}; return 0 where undecided")
            sig = sig.astype(np.int8)
        else:
            sig = sig.copy() if not sig.flags.writeable else sig
        bad = (sig < -1) | (sig > 1)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValidationError(f"{where}: signal must be in {{-1, 0, 1}}, got {int(sig[row])} at row {row}")
        conf = conf.astype(np.float32, copy=conf.dtype != np.float32 or not conf.flags.writeable)
        bad = ~((conf >= 0.0) & (conf <= 1.0))
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValidationError(f"{where}: confidence must be in [0, 1], got {conf[row]!r} at row {row}")
        return sig, conf


REGISTRY: dict[str, StrategySpec] = {}
BASELINE_GROUP = "baseline"


def strategy(
    name: str | None = None,
    *,
    group: str = "user",
    params: Mapping[str, Any] | None = None,
    warmup: int | Callable[..., int] = 0,
    description: str | None = None,
    stateful: bool = False,
    _builtin: bool = False,
) -> Callable[[Callable], Callable]:
    """Describe ``fn(bars, **params) -> (signal, confidence)`` as a strategy without registering it.

    Returns a callable that runs the strategy (validated, warm-up zeroed) and
    carries its :class:`StrategySpec` as ``.spec``; :func:`register` adds it to
    the registry. The built-ins are described this way and registered from the
    explicit list in :mod:`nexus.strategies.builtins`.
    """

    def deco(fn: Callable) -> Callable:
        key = name or fn.__name__
        if not isinstance(key, str) or not key.isidentifier():
            raise ConfigError(f"register_strategy: name must be an identifier, got {key!r}")
        if key in ("all", "nexus", "baselines"):
            raise ConfigError(f"register_strategy: {key!r} is a reserved selector name")
        plist = {k: _as_param(k, v, key) for k, v in (params or {}).items()}
        sig = inspect.signature(fn)
        missing = [k for k in plist if k not in sig.parameters and not any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values())]
        if missing:
            raise ConfigError(f"register_strategy({key!r}): function has no argument(s) {missing}")
        doc = inspect.getdoc(fn) or ""
        spec = StrategySpec(
            name=key, group=group, params=plist, warmup=warmup,
            description=description or (doc.splitlines()[0] if doc else key),
            fn=fn, builtin=_builtin, stateful=stateful, wants_ctx="ctx" in sig.parameters,
        )

        def run(bars: Bars, ctx: Any = None, **kw: Any) -> tuple[np.ndarray, np.ndarray]:
            return spec.compute(bars, kw, ctx=ctx)

        run.__name__ = key
        run.__qualname__ = key
        run.__doc__ = fn.__doc__
        run.__wrapped__ = fn
        run.spec = spec
        return run

    return deco


def register(fn_or_spec: Callable | StrategySpec, *, replace: bool = False) -> None:
    """Add a strategy described by :func:`strategy` (or its spec) to the registry."""
    spec = fn_or_spec if isinstance(fn_or_spec, StrategySpec) else fn_or_spec.spec
    if spec.name in REGISTRY and not replace:
        raise ConfigError(f"register_strategy: {spec.name!r} is already registered; pass replace=True to override it")
    REGISTRY[spec.name] = spec


def register_strategy(name: str | None = None, *, replace: bool = False, **describe: Any) -> Callable[[Callable], Callable]:
    """Register ``fn(bars, **params) -> (signal, confidence)`` as a strategy.

    ``params`` maps each parameter to ``Param(default, low, high)``, ``(default,
    (low, high))`` or a plain default. ``warmup`` is a bar count or a function
    of the resolved params (optionally also of the bar length in ns).
    ``fn`` may take a ``ctx`` keyword to share series with the built-ins
    (:class:`nexus.strategies.context.Context`). Returns a callable that runs
    the strategy through the registry (validated, warm-up zeroed). Keywords
    as :func:`strategy`: ``group`` ("user"), ``params``, ``warmup`` (0),
    ``description`` (the docstring's first line), ``stateful`` (False).
    """
    make = strategy(name, **describe)

    def deco(fn: Callable) -> Callable:
        run = make(fn)
        register(run, replace=replace)
        return run

    return deco


def unregister_strategy(name: str) -> None:
    """Remove a user strategy (built-ins cannot be removed)."""
    spec = REGISTRY.get(name)
    if spec is None:
        raise ConfigError(f"no strategy named {name!r}")
    if spec.builtin:
        raise ConfigError(f"{name!r} is built in and cannot be unregistered")
    del REGISTRY[name]


def get_spec(name_or_fn: str | Callable) -> StrategySpec:
    """The registry entry for a name or a registered function."""
    if isinstance(name_or_fn, StrategySpec):
        return name_or_fn
    spec = getattr(name_or_fn, "spec", None)
    if isinstance(spec, StrategySpec):
        return spec
    if isinstance(name_or_fn, str):
        if name_or_fn in REGISTRY:
            return REGISTRY[name_or_fn]
        raise ConfigError(f"unknown strategy {name_or_fn!r}; known: {', '.join(sorted(REGISTRY))}")
    raise ConfigError(f"expected a strategy name or a registered strategy function, got {name_or_fn!r}")


def nexus_names() -> list[str]:
    """The twenty NEXUS strategies, in registry order."""
    return [k for k, s in REGISTRY.items() if s.builtin and s.group != BASELINE_GROUP]


def select(strategies: str | list[str] | tuple[str, ...] = "all") -> list[str]:
    """Names from a selector: "all" (every strategy but the baselines), "nexus" (the twenty),
    "baselines", a group name, a strategy name, or a list of these."""
    items = [strategies] if isinstance(strategies, str) else list(strategies)
    groups = {s.group for s in REGISTRY.values()}
    out: list[str] = []
    for item in items:
        if item == "all":
            names = [k for k, s in REGISTRY.items() if s.group != BASELINE_GROUP]
        elif item == "nexus":
            names = nexus_names()
        elif item in ("baselines", BASELINE_GROUP):
            names = [k for k, s in REGISTRY.items() if s.group == BASELINE_GROUP]
        elif item in REGISTRY:
            names = [item]
        elif item in groups:
            names = [k for k, s in REGISTRY.items() if s.group == item]
        else:
            raise ConfigError(
                f"unknown strategy or group {item!r}; strategies: {', '.join(REGISTRY)}; "
                f"groups: {', '.join(sorted(groups))}; or 'all', 'nexus', 'baselines'"
            )
        out.extend(n for n in names if n not in out)
    if not out:
        raise ConfigError(f"strategy selection {strategies!r} is empty")
    return out
