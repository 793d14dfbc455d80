"""Bias checks as arrays: lookahead (truncation) and warm-up (recursive) analysis.

The law of nexus: a value at bar t is computed from bars 0..t only. So
recomputing on the input cut after bar t must reproduce every output before
t exactly. :func:`check_causal` does that at many cut points and reports each
output that moved; :func:`check_warmup` measures how far the last value moves
as the history before it grows (the spirit of freqtrade's lookahead-analysis
and recursive-analysis, exhaustive because everything is arrays).

Outputs may be an array, a tuple/list of arrays, a dict of arrays, or an
object whose attributes are arrays (a dataclass, a NamedTuple); every array
whose first axis has the input's length is compared.

>>> import numpy as np
>>> from nexus.data.bars import Bars
>>> x = np.cumsum(np.ones(50))
>>> b = Bars.from_arrays(ts=np.arange(50), open=x, high=x, low=x, close=x, volume=x)
>>> check_causal(lambda b: b.close.cumsum(), b, n_random=5).ok
True
>>> check_causal(lambda b: np.roll(b.close, -1), b, n_random=5).ok   # reads bar t+1
False
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np

from nexus.errors import ValidationError


def _length(data: Any) -> int:
    return len(data)


def _cut(data: Any, t: int) -> Any:
    return data[:t]


def output_arrays(out: Any, n: int) -> dict[str, np.ndarray]:
    """Flatten a function's output into named arrays whose first axis is ``n``."""
    items: Iterable[tuple[str, Any]]
    if isinstance(out, np.ndarray):
        items = [("out", out)]
    elif isinstance(out, dict):
        items = out.items()
    elif hasattr(out, "_asdict"):
        items = out._asdict().items()
    elif dataclasses.is_dataclass(out):
        items = ((f.name, getattr(out, f.name)) for f in dataclasses.fields(out))
    elif isinstance(out, (tuple, list)):
        items = ((f"out{i}", v) for i, v in enumerate(out))
    elif hasattr(out, "__dict__"):
        items = vars(out).items()
    else:
        raise ValidationError(f"cannot read arrays from an output of type {type(out).__name__}")
    arrays = {}
    for name, value in items:
        if isinstance(value, np.ndarray) and value.ndim >= 1 and value.shape[0] == n:
            arrays[str(name)] = value
    return arrays


@dataclass
class Leak:
    output: str
    cut: int
    first_bar: int
    n_bars: int

    def __str__(self) -> str:
        return f"{self.output}: cut at {self.cut}, {self.n_bars} bar(s) before the cut changed, first at bar {self.first_bar}"


@dataclass
class CausalityReport:
    cuts: list[int]
    outputs: list[str]
    leaks: list[Leak] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.leaks

    def summary(self) -> str:
        if self.ok:
            return f"causal: {len(self.outputs)} output(s) unchanged before each of {len(self.cuts)} cuts"
        names = sorted({leak.output for leak in self.leaks})
        lines = [f"LOOKAHEAD in {len(names)} output(s): {', '.join(names)}"]
        lines += [f"  {leak}" for leak in self.leaks[:20]]
        return "\n".join(lines)

    def raise_if_failed(self) -> None:
        if not self.ok:
            raise AssertionError(self.summary())


def _same(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """Elementwise equality per bar (NaN equals NaN); collapses trailing axes."""
    if a.dtype.kind in "fc":
        eq = (a == b) | (np.isnan(a) & np.isnan(b))
        if rtol or atol:
            eq |= np.isclose(a, b, rtol=rtol, atol=atol)
    else:
        eq = a == b
    while eq.ndim > 1:
        eq = eq.all(axis=-1)
    return eq


def default_cuts(n: int, n_random: int, seed: int, min_cut: int = 1, extra: Iterable[int] = ()) -> list[int]:
    """Random cut points in [min_cut, n) plus ``extra``, sorted and unique."""
    rng = np.random.default_rng(seed)
    lo = max(1, min(min_cut, n - 1))
    cuts = set(int(c) for c in extra if 0 < int(c) < n)
    if n > lo and n_random > 0:
        cuts.update(int(c) for c in rng.integers(lo, n, size=n_random))
    return sorted(cuts)


def check_causal(
    fn: Callable[[Any], Any],
    data: Any,
    *,
    cuts: Iterable[int] | None = None,
    n_random: int = 20,
    seed: int = 0,
    min_cut: int = 1,
    extra_cuts: Iterable[int] = (),
    cut: Callable[[Any, int], Any] = _cut,
    length: Callable[[Any], int] = _length,
    rtol: float = 0.0,
    atol: float = 0.0,
) -> CausalityReport:
    """Recompute ``fn`` on ``data`` cut at each point; report outputs that changed before the cut.

    ``cut(data, t)`` keeps bars ``0..t-1`` (default ``data[:t]``); pass your own
    for multi-symbol inputs. Comparison is exact unless ``rtol``/``atol`` are set.
    """
    n = length(data)
    full = output_arrays(fn(data), n)
    if not full:
        raise ValidationError("check_causal: the function returned no array with one row per bar")
    points = sorted(set(cuts)) if cuts is not None else default_cuts(n, n_random, seed, min_cut, extra_cuts)
    report = CausalityReport(cuts=points, outputs=sorted(full))
    for t in points:
        part = output_arrays(fn(cut(data, t)), t)
        for name, ref in full.items():
            got = part.get(name)
            if got is None:
                report.leaks.append(Leak(name, t, 0, t))
                continue
            eq = _same(ref[:t], got[:t], rtol, atol)
            if not eq.all():
                bad = np.flatnonzero(~eq)
                report.leaks.append(Leak(name, t, int(bad[0]), int(bad.size)))
    return report


@dataclass
class WarmupReport:
    lengths: list[int]
    deviation: dict[str, list[float]]  # output -> max |last value - full-history value| per length

    def summary(self) -> str:
        lines = ["history  " + "  ".join(f"{name:>12s}" for name in self.deviation)]
        for i, length in enumerate(self.lengths):
            lines.append(f"{length:7d}  " + "  ".join(f"{dev[i]:12.3g}" for dev in self.deviation.values()))
        return "\n".join(lines)


def check_warmup(
    fn: Callable[[Any], Any],
    data: Any,
    *,
    lengths: Iterable[int] = (200, 500, 1000, 2000),
    cut_from: Callable[[Any, int], Any] = lambda d, k: d[len(d) - k:],
    length: Callable[[Any], int] = _length,
) -> WarmupReport:
    """How far the last value moves when only the last ``L`` bars of history are given."""
    n = length(data)
    full = output_arrays(fn(data), n)
    lengths = [int(k) for k in lengths if 0 < int(k) <= n]
    dev: dict[str, list[float]] = {name: [] for name in full}
    for k in lengths:
        part = output_arrays(fn(cut_from(data, k)), k)
        for name, ref in full.items():
            a = np.asarray(ref[-1], dtype=np.float64)
            b = np.asarray(part[name][-1], dtype=np.float64) if name in part else np.full_like(a, np.nan)
            d = np.abs(a - b)
            d = np.where(np.isnan(a) & np.isnan(b), 0.0, d)
            dev[name].append(float(np.max(np.where(np.isnan(d), np.inf, d))) if d.size else 0.0)
    return WarmupReport(lengths=lengths, deviation=dev)
