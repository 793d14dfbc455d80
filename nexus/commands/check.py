"""``nexus check``: lookahead and warm-up analysis of strategies on stored bars.

    nexus check lookahead STRATEGY|all [--symbol BTCUSDT] [--timeframe 1m] [--bars 20000] [--cuts 50]
    nexus check warmup    STRATEGY|all [--symbol BTCUSDT] [--timeframe 1m] [--bars 20000] [--starts 5]

STRATEGY is a registered name, a group, "all" (every strategy but the
baselines), "nexus" (the twenty) or "baselines"; several may be given
comma-separated. The last ``--bars`` bars of the series are used. Exit status
1 when a strategy leaks (lookahead) or needs more history than it declares
(warm-up), 0 otherwise, 2 on a user error.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("check", help="lookahead and warm-up checks of strategies")
    sub = p.add_subparsers(dest="check_command", metavar="CHECK")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
    for name, helptext in (("lookahead", "recompute on data cut at random bars and after every signal change; report outputs that change before the cut"),
                           ("warmup", "report how far outputs move as the history before them grows")):
        s = sub.add_parser(name, help=helptext)
        s.add_argument("strategy", help="strategy name, group, 'all', 'nexus' or 'baselines' (comma-separated for several)")
        s.add_argument("--symbol", default="BTCUSDT")
        s.add_argument("--timeframe", default="1m")
        s.add_argument("--bars", type=int, default=20_000, help="use the last N bars (default 20000)")
        s.add_argument("--seed", type=int, default=0)
        if name == "lookahead":
            s.add_argument("--cuts", type=int, default=50, help="random cut points on top of the signal changes")
            s.add_argument("--max-change-cuts", type=int, default=200, help="cap on cuts after signal changes")
            s.set_defaults(func=_lookahead)
        else:
            s.add_argument("--starts", type=int, default=5, help="later start bars to compare from")
            s.set_defaults(func=_warmup)


def _load(args):
    from nexus.data.store import BarStore
    from nexus.errors import ConfigError

    if args.bars < 2:
        raise ConfigError(f"--bars must be at least 2, got {args.bars}")
    bars = BarStore(args.store).read(args.symbol, args.timeframe)
    return bars[max(0, len(bars) - args.bars):]


def _names(spec: str) -> list[str]:
    from nexus.strategies.registry import select

    return select([s.strip() for s in spec.split(",") if s.strip()])


def _lookahead(args) -> int:
    from nexus.strategies import check_lookahead

    names = _names(args.strategy)
    bars = _load(args)
    rep = check_lookahead(names, bars, cuts=args.cuts, max_change_cuts=args.max_change_cuts, seed=args.seed)
    print(f"lookahead check: {bars.symbol} {bars.timeframe}, last {len(bars)} bars")
    print(rep.summary())
    if not rep.ok:
        print(f"LOOKAHEAD found in: {', '.join(rep.leaking)}")
        return 1
    return 0


def _warmup(args) -> int:
    from nexus.strategies import check_warmup

    names = _names(args.strategy)
    bars = _load(args)
    rep = check_warmup(names, bars, starts=args.starts, seed=args.seed)
    print(f"warm-up check: {bars.symbol} {bars.timeframe}, last {len(bars)} bars")
    print(rep.summary())
    if not rep.ok:
        bad = [r.name for r in rep.results.values() if not r.ok]
        print(f"declared warm-up too short for: {', '.join(bad)}")
        return 1
    return 0
