"""The ``nexus`` command.

Each area keeps its sub-commands in ``nexus/commands/<area>.py`` with a
``register(subparsers)`` function that adds parsers whose ``func`` takes the
parsed ``args`` and returns an exit status. A :class:`nexus.errors.NexusError`
is printed on one line (``nexus: error: ...``) with exit status 2 and no
traceback; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from nexus.errors import NexusError

# order = order in `nexus --help`
COMMAND_MODULES = ("data", "mqscore", "check", "train", "models", "backtest", "paper", "sweep", "runs", "config")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nexus", description="nexus: vectorized research backtester")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    parser.add_argument("--store", default=os.environ.get("NEXUS_STORE", "data/bars"), help="bar store root (default: data/bars or $NEXUS_STORE)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            mod = importlib.import_module(f"nexus.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"nexus.commands.{name}":
                continue
            raise
        mod.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except NexusError as exc:
        if args.debug:
            raise
        print(f"nexus: error: {exc}".replace("\n", " "), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nexus: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
