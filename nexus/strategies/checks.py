"""Bias checks for strategies users run on their own: lookahead and warm-up.

``check_lookahead`` recomputes a strategy on the bars cut at random bars and
one bar after every bar where its signal changes (capped) and reports every
output that differs before the cut: the lookahead-analysis of freqtrade, but
on every change point because recomputing arrays is cheap. Built on
:func:`nexus.lookahead.check_causal`.

``check_warmup`` recomputes on the bars started later (less history) and
reports, for each history length, how far the outputs move from the
full-history run, and from which history length on they stop moving (the
recursive-analysis of freqtrade). A strategy is consistent with its declared
warm-up when that length is at most ``warmup + 1``.

>>> rep = check_lookahead("momentum_breakout", bars)      # doctest: +SKIP
>>> rep.ok, rep.summary()                                 # doctest: +SKIP
>>> check_warmup("all", bars).summary()                   # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from nexus.data.bars import Bars
from nexus.errors import ConfigError, ValidationError
from nexus.lookahead import CausalityReport, check_causal
from nexus.strategies.context import validate_bars
from nexus.strategies.registry import StrategySpec, get_spec, select


def _targets(strategy: Any) -> list[tuple[str, Callable[[Bars], dict], StrategySpec | None]]:
    """(name, fn(bars) -> {"signal", "confidence"}, spec) for a name, selector, registered or plain function."""
    if isinstance(strategy, (list, tuple)) or (isinstance(strategy, str) and (strategy in ("all", "nexus", "baselines") or not _is_name(strategy))):
        names = select(list(strategy) if isinstance(strategy, (list, tuple)) else strategy)
        return [t for n in names for t in _targets(get_spec(n))]
    if isinstance(strategy, str) or isinstance(strategy, StrategySpec) or hasattr(strategy, "spec"):
        spec = get_spec(strategy)
        return [(spec.name, lambda b, s=spec: _named(s.compute(b)), spec)]
    if callable(strategy):
        name = getattr(strategy, "__name__", "strategy")
        return [(name, lambda b, f=strategy: _named(f(b)), None)]
    raise ConfigError(f"expected a strategy name, selector, or function, got {strategy!r}")


def _is_name(s: str) -> bool:
    from nexus.strategies.registry import REGISTRY

    return s in REGISTRY


def _named(out: Any) -> dict[str, np.ndarray]:
    if isinstance(out, tuple) and len(out) == 2:
        return {"signal": np.asarray(out[0]), "confidence": np.asarray(out[1])}
    if isinstance(out, np.ndarray):
        return {"signal": out}
    raise ValidationError(f"a strategy must return (signal, confidence), got {type(out).__name__}")


class _PerStrategy:
    """A check's per-strategy results, a dict held in the field named by ``_field`` (each result with
    its own ``ok``); ``ok`` when every strategy passes. A subclass writes ``summary()``."""

    _field = ""

    @property
    def ok(self) -> bool:
        return all(r.ok for r in getattr(self, self._field).values())

    def raise_if_failed(self) -> None:
        if not self.ok:
            raise AssertionError(self.summary())  # type: ignore[attr-defined]


@dataclass
class LookaheadReport(_PerStrategy):
    """Per-strategy causality reports; ``ok`` when no output changed before any cut."""

    reports: dict[str, CausalityReport]
    n_bars: int

    _field = "reports"

    @property
    def leaking(self) -> list[str]:
        return [k for k, r in self.reports.items() if not r.ok]

    def summary(self) -> str:
        lines = []
        for name, r in self.reports.items():
            if r.ok:
                lines.append(f"{name:24s} ok     {len(r.cuts)} cuts over {self.n_bars} bars")
            else:
                lines.append(f"{name:24s} LEAK   {len(r.leaks)} leak(s) in {len(r.cuts)} cuts")
                for leak in r.leaks[:5]:
                    lines.append(f"    {leak}")
        return "\n".join(lines)


def check_lookahead(
    strategy: str | Callable | Sequence[str],
    bars: Bars,
    cuts: int = 50,
    *,
    max_change_cuts: int = 200,
    seed: int = 0,
) -> LookaheadReport:
    """Recompute on bars cut at ``cuts`` random bars plus one bar after each signal change
    (at most ``max_change_cuts``, evenly spread) and report outputs that differ before the cut.

    ``strategy`` is a name, a selector ("all", "nexus", a group), a list of
    names, a registered function, or any ``fn(bars) -> (signal, confidence)``.
    """
    validate_bars(bars, "check_lookahead")
    n = len(bars)
    if n < 2:
        raise ValidationError(f"check_lookahead: {bars.symbol or '?'} has {n} bar(s); need at least 2")
    out: dict[str, CausalityReport] = {}
    rng = np.random.default_rng(seed)
    for name, fn, _ in _targets(strategy):
        full = fn(bars)
        s = np.asarray(full["signal"])
        change = np.flatnonzero(s[1:] != s[:-1]) + 1
        if change.size > max_change_cuts:
            change = change[np.linspace(0, change.size - 1, max_change_cuts).astype(np.int64)]
        points = set(int(c) + 1 for c in change if int(c) + 1 < n)
        points.update(int(c) for c in rng.integers(1, n, size=max(0, int(cuts))))
        out[name] = check_causal(fn, bars, cuts=sorted(points))
    return LookaheadReport(out, n)


@dataclass
class WarmupResult:
    """How one strategy's outputs converge as the history before them grows."""

    name: str
    declared: int
    lengths: list[int]
    signal_mismatch: list[float]  # share of probed bars whose signal differs at this history length
    max_conf_dev: list[float]  # largest |confidence - full-history confidence| at this length
    converged_at: int  # history (bars, including the bar itself) from which outputs match the full run
    stateful: bool = False

    @property
    def ok(self) -> bool:
        return self.stateful or self.converged_at <= self.declared + 1


