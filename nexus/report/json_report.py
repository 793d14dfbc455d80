"""``result.json``: every table of a BacktestResult as plain JSON (no NaN: they become null)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd


def _clean(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        x = float(v)
        return None if math.isnan(x) or math.isinf(x) else x
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, np.ndarray):
        return _clean(v.tolist())
    if isinstance(v, (pd.Timestamp,)):
        return v.isoformat()
    if isinstance(v, pd.Timedelta):
        return str(v)
    return v


def _frame(df: pd.DataFrame) -> dict:
    return _clean({str(c): {str(i): df.at[i, c] for i in df.index} for c in df.columns})


def _downsample(s: pd.Series, n: int) -> dict:
    step = max(1, len(s) // n)
    t = s.iloc[::step]
    return {"ts": [x.isoformat() for x in t.index], "value": _clean(t.to_numpy())}


def _oos(o: Any) -> dict | None:
    """The out-of-sample window: start, end and each variant's stats (``rules``, ``models``, baselines, ablations)."""
    if o is None:
        return None
    table = o["table"]
    out = {"start": o["start"].isoformat(), "end": o["end"].isoformat() if o["end"] is not pd.NaT else None,
           "note": o.get("note", "")}
    for name, row in table.iterrows():
        out[name] = _clean({k: v for k, v in row.items() if "[lo, hi]" not in k})
    if o.get("ablation") is not None:
        out["ablations"] = {k: _clean({c: v for c, v in r.items() if "[lo, hi]" not in c})
                            for k, r in o["ablation"].iterrows()}
    out["funnels"] = _frame(o["funnels"])
    return out


def result_dict(res: Any, points: int = 1000) -> dict:
    books = {}
    for name, b in res.books.items():
        books[name] = {
            "series": b.series,
            "capital": b.capital,
            "stats": _clean(b.stats.to_dict()),
            "symbol_stats": _frame(b.symbol_stats),
            "costs": _clean(b.costs),
            "funnel": _frame(b.funnel),
            "reasons": _frame(b.reasons),
            "attribution": _frame(b.attribution),
            "trades": len(b.trades),
            "segments": None if getattr(b, "segments", None) is None else _frame(b.segments),
            "fill_sensitivity": None if getattr(b, "fill_sensitivity", None) is None else _frame(b.fill_sensitivity),
            "oos": _oos(getattr(b, "oos", None)),
            "daily_returns": {d.date().isoformat(): _clean(v) for d, v in b.daily_returns.items()},
            "equity": _downsample(b.equity, points),
            "baselines": {k: {"stats": _clean(v.stats.to_dict()), "trades": v.trades, "costs": _clean(v.costs)}
                          for k, v in b.baselines.items()},
        }
    return {
        "books": books,
        "models": res.models,
        "layer_notes": res.layer_notes,
        "folds": _clean(getattr(res, "folds", []) or []),
        "timings": _clean(res.timings),
        "manifest": _clean(res.manifest),
    }
