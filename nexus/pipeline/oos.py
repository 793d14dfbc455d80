"""One out-of-sample window, several answers: models, rules only, baselines and ablations on the same bars.

A book's out-of-sample window starts where the first fold's use window
starts (see :mod:`nexus.models.walkforward`): from there every decision is
made by a model trained before it (minus the embargo) or by a rule. The
headline compares, over that window only and from the same starting value,
the pipeline with its models, the same pipeline with every slot on its rule,
the baselines, and (``ablate``) the pipeline with one slot at a time back on
its rule, with stationary-bootstrap intervals on the daily Sharpe and
Sortino and on each ablation's Sharpe difference. The span before the window
is reported apart as in-sample.

Every variant of the table is simulated afresh from the book's capital at the
window's first row (:func:`from_window`): a variant ruined in-sample (or one
that compounded far above its capital) would otherwise enter the window with
a balance too small for a lot, or too large for the volume, and its window
returns would describe that balance rather than the rule. The pipeline
variants start flat and act on their decisions from the window on; a
baseline starts in its standing position (buy and hold holds, the SMA
crossover is on its current side), which is what those baselines mean.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from nexus.metrics import daily_returns, stats
from nexus.metrics.bootstrap import bootstrap_intervals
from nexus.metrics.bootstrap_diff import diff_intervals
from nexus.pipeline.reasons import LAYER_NAMES, REASONS

LEVEL = 0.95
N_BOOT = 1000
COLLAPSE = 0.1  # a models run entering fewer than this share of the rules run's trades is called out


def from_window(decision: np.ndarray, clock_ts: np.ndarray, start_ns: int, carry: bool = False,
                tradable: np.ndarray | None = None) -> np.ndarray:
    """Decisions with every row before ``start_ns`` set to none (NaN), so a simulation starts flat there.

    ``carry``: the last decision of each column before the window is placed on the
    column's first row in the window (its first ``tradable`` row, when given) unless
    the column decides anew there: a standing position, as a baseline's.

    >>> d = np.array([[1.0], [np.nan], [0.5], [np.nan]])
    >>> from_window(d, np.arange(4), 2)[:, 0].tolist()
    [nan, nan, 0.5, nan]
    >>> from_window(d, np.arange(4), 1, carry=True)[:, 0].tolist()
    [nan, 1.0, 0.5, nan]
    """
    out = np.array(decision, dtype=np.float64, copy=True)
    first = int(np.searchsorted(clock_ts, start_ns, side="left"))
    if first >= len(out):
        out[:] = np.nan
        return out
    head = out[:first]
    if carry and first:
        seen = ~np.isnan(head)
        last = np.where(seen.any(axis=0), len(head) - 1 - np.argmax(seen[::-1], axis=0), -1)
        for j in np.flatnonzero(last >= 0):
            rows = np.flatnonzero(tradable[first:, j]) + first if tradable is not None else np.array([first])
            if len(rows) and np.isnan(out[first:rows[0] + 1, j]).all():
                out[rows[0], j] = head[last[j], j]
    head[:] = np.nan
    return out


def window_returns(equity: pd.Series, start_ns: int, capital: float) -> pd.Series:
    """Daily returns of ``equity`` from ``start_ns`` on, the first day measured from the value just before it."""
    start = pd.Timestamp(int(start_ns), tz="UTC")
    part = equity[equity.index >= start]
    if len(part) == 0:
        return pd.Series(dtype=np.float64)
    before = equity[equity.index < start]
    init = float(before.iloc[-1]) if len(before) else float(capital)
    day_ts, r = daily_returns(part.to_numpy(np.float64), part.index.as_unit("ns").asi8, init)
    return pd.Series(r, index=pd.to_datetime(day_ts, utc=True), name="return")


def _fmt_ci(lo: float, hi: float) -> str:
    return f"[{lo:.2f}, {hi:.2f}]" if np.isfinite(lo) and np.isfinite(hi) else "[nan, nan]"


def window_row(ret: pd.Series, year_days: float | None, trades: int, seed: int) -> dict[str, Any]:
    """Return, Sharpe and Sortino with their intervals, drawdown, Calmar and trades entered over the window."""
    st = stats(ret, year_days=year_days) if len(ret) > 1 else pd.Series(dtype=float)
    ci = bootstrap_intervals(ret.to_numpy(np.float64), year_days or 365.0, n_boot=N_BOOT, level=LEVEL, seed=seed)
    value = float(np.prod(1.0 + ret.to_numpy(np.float64))) if len(ret) else 1.0
    return {
        "Total Return [%]": (value - 1.0) * 100.0,
        "Sharpe Ratio": float(st.get("Sharpe Ratio", np.nan)),
        "Sharpe [lo, hi]": _fmt_ci(*ci["Sharpe Ratio"]),
        "Sortino Ratio": float(st.get("Sortino Ratio", np.nan)),
        "Sortino [lo, hi]": _fmt_ci(*ci["Sortino Ratio"]),
        "Calmar Ratio": float(st.get("Calmar Ratio", np.nan)),
        "Max Drawdown [%]": float(st.get("Max Drawdown [%]", np.nan)),
        "trades entered": int(trades),
        "sharpe_lo": ci["Sharpe Ratio"][0], "sharpe_hi": ci["Sharpe Ratio"][1],
        "sortino_lo": ci["Sortino Ratio"][0], "sortino_hi": ci["Sortino Ratio"][1],
    }


def entered_after(pf: Any, clock_ts: np.ndarray, start_ns: int) -> int:
    tr = pf.trades
    if not len(tr):
        return 0
    idx = np.clip(np.asarray(tr["entry_idx"], dtype=np.int64), 0, len(clock_ts) - 1)
    return int((clock_ts[idx] >= start_ns).sum())


def window_funnel(runs: list[Any], start_ns: int) -> pd.Series:
    """Bars of the window alive after each of layers 1-7, summed over the book's series (from reason codes)."""
    alive = np.zeros(7, dtype=np.int64)
    seen = 0
    for r in runs:
        codes = r.reason[r.bars.ts >= start_ns]
        seen += codes.size
        counts = np.bincount(codes, minlength=256)
        stop = np.full(8, 0, dtype=np.int64)  # bars stopped by layer L (1..7)
        for c in np.flatnonzero(counts):
            if c and c in REASONS and 1 <= REASONS[c].layer <= 7:
                stop[REASONS[c].layer] += counts[c]
        alive += codes.size - np.cumsum(stop[1:])
    return pd.Series([seen] + alive.tolist(), index=["bars seen"] + [f"{i + 1} {n}" for i, n in enumerate(LAYER_NAMES[:7])])


