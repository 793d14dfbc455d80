"""Benchmark-relative statistics: alpha, beta, information ratio, tracking error, up / down capture.

Every backtest statistics table carries these against the book's buy-and-hold
baseline (equal weight across its series, same clock, data and costs), on
daily returns of both curves (UTC days, :func:`nexus.metrics.daily_returns`).
r = strategy period returns, b = benchmark period returns, a = r - b, P =
periods per year. Definitions follow empyrical (the tests compare with
empyrical-reloaded):

- Beta = mean((b - mean b) r) / mean((b - mean b)^2) (population moments;
  empyrical ``beta``); NaN with fewer than two periods or a constant benchmark.
- Alpha (ann.) [%] = ((1 + mean(r - Beta b)) ^ P - 1) x 100 (empyrical ``alpha``).
- Tracking Error (ann.) [%] = std(a, ddof=1) x sqrt(P) x 100.
- Information Ratio = mean(a) / std(a, ddof=1) x sqrt(P) (empyrical
  ``excess_sharpe`` annualised); NaN when the tracking error is 0.
- Up Capture / Down Capture = annualised return of r over the periods with
  b > 0 (b < 0) divided by that of b over the same periods (empyrical
  ``up_capture`` / ``down_capture``); NaN without such periods.

>>> import numpy as np
>>> out = relative_stats(np.array([0.02, -0.01, 0.03]), np.array([0.01, -0.02, 0.02]), 252.0)
>>> round(float(out["Beta"][0]), 6)
1.0
"""

from __future__ import annotations

import numpy as np

RELATIVE_KEYS = ("Alpha (ann.) [%]", "Beta", "Information Ratio", "Tracking Error (ann.) [%]", "Up Capture",
                 "Down Capture")


def _annual_return(r: np.ndarray, ppy: float) -> np.ndarray:
    """Compounded annual growth of period returns [d, k] (NaN with no periods)."""
    n = r.shape[0]
    if n == 0:
        return np.full(r.shape[1], np.nan)
    growth = np.prod(1.0 + r, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return growth ** (ppy / n) - 1.0


def _capture(r: np.ndarray, b: np.ndarray, mask: np.ndarray, ppy: float) -> np.ndarray:
    if not mask.any():
        return np.full(r.shape[1], np.nan)
    num = _annual_return(r[mask], ppy)
    den = _annual_return(b[mask][:, None], ppy)[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den if den != 0 else np.full(r.shape[1], np.nan)


def relative_stats(returns: np.ndarray, benchmark: np.ndarray, periods_per_year: float) -> dict[str, np.ndarray]:
    """The benchmark-relative statistics of ``returns`` [d] or [d, k] against ``benchmark`` [d], one value per column.

    Both are simple period returns on the same periods (rows where either is NaN are dropped).
    """
    r = np.asarray(returns, dtype=np.float64)
    r = r.reshape(len(r), -1)
    b = np.asarray(benchmark, dtype=np.float64).reshape(-1)
    if b.shape[0] != r.shape[0]:
        raise ValueError(f"relative_stats: {r.shape[0]} strategy periods but {b.shape[0]} benchmark periods")
    ok = np.isfinite(b) & np.isfinite(r).all(axis=1)
    r, b = r[ok], b[ok]
    k, n, ppy = r.shape[1], r.shape[0], float(periods_per_year)
    nan = np.full(k, np.nan)
    out = {key: nan.copy() for key in RELATIVE_KEYS}
    if n < 2:
        return out
    resid = b - b.mean()
    var = float(np.mean(resid * resid))
    with np.errstate(invalid="ignore", divide="ignore"):
        beta = (resid[:, None] * r).mean(axis=0) / var if var > 0 else nan.copy()
        alpha = (1.0 + (r - beta[None, :] * b[:, None]).mean(axis=0)) ** ppy - 1.0
        active = r - b[:, None]
        sd = active.std(axis=0, ddof=1)
        ir = np.where(sd > 0, active.mean(axis=0) / np.where(sd > 0, sd, 1.0), np.nan) * np.sqrt(ppy)
    out["Alpha (ann.) [%]"] = alpha * 100.0
    out["Beta"] = beta
    out["Information Ratio"] = ir
    out["Tracking Error (ann.) [%]"] = sd * np.sqrt(ppy) * 100.0
    out["Up Capture"] = _capture(r, b, b > 0, ppy)
    out["Down Capture"] = _capture(r, b, b < 0, ppy)
    return out


__all__ = ["relative_stats", "RELATIVE_KEYS"]
