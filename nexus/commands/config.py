"""``nexus config show``: the resolved configuration, as TOML.

    nexus config show                                   # backtest defaults (= backtest.toml)
    nexus config show --config backtest.toml --set risk.stop_loss=0.03
    nexus config show --config sweep.toml               # a sweep config (file name starts with "sweep";
                                                        # a [backtest] table makes it a pipeline sweep)
    nexus config show --schema sweep --defaults

Prints every key after the profile's defaults, the file and the ``--set``
overrides are applied and checked, exactly as ``nexus backtest`` / ``nexus sweep``
would read them. Every key's type, default and allowed values: docs/pipeline.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nexus.config import BACKTEST, PIPELINE_SWEEP, SWEEP, read_toml, to_toml
from nexus.errors import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("config", help="show the resolved backtest or sweep config",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="config_command", metavar="ACTION")
    show = sub.add_parser("show", help="print the resolved config as TOML", description=__doc__,
                          formatter_class=argparse.RawDescriptionHelpFormatter)
    show.add_argument("--config", "-c", default=None, help="TOML file (default: the built-in defaults)")
    show.add_argument("--defaults", action="store_true", help="the built-in defaults (no file)")
    show.add_argument("--schema", choices=("backtest", "sweep", "pipeline_sweep"), default=None,
                      help="which file kind (default: sweep when the file's name starts with 'sweep', else backtest)")
    show.add_argument("--set", dest="sets", action="append", default=[], metavar="SECTION.KEY=VALUE",
                      help="override a key with a TOML value (repeatable)")
    show.set_defaults(func=run_show)
    p.set_defaults(func=lambda args: p.print_help() or 2)


def run_show(args: argparse.Namespace) -> int:
    print(show_text(args.config, defaults=args.defaults, schema=args.schema, sets=args.sets), end="")
    return 0


def show_text(path: str | None, *, defaults: bool = False, schema: str | None = None, sets: list[str] = ()) -> str:
    """The resolved config of ``path`` (or the defaults) with ``sets`` applied, as TOML text."""
    if defaults and path:
        raise ConfigError("config show: give --config FILE or --defaults, not both")
    kind = schema or ("sweep" if path and Path(path).name.startswith("sweep") else "backtest")
    if kind == "sweep" and path and "backtest" in read_toml(path, "pass --config PATH"):
        kind = "pipeline_sweep"
    if kind == "pipeline_sweep":
        from nexus.commands.sweep_pipeline import load_pipeline_config

        raw = read_toml(path, "copy sweep.toml from the repository root") if path else {}
        return to_toml(PIPELINE_SWEEP, load_pipeline_config(raw, str(path or "<defaults>"), list(sets)))
    if kind == "sweep":
        from nexus.commands.sweep import load_config

        return to_toml(SWEEP, load_config(path, list(sets)))
    from nexus.pipeline.config import BacktestConfig

    cfg = BacktestConfig.from_toml(path, list(sets)) if path else BacktestConfig.from_dict({}, source="<defaults>", overrides=list(sets))
    return to_toml(BACKTEST, cfg.to_dict())
