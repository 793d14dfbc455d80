"""Aligned plain-text tables (numbers right-aligned, sensible precision).

>>> import pandas as pd
>>> print(text_table(pd.DataFrame({"a": [1.5, 22.25]}, index=["x", "yy"])))
       a
x    1.5
yy 22.25
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd


def fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int,)) or (hasattr(v, "dtype") and getattr(v, "dtype").kind in "iu"):
        return f"{int(v):,}"
    if isinstance(v, float) or (hasattr(v, "dtype") and getattr(v, "dtype").kind == "f"):
        x = float(v)
        if math.isnan(x):
            return "-"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        if x != 0 and (abs(x) >= 1e7 or abs(x) < 1e-3):
            return f"{x:.3g}"
        if float(x).is_integer() and abs(x) < 1e7:
            return f"{int(x):,}"
        return f"{x:,.4f}".rstrip("0").rstrip(".") if abs(x) < 10 else f"{x:,.2f}"
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, pd.Timedelta):
        return str(v)
    return str(v)


def text_table(df: pd.DataFrame, index: bool = True) -> str:
    cols = [str(c) for c in df.columns]
    rows = [[fmt(v) for v in row] for row in df.itertuples(index=False, name=None)]
    idx = [str(i) for i in df.index] if index else []
    widths = [max([len(c)] + [len(r[j]) for r in rows]) for j, c in enumerate(cols)]
    iw = max([len(i) for i in idx] + [len(str(df.index.name or ""))]) if index else 0
    lines = []
    head = (str(df.index.name or "").ljust(iw) + " " if index else "") + " ".join(c.rjust(w) for c, w in zip(cols, widths))
    lines.append(head.rstrip())
    for k, r in enumerate(rows):
        left = idx[k].ljust(iw) + " " if index else ""
        lines.append((left + " ".join(v.rjust(w) for v, w in zip(r, widths))).rstrip())
    return "\n".join(lines)
