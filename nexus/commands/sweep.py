"""``nexus sweep``: a pipeline sweep over backtest config keys, or one strategy's parameters over one series.

    nexus sweep --config sweep.toml                          # pipeline sweep: the file has a [backtest] table
    nexus sweep --config sweep.toml --walk-forward 4 --metric sortino
    nexus sweep --config sweep.toml --set 'grid."costs.fee"=[0.0005, 0.001]' --engine ray --yes
    nexus sweep --config sweep_sma.toml --symbol ETHUSDT --metric sortino --out sweeps/eth
    nexus sweep --strategy ts_momentum --set grid.lookback='{steps = 8}' --method random --n-iter 5

A pipeline sweep (sweep.toml; keys in docs/pipeline.md) runs every combination
through the pipeline of ``nexus backtest`` and writes results.parquet / .csv,
best.toml (``nexus backtest --config best.toml`` runs it unchanged) and
sweep.json into the output folder, prints the top rows with bootstrap
intervals and PSR / DSR / PBO, and records a run (``nexus runs``).

Without a [backtest] table (or without --config) the sweep is the one-strategy
sweep of sweep_sma.toml (every key optional):

    [data]     symbol, timeframe, start, end (UTC; end exclusive)
    [strategy] name (any registered strategy or baseline), direction (long|short|both)
    [grid]     parameter = [values] | value | {from, to, step} (inclusive) | {steps = n}
               ({steps} spreads n values over the strategy's sweep range, or over from..to)
    [sweep]    method (grid|random), n_iter, metric, seed, where (e.g. ["fast < slow"]),
               engine (local|ray), address, num_cpus, chunk_columns (0 = from free memory), pbo_blocks
    [costs]    fees, slippage (fractions), slippage_model (fixed|spread|volume), price (next_open|close|next_worst), init_cash
    [output]   folder, top, heatmap, progress

Every key's type, default and allowed values are defined once in
``nexus.config.SWEEP`` (docs/pipeline.md renders them; ``nexus config show
--config sweep.toml`` prints the resolved file).

Writes ``results.parquet``, ``results.csv`` (one row per combination, best
first), ``heatmap.png`` (the first two swept parameters, the others at the
best row's values) and ``sweep.json`` (config, best parameters, PSR / DSR /
PBO, data fingerprint, versions) into the output folder, and prints the top
rows and the overfitting statistics.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from nexus.config import SWEEP, read_toml, to_toml
from nexus.config.sweep import check_sweep_section
from nexus.errors import ConfigError
from nexus.io.atomic import write_atomic
from nexus.io.versions import versions
from nexus.sweep.result import overfitting_line

DEFAULT_GRID = {"fast": {"from": 5, "to": 50, "step": 5}, "slow": {"from": 20, "to": 200, "step": 20}}
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}
_WHERE = re.compile(r"^\s*([A-Za-z_]\w*)\s*(<=|>=|==|!=|<|>)\s*([A-Za-z_]\w*|[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)\s*$")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("sweep", help="sweep pipeline keys or a strategy's parameters; results, PSR/DSR/PBO, best config",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", "-c", default=None, help="TOML config (default: built-in defaults = sweep.toml)")
    p.add_argument("--out", "-o", default=None, help="output folder ([output] folder)")
    p.add_argument("--symbol", default=None)
    p.add_argument("--timeframe", default=None)
    p.add_argument("--start", default=None, help="first bar (UTC), e.g. 2026-06-01")
    p.add_argument("--end", default=None, help="end (UTC, exclusive)")
    p.add_argument("--strategy", default=None, help="registered strategy or baseline name")
    p.add_argument("--method", choices=SWEEP.key("sweep.method").choices, default=None)
    p.add_argument("--n-iter", type=int, default=None, help="combinations drawn by --method random")
    p.add_argument("--metric", default=None, help="sharpe, sortino, calmar, total_return, cagr, max_drawdown")
    p.add_argument("--engine", choices=SWEEP.key("sweep.engine").choices, default=None)
    p.add_argument("--address", default=None, help="Ray cluster to join (engine ray)")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--fees", type=float, default=None, help="commission, fraction of notional")
    p.add_argument("--slippage", type=float, default=None, help="fraction of price")
    p.add_argument("--price", choices=SWEEP.key("costs.price").choices, default=None, help="fill price")
    p.add_argument("--chunk-columns", type=int, default=None, help="combinations per simulator call (0 = auto)")
    p.add_argument("--top", type=int, default=None, help="rows to print")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="override any key with a TOML value, e.g. --set grid.fast='[5, 10]' (repeatable)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--yes", action="store_true", help="run a sweep above the combination limit anyway (1,000,000 for "
                   "one strategy, 2,000 full backtests for a pipeline sweep)")
    g = p.add_argument_group("pipeline sweeps (a config with a [backtest] table)")
    g.add_argument("--walk-forward", type=int, default=None, metavar="N",
                   help="walk-forward optimisation over N out-of-sample windows ([walk_forward] windows)")
    g.add_argument("--train-ratio", type=float, default=None, help="in-sample / out-of-sample length")
    g.add_argument("--anchored", action="store_true", help="in-sample windows grow from the first day")
    g.add_argument("--workers", type=int, default=None, help="local engine: processes (1 = this process)")
    g.add_argument("--runs", default=None, metavar="DIR", help="run records folder ([output] runs; '' = none)")
    p.set_defaults(func=run)


# ----------------------------------------------------------------------------- config


def load_config(path: str | os.PathLike | None, overrides: list[str] = ()) -> dict[str, Any]:
    """Read, override and validate a sweep config; returns a plain dict of sections."""
    raw = read_toml(path, "copy sweep.toml from the repository root") if path else {}
    return validate_config(raw, str(path) if path else "<defaults>", default_grid="grid" not in raw, sets=overrides)


def validate_config(raw: dict[str, Any], where: str = "<config>", *, default_grid: bool = True,
                    sets: list[str] = ()) -> dict[str, Any]:
    """Every key checked against :data:`nexus.config.SWEEP` and defaulted, then the rules across keys.

    ``default_grid`` starts sma_crossover from DEFAULT_GRID.
    """
    cfg = SWEEP.resolve(raw, where, sets)
    check_sweep_section(cfg, where)
    s = cfg["sweep"]
    from nexus.strategies import get_spec

    try:
        spec = get_spec(cfg["strategy"]["name"])
    except ConfigError as exc:
        raise ConfigError(f"{where}: strategy.name: {exc}") from None
    grid_raw = cfg["grid"]
    if default_grid and spec.name == "sma_crossover":
        grid_raw = {**DEFAULT_GRID, **grid_raw}
    if not grid_raw:
        raise ConfigError(f"{where}: [grid] is empty; give at least one of {spec.name}'s parameters: "
                          + ", ".join(f"{k} in [{p.low}, {p.high}]" for k, p in spec.params.items()))
    cfg["grid"] = {name: _grid_values(spec, name, v, where) for name, v in grid_raw.items()}
    s["where"] = [_parse_where(w, cfg["grid"], where) for w in s["where"]]
    if spec.name == "sma_crossover" and not s["where"] and {"fast", "slow"} <= set(cfg["grid"]):
        s["where"] = ["fast < slow"]  # the strategy refuses fast >= slow; drop those pairs
    return cfg


def _grid_values(spec, name: str, value: Any, where: str) -> list:
    """The values of one [grid] entry, coerced to the parameter's kind (int or float)."""
    label = f"{where}: [grid] {name}"
    if name not in spec.params:
        raise ConfigError(f"{label}: strategy {spec.name!r} has no parameter {name!r}; known: {', '.join(spec.params) or 'none'}")
    param = spec.params[name]
    if isinstance(value, dict):
        extra = set(value) - {"from", "to", "step", "steps"}
        if extra:
            raise ConfigError(f"{label}: unknown key(s) {sorted(extra)}; use {{from, to, step}} or {{steps}}")
        lo, hi = value.get("from", param.low), value.get("to", param.high)
        for k, v in (("from", lo), ("to", hi), ("step", value.get("step", 1)), ("steps", value.get("steps", 2))):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ConfigError(f"{label}: {k} must be a number, got {v!r}")
        if hi < lo:
            raise ConfigError(f"{label}: to ({hi}) is below from ({lo})")
        if "step" in value and "steps" in value:
            raise ConfigError(f"{label}: give step or steps, not both")
        if "steps" in value:
            n = value["steps"]
            if not isinstance(n, int) or n < 1:
                raise ConfigError(f"{label}: steps must be a whole number >= 1, got {n!r}")
            raw = np.linspace(lo, hi, n) if n > 1 else np.array([lo])
        else:
            step = value.get("step", 1)
            if step <= 0:
                raise ConfigError(f"{label}: step must be positive, got {step!r}")
            count = int(math.floor((hi - lo) / step + 1e-9)) + 1  # inclusive of `to` despite float rounding
            raw = lo + step * np.arange(count)
        if param.kind is int:
            raw = np.round(raw)
        vals = [round(float(v), 12) for v in raw]
    elif isinstance(value, list):
        if not value:
            raise ConfigError(f"{label}: the list is empty; give at least one value")
        vals = value
    else:
        vals = [value]
    out = []
    for v in vals:
        c = param.coerce(v, label)
        if c not in out:
            out.append(c)
    return out


