"""Merging new bars into a stored partition, and the time-grid check across partitions.

Kept apart from :mod:`nexus.data.store` so the rules of a write (what
collapses, what conflicts, what wins under ``overwrite``) read in one place.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nexus.data.store_meta import Manifest, Partition
from nexus.data.timeframes import timeframe_ns
from nexus.data.validate import grid_steps
from nexus.errors import StoreError, ValidationError


def _fmt_ts(ts: int) -> str:
    return pd.Timestamp(int(ts), tz="UTC").isoformat()


def check_grid(man: Manifest, stored: dict[str, Partition], pending: dict[str, dict[str, np.ndarray]]) -> None:
    """New bars must sit on the stored bars' time grid (validate() saw the new bars alone)."""
    tf = timeframe_ns(man.timeframe)
    runs = []  # (first, last, ts or None) per partition, in time order
    for key in sorted(set(stored) | set(pending)):
        if key in pending:
            ts = pending[key]["ts"]
            runs.append((int(ts[0]), int(ts[-1]), ts))
        else:
            runs.append((stored[key].first_ts, stored[key].last_ts, None))
    for i, (first, last, ts) in enumerate(runs):
        pairs = []
        if ts is not None:
            pairs.append((ts[:-1], ts[1:]))
        if i and (ts is not None or runs[i - 1][2] is not None):
            pairs.append((np.array([runs[i - 1][1]]), np.array([first])))
        for prev, nxt in pairs:
            on_grid, _ = grid_steps(nxt - prev, tf)
            if not on_grid.all():
                j = int(np.argmin(on_grid))
                raise ValidationError(
                    f"{man.symbol} {man.timeframe} bar at {_fmt_ts(nxt[j])}: rule 'spacing_not_multiple' "
                    f"({(nxt[j] - prev[j]) / 1e9:g}s after the bar at {_fmt_ts(prev[j])}, not a whole number of "
                    f"{man.timeframe} bars); fix the timestamps or store them under another timeframe"
                )


def _rows_equal(x: dict[str, np.ndarray], i: np.ndarray, j: np.ndarray, cols: list[str]) -> np.ndarray:
    eq = np.ones(i.shape[0], bool)
    for c in cols:
        a, b = x[c][i], x[c][j]
        same = a == b
        if a.dtype.kind == "f":
            same |= np.isnan(a) & np.isnan(b)
        eq &= same
    return eq


def merge_rows(
    old: dict[str, np.ndarray] | None,
    new: dict[str, np.ndarray],
    cols: list[str],
    overwrite: bool,
    symbol: str,
    timeframe: str,
) -> tuple[dict[str, np.ndarray], int, int]:
    """Sorted union of stored and new rows: (arrays, identical duplicates dropped, rows overwritten)."""
    if old is None:
        both = {c: np.ascontiguousarray(new[c]) for c in cols}
        n_old = 0
    else:
        both = {c: np.concatenate((old[c], new[c])) for c in cols}
        n_old = old["ts"].shape[0]
    if np.all(both["ts"][1:] >= both["ts"][:-1]):
        order = np.arange(both["ts"].shape[0])
    else:
        order = np.argsort(both["ts"], kind="stable")  # stored rows stay ahead of new rows with the same ts
        both = {c: a[order] for c, a in both.items()}
    ts = both["ts"]
    dup = np.flatnonzero(ts[1:] == ts[:-1])  # row dup+1 repeats row dup
    if dup.size == 0:
        return both, 0, 0
    same = _rows_equal(both, dup, dup + 1, cols)
    conflicts = dup[~same]
    if conflicts.size and not overwrite:
        i = int(conflicts[0])
        diffs = [
            f"{c} {both[c][i].item()!r} -> {both[c][i + 1].item()!r}" for c in cols
            if c != "ts" and not (both[c][i] == both[c][i + 1])
        ][:3]
        src = "stored" if order[i] < n_old else "new"
        raise StoreError(
            f"{symbol} {timeframe}: conflicting bar at {_fmt_ts(ts[i])} ({src} vs new: {', '.join(diffs)}); "
            f"{conflicts.size} timestamp(s) conflict; pass overwrite=True (CLI: --overwrite) to replace stored bars with the new ones"
        )
    keep = np.ones(ts.shape[0], bool)
    keep[dup] = False  # the later row (new data) of each duplicate pair wins
    merged = {c: a[keep] for c, a in both.items()}
    return merged, int(same.sum()), int(conflicts.size)
