"""``nexus train``: fit every model slot from the bar store into the registry."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from nexus.errors import ConfigError, StoreError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train every model slot from the store (out of sample, exported, hashed)",
                       description="Train the pipeline's models on the first 60%% of each series (or bars before --until), "
                                   "judge each against its naive baseline on a purged validation fold, export to ONNX / "
                                   "XGBoost UBJSON and write data/models/manifest.json.")
    p.add_argument("--symbols", default=None, help="comma-separated symbols (default: all in the store)")
    p.add_argument("--timeframes", default=None, help="comma-separated timeframes (default: all)")
    p.add_argument("--until", default=None, help="train on bars before this UTC date (default: first 60%% of each series)")
    p.add_argument("--out", default="data/models", help="registry folder (default: data/models)")
    p.add_argument("--max-rows", type=int, default=120_000, help="fit rows per model over all series (default 120000)")
    p.add_argument("--horizon", type=int, default=30, help="bars a label looks ahead (default 30)")
    p.add_argument("--slots", default=None, help="comma-separated slots (default: all)")
    p.add_argument("--model-scale", type=float, default=1.0, help="multiply tree counts / rounds (e.g. 0.2 for a quick run)")
    p.add_argument("--threads", type=int, default=2, help="threads for fitting (default 2)")
    p.add_argument("--schedule", choices=("walk-forward", "single"), default="walk-forward",
                   help="walk-forward: retrain at every step, each bar scored by a model trained before it (default); "
                        "single: one model per slot on the first 60%% of each series")
    p.add_argument("--step", default="auto", help="retrain step: auto (monthly for minute series, quarterly for hourly "
                                                  "and daily), month, quarter or days like 14d")
    p.add_argument("--window", choices=("expanding", "rolling"), default="expanding", help="training window of a fold")
    p.add_argument("--initial", type=float, default=0.5, help="share of the store's span in the initial window (default 0.5)")
    p.add_argument("--embargo", type=int, default=None, help="bars between a label's end and the use window "
                                                              "(default and minimum: --horizon)")
    p.add_argument("--fold-rows", type=int, default=24_000, help="fit rows per fold over all series (default 24000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def _split(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def run(args: argparse.Namespace) -> int:
    from nexus.data.store import BarStore
    from nexus.data.timeframes import to_utc_ns
    from nexus.models.train import TrainConfig, series_from_store, train_models

    root = Path(args.store)
    if not root.is_dir():
        raise StoreError(f"no bar store at {root}; build the default one with `nexus --store {root} data synth`")
    if args.max_rows < 100:
        raise ConfigError(f"--max-rows {args.max_rows} is too small; give at least 100 rows")
    store = BarStore(root)
    say = (lambda msg: None) if args.quiet else (lambda msg: print(f"[train] {msg}", file=sys.stderr, flush=True))
    t0 = time.perf_counter()
    series = series_from_store(store, _split(args.symbols), _split(args.timeframes))
    cfg = TrainConfig(horizon=args.horizon, max_rows=args.max_rows, seed=args.seed, threads=args.threads,
                      until_ns=to_utc_ns(args.until, what="--until") if args.until else None,
                      model_scale=args.model_scale, walk_forward=args.schedule == "walk-forward", step=args.step,
                      window=args.window, initial_fraction=args.initial, embargo=args.embargo, fold_rows=args.fold_rows)
    cfg.embargo_rows  # an embargo below the horizon is refused before any work
    try:
        fingerprint = store.fingerprint([s.bars.symbol for s in series])
    except Exception:  # the fingerprint is provenance, not a reason to stop training
        fingerprint = ""
    written = train_models(series, args.out, cfg, slots=_split(args.slots), progress=say, store_fingerprint=fingerprint)
    usable = sum(1 for e in written.values() if e["usable"])
    if cfg.walk_forward:
        print(f"trained {len(written)} slot(s) walk-forward into {args.out} in {time.perf_counter() - t0:.1f}s; "
              f"latest fold significant for {usable} (every fold: `nexus models report --models {args.out}`)")
        return 0
    print(f"trained {len(written)} model(s) into {args.out} in {time.perf_counter() - t0:.1f}s; "
          f"{usable} beat their baseline (see `nexus models report --models {args.out}`)")
    return 0
