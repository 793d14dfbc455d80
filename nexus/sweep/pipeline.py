"""Pipeline sweeps: grid or random draws over any key of the backtest config, run by ``nx.backtest`` itself.

Every combination is the base config with the combination's keys set
(``BacktestConfig.from_dict(base, overrides=combo)``) and is evaluated by
:func:`nexus.pipeline.backtest`, the code behind ``nexus backtest``; there is
no second implementation. Combinations are visited grouped by the config
keys the upstream stages read, and a :class:`nexus.pipeline.cache.StageCache`
per process shares what they agree on: bars, MQScore and signals per series
whenever the strategies are the same, layers 1-7 when only book limits or
costs vary, and everything but the simulation when only costs vary.

Each row holds the ranked book's statistics (benchmark-relative ones
included) with stationary-bootstrap intervals (``<stat> lo`` / ``<stat> hi``,
``level``) of its daily returns; PSR / DSR of the best row and PBO come from
the [days, combinations] matrix of daily returns. The best combination's
resolved config is a TOML file that ``nexus backtest --config`` runs unchanged.

>>> import nexus as nx                                                        # doctest: +SKIP
>>> res = pipeline_sweep({"run": {"use_models": False}},
...                      {"risk.stop_loss": [0.01, 0.02], "costs.fee": [0.0005, 0.001]})  # doctest: +SKIP
>>> res.table.head(); res.overfitting; res.best_config.risk.stop_loss              # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from nexus.config import BACKTEST
from nexus.config.render import to_toml
from nexus.errors import ConfigError
from nexus.metrics.bootstrap import INTERVAL_KEYS, bootstrap_intervals
from nexus.pipeline.cache import STAGE_KEYS, StageCache, config_key
from nexus.pipeline.config import BacktestConfig
from nexus.sweep import engines
from nexus.sweep.grid import check_size, chunks, expand_grid
from nexus.sweep.result import SweepResult
from nexus.sweep.runner import METRICS, overfitting_stats

RANGE_KEYS = {"from", "to", "step", "steps"}
COMBINATION_LIMIT = 2000  # full backtests a pipeline sweep runs without yes=True / --yes


@dataclass
class PipelineSweepResult(SweepResult):
    """A :class:`SweepResult` whose parameters are backtest config keys; ``best_config`` is the winner."""

    base: dict[str, Any] = field(default_factory=dict)
    source: str = "<dict>"
    shared_stages: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def best_config(self) -> BacktestConfig:
        return BacktestConfig.from_dict(self.base, source=self.source, overrides=self.best_params)

    def best_toml(self) -> str:
        """The best combination's resolved config as TOML (``nexus backtest --config`` runs it unchanged)."""
        return to_toml(BACKTEST, self.best_config.to_dict())

    def config_of(self, combo: int) -> BacktestConfig:
        return BacktestConfig.from_dict(self.base, source=self.source, overrides=self.params[combo])


