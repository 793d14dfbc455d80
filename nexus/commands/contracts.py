"""``nexus data rolls``: the contracts and roll calendar of a futures root in the store.

    nexus data rolls [NQ] [--timeframe 1d]
"""

from __future__ import annotations

import argparse

import pandas as pd


def register(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("rolls", help="contracts and roll calendar of a futures root (NQ): expiry, roll bar, calendar spread")
    r.add_argument("root", nargs="?", default="NQ")
    r.add_argument("--timeframe", default="1d", help="dataset whose roll table to show (default 1d: the longest span)")
    r.set_defaults(func=cmd_rolls)


def cmd_rolls(args) -> int:
    from nexus.data import contracts as C
    from nexus.data.store import BarStore

    store = BarStore(args.store)
    cont = C.store_view(store, args.root, args.timeframe, "front")
    ts_fmt = lambda t: pd.Timestamp(int(t), tz="UTC").strftime("%Y-%m-%d %H:%M")  # noqa: E731
    rows = [["contract", "expiry (UTC)", "roll date (next contract is the front)", "bars in store"]]
    for k, row in enumerate(cont.calendar.table()):
        sym = row["symbol"]
        n = len(store.read(sym, args.timeframe, columns=[])) if store.has(sym, args.timeframe) else 0
        rows.append([sym, ts_fmt(row["expiry"]), row["roll_date"], f"{n:,}"])
    _print(rows)
    print()
    rolls = [["roll bar (UTC)", "from", "to", "spread (new - old)", "ratio"]]
    for t, k, s, q in zip(cont.roll_ts, cont.contract[pd.Index(cont.bars.ts).get_indexer(cont.roll_ts)], cont.spread, cont.ratio):
        rolls.append([ts_fmt(t), cont.calendar.symbols[k - 1], cont.calendar.symbols[k], f"{s:+.2f}", f"{q:.5f}"])
    _print(rolls)
    print(f"roll rule: the next contract is the front from {C.ROLL_DAYS_BEFORE_EXPIRY} calendar days before the "
          f"third-Friday expiry; the {args.root} dataset is back-adjusted by difference")
    return 0


def _print(rows: list[list[str]]) -> None:
    widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


__all__ = ["register", "cmd_rolls"]
