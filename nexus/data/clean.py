"""Cleaning: repair what is repairable, drop what is not, report every action.

Never invents trades: gaps stay gaps and a row without a usable price is
dropped, not filled. ``policy="repair"`` widens high/low to cover open and
close and clips taker-buy volume into ``[0, volume]``; ``policy="drop"``
drops those rows instead. Both sort by time and drop identical duplicates;
conflicting duplicates follow ``duplicates`` ("last", "first", "drop" all of
them, or "error"). Row numbers in the report are positions in the input.

>>> import numpy as np
>>> from nexus.data.bars import Bars
>>> b = Bars.from_arrays(ts=np.array([0, 120, 60]) * 1_000_000_000, open=[1., 1, 1], high=[2., 2, 0.9],
...                      low=[.5, .5, .5], close=[1.5, 1.5, 1.2], volume=[1., 1, 1], symbol="X", timeframe="1m")
>>> fixed, rep = clean(b, policy="repair")
>>> fixed.ts.tolist() == [0, 60_000_000_000, 120_000_000_000], fixed.high.tolist()
(True, [2.0, 1.2, 2.0])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nexus.data.bars import OPTIONAL_COLUMNS, PRICE_COLUMNS, REQUIRED_COLUMNS, Bars
from nexus.data.timeframes import timeframe_str
from nexus.data.validate import MAX_ROWS, ValidationReport, _modal_spacing, load, validate
from nexus.errors import ConfigError, ValidationError

POLICIES = ("repair", "drop")
DUPLICATES = ("last", "first", "drop", "error")


@dataclass
class Action:
    rule: str
    action: str  # "sorted", "dropped", "repaired"
    count: int
    rows: list[int]  # first input rows affected


@dataclass
class CleanReport:
    symbol: str
    timeframe: str
    rows_in: int
    rows_out: int
    policy: str
    actions: list[Action] = field(default_factory=list)
    after: ValidationReport | None = None  # validation of the cleaned bars (gaps stay reported)

    def count(self, rule: str) -> int:
        return sum(a.count for a in self.actions if a.rule == rule)

    def summary(self) -> str:
        lines = [f"{self.symbol or '?'} {self.timeframe or '?'}: {self.rows_in:,} rows in, {self.rows_out:,} out (policy {self.policy!r})"]
        for a in self.actions:
            lines.append(f"  {a.action} {a.count:,} row(s) for {a.rule} (first input rows: {a.rows[:5]})")
        if not self.actions:
            lines.append("  nothing to do")
        if self.after is not None:
            lines.append("  after cleaning: " + self.after.summary().replace("\n", "\n  "))
        return "\n".join(lines)


def clean(
    bars_or_frame: Any,
    policy: str = "repair",
    *,
    timeframe: str | None = None,
    tz: str | None = None,
    symbol: str | None = None,
    duplicates: str = "last",
) -> tuple[Bars, CleanReport]:
    """Return cleaned :class:`Bars` and a :class:`CleanReport` of what was done."""
    if policy not in POLICIES:
        raise ConfigError(f"clean: policy {policy!r} is not one of {POLICIES}")
    if duplicates not in DUPLICATES:
        raise ConfigError(f"clean: duplicates {duplicates!r} is not one of {DUPLICATES}")
    ld = load(bars_or_frame, tz=tz, symbol=symbol, timeframe=timeframe)
    where = f"{ld.symbol or '?'} {ld.timeframe or '?'}"
    blocking = [c for c in ld.pre if c.rule in ("missing_columns", "bad_timestamps", "naive_timezone", "mixed_timezones")]
    if blocking or ld.ts is None:
        c = blocking[0] if blocking else None
        raise ValidationError(f"{where}: cannot clean: {c.detail if c else 'no timestamps'}; this is not repairable here")
    a = {k: np.array(v, dtype=np.float64) for k, v in ld.arrays.items()}
    ts = np.array(ld.ts, dtype=np.int64)
    n_in = ts.shape[0]
    idx = np.arange(n_in)  # input row of each current row
    actions: list[Action] = []

    def note(rule: str, action: str, rows: np.ndarray) -> None:
        if rows.size:
            actions.append(Action(rule, action, int(rows.size), [int(r) for r in np.sort(rows)[:MAX_ROWS]]))

    def keep(mask: np.ndarray) -> None:
        nonlocal ts, idx, a
        ts, idx = ts[mask], idx[mask]
        a = {k: v[mask] for k, v in a.items()}

    # rows without usable numbers cannot be repaired without inventing data
    bad = np.zeros(ts.shape[0], bool)
    for v in a.values():
        bad |= ~np.isfinite(v)
    note("nan_inf", "dropped", idx[bad])
    keep(~bad)
    nonpos = np.zeros(ts.shape[0], bool)
    for c in PRICE_COLUMNS:
        if c in a:
            nonpos |= a[c] <= 0
    note("non_positive_price", "dropped", idx[nonpos])
    keep(~nonpos)
    neg = np.zeros(ts.shape[0], bool)
    for c in ("volume", "quote_volume", "trades"):
        if c in a:
            neg |= a[c] < 0
    note("negative_volume", "dropped", idx[neg])
    keep(~neg)

    order = np.argsort(ts, kind="stable")
    moved = order != np.arange(order.shape[0])
    if moved.any():
        note("unsorted_timestamps", "sorted", idx[order[moved]])
        ts, idx = ts[order], idx[order]
        a = {k: v[order] for k, v in a.items()}

    dup = np.flatnonzero(ts[1:] == ts[:-1])  # row dup+1 repeats the time of row dup
    if dup.size:
        same = np.ones(dup.size, bool)
        for v in a.values():
            same &= v[dup] == v[dup + 1]
        if duplicates == "error" and not same.all():
            r = int(idx[dup[~same][0] + 1])
            raise ValidationError(f"{where} row {r}: conflicting duplicate timestamp; choose duplicates='last', 'first' or 'drop'")
        change = ts[1:] != ts[:-1]
        grp_start = np.concatenate(([True], change))
        grp_end = np.concatenate((change, [True]))
        gid = np.cumsum(grp_start) - 1
        conflicted = np.zeros(int(gid[-1]) + 1, bool)
        conflicted[gid[dup[~same]]] = True
        in_conf = conflicted[gid]
        drop_same = ~in_conf & ~grp_start  # identical copies: keep the first
        drop_conf = in_conf & {"last": ~grp_end, "first": ~grp_start, "drop": np.ones_like(grp_end)}.get(duplicates, ~grp_end)
        note("duplicate_timestamps", "dropped identical", idx[drop_same])
        note("duplicate_timestamps", "dropped conflicting" + ("" if duplicates == "drop" else f" (kept {duplicates})"), idx[drop_conf])
        keep(~(drop_same | drop_conf))

    if all(c in a for c in PRICE_COLUMNS):
        top = np.maximum(a["open"], a["close"])
        bottom = np.minimum(a["open"], a["close"])
        hi_bad = a["high"] < top
        lo_bad = a["low"] > bottom
        if policy == "repair":
            note("high_below_open_close", "repaired", idx[hi_bad])
            note("low_above_open_close", "repaired", idx[lo_bad])
            a["high"] = np.where(hi_bad, top, a["high"])
            a["low"] = np.where(lo_bad, bottom, a["low"])
        else:
            note("high_below_open_close", "dropped", idx[hi_bad])
            note("low_above_open_close", "dropped", idx[lo_bad & ~hi_bad])
            keep(~(hi_bad | lo_bad))
    if "taker_buy_volume" in a and "volume" in a:
        tb, v = a["taker_buy_volume"], a["volume"]
        out = (tb < 0) | (tb > v)
        if policy == "repair":
            note("taker_buy_outside_volume", "repaired", idx[out])
            a["taker_buy_volume"] = np.clip(tb, 0.0, v)
        else:
            note("taker_buy_outside_volume", "dropped", idx[out])
            keep(~out)

    tf = ld.timeframe
    if not tf and ts.shape[0] > 1:
        mode = _modal_spacing(np.diff(ts))
        tf = timeframe_str(mode) if mode and mode % 1_000_000_000 == 0 else ""
    cols = {k: v for k, v in a.items() if k in REQUIRED_COLUMNS or k in OPTIONAL_COLUMNS}
    if "trades" in cols:
        cols["trades"] = cols["trades"].astype(np.int64)
    meta = dict(bars_or_frame.meta) if isinstance(bars_or_frame, Bars) else {}
    out_bars = Bars.from_arrays(symbol=ld.symbol, timeframe=tf, meta=meta, ts=ts, **cols)
    after = validate(out_bars, timeframe=tf or None, symbol=ld.symbol) if tf else None
    return out_bars, CleanReport(ld.symbol, tf, n_in, len(out_bars), policy, actions, after)


__all__ = ["clean", "CleanReport", "Action", "POLICIES"]
