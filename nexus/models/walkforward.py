"""The walk-forward model schedule: fold boundaries, per-series use windows, per-fold training sets.

Training runs at a sequence of boundary instants B_0 < B_1 < ... : B_0 ends
the initial window (``initial_fraction`` of the store's span, rounded up to a
month start, or ``--until``), then one boundary per step. The model of fold
k learns from rows whose labels end at least ``embargo`` bars before the
first bar at or after B_k (purge = the label horizon, so no label reaches
into the use window) and, rolling, only from the last ``initial`` span.
A series uses every ``step``-th fold: monthly for minute series, quarterly
for hourly and daily ones, so its use windows [B_k, B_k+step) tile its
out-of-sample window without gaps or overlaps, and every bar in them is
scored by a model trained strictly before it.

Features and labels are computed once per series over a row pool (a sorted
random subsample), and each fold slices the pool: the cost of a fold is its
fit, not its features.

>>> import numpy as np
>>> day = 86_400 * 10**9
>>> ts = np.datetime64("2025-01-01", "ns").astype(np.int64) + np.arange(400) * day
>>> b = boundaries(int(ts[0]), int(ts[-1]), 0.5, "month")
>>> str(np.datetime64(b[0], "ns"))[:10], len(b)
('2025-07-01', 7)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from nexus.data.timeframes import timeframe_ns
from nexus.errors import ConfigError, ModelError
from nexus.models.train_data import (
    Rows, SeriesInput, TrainConfig, TrainingSet, default_mq, default_signals, series_features, _sample,
)

HOUR_NS = 3_600 * 10**9
DAY_NS = 24 * HOUR_NS
MIN_SERIES_ROWS = 200  # eligible rows a series needs to join a fold (fewer: its rule runs, reason series_too_short)


def _month_start_after(ns: int) -> int:
    m = np.datetime64(int(ns), "ns").astype("datetime64[M]")
    start = int(m.astype("datetime64[ns]").astype(np.int64))
    return start if start >= ns else int((m + 1).astype("datetime64[ns]").astype(np.int64))


def boundaries(start_ns: int, end_ns: int, initial_fraction: float, step: str, until_ns: int | None = None) -> list[int]:
    """Fold boundaries (ns) from the end of the initial window to before ``end_ns``; step "month" or "<n>d".

    Quarterly series take every third monthly boundary (see :func:`series_step`).
    """
    if until_ns is None:
        if not 0.0 < initial_fraction < 1.0:
            raise ConfigError(f"initial training fraction must be in (0, 1), got {initial_fraction}")
        first = start_ns + int((end_ns - start_ns) * initial_fraction)
        b0 = _month_start_after(first) if step in ("month", "auto", "quarter") else first
    else:
        b0 = int(until_ns)
    out = []
    if step in ("month", "auto", "quarter"):
        b = b0
        while b <= end_ns:
            out.append(b)
            b = _month_start_after(b + 1)
    else:
        days = _step_days(step)
        b = b0
        while b <= end_ns:
            out.append(b)
            b += days * DAY_NS
    return out


def _step_days(step: str) -> int:
    try:
        if not step.endswith("d"):
            raise ValueError
        n = int(step[:-1])
        if n < 1:
            raise ValueError
        return n
    except ValueError:
        raise ConfigError(f"retrain step {step!r}: use auto, month, quarter or a number of days like 14d") from None


def series_step(timeframe: str, step: str) -> int:
    """Boundaries per use window: 3 (quarterly) for hourly and daily series under ``auto``, else 1."""
    if step == "quarter":
        return 3
    if step == "auto":
        return 3 if timeframe_ns(timeframe) >= HOUR_NS else 1
    return 1


@dataclass
class SeriesPool:
    """One series' features and labels on a sorted subsample of its rows (computed once, sliced per fold)."""

    key: str
    series: SeriesInput
    rows: np.ndarray
    X: np.ndarray
    y: dict[str, np.ndarray]
    first: int
    step: int
    names: tuple[str, ...]
    strategy_names: tuple[str, ...]

    @property
    def ts(self) -> np.ndarray:
        return self.series.bars.ts


