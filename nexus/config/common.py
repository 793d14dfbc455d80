"""Keys that more than one file holds: defined once, named per file with :meth:`Key.named`.

``backtest.toml`` and ``sweep.toml`` both set a data window, a seed, costs and a
starting capital; their ranges and help texts live here so that both files
accept the same values (and a later sweep over backtest keys reads the same
definitions). ``paper.toml``'s one book has a backtest book's clock and capital.
"""

from __future__ import annotations

from nexus.config.schema import Key

START = Key("start", "str", "", 'first bar (UTC), e.g. "2026-06-01"; empty = from the first bar')
END = Key("end", "str", "", "end (UTC, exclusive); empty = through the last bar")
SEED = Key("seed", "int", 0, "random seed (models, random draws)", lo=0)
PROGRESS = Key("progress", "bool", True, "print progress lines")
FEE = Key("fee", "float", 0.001, "taker commission, fraction of notional (0.001 = 0.1 %)", lo=0.0, hi=0.1)
SLIPPAGE = Key("slippage", "float", 0.0005, "slippage, fraction of price (0.0005 = 0.05 %)", lo=0.0, hi=0.1)
CLOCK = Key("clock", "str", "1m", "decision clock of the book")
CAPITAL = Key("capital", "float", 10_000_000.0, "starting cash", lo=0.0, lo_open=True)
