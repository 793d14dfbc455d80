"""Return and risk statistics over columns, from a value curve, with the annualisation basis explicit.

Basis. With timestamps, returns are resampled to UTC days (compounded within
each day that has bars) and annualised with ``year_days``: 365 when any bar
falls on a Saturday or Sunday (crypto trades every day), else 252 (futures,
equities); the keys carry it, e.g. ``'Sharpe Ratio (365d)'``. ``basis="bar"``
(or no timestamps) uses per-bar returns annualised with ``periods_per_year``
(from ``freq`` x ``year_days`` when given), keys like ``'Sharpe Ratio (bar x525600)'``;
with neither, ratios are per bar and the key says ``(bar x1)``.

Definitions, r = period returns, P = periods per year, N = periods:

- Total Return [%] = (V_end / V_0 - 1) x 100.
- CAGR [%] = ((V_end / V_0) ^ (P / N) - 1) x 100 (empyrical ``annual_return``).
- Volatility (ann.) [%] = std(r, ddof=1) x sqrt(P) x 100 (empyrical ``annual_volatility``).
- Sharpe Ratio = mean(r - rf) / std(r - rf, ddof=1) x sqrt(P), rf per period
  (empyrical ``sharpe_ratio``). Zero variance gives NaN (empyrical gives +-inf);
  fewer than two periods give NaN.
- Sortino Ratio = mean(r - rf) x P / (sqrt(mean(min(r - rf, 0)^2)) x sqrt(P))
  (empyrical ``sortino_ratio``). No negative period: +inf if the mean is
  positive, NaN if it is zero.
- Max Drawdown [%] and [$] (<= 0) and its duration [bars] are measured on the
  value at every bar, not on the resampled series, so they can be deeper than
  empyrical's ``max_drawdown`` of daily returns (they agree under basis="bar").
- Calmar Ratio = CAGR / |Max Drawdown| with both as fractions; NaN without a
  drawdown (empyrical: NaN too).
- Empty input (no bars) gives NaN everywhere and 0 trades.
"""

from __future__ import annotations

import numpy as np

from nexus.data.timeframes import NS_PER_DAY, timeframe_ns
from nexus.errors import ConfigError
from nexus.metrics.kernels import drawdown_nb, return_moments_nb


def resolve_basis(n: int, ts: np.ndarray | None, freq: str | None, basis: str | None, year_days: float | None,
                  periods_per_year: float | None) -> tuple[np.ndarray, float, str]:
    """-> (period end indices, periods per year, label for the keys)."""
    if basis not in (None, "daily", "bar"):
        raise ConfigError(f"basis={basis!r}; use 'daily' (default with timestamps) or 'bar'")
    if basis is None:
        basis = "daily" if ts is not None else "bar"
    if basis == "daily":
        if ts is None:
            raise ConfigError("basis='daily' needs bar timestamps (ts=, or a pandas DatetimeIndex)")
        day = np.asarray(ts, dtype=np.int64) // NS_PER_DAY
        if n and np.any(np.diff(day) < 0):
            raise ConfigError("timestamps are not sorted; sort the bars by time")
        ends = np.flatnonzero(np.r_[day[1:] != day[:-1], True]) if n else np.zeros(0, np.int64)
        if year_days is None:
            weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
            year_days = 365 if np.any(weekday >= 5) else 252
        return ends.astype(np.int64), float(year_days), f"{year_days:g}d"
    ends = np.arange(n, dtype=np.int64)
    if periods_per_year is None:
        if freq is not None:
            periods_per_year = (365 if year_days is None else year_days) * NS_PER_DAY / timeframe_ns(freq)
        else:
            periods_per_year = 1.0
    return ends, float(periods_per_year), f"bar x{periods_per_year:g}"


def return_stats(value: np.ndarray, init: np.ndarray, ends: np.ndarray, ppy: float, label: str,
                 risk_free: float = 0.0) -> dict[str, np.ndarray]:
    """Return and drawdown statistics per column of ``value`` [n, k]."""
    n, k = value.shape
    init = np.asarray(init, dtype=np.float64).reshape(k)
    out: dict[str, np.ndarray] = {}
    nan = np.full(k, np.nan)
    if n == 0:
        for key in ("Start Value", "End Value", "Total Return [%]", f"CAGR [%] ({label})",
                    f"Volatility (ann.) [%] ({label})", f"Sharpe Ratio ({label})", f"Sortino Ratio ({label})",
                    f"Calmar Ratio ({label})", "Max Drawdown [%]", "Max Drawdown [$]",
                    "Max Drawdown Duration [bars]"):
            out[key] = nan.copy()
        return out
    value = np.ascontiguousarray(value, dtype=np.float64)
    n_p = ends.shape[0]
    growth = value[-1] / init
    mean, std, std_r, down, const = return_moments_nb(value, init, ends, float(risk_free))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        cagr = growth ** (ppy / n_p) - 1.0
        vol = std_r * np.sqrt(ppy)
        # identical returns: the float residue of the mean would give a huge ratio instead of "undefined"
        sharpe = np.where(const | (std == 0), np.nan, mean / std * np.sqrt(ppy))
        down_ann = down * np.sqrt(ppy)
        sortino = np.where(down_ann > 0, mean * ppy / down_ann, np.where(mean > 0, np.inf, np.nan))
        if n_p < 2:
            sharpe = nan.copy()
            sortino = nan.copy()
    mdd, mdd_cur, dur = drawdown_nb(value, init)
    with np.errstate(divide="ignore", invalid="ignore"):
        calmar = np.where(mdd < 0, cagr / np.abs(mdd), np.nan)
    out["Start Value"] = init.copy()
    out["End Value"] = value[-1].copy()
    out["Total Return [%]"] = (growth - 1.0) * 100.0
    out[f"CAGR [%] ({label})"] = cagr * 100.0
    out[f"Volatility (ann.) [%] ({label})"] = vol * 100.0
    out[f"Sharpe Ratio ({label})"] = sharpe
    out[f"Sortino Ratio ({label})"] = sortino
    out[f"Calmar Ratio ({label})"] = calmar
    out["Max Drawdown [%]"] = mdd * 100.0
    out["Max Drawdown [$]"] = mdd_cur
    out["Max Drawdown Duration [bars]"] = dur.astype(np.float64)
    return out
