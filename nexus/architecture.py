"""The import ladder of nexus: which layer each top-level package or module of ``nexus/`` sits on.

A module imports only from its own layer or below; nothing imports the face
(``nexus/__init__.py``); no module imports another in a circle.
``tests/test_architecture.py`` walks every import under ``nexus/`` and
enforces this; docs/architecture.md prints :func:`layer_table`, and a test
keeps the two in step. A new top-level package or module gets its line here.

>>> layer_of("nexus.metrics.stats") < layer_of("nexus.portfolio.wrapper")
True
"""

from __future__ import annotations

# (layer name, top-level names under nexus/, what the layer owns), lowest first
LAYERS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("foundation", ("errors", "io", "config", "architecture"),
     "the error hierarchy, atomic writes and version collection, the config schema, this ladder"),
    ("data", ("data",), "bars, the Parquet store, sources, instruments, universe, calendars, resampling"),
    ("arrays", ("indicators", "metrics", "report", "lookahead"),
     "array mathematics, rendering and checks: they know neither the store nor the portfolio nor the pipeline"),
    ("signals", ("mqscore", "strategies", "models"), "market quality, the strategies, features and models"),
    ("execution", ("portfolio",), "the simulator: fills, costs, stops, records, the Portfolio result"),
    ("pipeline", ("pipeline",), "the eight layers: targets, orders and reasons, and the backtest run"),
    ("drivers", ("sweep", "runs", "paper"), "sweeps, walk-forward, run records, paper trading"),
    ("top", ("commands", "cli", "__main__", "__init__"), "the command line and the face `nexus/__init__.py`"),
)

FACE = "nexus"


def top_name(module: str) -> str:
    """``nexus.metrics.stats`` -> ``metrics``; the face ``nexus`` -> ``__init__``."""
    parts = module.split(".")
    if parts[0] != FACE:
        raise ValueError(f"{module!r} is not a module of nexus")
    return parts[1] if len(parts) > 1 else "__init__"


def layer_of(module: str) -> int:
    """The layer number (1 = lowest) of a dotted module name under ``nexus``."""
    name = top_name(module)
    for i, (_, names, _) in enumerate(LAYERS, start=1):
        if name in names:
            return i
    raise KeyError(f"nexus/{name} is on no layer; add it to LAYERS in nexus/architecture.py")


def layer_table() -> str:
    """The ladder as a markdown table (docs/architecture.md holds exactly this text)."""
    rows = ["| layer | packages and modules under `nexus/` | owns |", "| --- | --- | --- |"]
    for i, (title, names, owns) in enumerate(LAYERS, start=1):
        shown = ", ".join(f"`{n}`" for n in names)
        rows.append(f"| {i} {title} | {shown} | {owns} |")
    return "\n".join(rows)
