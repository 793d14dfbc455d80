"""``nx.sweep``: a parameter grid as columns, chunked, on a local or Ray engine.

>>> import nexus as nx                                                  # doctest: +SKIP
>>> res = nx.sweep("sma_crossover", {"fast": range(5, 55, 5), "slow": range(20, 220, 20)},
...                data=bars, fees=0.001, slippage=0.0005)              # doctest: +SKIP
>>> res.table.head(); res.best_params; res.overfitting["dsr"]           # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from nexus.data.bars import Bars
from nexus.errors import ConfigError, ValidationError
from nexus.metrics.overfitting import dsr_from_trials, pbo_cscv
from nexus.sweep import engines
from nexus.sweep.evaluate import ChunkEvaluator, bars_to_data
from nexus.sweep.grid import auto_chunk_columns, chunks, expand_grid
from nexus.sweep.result import SweepResult

# metric name -> (column in the table, higher is better)
METRICS = {
    "sharpe": True,
    "sortino": True,
    "calmar": True,
    "total_return": True,
    "cagr": True,
    "max_drawdown": False,  # a fraction, positive: smaller is better
    "final_value": True,
}


def column_metrics(daily: np.ndarray, final_value: np.ndarray, init_cash: float, periods_per_year: float) -> dict[str, np.ndarray]:
    """Per-column performance on daily returns [days, k] (see nexus.metrics for the definitions)."""
    from nexus import metrics

    return metrics.sweep_metrics(daily, final_value=final_value, init_cash=init_cash, periods_per_year=periods_per_year)


def default_periods(bars: Bars) -> float:
    """365 days a year for crypto, 252 for futures (the instrument's calendar decides)."""
    try:
        from nexus.data import instruments

        inst = instruments.get(bars.symbol)
        return 252.0 if getattr(inst, "calendar", "24/7") != "24/7" else 365.0
    except Exception:  # unknown symbols sweep as 24/7 markets
        return 365.0


def _check_bars(data: Any) -> Bars:
    if not isinstance(data, Bars):
        raise ConfigError(f"data must be nx.Bars (e.g. store.read('BTCUSDT', '1m')), got {type(data).__name__}")
    if len(data) < 2:
        raise ValidationError(f"{data.symbol} {data.timeframe}: need at least 2 bars to sweep, got {len(data)}")
    return data


def sweep(
    strategy: str | Callable,
    grid: Mapping[str, Any],
    *,
    data: Bars,
    metric: str = "sharpe",
    method: str = "grid",
    n_iter: int | None = None,
    where: Callable[[dict], bool] | None = None,
    chunk_columns: int | None = None,
    engine: str = "local",
    address: str | None = None,
    num_cpus: int | None = None,
    seed: int = 0,
    direction: str = "long",
    periods_per_year: float | None = None,
    pbo_blocks: int = 16,
    progress: bool = True,
    start_idx: int = 0,
    **sim: Any,
) -> SweepResult:
    """Run ``strategy`` for every combination of ``grid`` over ``data``.

    Signals for all combinations of a chunk are computed as columns and
    simulated in one ``Portfolio.from_signals`` call (``sim`` keywords go to
    it: fees, slippage, price, init_cash, sl_stop, ...). A signal of +1 opens
    (or keeps) a long and -1 closes it; with ``direction="both"`` -1 also
    opens a short. The chunk size is chosen from free memory unless given.
    Returns a :class:`SweepResult` sorted by ``metric`` with PSR, DSR and PBO.
    """
    bars = _check_bars(data)
    if metric not in METRICS:
        raise ConfigError(f"metric {metric!r} is unknown; choose one of {sorted(METRICS)}")
    params = expand_grid(grid, method=method, n_iter=n_iter, seed=seed, where=where)
    n = len(bars) - start_idx
    size = chunk_columns or auto_chunk_columns(n, len(params))
    ppy = float(periods_per_year or default_periods(bars))
    sim.setdefault("init_cash", 10_000.0)
    evaluator = ChunkEvaluator(strategy=strategy, sim=dict(sim), direction=direction, periods_per_year=ppy, start_idx=start_idx)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(params), desc=f"sweep {getattr(strategy, '__name__', strategy)}", unit="combo", leave=False)
    try:
        parts = engines.run(engine, evaluator, bars_to_data(bars), chunks(params, size), address=address, num_cpus=num_cpus, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    daily = np.hstack([p["daily_returns"] for p in parts])
    final = np.concatenate([p["final_value"] for p in parts])
    trades = np.concatenate([p["n_trades"] for p in parts])
    cols = column_metrics(daily, final, float(sim["init_cash"]), ppy)
    table = pd.DataFrame(params)
    names = list(table.columns)
    table["combo"] = np.arange(len(params))
    for k, v in cols.items():
        table[k] = v
    table["final_value"] = final
    table["n_trades"] = trades
    table = table.set_index(names)
    table = table.sort_values(metric, ascending=not METRICS[metric], kind="mergesort", na_position="last")
    result = SweepResult(table=table, metric=metric, params=params, trial_returns=daily, meta={
        "strategy": getattr(strategy, "__name__", strategy), "symbol": bars.symbol, "timeframe": bars.timeframe,
        "n_bars": n, "day_ts": parts[0]["day_ts"], "engine": engine, "chunk_columns": size, "seed": seed, "periods_per_year": ppy, "sim": dict(sim),
    })
    result.overfitting = overfitting_stats(daily, int(table.iloc[0]["combo"]), pbo_blocks)
    return result


def overfitting_stats(daily: np.ndarray, best: int, pbo_blocks: int) -> dict[str, float]:
    """PSR and DSR of the chosen column (per-day Sharpe) and PBO when there are enough days and trials."""
    out: dict[str, float] = {}
    finite_cols = np.isfinite(daily).all(axis=0)
    if daily.shape[0] >= 3 and finite_cols[best]:
        stats = dsr_from_trials(daily, best=best)
        out.update({k: stats[k] for k in ("psr", "dsr", "sharpe", "n_trials", "sr_variance", "expected_max_sharpe", "skew", "kurtosis", "n_obs")})
    blocks = pbo_blocks
    while blocks > 2 and daily.shape[0] < blocks * 2:
        blocks -= 2
    if daily.shape[1] >= 2 and daily.shape[0] >= 2 * blocks and finite_cols.all():
        out["pbo"] = pbo_cscv(daily, n_blocks=blocks).pbo
        out["pbo_blocks"] = float(blocks)
    return out
