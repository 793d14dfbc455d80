"""A book's record split where its models take over: before (rule fallbacks) and after (out of sample).

A model scores only bars after its training window; before that the rule
fallbacks decide. A headline figure over the whole span mixes the two, so
the reports show each part on its own: where the models' training ends,
what the book earned and traded before and after.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEGMENT_NAMES = ("before: IN-SAMPLE, every series on rule fallbacks (inside the training windows)",
                 "after: models scoring out of sample (series by series from here)")


def oos_start_ns(models: dict, series: list[str]) -> int | None:
    """The instant after which models start scoring the book: the earliest per-series training end.

    A series is scored by a model after that model's training window for the
    series; the series' own start is its earliest such end.

    ``models`` maps slot -> loaded model (``.entry['train_windows']`` per series, else ``.train_window``).
    None when no model is loaded (every slot runs its rule).
    """
    if not models:
        return None
    ends = []
    for key in series:
        per = []
        for m in models.values():
            windows = (getattr(m, "entry", {}) or {}).get("train_windows", {}) or {}
            per.append(int(windows[key]["end_ns"]) if key in windows else int(m.train_window[1]))
        ends.append(min(per))
    return min(ends) if ends else None


def split_record(equity: pd.Series, trades: pd.DataFrame, split_ns: int | None, capital: float,
                 year_days: float | None = None, benchmark: pd.Series | None = None) -> pd.DataFrame | None:
    """Return, Sharpe, drawdown and trades entered before and after ``split_ns`` (None: no split).

    With ``benchmark`` (the buy-and-hold baseline's equity on the same clock) each part also shows
    its alpha and beta against the benchmark's part (:mod:`nexus.metrics.relative`, daily returns).
    """
    from nexus.metrics import daily_returns, stats
    from nexus.metrics.relative import relative_stats

    if split_ns is None or len(equity) == 0:
        return None
    split = pd.Timestamp(int(split_ns), tz="UTC")
    rows = {}
    for name, mask in zip(SEGMENT_NAMES, (equity.index <= split, equity.index > split)):
        part = equity[mask]
        if len(part) == 0:
            rows[name] = {"from": pd.NaT, "to": pd.NaT, "trades entered": 0}
            continue
        before = equity[equity.index < part.index[0]]
        start_value = float(before.iloc[-1]) if len(before) else float(capital)
        day_ts, r = daily_returns(part.to_numpy(np.float64), part.index.as_unit("ns").asi8, start_value)
        ret = pd.Series(r, index=pd.to_datetime(day_ts, utc=True), name="return")
        st = stats(ret, year_days=year_days) if len(ret) > 1 else pd.Series(dtype=float)
        entered = 0
        if len(trades) and "entry_time" in trades:
            t = pd.to_datetime(trades["entry_time"], utc=True)
            entered = int(((t >= part.index[0]) & (t <= part.index[-1])).sum())
        rows[name] = {
            "from": part.index[0], "to": part.index[-1],
            "Total Return [%]": (float(part.iloc[-1]) / start_value - 1.0) * 100.0,
            "Sharpe Ratio (daily)": float(st.get("Sharpe Ratio", np.nan)),
            "Max Drawdown [%] (daily)": float(st.get("Max Drawdown [%]", np.nan)),
            "trades entered": entered,
        }
        if benchmark is not None and len(ret) > 1:
            bpart = benchmark[mask]
            bbefore = benchmark[benchmark.index < part.index[0]]
            b0 = float(bbefore.iloc[-1]) if len(bbefore) else float(capital)
            _, rb = daily_returns(bpart.to_numpy(np.float64), bpart.index.as_unit("ns").asi8, b0)
            rel = relative_stats(r, rb, float(st.get("Annualisation [days/year]", year_days or 365.0)))
            rows[name]["Alpha (ann.) [%] (daily)"] = float(rel["Alpha (ann.) [%]"][0])
            rows[name]["Beta (daily)"] = float(rel["Beta"][0])
    return pd.DataFrame(rows).T
