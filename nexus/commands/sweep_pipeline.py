"""``nexus sweep`` on a config with a ``[backtest]`` table: a pipeline sweep or a walk-forward optimisation.

Keys: :data:`nexus.config.PIPELINE_SWEEP` (the shipped sweep.toml). Writes
into ``[output] folder``: results.parquet / results.csv (one row per
combination, best first), best.toml, sweep.json; a walk-forward writes
windows.csv and oos_equity.parquet. Every run is recorded under ``[output]
runs`` (``nexus runs list``).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import pandas as pd

from nexus.config import PIPELINE_SWEEP, to_toml
from nexus.config.sweep import check_sweep_section
from nexus.errors import ConfigError
from nexus.io.atomic import write_atomic

_STRATEGY_ONLY = ("symbol", "timeframe", "strategy", "fees", "slippage", "price")


def _sets(args: argparse.Namespace) -> list[str]:
    bad = [f"--{k}" for k in _STRATEGY_ONLY if getattr(args, k, None) is not None]
    if bad:
        raise ConfigError(f"{', '.join(bad)}: for one-strategy sweeps; a pipeline sweep sets backtest keys with "
                          "[backtest] set = [...] or sweeps them in [grid]")
    simple = {"sweep.method": args.method, "sweep.n_iter": args.n_iter, "sweep.metric": args.metric,
              "sweep.engine": args.engine, "sweep.address": args.address, "sweep.seed": args.seed,
              "sweep.chunk": args.chunk_columns, "sweep.workers": args.workers, "output.top": args.top,
              "output.folder": args.out, "output.runs": args.runs, "walk_forward.windows": args.walk_forward,
              "walk_forward.train_ratio": args.train_ratio}
    sets = [f"{k}={json.dumps(v)}" for k, v in simple.items() if v is not None]
    if args.no_progress:
        sets.append("output.progress=false")
    if args.anchored:
        sets.append("walk_forward.anchored=true")
    if args.yes:
        sets.append("sweep.yes=true")
    return sets + list(args.sets)


def load_pipeline_config(raw: dict[str, Any], where: str, sets: list[str] = ()) -> dict[str, Any]:
    """The pipeline sweep config: every key checked against :data:`PIPELINE_SWEEP` and defaulted."""
    cfg = PIPELINE_SWEEP.resolve(raw, where, sets)
    check_sweep_section(cfg, where)
    return cfg


def base_config(cfg: dict[str, Any], store: str | None, extra: list[str] = ()):
    from nexus.pipeline.config import BacktestConfig

    b = cfg["backtest"]
    sets = [*b["set"], *extra]
    base = (BacktestConfig.from_toml(b["config"], sets) if b["config"]
            else BacktestConfig.from_dict({}, source="<defaults>", overrides=sets))
    if store and (store != "data/bars" or not b["config"]):
        base.run.store = store
    base.validate()
    return base


def sweep_kwargs(cfg: dict[str, Any]) -> dict[str, Any]:
    s = cfg["sweep"]
    return dict(method=s["method"], n_iter=s["n_iter"] or None, seed=s["seed"], book=cfg["backtest"]["book"] or None,
                engine=s["engine"], workers=s["workers"] or None, chunk=s["chunk"] or None, address=s["address"] or None,
                num_cpus=s["num_cpus"] or None, n_boot=s["n_boot"], level=s["level"], pbo_blocks=s["pbo_blocks"],
                progress=cfg["output"]["progress"], yes=s["yes"])


def run_pipeline(args: argparse.Namespace, raw: dict[str, Any]) -> int:
    where = str(args.config)
    sets = _sets(args)
    cfg = load_pipeline_config(raw, where, sets)
    extra = [f"run.{k}={json.dumps(v)}" for k, v in (("start", args.start), ("end", args.end)) if v is not None]
    base = base_config(cfg, args.store, extra)
    out = Path(cfg["output"]["folder"])
    out.mkdir(parents=True, exist_ok=True)
    given = {"file": where, "tables": raw, "overrides": sets}
    if cfg["walk_forward"]["windows"]:
        return _walk_forward(cfg, base, out, given)
    from nexus.sweep.result import overfitting_line
    from nexus.sweep.pipeline import pipeline_sweep, write_best

    t0 = time.perf_counter()
    res = pipeline_sweep(base, cfg["grid"], metric=cfg["sweep"]["metric"], where=where, **sweep_kwargs(cfg))
    seconds = time.perf_counter() - t0
    flat = res.table.reset_index()
    files = [out / "results.parquet", out / "results.csv", out / "best.toml", out / "sweep.json"]
    write_atomic(files[0], lambda tmp: flat.to_parquet(tmp, index=False))
    write_atomic(files[1], lambda tmp: flat.to_csv(tmp, index=False))
    write_best(res, files[2])
    saved = sum(d.get("saved_seconds", 0.0) for d in res.shared_stages.values())
    summary = {"combinations": len(flat), "metric": res.metric_key, "best_params": res.best_params,
               "overfitting": res.overfitting, "seconds": round(seconds, 3), "shared_stages": res.shared_stages,
               "shared_seconds_saved": round(saved, 3), "grid": res.meta["grid"], "engine": res.meta["engine"],
               "workers": res.meta["workers"], "book": res.meta["book"]}
    run_id = None
    if cfg["output"]["runs"]:
        from nexus.runs import record_sweep

        run_id = record_sweep(res, root=cfg["output"]["runs"], given=given,
                              extra={"sweep_config": cfg, "seconds": round(seconds, 3)},
                              texts={"sweep.toml": to_toml(PIPELINE_SWEEP, cfg)}).id
    summary["run_id"] = run_id
    from nexus.runs.record import plain

    write_atomic(files[3], json.dumps(plain({**summary, "config": cfg, "base": res.base}), indent=2).encode())
    print(f"pipeline sweep: {len(flat)} combinations ({', '.join(res.meta['grid'])}) in {seconds:.1f} s, engine "
          f"{res.meta['engine']}, ranked by {res.metric_key} of book {res.meta['book']}; shared stages saved {saved:.1f} s")
    print(top_table(res, cfg["output"]["top"]))
    print(overfitting_line(res.overfitting))
    print("wrote " + ", ".join(str(f) for f in files))
    print(f"run id: {run_id}" if run_id else "run not recorded (output.runs = '')")
    return 0


def top_table(res: Any, top: int) -> str:
    key = res.metric_key
    cols = [key, f"{key} lo", f"{key} hi", "Total Return [%]", "Max Drawdown [%]", "Alpha (ann.) [%]", "Beta",
            "Total Trades", "End Value"]
    cols = [c for c in dict.fromkeys(cols) if c in res.table.columns]
    return res.table[cols].head(top).to_string(float_format=lambda v: f"{v:.4g}")


def _walk_forward(cfg: dict[str, Any], base: Any, out: Path, given: dict[str, Any]) -> int:
    from nexus.sweep.pipeline_wf import pipeline_walk_forward

    w = cfg["walk_forward"]
    kw = sweep_kwargs(cfg)
    kw.pop("yes")
    book = kw.pop("book")
    t0 = time.perf_counter()
    wf = pipeline_walk_forward(base, cfg["grid"], n_windows=w["windows"], train_ratio=w["train_ratio"],
                               anchored=w["anchored"], objective=cfg["sweep"]["metric"], book=book, **kw)
    seconds = time.perf_counter() - t0
    files = [out / "windows.csv", out / "oos_equity.parquet"]
    write_atomic(files[0], lambda tmp: wf.windows.to_csv(tmp))
    eq = wf.equity.to_frame("value")
    write_atomic(files[1], lambda tmp: eq.to_parquet(tmp))
    from nexus.runs.record import numeric_frame, write_run

    stats = numeric_frame(wf.stats.to_frame(f"{wf.meta['book']} (walk-forward OOS)"))
    run_id = None
    if cfg["output"]["runs"]:
        equity = pd.DataFrame({"curve": wf.meta["book"], "ts": wf.equity.index, "value": wf.equity.to_numpy()})
        meta = {"source": given["file"], "what": f"walk-forward, {w['windows']} windows over " + ", ".join(cfg["grid"]),
                "config_given": given, "config_resolved": base.to_dict(), "sweep_config": cfg,
                "headline": {str(k): v for k, v in stats.iloc[:, 0].items()}, "seconds": round(seconds, 3)}
        run_id = write_run("walk_forward", meta, {"stats": stats, "equity": equity,
                                                  "windows": wf.windows.astype(str)}, root=cfg["output"]["runs"]).id
    print(f"walk-forward: {w['windows']} windows, objective {cfg['sweep']['metric']}, book {wf.meta['book']}, "
          f"{seconds:.1f} s")
    print(wf.windows.to_string())
    print("stitched out-of-sample statistics (from the stitched equity, start value = the book's capital):")
    print(wf.stats.to_string(float_format=lambda v: f"{v:.6g}"))
    print("wrote " + ", ".join(str(f) for f in files))
    print(f"run id: {run_id}" if run_id else "run not recorded (output.runs = '')")
    return 0
