"""Walk-forward optimisation: optimise in sample, trade the winner out of sample, stitch.

Windows are contiguous in time. Rolling windows slide the training span;
anchored windows grow it from the first bar. The out-of-sample run of each
window computes signals over training + test bars (so indicators are warm)
but trades only the test bars, starting flat with the equity the previous
window ended with; the stitched out-of-sample daily returns are therefore a
strategy one could have run.

>>> wf = walk_forward("sma_crossover", {"fast": [5, 10], "slow": [50, 100]}, data=bars,
...                   n_windows=4, train_ratio=3)                         # doctest: +SKIP
>>> wf.windows; wf.stats; wf.equity                                     # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from nexus.data.bars import Bars
from nexus.data.timeframes import ns_to_datetime_index
from nexus.errors import ConfigError, ValidationError
from nexus.sweep.runner import METRICS, sweep


@dataclass(frozen=True)
class Window:
    train_start: int
    train_end: int  # exclusive; the test span starts here
    test_end: int  # exclusive


def make_windows(n: int, *, n_windows: int = 5, train_ratio: float = 3.0, anchored: bool = False,
                 train_bars: int | None = None, test_bars: int | None = None) -> list[Window]:
    """Contiguous train/test windows over ``n`` bars (scikit-learn-like splitting, bars as rows)."""
    if n_windows < 1:
        raise ConfigError(f"n_windows must be >= 1, got {n_windows}")
    if test_bars is None:
        # n = train + n_windows * test, with train = train_ratio * test unless train_bars is given
        test_bars = (n - train_bars) // n_windows if train_bars is not None else int(n // (n_windows + train_ratio))
    if train_bars is None:
        train_bars = int(round(train_ratio * test_bars))
    if test_bars < 2 or train_bars < 2:
        raise ValidationError(f"walk-forward over {n} bars leaves {train_bars} training and {test_bars} test bars per window; use fewer windows or more data")
    if train_bars + n_windows * test_bars > n:
        raise ValidationError(f"{n_windows} windows of {train_bars}+{test_bars} bars need {train_bars + n_windows * test_bars} bars, have {n}")
    out = []
    for i in range(n_windows):
        train_end = train_bars + i * test_bars
        start = 0 if anchored else train_end - train_bars
        out.append(Window(start, train_end, train_end + test_bars))
    return out


@dataclass
class WalkForwardResult:
    """``equity_curve``: the stitched out-of-sample value in money (each window starts with the cash the
    previous one ended with); ``stats`` are computed from it with the starting capital as start value."""

    windows: pd.DataFrame
    oos_returns: pd.Series  # daily, stitched
    stats: pd.Series
    metric: str
    meta: dict[str, Any] = field(default_factory=dict)
    equity_curve: pd.Series | None = None

    @property
    def equity(self) -> pd.Series:
        if self.equity_curve is not None:
            return self.equity_curve
        return self.meta.get("init_cash", 10_000.0) * (1.0 + self.oos_returns).cumprod()

    def __repr__(self) -> str:
        return f"WalkForwardResult({len(self.windows)} windows, metric {self.metric})\n{self.windows.to_string()}\n{self.stats.to_string()}"


def walk_forward(
    strategy: str | Callable,
    grid: Mapping[str, Any],
    *,
    data: Bars,
    metric: str = "sharpe",
    n_windows: int = 5,
    train_ratio: float = 3.0,
    anchored: bool = False,
    train_bars: int | None = None,
    test_bars: int | None = None,
    year_days: float | None = None,
    progress: bool = False,
    **kwargs: Any,
) -> WalkForwardResult:
    """Optimise ``grid`` on each training span by ``metric`` and trade the best out of sample."""
    if metric not in METRICS:
        raise ConfigError(f"metric {metric!r} is unknown; choose one of {sorted(METRICS)}")
    wins = make_windows(len(data), n_windows=n_windows, train_ratio=train_ratio, anchored=anchored,
                        train_bars=train_bars, test_bars=test_bars)
    cash = float(kwargs.pop("init_cash", 10_000.0))
    start_cash = cash
    rows, rets, days = [], [], []
    for i, w in enumerate(wins):
        is_res = sweep(strategy, grid, data=data[w.train_start:w.train_end], metric=metric, progress=progress,
                       year_days=year_days, init_cash=cash, **kwargs)
        best = is_res.best_params
        oos = sweep(strategy, {k: [v] for k, v in best.items()}, data=data[w.train_start:w.test_end], metric=metric,
                    progress=False, year_days=year_days, init_cash=cash, start_idx=w.train_end - w.train_start, **kwargs)
        r = oos.trial_returns[:, 0]
        day_ts = oos.meta.get("day_ts")
        rets.append(r)
        days.append(day_ts)
        row = {"window": i, "train_start": data.ts[w.train_start], "train_end": data.ts[w.train_end - 1],
               "test_start": data.ts[w.train_end], "test_end": data.ts[w.test_end - 1], **best,
               f"IS {is_res.metric_key}": float(is_res.best[is_res.metric_key]),
               f"OOS {oos.metric_key}": float(oos.best[oos.metric_key]),
               "OOS End Value": float(oos.best["End Value"]), "OOS Trades": int(oos.best["Trades"])}
        rows.append(row)
        cash = float(oos.best["End Value"])
    table = pd.DataFrame(rows).set_index("window")
    for c in ("train_start", "train_end", "test_start", "test_end"):
        table[c] = ns_to_datetime_index(table[c].to_numpy(np.int64))
    daily = np.concatenate(rets)
    idx = ns_to_datetime_index(np.concatenate(days)) if all(d is not None for d in days) else pd.RangeIndex(daily.size)
    oos_returns = pd.Series(daily, index=idx, name="oos_return")
    # the stitched equity in money: every window's daily returns compound the cash it started with (the
    # previous window's end value), so stats measured from it carry the capital, not a curve from 1.0
    equity = pd.Series(start_cash * np.cumprod(1.0 + daily), index=idx, name="oos_equity")
    stats = stitched_stats(equity, start_cash, year_days)
    stats["Windows"] = len(wins)
    return WalkForwardResult(windows=table, oos_returns=oos_returns, stats=stats, metric=metric,
                             meta={"init_cash": start_cash, "anchored": anchored, "year_days": year_days},
                             equity_curve=equity)


def stitched_stats(equity: pd.Series, capital: float, year_days: float | None = None) -> pd.Series:
    """Statistics of a stitched out-of-sample equity curve in money, measured from ``capital``."""
    from nexus.metrics import stats as value_stats

    ts = equity.index.as_unit("ns").asi8 if isinstance(equity.index, pd.DatetimeIndex) else None
    return value_stats(equity=equity.to_numpy(np.float64), init_cash=float(capital), ts=ts, year_days=year_days)
