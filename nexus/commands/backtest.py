"""``nexus backtest``: the whole pipeline over the configured books, then the reports.

    nexus backtest                                   # defaults: all 5.7M bars of the default store
    nexus backtest --config backtest.toml --out reports/
    nexus backtest --profile original --start 2026-06-01 --set layers.aggregate.threshold=0.25
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from nexus.config import BACKTEST
from nexus.errors import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("backtest", help="run the eight-layer pipeline and write the reports",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", "-c", default=None, help="TOML config (default: built-in defaults = backtest.toml)")
    p.add_argument("--out", "-o", default=None, help="report folder (default: [run] out, 'reports')")
    p.add_argument("--profile", choices=BACKTEST.key("profile").choices, default=None, help="threshold profile")
    p.add_argument("--start", default=None, help="first bar (UTC), e.g. 2026-06-01")
    p.add_argument("--end", default=None, help="end (UTC, exclusive)")
    p.add_argument("--capital", type=float, default=None, help="capital of every book")
    p.add_argument("--symbols", default=None,
                   help="one book of these series instead of the configured books, e.g. BTCUSDT/1m,ETHUSDT/1m")
    p.add_argument("--models", default=None, help="model registry folder")
    p.add_argument("--no-models", action="store_true", help="rule fallbacks in every slot")
    p.add_argument("--allow-fallback", action="store_true",
                   help="a model the registry refuses (hash, shapes) runs its rule instead of stopping the run")
    p.add_argument("--ablate", action="store_true",
                   help="one more run per model slot in use with that slot on its rule: Sharpe differences with intervals")
    p.add_argument("--fee", type=float, default=None, help="commission, fraction of notional")
    p.add_argument("--slippage", type=float, default=None, help="slippage, fraction of price")
    p.add_argument("--fill", choices=BACKTEST.key("costs.fill").choices, default=None)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="override any config key with a TOML value, checked like the file, e.g. --set risk.stop_loss=0.03 "
                   "(repeatable; every key: nexus config show, docs/pipeline.md)")
    p.add_argument("--no-figures", action="store_true", help="skip the PNG files (the HTML still embeds figures)")
    p.add_argument("--no-html", action="store_true", help="skip report.html")
    p.add_argument("--runs", default=None, metavar="DIR", help="run records folder ([run] runs, default 'runs'; '' = none)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    p.set_defaults(func=run)


def _overrides(args: argparse.Namespace) -> list[str]:
    sets = list(args.sets)
    simple = {"profile": args.profile, "run.start": args.start, "run.end": args.end, "run.models": args.models,
              "costs.fee": args.fee, "costs.slippage": args.slippage, "costs.fill": args.fill, "run.seed": args.seed,
              "run.runs": args.runs}
    for key, val in simple.items():
        if val is not None:
            sets.append(f"{key}={val!r}" if isinstance(val, str) else f"{key}={val}")
    if args.no_models:
        sets.append("run.use_models=false")
    if args.quiet:
        sets.append("run.progress=false")
    return sets


def build_config(args: argparse.Namespace):
    from nexus.pipeline.config import BacktestConfig, BookConfig
    from nexus.data.timeframes import timeframe_ns

    sets = _overrides(args)
    cfg = BacktestConfig.from_toml(args.config, sets) if args.config else BacktestConfig.from_dict({}, source="<defaults>", overrides=sets)
    if getattr(args, "store", None) and (args.store != "data/bars" or not args.config):
        cfg.run.store = args.store
    if args.symbols:
        series = [s.strip() for s in args.symbols.split(",") if s.strip()]
        for s in series:
            if "/" not in s:
                raise ConfigError(f"--symbols: {s!r} needs a timeframe, e.g. {s}/1m")
        clock = min((s.split("/", 1)[1] for s in series), key=timeframe_ns)
        cfg.books = [BookConfig("main", series, clock, cfg.books[0].capital if cfg.books else 10_000_000.0)]
    if args.capital is not None:
        for b in cfg.books:
            b.capital = float(args.capital)
    cfg.validate()
    return cfg


def run(args: argparse.Namespace) -> int:
    from nexus.pipeline import backtest

    cfg = build_config(args)
    res = backtest(cfg, models_required=args.models is not None, allow_fallback=args.allow_fallback, ablate=args.ablate)
    out = Path(args.out or cfg.run.out)
    t0 = time.perf_counter()
    paths = res.report(out, figures=not args.no_figures and cfg.report.figures, html=not args.no_html and cfg.report.html)
    if cfg.run.progress:
        print(f"[nexus] report     {len(paths)} files in {out}/  {time.perf_counter() - t0:.2f} s", file=sys.stderr, flush=True)
    print(res.summary())
    if cfg.run.runs:
        from nexus.config import read_toml
        from nexus.runs import record_backtest

        given = {"file": args.config, "tables": read_toml(args.config, "") if args.config else {},
                 "overrides": _overrides(args), "symbols": args.symbols, "capital": args.capital}
        rec = record_backtest(res, root=cfg.run.runs, given=given, report_dir=out)
        print(f"run id: {rec.id}  ({rec.path})")
    if "html" in paths:
        print(f"HTML report: {paths['html'].resolve()}")
    else:
        print(f"reports in: {out.resolve()}")
    return 0
