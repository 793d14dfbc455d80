"""``nexus paper``: paper trading on live exchange bars, or a replay of stored bars, decisions identical to the backtest.

    nexus paper --config paper.toml                          # live: poll the exchange, trade on paper
    nexus paper --replay --start 2026-10-05 --end 2026-10-07 --book main --compare
    nexus paper --replay --config paper.toml --start 2026-12-01T10:00 --end 2026-12-01T12:00

Live, the session's state lives in ``paper.state`` (restart = resume, catching
up the bars missed); a run folder is written when it stops. ``--replay`` feeds
the store's bars one clock bar at a time through the same step (the books of
``--backtest``, default: the built-in config, or the book of ``--config``);
``--compare`` also runs ``nexus backtest`` over the same span and warm-up and
holds orders, limit orders, decisions and equity equal to the last digit
(exit status 1 when they differ).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from nexus.errors import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("paper", help="paper trading (live on a ccxt exchange, or --replay of stored bars)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", "-c", default=None, help="paper.toml (live: required)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="override a paper.toml key, e.g. --set paper.poll_seconds=5 (repeatable)")
    p.add_argument("--replay", action="store_true", help="replay stored bars instead of polling an exchange")
    p.add_argument("--start", default=None, help="replay: first traded bar (UTC)")
    p.add_argument("--end", default=None, help="replay: end (UTC, exclusive)")
    p.add_argument("--backtest", default=None, help="replay without --config: backtest config (default: built-in)")
    p.add_argument("--book", action="append", default=[], help="replay: only this book (repeatable; default: every book)")
    p.add_argument("--warmup", default=None, help='replay: history before --start, e.g. "2d" (default: paper.warmup)')
    p.add_argument("--batch", type=int, default=1, help="replay: clock bars per step (1 = bar by bar)")
    p.add_argument("--state", default=None, help="state folder (live: default paper.state; replay: none)")
    p.add_argument("--compare", action="store_true", help="replay: run the backtest of the same span and compare")
    p.add_argument("--runs", default=None, metavar="DIR", help="run records folder (default: paper.runs; '' = none)")
    p.add_argument("--no-models", action="store_true", help="rule fallbacks in every slot")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    p.set_defaults(func=run)


def _record(session, root: str, mode: str, end: str | None, command: str, extra: dict | None = None):
    from nexus.config import BACKTEST
    from nexus.config.render import to_toml
    from nexus.paper.replay import backtest_config
    from nexus.runs.record import write_run

    cfg = backtest_config(session, end) if end else session.cfg
    meta = {"source": session.cfg.source, "what": f"paper {mode}: {session.info.book} ({len(session.keys)} series)",
            "mode": mode, "config_resolved": cfg.to_dict(), "anchor": session.info.anchor,
            "trade_start": session.info.trade_start, "end": end, "steps": session.info.steps,
            "events": session.info.events, "backtest_command": command, **(extra or {})}
    return write_run("paper", meta, session.tables(), {"config.toml": to_toml(BACKTEST, cfg.to_dict())}, root=root)


def _replay(args: argparse.Namespace) -> int:
    from nexus.data.store import BarStore
    from nexus.paper.replay import (backtest_command, backtest_config, compare_tables, replay_book, run_backtest,
                                    run_tables)
    from nexus.runs.record import backtest_tables, record_backtest

    if not (args.start and args.end):
        raise ConfigError("nexus paper --replay needs --start and --end (UTC), e.g. --start 2026-10-05 --end 2026-10-07")
    if args.config:
        from nexus.paper.config import load_paper

        pc = load_paper(args.config, args.sets)
        cfg = pc.backtest()
        warmup = pc.paper["warmup"] if args.warmup is None else args.warmup
        runs_root = pc.paper["runs"] if args.runs is None else args.runs
        bt_file = pc.paper["backtest"]
    else:
        from nexus.pipeline.config import BacktestConfig

        cfg = BacktestConfig.from_toml(args.backtest) if args.backtest else BacktestConfig.from_dict({}, source="<defaults>")
        if not args.backtest:
            cfg.run.store = args.store
        warmup = args.warmup or ""
        runs_root = cfg.run.runs if args.runs is None else args.runs
        bt_file = args.backtest
    if args.no_models:
        cfg.run.use_models = False
    names = args.book or [b.name for b in cfg.books]
    store = BarStore(cfg.run.store)
    failed = False
    for name in names:
        t0 = time.perf_counter()
        last = [0.0]

        def progress(session, rep, name=name):
            if not args.quiet and time.perf_counter() - last[0] > 5.0:
                last[0] = time.perf_counter()
                print(f"[paper] {name}: row {session.next_row:,}  {session.records.ts[-1].astype('datetime64[ns]')}  "
                      f"equity {rep.value:,.2f}  step {rep.seconds * 1000:.0f} ms", file=sys.stderr, flush=True)

        session = replay_book(cfg, store, name, start=args.start, end=args.end, warmup=warmup, batch=args.batch,
                              state=args.state, progress=progress)
        secs = time.perf_counter() - t0
        command = backtest_command(session, args.end, bt_file)
        tables = session.tables()
        print(f"{name}: {session.next_row:,} clock bars in {session.info.steps:,} steps ({secs:.1f} s), "
              f"{len(tables['orders']):,} orders, {len(tables['decisions']):,} decisions, "
              f"final equity {session.broker.balances()['equity']:,.2f}")
        rec = _record(session, runs_root, "replay", args.end, command) if runs_root else None
        if rec is not None:
            print(f"  paper run: {rec.path}")
        print(f"  same span in the backtest: {command}")
        if args.compare:
            res = run_backtest(backtest_config(session, args.end))
            bt = backtest_tables(res)
            if rec is not None:  # compare what the two run folders hold, read back from disk
                brec = record_backtest(res, root=runs_root, given={"command": command})
                print(f"  backtest run: {brec.path}")
                tables, bt = run_tables(rec), run_tables(brec)
            diffs = compare_tables(tables, bt, name)
            if diffs:
                failed = True
                print(f"  DIFFERENT from the backtest: {'; '.join(diffs)}")
            else:
                print(f"  identical to the backtest: {len(tables['orders']):,} orders, {len(tables['limits']):,} "
                      f"limit orders, {len(tables['decisions']):,} decisions, {len(tables['equity']):,} equity rows "
                      "(every column bit for bit)")
    return 1 if failed else 0


def _live(args: argparse.Namespace) -> int:
    from nexus.data import instruments
    from nexus.data.sources.ccxt_source import make_exchange
    from nexus.data.store import BarStore
    from nexus.data.timeframes import timeframe_ns
    from nexus.paper.config import load_paper
    from nexus.paper.live import LiveLoop
    from nexus.paper.replay import warmup_ns
    from nexus.paper.session import PaperSession
    from nexus.paper.state import has_state

    if not args.config:
        raise ConfigError("nexus paper needs --config paper.toml (copy it from the repository root); "
                          "--replay replays stored bars instead")
    pc = load_paper(args.config, args.sets)
    cfg = pc.backtest()
    if args.no_models:
        cfg.run.use_models = False
    for s in pc.book["symbols"]:
        if instruments.get(s.split("/", 1)[0]).kind == "future":
            raise ConfigError(f"{args.config}: [book] symbols holds {s}, a future no ccxt exchange serves; "
                              "keep crypto pairs here and replay NQ books with --replay")
    state = Path(args.state or pc.paper["state"])
    store = BarStore(pc.paper["store"])
    if has_state(state):
        session = PaperSession.restore(state, cfg, store)
        print(f"[paper] resuming {session.info.book} from {state} (trading since {session.info.trade_start})",
              file=sys.stderr)
    else:
        clock_ns = timeframe_ns(pc.book["clock"])
        now = time.time_ns()
        trade_start = (now // clock_ns) * clock_ns
        anchor = trade_start - warmup_ns(pc.book["symbols"], cfg.run.warmup_bars, pc.paper["warmup"])
        session = PaperSession.start(cfg, store, anchor=anchor, trade_start=trade_start, book=pc.book["name"])
        print(f"[paper] new session {session.info.book} in {state}: warm-up from {session.info.anchor}, "
              f"trading from {session.info.trade_start}", file=sys.stderr)
    exchange = make_exchange(pc.paper["exchange"], env={})  # public bars: never signed
    loop = LiveLoop(session, exchange, store, pc.settings(), state)
    rc = loop.run()
    runs_root = pc.paper["runs"] if args.runs is None else args.runs
    if runs_root and len(session.records.ts):
        from nexus.paper.replay import backtest_command
        from nexus.paper.session import iso

        end = iso(int(session.records.ts[-1]) + timeframe_ns(pc.book["clock"]))
        rec = _record(session, runs_root, "live", end, backtest_command(session, end, pc.paper["backtest"]))
        print(f"paper run: {rec.path}")
    return rc


def run(args: argparse.Namespace) -> int:
    return _replay(args) if args.replay else _live(args)
