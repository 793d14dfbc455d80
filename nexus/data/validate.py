"""Validation of bar data: one vectorized pass per rule, a report per check.

``validate`` accepts :class:`~nexus.data.bars.Bars`, a pandas DataFrame (a
``ts`` column or a DatetimeIndex) or a polars DataFrame (a ``ts`` column) and
never raises for bad data: it returns a :class:`ValidationReport` whose
``checks`` hold, per rule, the number of offending rows and the first of them.
``report.raise_if_failed()`` turns a failure into a
:class:`~nexus.errors.ValidationError` that names symbol, row, time and rule
and says how to fix it. Gaps are warnings: they are reported, never filled.

>>> from tests.conftest import make_bars                    # doctest: +SKIP
>>> rep = validate(make_bars(100), timeframe="1m")          # doctest: +SKIP
>>> rep.ok, rep.checks["gaps"].count                        # doctest: +SKIP
(True, 0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nexus.data.bars import ALL_COLUMNS, PRICE_COLUMNS, REQUIRED_COLUMNS, Bars
from nexus.data.timeframes import timeframe_ns, timeframe_str, utc_ns_array
from nexus.errors import ValidationError

MAX_ROWS = 10  # offending rows kept per check


def _num(x: Any) -> str:
    return repr(x.item() if hasattr(x, "item") else x)

# rule -> (severity, what it means, how to fix)
RULES: dict[str, tuple[str, str, str]] = {
    "missing_columns": ("error", "required columns are missing", "provide ts, open, high, low, close and volume"),
    "non_numeric": ("error", "values are not numbers", "fix the source or drop those rows"),
    "bad_timestamps": ("error", "timestamps cannot be read", "give zone-aware datetimes or int ns UTC"),
    "naive_timezone": ("error", "timestamps carry no time zone", "name their zone, e.g. tz='UTC'"),
    "mixed_timezones": ("error", "timestamps mix time zones", "convert the column to one zone first"),
    "nan_inf": ("error", "NaN or Inf values", "drop those rows at the source or clean(..., policy='drop')"),
    "non_positive_price": ("error", "a price is zero or negative", "fix the source or clean() drops the rows"),
    "high_below_open_close": ("error", "high below max(open, close)", "clean(..., policy='repair') widens high to cover open and close"),
    "low_above_open_close": ("error", "low above min(open, close)", "clean(..., policy='repair') widens low to cover open and close"),
    "negative_volume": ("error", "negative volume, quote volume or trade count", "fix the source or clean() drops the rows"),
    "taker_buy_outside_volume": ("error", "taker_buy_volume outside [0, volume]", "clean(..., policy='repair') clips it to [0, volume]"),
    "unsorted_timestamps": ("error", "timestamps go backwards", "clean() sorts by ts"),
    "duplicate_timestamps": ("error", "two bars share a timestamp", "clean() drops identical duplicates and keeps the last conflicting one"),
    "timeframe_mismatch": ("error", "the declared timeframe is not the bars' spacing", "name the right timeframe or resample"),
    "spacing_not_multiple": ("error", "spacing is not a multiple of the timeframe", "resample to a timeframe dividing the spacing or fix the timestamps"),
    "gaps": ("warning", "missing bars (gaps larger than the timeframe; reported, never filled)", "nothing to do if the market was closed"),
}


@dataclass
class Check:
    """Outcome of one rule: ``count`` offending rows, the first ones in ``rows``."""

    rule: str
    count: int = 0
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    detail: str = ""

    @property
    def severity(self) -> str:
        return RULES[self.rule][0]

    @property
    def failed(self) -> bool:
        return self.count > 0 and self.severity == "error"

    @property
    def description(self) -> str:
        return RULES[self.rule][1]

    @property
    def fix(self) -> str:
        return RULES[self.rule][2]


@dataclass
class ValidationReport:
    symbol: str
    timeframe: str
    n_rows: int
    checks: dict[str, Check]
    ts: np.ndarray | None = None  # for naming the time of an offending row
    inferred_timeframe: str | None = None
    missing_bars: int = 0

    @property
    def ok(self) -> bool:
        return not any(c.failed for c in self.checks.values())

    @property
    def errors(self) -> list[Check]:
        return [c for c in self.checks.values() if c.failed]

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks.values() if c.count and c.severity == "warning"]

    def where(self) -> str:
        return f"{self.symbol or '?'} {self.timeframe or '?'}"

    def _row_label(self, row: int) -> str:
        if self.ts is not None and 0 <= row < self.ts.shape[0]:
            return f"row {row} ({pd.Timestamp(int(self.ts[row]), tz='UTC').isoformat()})"
        return f"row {row}"

    def message(self, check: Check) -> str:
        first = self._row_label(int(check.rows[0])) if check.rows.size else "all rows"
        rows = ", ".join(str(int(r)) for r in check.rows[:5])
        detail = f": {check.detail}" if check.detail else ""
        return (
            f"{self.where()} {first}: rule '{check.rule}' ({check.description}){detail}; "
            f"{check.count} row(s) fail it (first: {rows}); fix: {check.fix}"
        )

    def summary(self) -> str:
        status = "OK" if self.ok else f"FAILED ({len(self.errors)} rule(s))"
        lines = [f"{self.where()}: {self.n_rows:,} rows, {status}"]
        if self.inferred_timeframe:
            lines.append(f"  timeframe inferred from spacing: {self.inferred_timeframe}")
        for c in self.checks.values():
            if c.count:
                tag = "ERROR" if c.failed else "warn "
                extra = f" ({self.missing_bars:,} bars missing)" if c.rule == "gaps" else ""
                lines.append(f"  {tag} {c.rule}: {c.count:,}{extra} - {self.message(c)}")
        passed = [c.rule for c in self.checks.values() if not c.count]
        if passed:
            lines.append(f"  passed: {', '.join(passed)}")
        return "\n".join(lines)

    def raise_if_failed(self) -> "ValidationReport":
        errs = self.errors
        if errs:
            msg = self.message(errs[0])
            if len(errs) > 1:
                msg += "; also failed: " + ", ".join(f"{c.rule} ({c.count})" for c in errs[1:])
            raise ValidationError(msg, report=self)
        return self


# ----------------------------------------------------------------- loading
@dataclass
class Loaded:
    """Input normalised to arrays; ``ts`` is None when timestamps are unusable."""

    arrays: dict[str, np.ndarray]
    ts: np.ndarray | None
    symbol: str
    timeframe: str
    pre: list[Check]


def _ts_check(exc: ValidationError) -> Check:
    text = str(exc)
    low = text.lower()
    rule = "mixed_timezones" if "mixed" in low else "naive_timezone" if "naive" in low else "bad_timestamps"
    return Check(rule, count=1, rows=np.zeros(0, np.int64), detail=text.split(": ", 1)[-1])


def _numeric(name: str, values: Any, pre: list[Check]) -> np.ndarray:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        coerced = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(np.float64)
        bad = np.flatnonzero(np.isnan(coerced) & pd.notna(pd.Series(values)).to_numpy())
        pre.append(Check("non_numeric", int(bad.size), bad[:MAX_ROWS], f"column {name} holds {pd.Series(values).iloc[bad[0]]!r}"))
        return coerced


def load(data: Any, *, tz: str | None = None, symbol: str | None = None, timeframe: str | None = None) -> Loaded:
    """Normalise Bars / pandas / polars input to float64 arrays and int64 ns UTC ``ts``."""
    pre: list[Check] = []
    if isinstance(data, Bars):
        arrays = {c: a for c, a in data.arrays().items() if c != "ts"}
        return Loaded(arrays, data.ts, symbol or data.symbol, timeframe or data.timeframe, pre)
    where = f"{symbol or '?'} {timeframe or '?'} ts"
    if isinstance(data, pd.DataFrame):
        frame = data
        ts_values = frame["ts"] if "ts" in frame.columns else frame.index if isinstance(frame.index, pd.DatetimeIndex) else None
        get = lambda c: frame[c].to_numpy()  # noqa: E731
        names = list(frame.columns)
    else:
        try:
            import polars as pl
        except ImportError:  # pragma: no cover
            pl = None
        if pl is None or not isinstance(data, pl.DataFrame):
            raise ValidationError(f"{where}: cannot validate a {type(data).__name__}; pass Bars, a pandas or a polars DataFrame")
        frame = data
        names = list(frame.columns)
        ts_values = None
        if "ts" in names:
            dtype = frame.schema["ts"]
            if isinstance(dtype, pl.Datetime):
                ts_values = pd.Series(frame["ts"].to_pandas())
            else:
                ts_values = frame["ts"].to_numpy()
        get = lambda c: frame[c].to_numpy()  # noqa: E731
    missing = [c for c in REQUIRED_COLUMNS if c not in names and not (c == "ts" and ts_values is not None)]
    if missing:
        pre.append(Check("missing_columns", len(missing), np.zeros(0, np.int64), f"missing {missing}; present {names}"))
    ts = None
    if ts_values is not None:
        if isinstance(ts_values, (pd.Series, pd.Index)) and ts_values.dtype.kind in "iu":
            ts_values = ts_values.to_numpy()
        try:
            ts = utc_ns_array(ts_values, tz, where=where)
        except ValidationError as exc:
            pre.append(_ts_check(exc))
    arrays = {c: _numeric(c, get(c), pre) for c in ALL_COLUMNS if c != "ts" and c in names}
    return Loaded(arrays, ts, symbol or "", timeframe or "", pre)


# ------------------------------------------------------------------ checks
def _check(rule: str, mask: np.ndarray, detail_fn=None) -> Check:
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return Check(rule)
    return Check(rule, int(rows.size), rows[:MAX_ROWS], detail_fn(int(rows[0])) if detail_fn else "")


def grid_steps(d: np.ndarray, tf: int) -> tuple[np.ndarray, np.ndarray]:
    """For spacings ``d``: whether each is a whole number of bars, and how many.

    Daily and longer bars of exchanges that keep local time move by an hour
    at daylight-saving changes (a 23 h or 25 h "day"), so from one day up a
    spacing within one hour of a whole number of bars counts as on the grid.
    """
    slack = 3_600_000_000_000 if tf >= 86_400_000_000_000 else 0
    steps = (d + slack) // tf
    on_grid = (d > 0) & (np.abs(d - steps * tf) <= slack)
    return on_grid, steps


def _modal_spacing(d: np.ndarray) -> int:
    pos = d[d > 0][:200_000]
    if pos.size == 0:
        return 0
    vals, counts = np.unique(pos, return_counts=True)
    return int(vals[np.argmax(counts)])


def validate(bars_or_frame: Any, *, timeframe: str | None = None, tz: str | None = None, symbol: str | None = None) -> ValidationReport:
    """Check bars for every rule in :data:`RULES`; never raises for bad data.

    >>> import numpy as np
    >>> b = Bars.from_arrays(ts=np.arange(3) * 60_000_000_000, open=[1., 2, 3], high=[2., 1, 4],
    ...                      low=[.5, .5, 2.5], close=[2., 1.5, 3.5], volume=[1., 1, 1], symbol="X", timeframe="1m")
    >>> rep = validate(b)
    >>> rep.ok, rep.checks["high_below_open_close"].rows.tolist()
    (False, [1])
    """
    ld = load(bars_or_frame, tz=tz, symbol=symbol, timeframe=timeframe)
    a = ld.arrays
    n = int(next(iter(a.values())).shape[0]) if a else (0 if ld.ts is None else int(ld.ts.shape[0]))
    checks: dict[str, Check] = {c.rule: c for c in ld.pre}

    bad = np.zeros(n, bool)
    for arr in a.values():
        bad |= ~np.isfinite(arr)

    def _nan_detail(r: int) -> str:
        name = next(k for k, v in a.items() if not np.isfinite(v[r]))
        return f"{name} is {_num(a[name][r])}"

    checks["nan_inf"] = _check("nan_inf", bad, _nan_detail)

    prices = [a[c] for c in PRICE_COLUMNS if c in a]
    if prices:
        nonpos = np.zeros(n, bool)
        for p in prices:
            nonpos |= p <= 0
        checks["non_positive_price"] = _check(
            "non_positive_price", nonpos,
            lambda r: ", ".join(f"{c}={_num(a[c][r])}" for c in PRICE_COLUMNS if c in a and a[c][r] <= 0))
    if all(c in a for c in PRICE_COLUMNS):
        o, h, lo, c = a["open"], a["high"], a["low"], a["close"]
        top = np.maximum(o, c)
        bottom = np.minimum(o, c)
        checks["high_below_open_close"] = _check(
            "high_below_open_close", h < top, lambda r: f"high {_num(h[r])} < max(open, close) {_num(top[r])}")
        checks["low_above_open_close"] = _check(
            "low_above_open_close", lo > bottom, lambda r: f"low {_num(lo[r])} > min(open, close) {_num(bottom[r])}")
    neg = np.zeros(n, bool)
    for name in ("volume", "quote_volume", "trades"):
        if name in a:
            neg |= a[name] < 0
    checks["negative_volume"] = _check(
        "negative_volume", neg,
        lambda r: ", ".join(f"{k}={_num(a[k][r])}" for k in ("volume", "quote_volume", "trades") if k in a and a[k][r] < 0))
    if "taker_buy_volume" in a and "volume" in a:
        tb, v = a["taker_buy_volume"], a["volume"]
        # decimal sources round-trip through float: allow one part in 1e9 above volume
        out = (tb < 0) | (tb > v * (1 + 1e-9) + 1e-12)
        checks["taker_buy_outside_volume"] = _check(
            "taker_buy_outside_volume", out, lambda r: f"taker_buy_volume {_num(tb[r])} vs volume {_num(v[r])}")

    tf_name = ld.timeframe
    inferred = None
    missing_bars = 0
    if ld.ts is not None and ld.ts.shape[0] == n:
        ts = ld.ts
        d = np.diff(ts)
        checks["unsorted_timestamps"] = _check(
            "unsorted_timestamps", np.concatenate(([False], d < 0)),
            lambda r: f"ts {pd.Timestamp(int(ts[r]), tz='UTC')} after {pd.Timestamp(int(ts[r - 1]), tz='UTC')}")
        checks["duplicate_timestamps"] = _check(
            "duplicate_timestamps", np.concatenate(([False], d == 0)), lambda r: f"same ts as row {r - 1}")
        if tf_name:
            tf = timeframe_ns(tf_name)
        else:
            tf = _modal_spacing(d)
            inferred = timeframe_str(tf) if tf and tf % 1_000_000_000 == 0 else None
            tf_name = inferred or ""
        if tf:
            pos = d > 0
            n_pos = int(pos.sum())
            if not inferred and n_pos:
                share = float((d == tf).sum()) / n_pos
                if share < 0.5:
                    mode = _modal_spacing(d)
                    label = timeframe_str(mode) if mode and mode % 1_000_000_000 == 0 else f"{mode} ns"
                    fix = (f"pass timeframe='{label}'" if mode >= 1_000_000_000 else
                           "a spacing below one second usually means epoch numbers in ms or s read as ns: "
                           "check the time unit (--ts-unit)")
                    checks["timeframe_mismatch"] = Check(
                        "timeframe_mismatch", n_pos - int((d == tf).sum()), np.zeros(0, np.int64),
                        f"declared {tf_name} but the most common spacing is {label}; {fix}")
                else:
                    checks["timeframe_mismatch"] = Check("timeframe_mismatch")
            on_grid, steps = grid_steps(d, tf)
            off = np.concatenate(([False], pos & ~on_grid))
            checks["spacing_not_multiple"] = _check(
                "spacing_not_multiple", off, lambda r: f"{(ts[r] - ts[r - 1]) / 1e9:g}s after row {r - 1}, timeframe {tf_name}")
            gap = np.concatenate(([False], on_grid & (steps > 1)))
            checks["gaps"] = _check(
                "gaps", gap, lambda r: f"{steps[r - 1] - 1} bar(s) missing before this row")
            if checks["gaps"].count:
                missing_bars = int((steps[gap[1:]] - 1).sum())
    ordered = {r: checks[r] for r in RULES if r in checks}
    return ValidationReport(ld.symbol, tf_name, n, ordered, ts=ld.ts, inferred_timeframe=inferred, missing_bars=missing_bars)
