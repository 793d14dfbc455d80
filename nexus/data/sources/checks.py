"""Validation of imported bars that names the file and line a user can open.

The store validates every write too (same rules); this runs first, per file,
so the message points into the user's file rather than at a merged frame.

>>> import numpy as np
>>> from nexus.data.bars import Bars
>>> b = Bars.from_arrays(ts=np.arange(2) * 60_000_000_000, open=[1., 2], high=[2., 1],
...                      low=[.5, .5], close=[2., 1.5], volume=[1., 1], symbol="X", timeframe="1m")
>>> try:
...     validate_file(b, "x.csv", line_of=lambda r: f"line {r + 2}")
... except Exception as e:
...     print(str(e)[:60])
x.csv line 3 (1970-01-01T00:01:00+00:00): X 1m rule 'high_be
"""

from __future__ import annotations

from typing import Callable

import pandas as pd

from nexus.data.bars import Bars
from nexus.data.validate import ValidationReport, validate
from nexus.errors import ValidationError


def validate_file(bars: Bars, where: str, *, line_of: Callable[[int], str] = lambda r: f"row {r}") -> ValidationReport:
    """Validate ``bars`` read from ``where``; raise ValidationError naming file, line, time and rule."""
    rep = validate(bars, timeframe=bars.timeframe or None, symbol=bars.symbol)
    errs = rep.errors
    if not errs:
        return rep
    c = errs[0]
    if c.rows.size:
        r = int(c.rows[0])
        stamp = pd.Timestamp(int(bars.ts[r]), tz="UTC").isoformat() if 0 <= r < len(bars) else "?"
        place = f"{line_of(r)} ({stamp})"
    else:
        place = "all rows"
    detail = f": {c.detail}" if c.detail else ""
    also = "; also failed: " + ", ".join(f"{e.rule} ({e.count})" for e in errs[1:]) if len(errs) > 1 else ""
    raise ValidationError(
        f"{where} {place}: {bars.symbol} {bars.timeframe} rule '{c.rule}' ({c.description}){detail}; "
        f"{c.count} row(s) fail it; fix: {c.fix}{also}",
        report=rep,
    )
