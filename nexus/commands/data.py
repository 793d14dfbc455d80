"""``nexus data``: build, inspect and check the bar store.

    nexus data synth [--symbols BTCUSDT,NQ] [--seed 0] [--scale 1.0]
    nexus data info [--symbol BTCUSDT]
    nexus data validate PATH|SYMBOL/TIMEFRAME [--timeframe 1m] [--tz UTC] [--ts-unit ms]
    nexus data verify
    nexus data delete SYMBOL/TIMEFRAME
    nexus data facts [SYMBOL/TIMEFRAME ...] [--plot out.png] [--json]   (nexus.commands.facts)
    nexus data rolls [NQ] [--timeframe 1d]                              (nexus.commands.contracts)

The sources area adds ``download``, ``import-binance`` and ``import-csv``
through ``nexus.commands.data_sources.register`` when that module exists.
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

import numpy as np

from nexus.errors import ConfigError, DataError, StoreError, UnknownSymbolError

try:
    data_sources = importlib.import_module("nexus.commands.data_sources")
except ModuleNotFoundError as _exc:  # the sources area may not be installed yet
    if _exc.name != "nexus.commands.data_sources":
        raise
    data_sources = None

_TS_UNITS = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("data", help="build, inspect and validate the bar store")
    sub = p.add_subparsers(dest="data_command", metavar="ACTION")
    p.set_defaults(func=lambda args: _help(p))

    s = sub.add_parser("synth", help="generate the full-size synthetic default data set into the store")
    s.add_argument("--symbols", default=None, help="comma-separated subset, e.g. BTCUSDT,NQ (default: all)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--scale", type=float, default=1.0, help="fraction of the default sizes (e.g. 0.01 for a quick set)")
    s.set_defaults(func=cmd_synth)

    i = sub.add_parser("info", help="datasets in the store: rows, first/last bar, gaps, size")
    i.add_argument("--symbol", default=None)
    i.set_defaults(func=cmd_info)

    v = sub.add_parser("validate", help="validate a Parquet/CSV file or a store dataset SYMBOL/TIMEFRAME")
    v.add_argument("path", help="file.parquet, file.csv, or SYMBOL/TIMEFRAME in the store")
    v.add_argument("--timeframe", default=None, help="declared timeframe (default: inferred from spacing)")
    v.add_argument("--tz", default=None, help="zone of naive timestamps in a file (they are refused otherwise)")
    v.add_argument("--symbol", default=None)
    v.add_argument("--ts-unit", choices=sorted(_TS_UNITS), default=None,
                   help="unit of epoch timestamps in a file (default: guessed from their size, as import-csv does)")
    v.set_defaults(func=cmd_validate)

    r = sub.add_parser("verify", help="re-hash every stored partition against the manifest; list orphans")
    r.add_argument("--repair", action="store_true",
                   help="drop damaged partitions from their manifest, remove orphans, upgrade old manifests")
    r.set_defaults(func=cmd_verify)

    d = sub.add_parser("delete", help="delete a dataset SYMBOL/TIMEFRAME from the store")
    d.add_argument("dataset", help="SYMBOL/TIMEFRAME")
    d.set_defaults(func=cmd_delete)

    if data_sources is not None:
        data_sources.register(sub)
    from nexus.commands import contracts as _contracts, facts as _facts  # market area: facts and rolls

    _facts.register(sub)
    _contracts.register(sub)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _store(args):
    from nexus.data.store import BarStore

    return BarStore(args.store)


def cmd_synth(args) -> int:
    try:
        from nexus.data.sources.synth import build_default_store
    except ModuleNotFoundError as exc:
        raise StoreError(f"the synthetic generator is not available ({exc}); reinstall nexus") from None
    store = _store(args)
    symbols = [s.strip() for s in args.symbols.split(",") if s.strip()] if args.symbols else None
    if args.scale <= 0:
        raise ConfigError(f"--scale must be > 0, got {args.scale}")
    result = build_default_store(store, symbols=symbols, seed=args.seed, scale=args.scale, progress=True)
    if symbols is None and not store.is_complete():
        store.mark_complete(result if isinstance(result, dict) else {"seed": args.seed, "scale": args.scale})
    _print_info(store, None)
    return 0


def _print_info(store, symbol: str | None) -> None:
    df = store.info()
    if symbol is not None:
        if symbol not in set(df["symbol"]):
            raise UnknownSymbolError(f"symbol {symbol!r} is not in the store at {store.root}; stored: {sorted(set(df['symbol']))}")
        df = df[df["symbol"] == symbol]
    for problem in df.attrs.get("problems", []):
        print(f"! {problem}")
    if df.empty:
        print(f"store {store.root}: empty (build it with `nexus data synth`)")
        return
    rows = [["symbol", "tf", "rows", "first bar (UTC)", "last bar (UTC)", "gaps", "MB", "files", "extra columns", "source"]]
    for r in df.itertuples(index=False):
        rows.append([
            r.symbol, r.timeframe, f"{r.rows:,}", r.first.strftime("%Y-%m-%d %H:%M"), r.last.strftime("%Y-%m-%d %H:%M"),
            f"{r.gaps:,}", f"{r.bytes / 1e6:.1f}", str(r.partitions), r.columns, r.source,
        ])
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    for k, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        if k == 0:
            print("-" * (sum(widths) + 2 * (len(widths) - 1)))
    complete = " (complete: _SUCCESS present)" if store.is_complete() else ""
    print(f"{len(df)} dataset(s), {int(df['rows'].sum()):,} bars, {df['bytes'].sum() / 1e6:.1f} MB in {store.root}{complete}")


def cmd_info(args) -> int:
    store = _store(args)
    if not store.root.is_dir():
        raise StoreError(f"no bar store at {store.root}; build one with `nexus data synth` or pass --store PATH")
    _print_info(store, args.symbol)
    return 0


def _read_file(path: Path, args):
    """A frame from a Parquet or CSV file, integer timestamps scaled to ns."""
    import pandas as pd

    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        elif suffix in (".csv", ".txt", ".gz"):
            frame = pd.read_csv(path)
        else:
            raise DataError(f"{path}: unknown file type {suffix!r}; give a .parquet or .csv file")
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read ({type(exc).__name__}: {str(exc)[:200]})") from None
    if "ts" not in frame.columns:
        for alt in ("timestamp", "time", "datetime", "date", "open_time"):
            if alt in frame.columns:
                frame = frame.rename(columns={alt: "ts"})
                break
    if "ts" in frame.columns and frame["ts"].dtype.kind in "iuf":
        # epochs are read exactly as `nexus data import-csv` reads them: unit guessed unless given, range-checked
        from nexus.data.sources.file_import import to_ts_ns

        ts, _ = to_ts_ns(frame["ts"], unit=args.ts_unit, fmt=None, tz=None, where=str(path), line_of=lambda r: f"row {r + 1}")
        frame["ts"] = ts
    return frame


def cmd_validate(args) -> int:
    from nexus.data.validate import validate

    path = Path(args.path)
    if path.is_file():
        data = _read_file(path, args)
        symbol = args.symbol or path.stem
    elif path.exists():
        raise DataError(f"{path} is a folder; give a Parquet/CSV file or a store dataset SYMBOL/TIMEFRAME")
    else:
        parts = args.path.strip("/").split("/")
        store = _store(args)
        if len(parts) != 2:
            raise DataError(
                f"{args.path}: no such file, and not a store dataset SYMBOL/TIMEFRAME; stored symbols: {store.symbols()}"
            )
        data = store.read(parts[0], parts[1])
        symbol = parts[0]
        args.timeframe = args.timeframe or parts[1]
    report = validate(data, timeframe=args.timeframe, tz=args.tz, symbol=symbol)
    print(report.summary())
    return 0 if report.ok else 1


def cmd_verify(args) -> int:
    from nexus.data.store_repair import is_repaired

    store = _store(args)
    if not store.root.is_dir():
        raise StoreError(f"no bar store at {store.root}; build one with `nexus data synth` or pass --store PATH")
    problems = store.verify(progress=True, repair=args.repair)
    for p in problems:
        print(p)
    left = [p for p in problems if not is_repaired(p)]
    fixed = len(problems) - len(left)
    status = "OK" if not problems else f"{len(problems)} problem(s)" + (f", {fixed} repaired" if fixed else "")
    hint = "" if not left or args.repair else "; `nexus data verify --repair` drops damaged partitions and removes orphans"
    print(f"{len(store.symbols())} symbol(s) checked: {status}{hint}")
    return 0 if not left else 1


def cmd_delete(args) -> int:
    parts = args.dataset.strip("/").split("/")
    if len(parts) != 2:
        raise ConfigError(f"{args.dataset!r}: give the dataset as SYMBOL/TIMEFRAME, e.g. BTCUSDT/1m")
    store = _store(args)
    store.delete(parts[0], parts[1])
    print(f"deleted {parts[0]} {parts[1]} from {store.root}")
    return 0