@dataclass
class WarmupReport(_PerStrategy):
    results: dict[str, WarmupResult] = field(default_factory=dict)

    _field = "results"

    def summary(self) -> str:
        lines = [f"{'strategy':24s} {'declared':>8s} {'converged':>9s}  history: signal mismatch / max conf dev"]
        for r in self.results.values():
            cells = "  ".join(f"{L}:{m:.0%}/{d:.2g}" for L, m, d in zip(r.lengths, r.signal_mismatch, r.max_conf_dev))
            flag = "ok" if r.ok else "WARMUP TOO SHORT"
            if r.stateful:
                flag += " (stateful)"
            lines.append(f"{r.name:24s} {r.declared:8d} {r.converged_at:9d}  {cells}  {flag}")
        return "\n".join(lines)


def check_warmup(
    strategy: str | Callable | Sequence[str],
    bars: Bars,
    lengths: Sequence[int] | None = None,
    *,
    starts: int = 5,
    seed: int = 0,
    tol: float = 1e-5,
) -> WarmupReport:
    """Recompute from ``starts`` later start bars; for each history length report the share of
    bars whose signal moved and the largest confidence move versus the full-history run, and
    the history length from which nothing moves any more.

    Default lengths: a quarter, half, 1x, 1x+1, 2x and 4x the declared warm-up.
    """
    validate_bars(bars, "check_warmup")
    n = len(bars)
    rng = np.random.default_rng(seed)
    res: dict[str, WarmupResult] = {}
    for name, fn, spec in _targets(strategy):
        tf = bars.timeframe_ns if bars.timeframe else 60_000_000_000
        w = spec.warmup_for(None, tf) if spec is not None else 0
        lens = sorted({int(x) for x in (lengths or [max(1, w // 4), max(1, w // 2), max(1, w), w + 1, 2 * w + 1, 4 * w + 1]) if 0 < int(x) < n})
        full = fn(bars)
        hi = max(1, n - max(lens + [w + 2]))
        picks = sorted(set(int(x) for x in rng.integers(1, hi + 1, size=starts))) if hi > 1 else [1]
        mism = {L: [] for L in lens}
        cdev = {L: 0.0 for L in lens}
        converged = 1
        for s0 in picks:
            part = fn(bars[s0:])
            diff_s = part["signal"] != full["signal"][s0:]
            diff_c = np.abs(part["confidence"].astype(np.float64) - full["confidence"][s0:].astype(np.float64)) > tol
            bad = np.flatnonzero(diff_s | diff_c)
            if bad.size:
                converged = max(converged, int(bad[-1]) + 2)  # history of the last moving bar, plus one
            for L in lens:
                if L - 1 < part["signal"].shape[0]:
                    mism[L].append(float(diff_s[L - 1]))
                    cdev[L] = max(cdev[L], float(abs(part["confidence"][L - 1] - full["confidence"][s0 + L - 1])))
        res[name] = WarmupResult(
            name, w, lens, [float(np.mean(mism[L])) if mism[L] else 0.0 for L in lens],
            [cdev[L] for L in lens], converged, bool(spec.stateful) if spec is not None else False,
        )
    return WarmupReport(res)
