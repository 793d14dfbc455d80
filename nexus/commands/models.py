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
    import numpy as np

    from nexus.models.registry import Registry

    reg = Registry(args.models)
    for slot in reg.slots():
        m = reg.load(slot)  # raises ModelError on a hash mismatch
        out = m.predict(np.zeros((2, m.n_features), dtype=np.float32))
        print(json.dumps({"slot": slot, "ok": True, "outputs": list(m.outputs), "shape": list(out.shape)}))
    return 0