@dataclass
class FoldPlan:
    """Where fold ``k`` trains and which series use it, and over which windows."""

    k: int
    boundary_ns: int
    initial_ns: int = 0  # length of the initial window (the rolling window's length)
    series: dict[str, dict] = field(default_factory=dict)  # key -> train/use window, rows, reason


def build_pools(series: list[SeriesInput], cfg: TrainConfig, *, mq_fn: Callable = default_mq,
                sig_fn: Callable = default_signals, progress: Callable[[str], None] | None = None) -> list[SeriesPool]:
    """Features and labels of every series, once, on at most ``cfg.pool_rows`` sampled rows each."""
    if not series:
        raise ModelError("no series to train on; write bars to the store first (`nexus data synth`)")
    use_true = all(s.regimes is not None for s in series)
    rng = np.random.default_rng(cfg.seed)
    pools = []
    strategy_names = None
    for s in series:
        bars = s.bars
        fm, y, strategy_names = series_features(s, cfg.horizon, use_true, strategy_names, mq_fn, sig_fn)
        cand = np.arange(fm.warmup, max(fm.warmup, len(bars) - cfg.horizon))
        rows = _sample(cand, cfg.pool_rows, rng)
        pools.append(SeriesPool(s.key, s, rows, np.ascontiguousarray(fm.values[rows]), {k: v[rows] for k, v in y.items()},
                                int(fm.warmup), series_step(bars.timeframe, cfg.step), tuple(fm.names), strategy_names))
        if progress:
            progress(f"{s.key}: {len(bars):,} bars, features once on {rows.size:,} pooled rows")
        del fm, y
    return pools


def plan_folds(pools: list[SeriesPool], cfg: TrainConfig) -> list[FoldPlan]:
    """Every fold some series uses, with each series' train and use windows (ns, use windows half-open).

    Each series' first boundary ends its own initial window (``initial_fraction``
    of its own span, or ``--until``), so a long daily history does not pull the
    minute series' first fold back before their data.
    """
    end = max(int(p.ts[-1]) for p in pools)
    own = {p.key: boundaries(int(p.ts[0]), int(p.ts[-1]), cfg.initial_fraction, cfg.step, cfg.until_ns) for p in pools}
    firsts = [b[0] for b in own.values() if b]
    if not firsts:
        raise ModelError(f"no series has a bar after its initial training window ({cfg.initial_fraction:.0%}); "
                         "lower --initial or pass an earlier --until")
    bounds = boundaries(min(firsts), end, 0.5, cfg.step, min(firsts))
    h, emb = cfg.horizon, cfg.embargo_rows
    plans: dict[int, FoldPlan] = {}
    for p in pools:
        ts = p.ts
        n = ts.shape[0]
        if not own[p.key]:
            continue
        k0 = bounds.index(own[p.key][0]) if own[p.key][0] in bounds else int(np.searchsorted(bounds, own[p.key][0]))
        initial = int(own[p.key][0] - int(ts[0]))
        for k in range(k0, len(bounds), p.step):
            b = bounds[k]
            if b > int(ts[-1]):
                break
            nxt = bounds[k + p.step] if k + p.step < len(bounds) else int(ts[-1]) + 1
            cut = int(np.searchsorted(ts, b, side="left"))  # first bar of the use window
            last = cut - 1 - h - emb  # last row whose label ends `emb` bars before the use window
            lo = _lo(p, b, initial, cfg)
            eligible = int(((p.rows >= lo) & (p.rows <= last)).sum()) if last >= lo else 0
            rec = {"use_start_ns": int(b), "use_end_ns": int(nxt), "cut": cut, "lo": lo, "last": last,
                   "eligible": eligible, "embargo_ns": int(emb * timeframe_ns(p.series.bars.timeframe)),
                   "train_start_ns": int(ts[min(lo, n - 1)]), "train_end_ns": int(ts[max(min(last + h, n - 1), 0)]),
                   "reason": "" if eligible >= MIN_SERIES_ROWS else "series_too_short"}
            plan = plans.setdefault(k, FoldPlan(k, int(b), initial))
            plan.series[p.key] = rec
    return [plans[k] for k in sorted(plans)]