def _parse_where(text: str, grid: dict, where: str) -> str:
    m = _WHERE.match(text)
    if not m:
        raise ConfigError(f"{where}: [sweep] where {text!r}: expected 'name OP name-or-number' with OP in {' '.join(_OPS)}")
    for tok in (m.group(1), m.group(3)):
        if tok[0].isalpha() or tok[0] == "_":
            if tok not in grid:
                raise ConfigError(f"{where}: [sweep] where {text!r}: {tok!r} is not a [grid] parameter ({', '.join(grid)})")
    return text.strip()


def where_function(conditions: list[str]) -> Callable[[dict], bool] | None:
    """A predicate over a parameter dict from conditions such as ``"fast < slow"`` (no eval)."""
    if not conditions:
        return None
    parsed = []
    for c in conditions:
        a, op, b = _WHERE.match(c).groups()
        parsed.append((a, _OPS[op], b if (b[0].isalpha() or b[0] == "_") else float(b)))

    def keep(p: dict) -> bool:
        return all(fn(p[a], p[b] if isinstance(b, str) else b) for a, fn, b in parsed)

    return keep


# ----------------------------------------------------------------------------- run


def _overrides(args: argparse.Namespace) -> list[str]:
    simple = {"data.symbol": args.symbol, "data.timeframe": args.timeframe, "data.start": args.start,
              "data.end": args.end, "strategy.name": args.strategy, "sweep.method": args.method,
              "sweep.n_iter": args.n_iter, "sweep.metric": args.metric, "sweep.engine": args.engine,
              "sweep.address": args.address, "sweep.seed": args.seed, "costs.fees": args.fees,
              "costs.slippage": args.slippage, "costs.price": args.price, "sweep.chunk_columns": args.chunk_columns,
              "output.top": args.top, "output.folder": args.out}
    sets = [f"{k}={json.dumps(v)}" for k, v in simple.items() if v is not None]
    if args.no_progress:
        sets.append("output.progress=false")
    return sets + list(args.sets)  # explicit --set wins over the flags