def collapse_note(funnels: pd.DataFrame, trades: dict[str, int]) -> str:
    """Say when the models run enters under a tenth of the rules run's trades, and name the layer that vetoes."""
    m, r = trades.get("models", 0), trades.get("rules", 0)
    if r == 0 or m >= COLLAPSE * r:
        return ""
    f = funnels
    stops_m = -np.diff(f["models"].to_numpy())
    stops_r = -np.diff(f["rules"].to_numpy())
    extra = stops_m - stops_r
    layer = f.index[1 + int(np.argmax(extra))]
    return (f"the models run entered {m} trades against {r} for the rules run (< 1/10): layer {layer} vetoes "
            f"{int(extra.max()):,} more bars with its models than with its rule (funnels side by side below)")


def oos_summary(equity: dict[str, pd.Series], trades: dict[str, int], runs: dict[str, list[Any]], start_ns: int,
                capital: float, year_days: float | None, seed: int = 0) -> dict[str, Any]:
    """The book's out-of-sample record: table of every variant, ablation differences, funnels, note.

    ``equity``: each variant's value on its clock, simulated from ``capital`` at the window's start.
    """
    rets = {k: window_returns(v, start_ns, capital) for k, v in equity.items()}
    table = pd.DataFrame({k: window_row(rets[k], year_days, trades.get(k, 0), seed) for k in equity}).T
    table.index.name = "variant (out of sample)"
    abl = {}
    full = rets.get("models")
    for k, r in rets.items():
        if not k.startswith("without ") or full is None:
            continue
        a, b = full.align(r, join="inner")
        d = diff_intervals(a.to_numpy(), b.to_numpy(), year_days or 365.0, n_boot=N_BOOT, level=LEVEL, seed=seed)
        sa = float(table.loc["models", "Sharpe Ratio"])
        sb = float(table.loc[k, "Sharpe Ratio"])
        lo, hi = d["Sharpe Ratio"]
        abl[k[len("without "):]] = {"Sharpe (models)": sa, "Sharpe (slot on its rule)": sb, "difference": sa - sb,
                                    "difference [lo, hi]": _fmt_ci(lo, hi), "diff_lo": lo, "diff_hi": hi,
                                    "earns its place": bool(np.isfinite(lo) and lo > 0)}
    ablation = pd.DataFrame(abl).T if abl else None
    if ablation is not None:
        ablation.index.name = "slot switched to its rule"
    funnels = pd.DataFrame({k: window_funnel(v, start_ns) for k, v in runs.items()})
    idx = next(iter(equity.values())).index
    end = idx[-1] if len(idx) else pd.NaT
    return {"start": pd.Timestamp(int(start_ns), tz="UTC"), "end": end, "table": table, "ablation": ablation,
            "equity": equity,
            "funnels": funnels, "note": collapse_note(funnels, trades) if {"models", "rules"} <= set(funnels) else ""}


__all__ = ["oos_summary", "from_window", "window_returns", "window_row", "window_funnel", "collapse_note", "entered_after"]