def _lo(p: SeriesPool, boundary: int, initial_ns: int, cfg: TrainConfig) -> int:
    """First training row: the warm-up end, and in a rolling window the row ``initial_ns`` before the boundary."""
    if cfg.window == "rolling":
        return max(p.first, int(np.searchsorted(p.ts, boundary - initial_ns, side="left")))
    return p.first


def fold_set(pools: list[SeriesPool], plan: FoldPlan, cfg: TrainConfig, *, corrupt_fn: Callable | None = None,
             mq_fn: Callable = default_mq, sig_fn: Callable = default_signals) -> TrainingSet:
    """The fit and validation rows of fold ``plan.k`` pooled over series (validation = last ``val_fraction``, purged).

    Every series with rows before the boundary contributes, also one that uses
    only every third fold; ``plan.series[key]`` gains its row counts.
    """
    h, emb = cfg.horizon, cfg.embargo_rows
    b = plan.boundary_ns
    rng = np.random.default_rng(cfg.seed + 7919 * plan.k)
    order = sorted(range(len(pools)), key=lambda i: pools[i].rows.size)
    budget_fit, budget_val = cfg.fold_rows, max(1, cfg.fold_rows // 3)
    fit, val = Rows(), Rows()
    windows: dict[str, dict[str, int]] = {}
    corrupt: list[dict] = []
    for pos, i in enumerate(order):
        p = pools[i]
        left = len(order) - pos
        per_fit, per_val = max(1, budget_fit // left), max(1, budget_val // left)
        ts = p.ts
        cut = int(np.searchsorted(ts, b, side="left"))
        last = cut - 1 - h - emb
        lo = _lo(p, b, plan.initial_ns, cfg)
        sel = (p.rows >= lo) & (p.rows <= last)
        if int(sel.sum()) < MIN_SERIES_ROWS:
            continue
        span_lo, span_hi = lo, last
        val_start = span_hi - int((span_hi - span_lo) * cfg.val_fraction)
        fit_idx = np.flatnonzero(sel & (p.rows <= val_start - h - emb))
        val_idx = np.flatnonzero(sel & (p.rows >= val_start))
        if fit_idx.size < 50 or val_idx.size < 10:
            continue
        fit_idx, val_idx = _sample(fit_idx, per_fit, rng), _sample(val_idx, per_val, rng)
        budget_fit -= fit_idx.size
        budget_val -= val_idx.size
        fit.add(p.X[fit_idx], {k: v[fit_idx] for k, v in p.y.items()})
        val.add(p.X[val_idx], {k: v[val_idx] for k, v in p.y.items()})
        windows[p.key] = {"start_ns": int(ts[lo]), "end_ns": int(ts[min(last + h, len(ts) - 1)]), "rows": int(last + 1 - lo)}
        if p.key in plan.series:
            plan.series[p.key].update(n_fit=int(fit_idx.size), n_val=int(val_idx.size))
        if corrupt_fn is not None:
            v0, v1 = int(p.rows[val_idx[0]]), int(p.rows[val_idx[-1]])
            corrupt.append(corrupt_fn(p.series.bars, v0, v1, mq_fn, sig_fn, rng))
    if not windows:
        raise ModelError(f"fold {plan.k}: no series has {MIN_SERIES_ROWS} rows before {np.datetime64(b, 'ns')} "
                         "after warm-up, horizon and embargo")
    X_fit, y_fit = fit.stack()
    X_val, y_val = val.stack()
    use_true = all(p.series.regimes is not None for p in pools)
    return TrainingSet(pools[0].names, X_fit, y_fit, X_val, y_val, windows, pools[0].strategy_names,
                       "synthetic" if use_true else "mqscore_rules", 5 if use_true else 6, corrupt)


__all__ = ["boundaries", "series_step", "build_pools", "plan_folds", "fold_set", "SeriesPool", "FoldPlan"]
