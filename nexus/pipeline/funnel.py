"""The per-layer funnel: bars seen, bars alive after each layer, decisions the
book accepted, orders and trades, per series and in total; plus the reason
histogram (why bars stopped, by layer).

>>> import numpy as np
>>> from nexus.pipeline.reasons import LOW_COMPOSITE, NO_SIGNAL
>>> reason_table({"BTC/1m": np.array([0, LOW_COMPOSITE, LOW_COMPOSITE, NO_SIGNAL], np.uint8)})["total"].to_dict()
{'1 low_composite': 2, '2 no_signal': 1, '0 passed': 1}
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nexus.pipeline.reasons import LAYER_NAMES, REASONS, reason_name

STAGES = ("bars seen",) + tuple(f"{i + 1} {n}" for i, n in enumerate(LAYER_NAMES[:7])) + (
    "8 accepted by book", "orders", "trades")


def funnel_table(per_series: dict[str, dict[str, int]]) -> pd.DataFrame:
    """Rows = stages, columns = series plus ``total``."""
    df = pd.DataFrame({k: [v.get(s, 0) for s in STAGES] for k, v in per_series.items()}, index=list(STAGES))
    df["total"] = df.sum(axis=1)
    df.index.name = "stage"
    return df.astype(np.int64)


def series_funnel(n: int, passed: dict[str, int], accepted: int, orders: int, trades: int) -> dict[str, int]:
    out = {"bars seen": int(n)}
    for i, name in enumerate(LAYER_NAMES[:7]):
        out[f"{i + 1} {name}"] = int(passed.get(name, 0))
    out["8 accepted by book"] = int(accepted)
    out["orders"] = int(orders)
    out["trades"] = int(trades)
    return out


def reason_table(per_series: dict[str, np.ndarray]) -> pd.DataFrame:
    """Counts of each reason code (rows ``"<layer> <name>"``, sorted by layer) per series plus total."""
    cols = {}
    for key, codes in per_series.items():
        counts = np.bincount(np.asarray(codes, dtype=np.uint8), minlength=256)
        cols[key] = {f"{REASONS[c].layer if c in REASONS else '?'} {reason_name(c)}": int(counts[c])
                     for c in np.flatnonzero(counts)}
    df = pd.DataFrame(cols).fillna(0).astype(np.int64)
    df["total"] = df.sum(axis=1)
    order = sorted(df.index, key=lambda s: (s.split(" ", 1)[0] == "0", s))
    df = df.loc[order]
    df.index.name = "reason"
    return df
