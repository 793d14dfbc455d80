"""Walk-forward optimisation of pipeline configs: choose in sample by an objective, trade the next window.

The span of the ranked book (its clock series in the store, within
``run.start`` / ``run.end``) is cut into contiguous UTC-day windows. In
each, :func:`nexus.sweep.pipeline.pipeline_sweep` ranks the grid on the
in-sample days by ``objective``; the winner is backtested on the next
out-of-sample days, starting with the cash the previous window ended with
(the first with the book's capital). The out-of-sample equity curves, in
money, are stitched; the statistics are computed from that stitched curve
with the book's capital as the start value. Each out-of-sample backtest
starts cold: its first ``run.warmup_bars`` bars make no decisions.

>>> wf = pipeline_walk_forward({"run": {"use_models": False}}, {"risk.stop_loss": [0.01, 0.02]},
...                            n_windows=3)                                  # doctest: +SKIP
>>> wf.windows; wf.stats; wf.equity                                          # doctest: +SKIP
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np
import pandas as pd

from nexus.data.timeframes import NS_PER_DAY, to_utc_ns
from nexus.errors import ConfigError, ValidationError
from nexus.metrics import daily_returns
from nexus.metrics.relative import relative_stats
from nexus.pipeline.config import BacktestConfig
from nexus.sweep.pipeline import pipeline_sweep
from nexus.sweep.runner import METRICS
from nexus.sweep.walkforward import WalkForwardResult, stitched_stats


def _iso(ns: int) -> str:
    return pd.Timestamp(ns, tz="UTC").strftime("%Y-%m-%dT%H:%M:%S")


def book_span(cfg: BacktestConfig, book: Any, store: Any) -> tuple[int, int]:
    """[first day start, end) in ns of the book's clock series, within run.start / run.end."""
    from nexus.data.store import BarStore

    st = store if hasattr(store, "read") else BarStore(store or cfg.run.store)
    clock_series = [(s, tf) for s, tf in book.parsed() if tf == book.clock] or book.parsed()
    sym, tf = clock_series[0]
    bars = st.read(sym, tf, start=cfg.run.start or None, end=cfg.run.end or None)
    if len(bars) < 2:
        raise ValidationError(f"walk-forward: {sym}/{tf} has {len(bars)} bar(s) in the period; widen run.start/run.end")
    first = int(bars.ts[0]) // NS_PER_DAY * NS_PER_DAY
    last = (int(bars.ts[-1]) // NS_PER_DAY + 1) * NS_PER_DAY
    if cfg.run.end:
        last = min(last, to_utc_ns(cfg.run.end))
    return first, last


def day_windows(first: int, last: int, n_windows: int, train_ratio: float, anchored: bool) -> list[tuple[int, int, int, int]]:
    """(train start, train end = test start, test end) ... in ns, whole UTC days."""
    if n_windows < 1:
        raise ConfigError(f"walk-forward windows must be >= 1, got {n_windows}")
    days = (last - first) // NS_PER_DAY
    test = int(days // (n_windows + train_ratio))
    train = int(round(train_ratio * test))
    if test < 2 or train < 2:
        raise ValidationError(f"walk-forward over {days} days leaves {train} in-sample and {test} out-of-sample days per "
                              "window; use fewer windows, a smaller train_ratio or a longer period")
    out = []
    for i in range(n_windows):
        te = first + (train + i * test) * NS_PER_DAY
        ts = first if anchored else te - train * NS_PER_DAY
        out.append((ts, te, te, te + test * NS_PER_DAY))
    return out


def pipeline_walk_forward(config: Any, grid: Mapping[str, Any], *, n_windows: int = 4, train_ratio: float = 3.0,
                          anchored: bool = False, objective: str = "sharpe", book: str | None = None, store: Any = None,
                          **sweep_kwargs: Any) -> WalkForwardResult:
    """Walk-forward optimisation of ``grid`` (backtest config keys) over ``config``; see the module docstring.

    ``sweep_kwargs`` go to each in-sample :func:`pipeline_sweep` (engine, workers, n_boot, ...).
    """
    from nexus.pipeline.runner import backtest, resolve_config

    if objective not in METRICS:
        raise ConfigError(f"objective {objective!r} is unknown; choose one of {sorted(METRICS)}")
    base_cfg = resolve_config(config)
    names = [b.name for b in base_cfg.books]
    if book and book not in names:
        raise ConfigError(f"{base_cfg.source}: book {book!r} is not in the config; books: {', '.join(names)}")
    bname = book or names[0]
    bcfg = base_cfg.books[names.index(bname)]
    wins = day_windows(*book_span(base_cfg, bcfg, store), n_windows, train_ratio, anchored)
    base = base_cfg.to_dict()
    capital = float(bcfg.capital)
    cash = capital
    key = METRICS[objective]
    rows, curves, strat_daily, bench_daily, days = [], [], [], [], []
    sweep_kwargs.setdefault("progress", False)
    for i, (trs, tre, tss, tse) in enumerate(wins):
        span = {"run.start": _iso(trs), "run.end": _iso(tre)}
        is_res = pipeline_sweep(BacktestConfig.from_dict(base, source=base_cfg.source, overrides=span), grid,
                                metric=objective, book=bname, store=store, **sweep_kwargs)
        best = is_res.best_params
        cfg = BacktestConfig.from_dict(base, source=base_cfg.source,
                                       overrides={**best, "run.start": _iso(tss), "run.end": _iso(tse)})
        cfg.books[names.index(bname)].capital = cash
        cfg.validate()
        res = backtest(cfg, store=store, echo=False)
        b = res.books[bname]
        curves.append(b.equity)
        d_ts, r = daily_returns(b.equity.to_numpy(np.float64), b.equity.index.as_unit("ns").asi8, cash)
        strat_daily.append(r)
        days.append(d_ts)
        if "buy_and_hold" in b.baselines:
            bh = b.baselines["buy_and_hold"].equity
            bench_daily.append(daily_returns(bh.to_numpy(np.float64), bh.index.as_unit("ns").asi8, cash)[1])
        rows.append({"window": i, "train_start": pd.Timestamp(trs, tz="UTC"), "train_end": pd.Timestamp(tre, tz="UTC"),
                     "test_start": pd.Timestamp(tss, tz="UTC"), "test_end": pd.Timestamp(tse, tz="UTC"),
                     **{k: (",".join(v) if isinstance(v, list) else v) for k, v in best.items()},
                     f"IS {key}": float(is_res.best[key]), f"OOS {key}": float(b.stats.get(key, math.nan)),
                     "OOS Start Value": cash, "OOS End Value": float(b.equity.iloc[-1]),
                     "OOS Trades": int(len(b.trades))})
        cash = float(b.equity.iloc[-1])
    equity = pd.concat(curves).rename("oos_equity")
    year_days = float(b.stats.get("Annualisation [days/year]", 365.0))  # the book's calendar basis
    stats = stitched_stats(equity, capital, year_days)
    daily = np.concatenate(strat_daily)
    if len(bench_daily) == len(wins):
        ppy = float(stats.get("Annualisation [days/year]", 365.0))
        rel = relative_stats(daily, np.concatenate(bench_daily), ppy)
        stats = pd.concat([stats, pd.Series({k: float(v[0]) for k, v in rel.items()})])
    stats["Windows"] = len(wins)
    oos = pd.Series(daily, index=pd.to_datetime(np.concatenate(days), utc=True), name="oos_return")
    return WalkForwardResult(windows=pd.DataFrame(rows).set_index("window"), oos_returns=oos, stats=stats,
                             metric=objective, equity_curve=equity,
                             meta={"init_cash": capital, "anchored": anchored, "book": bname, "kind": "pipeline",
                                   "grid": dict(grid), "base": base, "source": base_cfg.source})
