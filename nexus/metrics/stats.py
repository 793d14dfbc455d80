"""The one stats function: return, risk and trade statistics per column, keys with units and basis.

See returns.py for the return definitions and the annualisation basis, and
trades.py for the trade definitions. Portfolio-only keys:

- Exposure [%]: share of bars whose closing position is non-zero (any column of a group).
- Turnover [x]: traded notional (size x price x multiplier, both sides) / mean value.
- Fees Paid [$], Slippage Paid [$]: sums over the orders.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nexus.errors import ConfigError
from nexus.metrics.kernels import exposure_nb, group_sums_nb, order_notional_nb
from nexus.metrics.returns import resolve_basis, return_stats
from nexus.metrics.trades import trade_stats


def _frame(out: dict[str, np.ndarray], names: list, single: bool):
    import pandas as pd

    if single:
        return pd.Series({k: float(v[0]) for k, v in out.items()}, name=names[0] if names else None)
    return pd.DataFrame({k: v for k, v in out.items()}, index=names).T


def portfolio_stats(pf: Any, *, basis: str | None = None, year_days: float | None = None,
                    periods_per_year: float | None = None, risk_free: float = 0.0, freq: str | None = None):
    value = pf._to_report(pf._value_raw)
    init = np.asarray(pf.init_cash, dtype=np.float64)
    n, k = value.shape
    ends, ppy, label = resolve_basis(n, pf.ts, freq or pf.freq, basis, year_days, periods_per_year)
    out = {"Bars": np.full(k, float(n))}
    if pf.ts is not None and n:
        out["Period [days]"] = np.full(k, (pf.ts[-1] - pf.ts[0]) / 86_400e9)
    out.update(return_stats(value, init, ends, ppy, label, risk_free))
    m = pf.n_cols
    starts = pf._report_groups if pf._report_groups is not None else np.arange(m + 1, dtype=np.int64)
    group_of_col = np.repeat(np.arange(k), np.diff(starts))
    out.update(trade_stats(pf.trades, group_of_col, k))
    out["Exposure [%]"] = exposure_nb(pf.trades, n, starts) / max(n, 1) * 100.0 if n else np.full(k, np.nan)
    orders = pf.orders
    notional = order_notional_nb(orders, pf._mult)
    traded = group_sums_nb(notional, orders["col"], group_of_col, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["Turnover [x]"] = traded / value.mean(axis=0) if n else np.full(k, np.nan)
    out["Fees Paid [$]"] = group_sums_nb(orders["fees"], orders["col"], group_of_col, k)
    out["Slippage Paid [$]"] = group_sums_nb(orders["slippage"], orders["col"], group_of_col, k)
    names = pf.group_names if pf.grouped else pf.columns
    return _frame(out, list(names), k == 1)


def stats_from_returns(returns: Any, *, ts: Any = None, freq: str | None = None, basis: str | None = None,
                       year_days: float | None = None, periods_per_year: float | None = None,
                       risk_free: float = 0.0, tz: str | None = None):
    """Statistics of any simple-return series or matrix (numpy, pandas, polars), one column each.

    Leading NaNs (a first bar without a previous close) count as 0; a NaN
    later is refused. The value curve starts at 1.

    >>> import numpy as np
    >>> s = stats_from_returns(np.array([0.01, -0.02, 0.03, 0.0]), periods_per_year=252)
    >>> round(float(s["Total Return [%]"]), 6)
    1.9494
    """
    from nexus.portfolio.inputs import read_frame

    fr = read_frame(returns, "returns", tz)
    r = np.asarray(fr.values, dtype=np.float64)
    n, k = r.shape
    if ts is not None:
        from nexus.data.timeframes import utc_ns_array

        tsa = utc_ns_array(ts, tz=tz, where="ts")
    else:
        tsa = fr.ts
    if n:
        nan = np.isnan(r)
        lead = np.cumprod(nan, axis=0).astype(bool)
        if np.any(nan & ~lead):
            row, col = np.argwhere(nan & ~lead)[0]
            raise ConfigError(f"returns row {row}, column {col}: NaN after the first valid return; fill or drop it")
        if np.isinf(r).any() or np.any(r < -1):
            row, col = np.argwhere(np.isinf(r) | (r < -1))[0]
            raise ConfigError(f"returns row {row}, column {col}: {r[row, col]} is not a simple return (>= -1)")
        r = np.where(lead, 0.0, r)
    value = np.cumprod(1.0 + r, axis=0)
    ends, ppy, label = resolve_basis(n, tsa, freq, basis, year_days, periods_per_year)
    out = {"Bars": np.full(k, float(n))}
    out.update(return_stats(value, np.ones(k), ends, ppy, label, risk_free))
    names = fr.columns if fr.columns is not None and len(fr.columns) == k else list(range(k))
    return _frame(out, names, fr.was_1d)


def stats(obj: Any, **kwargs: Any):
    """Statistics of a ``Portfolio`` (returns, risk, trades, costs) or of a return series/matrix.

    A pandas Series for one column, a DataFrame (keys x columns) for many.
    Keys carry units and the annualisation basis, e.g. ``'Sharpe Ratio (365d)'``.

    >>> import numpy as np, nexus as nx
    >>> pf = nx.Portfolio.from_signals(np.array([10.0, 11.0, 12.0]), [1, 0, 0], [0, 1, 0], price="close",
    ...                                init_cash=100.0)
    >>> s = nx.stats(pf)
    >>> round(float(s["Total Return [%]"]), 9), float(s["Closed Trades"])
    (10.0, 1.0)
    """
    if hasattr(obj, "_value_raw") and hasattr(obj, "orders"):
        return portfolio_stats(obj, **kwargs)
    return stats_from_returns(obj, **kwargs)
