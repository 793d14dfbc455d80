"""Return and risk statistics over columns, from a value curve, with the annualisation basis explicit.

Basis. With timestamps, returns are resampled to UTC days (compounded within
each day that has bars, :func:`daily_returns`) and annualised with ``year_days``:
365 when any bar falls on a Saturday or Sunday (crypto trades every day), else
252 (futures, equities). ``basis="bar"`` (or no timestamps) uses per-bar
returns annualised with ``periods_per_year`` (from ``freq`` x ``year_days`` when
given); with neither, ratios are per bar (1 period per year). The basis is
never part of a statistic's name: it is its own field, the key
``'Annualisation [days/year]'`` (daily basis) or ``'Annualisation [bars/year]'``
(bar basis), and ``stats(...).attrs["basis"]`` ("daily" or "bar").

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


BASIS_KEYS = {"daily": "Annualisation [days/year]", "bar": "Annualisation [bars/year]"}


def day_ends(ts: np.ndarray) -> np.ndarray:
    """Index of the last bar of every UTC day that has bars (``ts`` sorted, int64 ns)."""
    day = np.asarray(ts, dtype=np.int64) // NS_PER_DAY
    if day.shape[0] == 0:
        return np.zeros(0, np.int64)
    return np.flatnonzero(np.r_[day[1:] != day[:-1], True]).astype(np.int64)


def daily_returns(value: np.ndarray, ts: np.ndarray, init: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Compound a value curve [n] or [n, k] into UTC-day returns: (day start ts [d], returns [d] or [d, k]).

    Each day's return is its last value over the previous day's last value
    (the first day's over ``init``); days without bars are absent, and a
    previous value of 0 gives a return of 0. The one place bar values become
    daily returns (the stats kernel reads the same :func:`day_ends`).

    >>> import numpy as np
    >>> ts = np.array([0, 3600, 86_400, 90_000]) * 1_000_000_000
    >>> day_ts, r = daily_returns(np.array([101.0, 102.0, 99.0, 102.0]), ts, 100.0)
    >>> day_ts.tolist(), np.round(r, 6).tolist()
    ([0, 86400000000000], [0.02, 0.0])
    """
    value = np.asarray(value, dtype=np.float64)
    ts = np.asarray(ts, dtype=np.int64)
    last = day_ends(ts)
    v = value[last]
    prev = np.empty_like(v)
    if v.shape[0]:
        prev[0] = init
        prev[1:] = v[:-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(prev != 0, v / prev - 1.0, 0.0)
    return ts[last] // NS_PER_DAY * NS_PER_DAY, r


def resolve_basis(n: int, ts: np.ndarray | None, freq: str | None, basis: str | None, year_days: float | None,
                  periods_per_year: float | None) -> tuple[np.ndarray, float, str]:
    """-> (period end indices, periods per year, basis "daily" or "bar")."""
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
        if year_days is None:
            weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
            year_days = 365 if np.any(weekday >= 5) else 252
        return day_ends(ts), float(year_days), "daily"
    ends = np.arange(n, dtype=np.int64)
    if periods_per_year is None:
        if freq is not None:
            periods_per_year = (365 if year_days is None else year_days) * NS_PER_DAY / timeframe_ns(freq)
        else:
            periods_per_year = 1.0
    return ends, float(periods_per_year), "bar"


RETURN_KEYS = ("Start Value", "End Value", "Total Return [%]", "CAGR [%]", "Volatility (ann.) [%]", "Sharpe Ratio",
               "Sortino Ratio", "Calmar Ratio", "Max Drawdown [%]", "Max Drawdown [$]", "Max Drawdown Duration [bars]")


def return_stats(value: np.ndarray, init: np.ndarray, ends: np.ndarray, ppy: float,
                 risk_free: float = 0.0) -> dict[str, np.ndarray]:
    """Return and drawdown statistics per column of ``value`` [n, k]."""
    n, k = value.shape
    init = np.asarray(init, dtype=np.float64).reshape(k)
    out: dict[str, np.ndarray] = {}
    nan = np.full(k, np.nan)
    if n == 0:
        for key in RETURN_KEYS:
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
    out["CAGR [%]"] = cagr * 100.0
    out["Volatility (ann.) [%]"] = vol * 100.0
    out["Sharpe Ratio"] = sharpe
    out["Sortino Ratio"] = sortino
    out["Calmar Ratio"] = calmar
    out["Max Drawdown [%]"] = mdd * 100.0
    out["Max Drawdown [$]"] = mdd_cur
    out["Max Drawdown Duration [bars]"] = dur.astype(np.float64)
    return out
