"""Stationary-bootstrap intervals for the difference of two aligned return series and for any row statistic.

Both build on :mod:`nexus.metrics.bootstrap` (Politis-Romano resampling,
Politis-White block length). Two aligned series (the same days of a models
run and a rules run) are resampled with the *same* indices, so the interval
of their difference keeps the days' common shocks out of it. A model's
validation margin (baseline loss minus model loss, over time-ordered
validation rows) is a statistic of row indices; :func:`stat_interval` gives
its interval with time blocks, because a model's errors on neighbouring rows
are correlated.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> a, b = rng.normal(0.002, 0.01, 300), rng.normal(0.0, 0.01, 300)
>>> lo, hi = diff_intervals(a, b, 252.0, n_boot=200, seed=1)["Sharpe Ratio"]
>>> bool(lo < hi)
True
>>> lo, hi = mean_interval(np.full(50, 0.3) + rng.normal(0, 0.01, 50), n_boot=200, seed=1)
>>> bool(0.29 < lo < hi < 0.31)
True
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from nexus.errors import ValidationError
from nexus.metrics.bootstrap import INTERVAL_KEYS, optimal_block_length, path_stats, stationary_indices

NAN2 = (float("nan"), float("nan"))


def _percentiles(v: np.ndarray, level: float) -> tuple[float, float]:
    v = v[np.isfinite(v)]
    if not len(v):
        return NAN2
    q = ((1.0 - level) / 2.0 * 100.0, (1.0 + level) / 2.0 * 100.0)
    return float(np.percentile(v, q[0])), float(np.percentile(v, q[1]))


def diff_intervals(a: np.ndarray, b: np.ndarray, periods_per_year: float, *, n_boot: int = 1000, level: float = 0.9,
                   seed: int = 0, block: float | None = None) -> dict[str, tuple[float, float]]:
    """Intervals of stat(a) - stat(b) for the :data:`INTERVAL_KEYS` statistics, both resampled on the same indices.

    ``a`` and ``b`` are aligned per-period returns (same length, same periods);
    rows where either is NaN are dropped. ``block`` defaults to the
    Politis-White length of ``a - b``. NaN intervals with fewer than 3 rows.
    """
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    if a.shape != b.shape:
        raise ValidationError(f"diff_intervals: the two return series must be aligned, got {a.shape[0]} and {b.shape[0]} "
                              "rows; reindex both on the same dates first")
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    if a.shape[0] < 3:
        return {k: NAN2 for k in INTERVAL_KEYS}
    blk = optimal_block_length(a - b) if block is None else float(block)
    idx = stationary_indices(a.shape[0], blk, int(n_boot), np.random.default_rng(seed))
    sa, sb = path_stats(a[idx], periods_per_year), path_stats(b[idx], periods_per_year)
    with np.errstate(invalid="ignore"):  # a resample with no losing day has an infinite Sortino on both sides
        return {k: _percentiles(sa[k] - sb[k], level) for k in INTERVAL_KEYS}


def stat_interval(n: int, stat: Callable[[np.ndarray], np.ndarray], *, block_series: np.ndarray | None = None,
                  n_boot: int = 500, level: float = 0.95, seed: int = 0, block: float | None = None,
                  chunk: int = 300) -> tuple[float, float]:
    """Interval of ``stat`` over stationary-bootstrap resamples of ``n`` time-ordered rows.

    ``stat(idx)`` takes resample indices [b, n] and returns one value per
    resample [b]; resamples go in chunks of ``chunk`` to bound memory.
    ``block`` defaults to the Politis-White length of ``block_series``
    (a per-row series such as the loss difference), else 1.
    """
    if n < 3:
        return NAN2
    if block is None:
        block = optimal_block_length(block_series) if block_series is not None else 1.0
    rng = np.random.default_rng(seed)
    vals = []
    left = int(n_boot)
    while left > 0:
        k = min(chunk, left)
        vals.append(np.asarray(stat(stationary_indices(n, float(block), k, rng)), dtype=np.float64).reshape(-1))
        left -= k
    return _percentiles(np.concatenate(vals), level)


def mean_interval(x: np.ndarray, *, n_boot: int = 500, level: float = 0.95, seed: int = 0,
                  block: float | None = None) -> tuple[float, float]:
    """Interval of the mean of the time-ordered series ``x`` (e.g. per-row loss differences)."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    x = x[np.isfinite(x)]
    return stat_interval(x.shape[0], lambda idx: x[idx].mean(axis=1), block_series=x, n_boot=n_boot, level=level,
                         seed=seed, block=block)


__all__ = ["diff_intervals", "stat_interval", "mean_interval"]
