"""``nexus runs``: the recorded runs (every backtest and sweep writes one folder under ``runs/``).

    nexus runs list                                  # newest first
    nexus runs list --filter kind=sweep --filter 'Sharpe Ratio>0.5' --filter risk.stop_loss=0.02
    nexus runs show 20261205T081500123Z-1a2b3c4d     # or any unique prefix of the id
    nexus runs compare ID ID [ID ...] --out reports/compare
    nexus runs rm ID
"""

from __future__ import annotations

import argparse
import json

import pandas as pd


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("runs", help="list, show, compare and remove recorded runs",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", default=None, help="run records folder (default: runs)")
    sub = p.add_subparsers(dest="runs_command", metavar="ACTION")
    ls = sub.add_parser("list", help="a table of runs, newest first")
    ls.add_argument("--filter", dest="filters", action="append", default=[], metavar="KEY OP VALUE",
                    help="keep runs where KEY (kind, source, a statistic or any config key) compares with VALUE; "
                    "OP one of = != < <= > >= ~ (contains); repeatable")
    ls.set_defaults(func=run_list)
    show = sub.add_parser("show", help="one run: what was run, on which data, and its statistics")
    show.add_argument("id")
    show.set_defaults(func=run_show)
    cmp = sub.add_parser("compare", help="statistics and differing config keys side by side, equity overlay, HTML")
    cmp.add_argument("ids", nargs="+", metavar="ID")
    cmp.add_argument("--out", "-o", default=None, help="folder for equity.png and compare.html (default: RUNS/compare/<first id>)")
    cmp.set_defaults(func=run_compare)
    rm = sub.add_parser("rm", help="remove a run")
    rm.add_argument("id")
    rm.set_defaults(func=run_rm)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def run_list(args: argparse.Namespace) -> int:
    from nexus.runs import list_runs

    df = list_runs(args.runs, args.filters)
    if df.empty:
        print(f"no runs under {args.runs or 'runs'}/" + (" matching the filters" if args.filters else ""))
        return 0
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(df.to_string(float_format=lambda v: f"{v:.4g}"))
    return 0


def run_show(args: argparse.Namespace) -> int:
    from nexus.runs import load

    run = load(args.id, args.runs)
    m = run.meta
    print(f"run {run.id}  ({run.kind}, created {m.get('created')})  {run.path}")
    for key in ("source", "what", "data_fingerprint", "git_commit"):
        print(f"  {key:<17s} {m.get(key)}")
    models = (m.get("models") or {}).get("hashes") or {}
    print(f"  {'models':<17s} " + (", ".join(f"{k} {v[:12]}" for k, v in models.items()) or "none (rule fallbacks)"))
    given = m.get("config_given") or {}
    if given:
        print(f"  {'config as given':<17s} {json.dumps(given)[:300]}")
    if m.get("overfitting"):
        print(f"  {'overfitting':<17s} " + "  ".join(f"{k} {v:.4g}" for k, v in m["overfitting"].items()
                                                  if isinstance(v, (int, float))))
    if m.get("shared_stages"):
        print(f"  {'shared stages':<17s} {json.dumps(m['shared_stages'])}")
    print(run.stats.to_string(float_format=lambda v: f"{v:.6g}"))
    print("files: " + ", ".join(m.get("files", [])))
    return 0


def run_compare(args: argparse.Namespace) -> int:
    from nexus.runs import compare

    res = compare(args.ids, root=args.runs, out=args.out)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(res.summary())
    return 0


def run_rm(args: argparse.Namespace) -> int:
    from nexus.runs import remove

    path = remove(args.id, args.runs)
    print(f"removed {path}")
    return 0
