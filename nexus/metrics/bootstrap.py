"""Stationary block bootstrap (Politis-Romano 1994) with automatic block length (Politis-White 2004).

Daily strategy returns are autocorrelated (positions last days), so an
i.i.d. bootstrap understates the spread of a Sharpe ratio. The stationary
bootstrap resamples blocks of random (geometric) length with mean ``block``
and wraps around the end, so every resample is stationary. The block
length comes from Politis and White's spectral rule with Patton, Politis and
White's (2009) correction: b = (2 G^2 / D)^(1/3) n^(1/3), G and D from the
flat-top-kernel estimates of the autocovariances up to the first run of
``kn`` insignificant lags, capped at min(3 sqrt(n), n / 3).

Intervals are percentile intervals over ``n_boot`` resamples for Sharpe,
Sortino, Calmar, total return and max drawdown, computed on each resampled
return path with the definitions of :mod:`nexus.metrics.returns` (per-period
returns, ``periods_per_year``). Seeded: the same ``seed`` gives the same
intervals.

>>> import numpy as np
>>> r = np.random.default_rng(0).normal(0.001, 0.01, 250)
>>> ci = bootstrap_intervals(r, 252.0, n_boot=200, seed=1)
>>> lo, hi = ci["Sharpe Ratio"]
>>> bool(lo < hi)
True
"""

from __future__ import annotations

import math

import numpy as np

INTERVAL_KEYS = ("Sharpe Ratio", "Sortino Ratio", "Calmar Ratio", "Total Return [%]", "Max Drawdown [%]")


def optimal_block_length(x: np.ndarray) -> float:
    """Politis-White block length of the stationary bootstrap for the series ``x`` (>= 1)."""
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    if n < 4:
        return 1.0
    eps = x - x.mean()
    b_max = math.ceil(min(3.0 * math.sqrt(n), n / 3.0))
    kn = max(5, int(math.sqrt(math.log10(n))))
    m_max = min(int(math.ceil(math.sqrt(n))) + kn, n - 1)
    crit = 2.0 * math.sqrt(math.log10(n) / n)
    acv = np.array([eps[k:] @ eps[: n - k] / n for k in range(m_max + 1)])
    if acv[0] <= 0:
        return 1.0
    rho = np.abs(acv[1:] / acv[0])  # rho[k - 1] = |autocorrelation at lag k|
    m_hat = None
    for m in range(0, m_max - kn + 1):
        if np.all(rho[m : m + kn] < crit):  # lags m+1 .. m+kn all insignificant
            m_hat = m
            break
    big_m = m_max if m_hat is None else min(2 * max(m_hat, 1), m_max)
    g = 0.0
    long_run = acv[0]
    for k in range(1, big_m + 1):
        t = k / big_m
        lam = 1.0 if t <= 0.5 else 2.0 * (1.0 - t)  # flat-top kernel
        g += 2.0 * lam * k * acv[k]
        long_run += 2.0 * lam * acv[k]
    d = 2.0 * long_run**2
    if d <= 0 or g == 0:
        return 1.0
    b = (2.0 * g * g / d) ** (1.0 / 3.0) * n ** (1.0 / 3.0)
    return float(min(max(b, 1.0), b_max))


def stationary_indices(n: int, block: float, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """[n_boot, n] resample indices: a new block starts with probability 1 / ``block``, else the next index (wrapping)."""
    p = 1.0 / max(float(block), 1.0)
    new = rng.random((n_boot, n)) < p
    starts = rng.integers(0, n, size=(n_boot, n))
    idx = np.empty((n_boot, n), dtype=np.int64)
    idx[:, 0] = starts[:, 0]
    for t in range(1, n):  # a loop over time, vectorised over resamples
        idx[:, t] = np.where(new[:, t], starts[:, t], (idx[:, t - 1] + 1) % n)
    return idx


def path_stats(r: np.ndarray, periods_per_year: float) -> dict[str, np.ndarray]:
    """Sharpe, Sortino, Calmar, total return [%] and max drawdown [%] of each row of returns [b, n]."""
    r = np.atleast_2d(np.asarray(r, dtype=np.float64))
    n = r.shape[1]
    ppy = float(periods_per_year)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = r.mean(axis=1)
        sd = r.std(axis=1, ddof=1) if n > 1 else np.full(r.shape[0], np.nan)
        sharpe = np.where(sd > 0, mu / np.where(sd > 0, sd, 1.0) * math.sqrt(ppy), np.nan)
        down = np.sqrt(np.mean(np.minimum(r, 0.0) ** 2, axis=1))
        sortino = np.where(down > 0, mu * ppy / (np.where(down > 0, down, 1.0) * math.sqrt(ppy)),
                           np.where(mu > 0, np.inf, np.nan))
        value = np.cumprod(1.0 + r, axis=1)
        peak = np.maximum.accumulate(np.maximum(value, 1.0), axis=1)
        mdd = np.minimum((value / peak - 1.0).min(axis=1), 0.0)
        total = value[:, -1] - 1.0
        cagr = value[:, -1] ** (ppy / n) - 1.0
        calmar = np.where(mdd < 0, cagr / np.abs(np.where(mdd < 0, mdd, 1.0)), np.nan)
    return {"Sharpe Ratio": sharpe, "Sortino Ratio": sortino, "Calmar Ratio": calmar,
            "Total Return [%]": total * 100.0, "Max Drawdown [%]": mdd * 100.0}


def bootstrap_intervals(returns: np.ndarray, periods_per_year: float, *, n_boot: int = 1000, level: float = 0.9,
                        seed: int = 0, block: float | None = None) -> dict[str, tuple[float, float]]:
    """Percentile intervals (``level``) of the :data:`INTERVAL_KEYS` statistics by the stationary bootstrap.

    ``block`` defaults to :func:`optimal_block_length` of ``returns``. NaN intervals with fewer than 3 returns.
    """
    r = np.asarray(returns, dtype=np.float64).reshape(-1)
    r = r[np.isfinite(r)]
    if r.shape[0] < 3:
        return {k: (float("nan"), float("nan")) for k in INTERVAL_KEYS}
    b = optimal_block_length(r) if block is None else float(block)
    idx = stationary_indices(r.shape[0], b, int(n_boot), np.random.default_rng(seed))
    stats = path_stats(r[idx], periods_per_year)
    q = ((1.0 - level) / 2.0 * 100.0, (1.0 + level) / 2.0 * 100.0)
    out = {}
    for k in INTERVAL_KEYS:
        v = stats[k]
        v = v[np.isfinite(v)]
        out[k] = (float(np.percentile(v, q[0])), float(np.percentile(v, q[1]))) if len(v) else (float("nan"), float("nan"))
    return out


__all__ = ["bootstrap_intervals", "optimal_block_length", "stationary_indices", "path_stats", "INTERVAL_KEYS"]
