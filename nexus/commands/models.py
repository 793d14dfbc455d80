"""``nexus models report | verify``: the registry's honest quality report and hash check."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="model registry: quality report, hash verification")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION")
    r = msub.add_parser("report", help="each model's out-of-sample metric next to its naive baseline")
    r.add_argument("--models", default="data/models", help="registry folder (default: data/models)")
    r.add_argument("--json", action="store_true", help="print JSON instead of a table")
    r.set_defaults(func=report)
    v = msub.add_parser("verify", help="load every model, checking its sha256 and shapes")
    v.add_argument("--models", default="data/models")
    v.set_defaults(func=verify)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def report(args: argparse.Namespace) -> int:
    from nexus.models.registry import Registry
    from nexus.models.report import format_report, report_frame

    reg = Registry(args.models)
    if args.json:
        print(report_frame(reg).to_json(orient="records", indent=2))
    else:
        print(format_report(reg))
    return 0


def verify(args: argparse.Namespace) -> int:
    """Every slot loads, hashes, has the manifest's shapes and belongs to the manifest's run; else exit 2."""
    from nexus.errors import ModelError
    from nexus.models.registry import Registry

    records = Registry(args.models).verify()  # ModelError (exit 2) on a missing or empty registry
    for rec in records:
        if rec["ok"]:
            print(json.dumps(rec))
    bad = [r for r in records if not r["ok"]]
    if bad:
        more = f" (and {len(bad) - 1} more problem(s))" if len(bad) > 1 else ""
        raise ModelError(f"{bad[0]['problem']}{more}")
    return 0
