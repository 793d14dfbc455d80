"""The one stats function: return, risk and trade statistics per column from public arrays.

See returns.py for the return definitions and the annualisation basis, and
trades.py for the trade definitions. The basis is its own field
(``'Annualisation [days/year]'`` or ``'Annualisation [bars/year]'``, and
``.attrs["basis"]``), never part of a statistic's name. Keys that need the
simulation's records:

- Exposure [%] (``trades``): share of bars whose closing position is non-zero (any column of a group).
- Turnover [x] (``orders``): traded notional (size x price x multiplier, both sides) / mean value.
- Fees Paid [$], Slippage Paid [$] (``orders``): sums over the orders.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nexus.data.frames import read_frame
from nexus.data.timeframes import NS_PER_DAY, utc_ns_array
from nexus.errors import ConfigError
from nexus.metrics.kernels import exposure_nb, group_sums_nb, order_notional_nb
from nexus.metrics.returns import BASIS_KEYS, resolve_basis, return_stats
from nexus.metrics.trades import trade_stats


def _frame(out: dict[str, np.ndarray], names: list, single: bool, basis: str):
    import pandas as pd

    if single:
        res = pd.Series({k: float(v[0]) for k, v in out.items()}, name=names[0] if names else None)
    else:
        res = pd.DataFrame({k: v for k, v in out.items()}, index=names).T
    res.attrs["basis"] = basis
    return res


def _returns_to_value(r: np.ndarray) -> np.ndarray:
    """Simple returns [n, k] -> value curve from 1; leading NaNs (no previous close yet) count as 0."""
    if r.shape[0]:
        nan = np.isnan(r)
        lead = np.cumprod(nan, axis=0).astype(bool)
        if np.any(nan & ~lead):
            row, col = np.argwhere(nan & ~lead)[0]
            raise ConfigError(f"returns row {row}, column {col}: NaN after the first valid return; fill or drop it")
        if np.isinf(r).any() or np.any(r < -1):
            row, col = np.argwhere(np.isinf(r) | (r < -1))[0]
            raise ConfigError(f"returns row {row}, column {col}: {r[row, col]} is not a simple return (>= -1)")
        r = np.where(lead, 0.0, r)
    return np.cumprod(1.0 + r, axis=0)


def stats(returns: Any = None, trades: np.ndarray | None = None, *, equity: Any = None, init_cash: Any = None,
          orders: np.ndarray | None = None, multiplier: Any = 1.0, groups: np.ndarray | None = None,
          names: list | None = None, ts: Any = None, freq: str | None = None, basis: str | None = None,
          year_days: float | None = None, periods_per_year: float | None = None, risk_free: float = 0.0,
          tz: str | None = None):
    """Statistics of simple ``returns`` or of an ``equity`` curve (numpy, pandas, polars), one column each.

    ``returns``: leading NaNs (a first bar without a previous close) count as
    0, a NaN later is refused; the value curve starts at 1. ``equity``: the
    value at each bar's close, measured from ``init_cash`` (default: the first
    value). ``trades`` / ``orders`` are the simulator's record arrays
    (``nexus.portfolio.records``), ``multiplier`` the contract multiplier
    (scalar, per column or ``[n, m]``) and ``groups`` the first column of each
    reported group plus the column count (records are per column, values per
    group). Timestamps (``ts=`` or a DatetimeIndex) give the daily basis.
    A ``Portfolio`` is accepted too and passes its own arrays.

    A pandas Series for one column, a DataFrame (keys x columns) for many.

    >>> import numpy as np
    >>> s = stats(np.array([0.01, -0.02, 0.03, 0.0]), periods_per_year=252)
    >>> round(float(s["Total Return [%]"]), 6), float(s["Annualisation [bars/year]"]), s.attrs["basis"]
    (1.9494, 252.0, 'bar')
    >>> import nexus as nx
    >>> pf = nx.Portfolio.from_signals(np.array([10.0, 11.0, 12.0]), [1, 0, 0], [0, 1, 0], price="close",
    ...                                init_cash=100.0)
    >>> s = nx.metrics.stats(pf)
    >>> round(float(s["Total Return [%]"]), 9), float(s["Closed Trades"])
    (10.0, 1.0)
    """
    kwargs = dict(freq=freq, basis=basis, year_days=year_days, periods_per_year=periods_per_year,
                  risk_free=risk_free)
    if hasattr(returns, "stats") and hasattr(returns, "orders"):
        return returns.stats(**kwargs)  # a Portfolio: it passes its public arrays back down here
    if (returns is None) == (equity is None):
        raise ConfigError("stats: pass returns or equity (one of them)")
    fr = read_frame(returns if equity is None else equity, "returns" if equity is None else "equity", tz)
    data = np.asarray(fr.values, dtype=np.float64)
    n, k = data.shape
    tsa = utc_ns_array(ts, tz=tz, where="ts") if ts is not None else fr.ts
    if equity is None:
        value, init = _returns_to_value(data), np.ones(k)
    else:
        value = np.ascontiguousarray(data)
        init = value[0].copy() if init_cash is None and n else np.broadcast_to(
            np.asarray(1.0 if init_cash is None else init_cash, dtype=np.float64), (k,)).copy()
    ends, ppy, basis_used = resolve_basis(n, tsa, freq, basis, year_days, periods_per_year)
    out = {"Bars": np.full(k, float(n))}
    if tsa is not None and n:
        out["Period [days]"] = np.full(k, (tsa[-1] - tsa[0]) / NS_PER_DAY)
    out.update(return_stats(value, init, ends, ppy, risk_free))
    if trades is not None or orders is not None:
        starts = np.asarray(groups, dtype=np.int64) if groups is not None else np.arange(k + 1, dtype=np.int64)
        group_of_col = np.repeat(np.arange(k), np.diff(starts))
    if trades is not None:
        out.update(trade_stats(trades, group_of_col, k))
        out["Exposure [%]"] = exposure_nb(trades, n, starts) / max(n, 1) * 100.0 if n else np.full(k, np.nan)
    if orders is not None:
        mult = np.asarray(multiplier, dtype=np.float64)
        mult = mult.reshape(1, 1) if mult.ndim == 0 else (mult.reshape(1, -1) if mult.ndim == 1 else mult)
        notional = order_notional_nb(orders, mult)
        traded = group_sums_nb(notional, orders["col"], group_of_col, k)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["Turnover [x]"] = traded / value.mean(axis=0) if n else np.full(k, np.nan)
        out["Fees Paid [$]"] = group_sums_nb(orders["fees"], orders["col"], group_of_col, k)
        out["Slippage Paid [$]"] = group_sums_nb(orders["slippage"], orders["col"], group_of_col, k)
    out[BASIS_KEYS[basis_used]] = np.full(k, ppy)
    single = fr.was_1d if names is None else k == 1
    if names is None:
        names = fr.columns if fr.columns is not None and len(fr.columns) == k else list(range(k))
    return _frame(out, list(names), single, basis_used)