# ----------------------------------------------------------------------------- the grid
def _flatten(grid: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in grid.items():
        path = f"{prefix}{k}"
        if isinstance(v, Mapping) and not (set(v) and set(v) <= RANGE_KEYS):
            out.update(_flatten(v, path + "."))
        else:
            out[path] = v
    return out


def _range(key: str, spec: Mapping[str, Any], kind: str, where: str) -> list:
    label = f"{where}: [grid] {key}"
    if "from" not in spec or "to" not in spec:
        raise ConfigError(f"{label}: a range needs from and to (and step or steps)")
    lo, hi = spec["from"], spec["to"]
    if "steps" in spec:
        raw = np.linspace(lo, hi, int(spec["steps"])) if int(spec["steps"]) > 1 else np.array([lo])
    else:
        step = spec.get("step", 1)
        if not step or step <= 0:
            raise ConfigError(f"{label}: step must be positive, got {step!r}")
        raw = lo + step * np.arange(int(math.floor((hi - lo) / step + 1e-9)) + 1)
    return [int(round(v)) for v in raw] if kind == "int" else [round(float(v), 12) for v in raw]


def check_grid(grid: Mapping[str, Any], where: str = "<grid>") -> dict[str, list]:
    """Every grid key must be a backtest config key and every value allowed there; returns key -> values."""
    flat = _flatten(grid or {})
    if not flat:
        raise ConfigError(f"{where}: [grid] is empty; give at least one backtest config key, e.g. "
                          "risk.stop_loss = [0.01, 0.02] (every key: nexus config show)")
    out: dict[str, list] = {}
    for key, spec in flat.items():
        if key == "profile" or key.startswith("books"):
            raise ConfigError(f"{where}: [grid] {key}: cannot be swept (profiles move every default, books are rows); "
                              "sweep the keys themselves")
        try:
            kdef = BACKTEST.key(key)
        except ConfigError:
            BACKTEST.set({}, key, None, f"{where}: [grid]")  # names the unknown key and what exists there
            raise
        if isinstance(spec, Mapping):
            vals = _range(key, spec, kdef.kind, where)
        elif isinstance(spec, list):
            vals = list(spec)
        else:
            vals = [spec]
        if kdef.kind.startswith("list") and vals and not isinstance(vals[0], list):
            vals = [[v] if not isinstance(v, list) else v for v in vals]  # ["trend", "all"] -> [["trend"], ["all"]]
        if not vals:
            raise ConfigError(f"{where}: [grid] {key}: the list is empty; give at least one value")
        for v in vals:
            BACKTEST.set({}, key, v, f"{where}: [grid]")
            if key == "layers.signals.strategies" and v != ["all"]:
                from nexus.strategies.registry import select

                try:
                    select(v)
                except ConfigError as exc:
                    raise ConfigError(f"{where}: [grid] {key} = {v}: {exc}") from None
        out[key] = vals
    return out


# ----------------------------------------------------------------------------- evaluation
_CACHE: StageCache | None = None  # one per process: shared by every chunk that process runs


def reset_cache() -> None:
    """Forget this process's shared stages (the next sweep computes every stage afresh)."""
    global _CACHE
    _CACHE = None


def _process_cache(max_entries: int | dict[str, int]) -> StageCache:
    global _CACHE
    if _CACHE is None or _CACHE.max_entries != max_entries:
        _CACHE = StageCache(max_entries=max_entries)
    return _CACHE


def row_of(res: Any, book: str | None, *, n_boot: int, level: float, seed: int) -> dict[str, Any]:
    """One combination's row: the ranked book's statistics, bootstrap intervals and daily returns."""
    b = res.books[book] if book else res.main
    stats = {str(k): float(v) for k, v in b.stats.items() if isinstance(v, (int, float, np.number))}
    r = b.daily_returns
    ppy = stats.get("Annualisation [days/year]", 365.0)
    ci = bootstrap_intervals(r.to_numpy(np.float64), ppy, n_boot=n_boot, level=level, seed=seed)
    for k in INTERVAL_KEYS:
        stats[f"{k} lo"], stats[f"{k} hi"] = ci[k]
    return {"stats": stats, "day_ts": r.index.as_unit("ns").asi8.copy(), "daily": r.to_numpy(np.float64)}


@dataclass
class PipelineChunk:
    """Evaluate ``[(combo index, overrides), ...]`` with :func:`nexus.pipeline.backtest` (picklable for Ray and pools)."""

    base: dict[str, Any]
    source: str
    store: str | None
    book: str | None
    n_boot: int = 1000
    level: float = 0.9
    seed: int = 0
    cache_entries: int | dict[str, int] = 8

    def __call__(self, data: dict, items: Sequence[tuple[int, dict]]) -> list[dict]:
        from nexus.pipeline.runner import backtest

        cache = _process_cache(self.cache_entries)
        before = cache.report()
        out = []
        for i, combo in items:
            cfg = BacktestConfig.from_dict(self.base, source=self.source, overrides=combo)
            res = backtest(cfg, store=self.store, echo=False, cache=cache)
            out.append({"combo": i, **row_of(res, self.book, n_boot=self.n_boot, level=self.level, seed=self.seed)})
        after = cache.report()
        delta = {s: {k: v - before.get(s, {}).get(k, 0) for k, v in d.items()} for s, d in after.items()}
        return [{"rows": out, "cache": delta}]


def _order(base: dict[str, Any], source: str, params: list[dict]) -> tuple[list[int], int]:
    """Combinations grouped by what upstream stages read, so neighbours share cached stages; and how many
    groups differ in layers 1-7 (work that parallel workers do not repeat)."""
    def key(i: int) -> tuple[str, str, str]:
        r = BacktestConfig.from_dict(base, source=source, overrides=params[i]).to_dict()
        return (config_key(r, STAGE_KEYS["signals"] + STAGE_KEYS["symbol"]), config_key(r, STAGE_KEYS["limits"]),
                config_key(r, STAGE_KEYS["simulation"]))
    keys = {i: key(i) for i in range(len(params))}
    return sorted(range(len(params)), key=lambda i: (keys[i], i)), len({k[0] for k in keys.values()})


def _label(v: Any) -> Any:
    return ",".join(map(str, v)) if isinstance(v, list) else v


def _bars_in(cfg: BacktestConfig, store: Any) -> int | None:
    try:
        from nexus.data.store import BarStore

        st = store if hasattr(store, "info") else BarStore(store or cfg.run.store)
        info = st.info()
        rows = {(s, tf): int(n) for s, tf, n in zip(info["symbol"], info["timeframe"], info["rows"])}
        return sum(rows.get((s, tf), 0) for b in cfg.books for s, tf in b.parsed()) or None
    except Exception:  # noqa: BLE001 - the estimate is a courtesy
        return None


def pipeline_sweep(
    config: Any,
    grid: Mapping[str, Any],
    *,
    metric: str = "sharpe",
    method: str = "grid",
    n_iter: int | None = None,
    seed: int = 0,
    book: str | None = None,
    engine: str = "local",
    workers: int | None = None,
    chunk: int | None = None,
    address: str | None = None,
    num_cpus: int | None = None,
    store: Any = None,
    n_boot: int = 1000,
    level: float = 0.9,
    pbo_blocks: int = 16,
    progress: bool = True,
    yes: bool = False,
    where: str = "<grid>",
) -> PipelineSweepResult:
    """Sweep backtest config keys of ``config`` (a BacktestConfig, TOML path or dict) over ``grid``.

    ``grid`` maps dotted keys (``"risk.stop_loss"``, ``"layers.signals.strategies"``, ``"costs.fill"``)
    to values. ``engine="local"`` runs ``workers`` processes (default: the CPUs, at most 2, and no more
    than the groups of combinations that differ in layers 1-7; 1 = this process), ``"ray"`` Ray tasks;
    both give identical tables. ``book`` names the ranked book (default:
    the first). Returns a :class:`PipelineSweepResult` sorted by ``metric`` with PSR, DSR and PBO.
    """
    from nexus.pipeline.runner import resolve_config

    if metric not in METRICS:
        raise ConfigError(f"metric {metric!r} is unknown; choose one of {sorted(METRICS)}")
    base_cfg = resolve_config(config)
    if book and book not in [b.name for b in base_cfg.books]:
        raise ConfigError(f"{base_cfg.source}: book {book!r} is not in the config; books: "
                          + ", ".join(b.name for b in base_cfg.books))
    values = check_grid(grid, where)
    # counted (with a rough time) before anything is built; each combination is a full backtest
    count = check_size(values, _bars_in(base_cfg, store) or 0, method=method, n_iter=n_iter, limit=COMBINATION_LIMIT,
                       yes=yes)
    params = expand_grid(values, method=method, n_iter=n_iter, seed=seed)
    for p in params:  # cross-key rules (symbol_cap >= position_cap, Kelly needs stops) per combination
        try:
            BacktestConfig.from_dict(base_cfg.to_dict(), source=base_cfg.source, overrides=p)
        except ConfigError as exc:
            raise ConfigError(f"{where}: combination {p}: {exc}") from None
    base = base_cfg.to_dict()
    store_root = str(store.root if hasattr(store, "root") else store) if store is not None else None
    order, groups = _order(base, base_cfg.source, params)
    if workers is None and engine == "local":
        # each worker computes the stages it shares on its own: more workers than groups of combinations that
        # differ in layers 1-7 would repeat the costliest stages (and hold them twice in memory)
        workers = max(1, min(2, os.cpu_count() or 1, groups))
    n_parts = max(1, workers or 1)
    size = chunk or max(1, math.ceil(len(params) / n_parts))
    items = [(i, params[i]) for i in order]
    # entries per stage: one backtest's working set (every series, every book, every book's baselines), so a
    # backtest that shares a stage with the previous one finds all of it, and memory stays at one backtest's worth
    n_series, n_books = sum(len(b.symbols) for b in base_cfg.books), len(base_cfg.books)
    entries = {"data": n_series, "mqscore": n_series, "signals": n_series, "symbol": n_series, "clock": n_books,
               "limits": n_books, "simulation": n_books, "baselines": 3 * n_books}
    fn = PipelineChunk(base, base_cfg.source, store_root, book, n_boot, level, seed, entries)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        print(f"[sweep] {count}", file=sys.stderr, flush=True)
        bar = tqdm(total=len(params), desc="pipeline sweep", unit="combo", leave=False)
    try:
        parts = engines.run(engine, fn, {}, chunks(items, size), address=address, num_cpus=num_cpus, progress=bar,
                            workers=workers if engine == "local" else None)
    finally:
        if bar is not None:
            bar.close()
    rows: dict[int, dict] = {}
    shared: dict[str, dict[str, float]] = {}
    for part in parts:
        for piece in part:
            for r in piece["rows"]:
                rows[r["combo"]] = r
            for s, d in piece["cache"].items():
                acc = shared.setdefault(s, {})
                for k, v in d.items():
                    acc[k] = round(acc.get(k, 0) + v, 3)
    table, daily, day_ts = _table(params, rows, values)
    key = METRICS[metric]
    table = table.sort_values(key, ascending=False, kind="mergesort", na_position="last")
    res = PipelineSweepResult(table=table, metric=metric, params=params, trial_returns=daily, meta={
        "kind": "pipeline", "book": book or base_cfg.books[0].name, "engine": engine, "workers": workers,
        "chunk": size, "seed": seed, "metric_key": key, "day_ts": day_ts, "n_boot": n_boot, "level": level,
        "grid": values, "count": count,
    }, base=base, source=base_cfg.source, shared_stages=shared)
    res.overfitting = overfitting_stats(daily, int(table.iloc[0]["combo"]), pbo_blocks)
    return res


def _table(params: list[dict], rows: dict[int, dict], values: dict[str, list]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    days = np.unique(np.concatenate([rows[i]["day_ts"] for i in range(len(params))]))
    daily = np.full((len(days), len(params)), np.nan)
    for i in range(len(params)):
        daily[np.searchsorted(days, rows[i]["day_ts"]), i] = rows[i]["daily"]
    names = list(values)
    flat = pd.DataFrame([{k: _label(p[k]) for k in names} for p in params])
    flat["combo"] = np.arange(len(params))
    stats = pd.DataFrame([rows[i]["stats"] for i in range(len(params))])
    table = pd.concat([flat, stats], axis=1).set_index(names)
    return table, daily, days


def write_best(res: PipelineSweepResult, path: str | os.PathLike) -> Path:
    from nexus.io.atomic import write_atomic

    header = (f"# best of {len(res.table)} combinations by {res.metric_key} ({res.meta.get('count', '')}); "
              f"swept: {', '.join(res.meta.get('grid', {}))}\n# run it: nexus backtest --config {Path(path).name}\n")
    return write_atomic(Path(path), (header + res.best_toml()).encode())
