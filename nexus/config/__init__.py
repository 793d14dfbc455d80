"""One schema for every key of ``backtest.toml`` and ``sweep.toml`` (layer 1: imports only the standard library).

>>> from nexus.config import BACKTEST
>>> cfg = BACKTEST.resolve({"risk": {"stop_loss": 0.03}}, "backtest.toml", ["layers.aggregate.threshold=0.25"])
>>> cfg["risk"]["stop_loss"], cfg["layers"]["aggregate"]["threshold"], cfg["costs"]["fee"]
(0.03, 0.25, 0.001)
"""

from nexus.config.backtest import BACKTEST
from nexus.config.paper import PAPER
from nexus.config.literal import parse_set, parse_value, read_toml
from nexus.config.render import markdown_table, to_toml
from nexus.config.schema import Key, Schema, Section, merge
from nexus.config.sweep import PIPELINE_SWEEP, SWEEP

SCHEMAS = {"backtest": BACKTEST, "sweep": SWEEP, "pipeline_sweep": PIPELINE_SWEEP, "paper": PAPER}

__all__ = ["BACKTEST", "SWEEP", "PIPELINE_SWEEP", "PAPER", "SCHEMAS", "Key", "Section", "Schema", "parse_set", "parse_value", "read_toml",
           "markdown_table", "to_toml", "merge"]