def sweep_kwargs(cfg: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``nx.sweep`` a validated config stands for (besides data)."""
    s, c = cfg["sweep"], cfg["costs"]
    return dict(
        metric=s["metric"], method=s["method"], n_iter=s["n_iter"] or None, where=where_function(s["where"]),
        chunk_columns=s["chunk_columns"] or None, engine=s["engine"], address=s["address"] or None,
        num_cpus=s["num_cpus"] or None, seed=s["seed"], direction=cfg["strategy"]["direction"],
        pbo_blocks=s["pbo_blocks"], fees=c["fees"], slippage=c["slippage"], price=c["price"], init_cash=c["init_cash"],
        slippage_model=c["slippage_model"],
    )


def read_bars(cfg: dict[str, Any], store_root: str):
    from nexus.data.store import BarStore

    from nexus.data.timeframes import to_utc_ns

    d = cfg["data"]
    if d["start"] and d["end"] and to_utc_ns(d["start"], what="start") >= to_utc_ns(d["end"], what="end"):
        raise ConfigError(f"[data] start {d['start']!r} is not before end {d['end']!r}; swap them or widen the range")
    bars = BarStore(store_root).read(d["symbol"], d["timeframe"], start=d["start"] or None, end=d["end"] or None)
    if len(bars) < 2:
        raise ConfigError(f"{d['symbol']} {d['timeframe']} holds {len(bars)} bar(s) between "
                          f"{d['start'] or 'the first bar'} and {d['end'] or 'the last bar'}; widen [data] start/end")
    return bars


def run(args: argparse.Namespace) -> int:
    from nexus.sweep.runner import sweep

    raw = read_toml(args.config, "copy sweep.toml from the repository root") if args.config else {}
    if "backtest" in raw:
        from nexus.commands.sweep_pipeline import run_pipeline

        return run_pipeline(args, raw)
    if args.walk_forward or args.workers is not None or args.anchored or args.train_ratio is not None:
        raise ConfigError("--walk-forward, --train-ratio, --anchored and --workers are for pipeline sweeps (a config "
                          "with a [backtest] table, e.g. sweep.toml); nx.walk_forward covers one strategy in Python")
    from nexus.sweep.grid import check_size

    cfg = load_config(args.config, _overrides(args))
    bars = read_bars(cfg, args.store)
    kw = sweep_kwargs(cfg)
    yes = bool(getattr(args, "yes", False))
    # counted before anything is built or written: a refused sweep leaves no trace
    line = check_size(cfg["grid"], len(bars), method=kw["method"], n_iter=kw["n_iter"], where=kw["where"], yes=yes)
    if not cfg["output"]["progress"]:  # with progress on, nx.sweep prints the same line
        print(f"[sweep] {line}", file=sys.stderr, flush=True)
    out = Path(cfg["output"]["folder"])
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    res = sweep(cfg["strategy"]["name"], cfg["grid"], data=bars, progress=cfg["output"]["progress"], yes=yes, **kw)
    seconds = time.perf_counter() - t0
    files = write_outputs(res, cfg, out, store_root=args.store, seconds=seconds)
    print(f"sweep {cfg['strategy']['name']} on {bars.symbol} {bars.timeframe}: {len(bars):,} bars, "
          f"{len(res.table)} combinations in {seconds:.1f}s ({len(res.table) / max(seconds, 1e-9):.1f}/s), engine {cfg['sweep']['engine']}")
    print(top_rows(res, cfg["output"]["top"]))
    print(overfitting_line(res.overfitting))
    print("wrote " + ", ".join(str(f) for f in files))
    root = "runs" if args.runs is None else args.runs
    if root:
        print(f"run id: {record_strategy_sweep(res, cfg, root, args, files[-1])}")
    return 0


def record_strategy_sweep(res, cfg: dict[str, Any], root: str, args: argparse.Namespace, manifest: Path) -> str:
    """A run record of a one-strategy sweep: results, the best row, its equity from the stitched daily returns."""
    import pandas as pd

    from nexus.runs.record import numeric_frame, write_run

    best = int(res.best["combo"])
    day_ts = res.meta.get("day_ts")
    cash = float(cfg["costs"]["init_cash"])
    value = cash * np.cumprod(1.0 + np.nan_to_num(res.trial_returns[:, best]))
    equity = pd.DataFrame({"curve": f"{cfg['strategy']['name']} {res.best_params}",
                           "ts": pd.to_datetime(day_ts, utc=True), "value": value})
    stats = numeric_frame(res.best.drop(labels=["combo"], errors="ignore").to_frame("best"))
    info = json.loads(manifest.read_text()) if manifest.name == "sweep.json" else {}
    meta = {"source": str(args.config or "<defaults>"), "what": f"{len(res.table)} combinations of "
            f"{cfg['strategy']['name']} on {res.meta.get('symbol')} {res.meta.get('timeframe')}",
            "config_given": {"file": args.config, "overrides": _overrides(args)}, "config_resolved": cfg,
            "data_fingerprint": info.get("data_fingerprint"), "overfitting": res.overfitting,
            "best_params": res.best_params, "headline": {k: v for k, v in stats.iloc[:, 0].items()}}
    flat = res.table.reset_index()
    return write_run("sweep", meta, {"results": flat, "stats": stats, "equity": equity},
                     {"sweep_sma.toml": to_toml(SWEEP, cfg)}, root=root).id


def top_rows(res, top: int) -> str:
    key = res.metric_key
    cols = [c for c in (key, "Total Return [%]", "Max Drawdown [%]", "Trades", "End Value") if c in res.table.columns]
    cols = list(dict.fromkeys(cols))
    return res.table[cols].head(top).to_string(float_format=lambda v: f"{v:.4g}")


def write_outputs(res, cfg: dict[str, Any], out: Path, *, store_root: str, seconds: float) -> list[Path]:
    """results.parquet / .csv, heatmap.png, sweep.json; each written to a temp name and renamed."""
    flat = res.table.reset_index()
    files = [out / "results.parquet", out / "results.csv"]
    write_atomic(files[0], lambda tmp: flat.to_parquet(tmp, index=False))
    write_atomic(files[1], lambda tmp: flat.to_csv(tmp, index=False))
    swept = [k for k, v in cfg["grid"].items() if len(v) > 1 and res.table.index.get_level_values(k).nunique() > 1]
    if cfg["output"]["heatmap"] and len(swept) >= 2:
        import matplotlib

        if "matplotlib.pyplot" not in sys.modules:
            matplotlib.use("Agg")  # a CLI run writes files; never open a window
        path = out / "heatmap.png"
        write_atomic(path, lambda tmp: res.heatmap(swept[0], swept[1], path=str(tmp)))
        files.append(path)
    manifest = {
        "config": cfg, "strategy": cfg["strategy"]["name"], "symbol": res.meta.get("symbol"),
        "timeframe": res.meta.get("timeframe"), "n_bars": res.meta.get("n_bars"), "combinations": len(flat),
        "metric": res.metric_key, "best_params": res.best_params, "best": {k: _plain(v) for k, v in res.best.items()},
        "overfitting": {k: _plain(v) for k, v in res.overfitting.items()}, "seconds": round(seconds, 3),
        "chunk_columns": res.meta.get("chunk_columns"), "store": str(store_root), "versions": versions(),
    }
    try:
        from nexus.data.store import BarStore

        manifest["data_fingerprint"] = BarStore(store_root).fingerprint([cfg["data"]["symbol"]])
    except Exception as exc:  # noqa: BLE001 - a fingerprint is informative; the sweep itself succeeded
        manifest["data_fingerprint"] = f"unavailable: {type(exc).__name__}"
    path = out / "sweep.json"
    write_atomic(path, json.dumps(manifest, indent=2, default=_plain).encode())
    files.append(path)
    return files


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v if isinstance(v, (int, float, str, bool, type(None))) else str(v)


