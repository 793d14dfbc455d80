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
from nexus.sweep.grid import DEFAULT_LIMIT, auto_chunk_columns, check_size, chunks, expand_grid
from nexus.sweep.result import SweepResult

# short metric name -> statistics key (keys carry units; the basis is its own column);
# every one of them is "higher is better" (drawdowns are negative percentages)
METRICS = {
    "sharpe": "Sharpe Ratio",
    "sortino": "Sortino Ratio",
    "calmar": "Calmar Ratio",
    "total_return": "Total Return [%]",
    "cagr": "CAGR [%]",
    "max_drawdown": "Max Drawdown [%]",
}


def metric_key(columns, metric: str) -> str:
    """The table column that holds ``metric`` (e.g. 'sharpe' -> 'Sharpe Ratio')."""
    if METRICS[metric] in columns:
        return METRICS[metric]
    raise ConfigError(f"no statistics column for metric {metric!r}")


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
    year_days: float | None = None,
    pbo_blocks: int = 16,
    progress: bool = True,
    start_idx: int = 0,
    limit: int | None = DEFAULT_LIMIT,
    yes: bool = False,
    **sim: Any,
) -> SweepResult:
    """Run ``strategy`` for every combination of ``grid`` over ``data``.

    Signals for all combinations of a chunk are computed as columns and
    simulated in one ``Portfolio.from_signals`` call (``sim`` keywords go to
    it: fees, slippage, price, init_cash, sl_stop, ...). A signal of +1 opens
    (or keeps) a long and -1 closes it; with ``direction="both"`` -1 also
    opens a short. The chunk size is chosen from free memory unless given.
    Returns a :class:`SweepResult` sorted by ``metric`` with PSR, DSR and PBO.
    The combinations are counted first (nothing built) and a sweep above
    ``limit`` is refused with the count and an estimated time unless ``yes``.
    """
    bars = _check_bars(data)
    if metric not in METRICS:
        raise ConfigError(f"metric {metric!r} is unknown; choose one of {sorted(METRICS)}")
    n = len(bars) - start_idx
    line = check_size(grid, n, method=method, n_iter=n_iter, where=where, limit=limit, yes=yes)
    if progress:
        import sys

        print(f"[sweep] {line}", file=sys.stderr, flush=True)
    params = expand_grid(grid, method=method, n_iter=n_iter, seed=seed, where=where)
    size = chunk_columns or auto_chunk_columns(n, len(params))
    sim.setdefault("init_cash", 10_000.0)
    evaluator = ChunkEvaluator(strategy=strategy, sim=dict(sim), direction=direction, year_days=year_days, start_idx=start_idx)
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
    trades = np.concatenate([p["n_trades"] for p in parts])
    table = pd.DataFrame(params)
    names = list(table.columns)
    table["combo"] = np.arange(len(params))
    for key in parts[0]["stats"]:
        table[key] = np.concatenate([p["stats"][key] for p in parts])
    table["Trades"] = trades
    table = table.set_index(names)
    key = metric_key(table.columns, metric)
    table = table.sort_values(key, ascending=False, kind="mergesort", na_position="last")
    result = SweepResult(table=table, metric=metric, params=params, trial_returns=daily, meta={
        "strategy": getattr(strategy, "__name__", strategy), "symbol": bars.symbol, "timeframe": bars.timeframe,
        "n_bars": n, "day_ts": parts[0]["day_ts"], "engine": engine, "chunk_columns": size, "seed": seed, "metric_key": key, "sim": dict(sim),
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
