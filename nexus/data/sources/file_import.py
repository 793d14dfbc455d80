"""Import bars from any CSV or Parquet file, with a column mapping.

Columns are found by the nexus name (any case), a common alias (``time``,
``timestamp``, ``date``, ``o``, ``vol``, ``count``...) or an explicit mapping
``{"ts": "time", "close": "price"}`` (nexus name -> file column). Timestamps
may be epoch numbers (``ts_unit`` s / ms / us / ns; guessed from the
magnitude when not given, and checked to land between 1990 and 2100) or
text (``ts_format`` a strptime format, else parsed). Text or datetimes
without a zone are refused unless ``tz`` names their zone; epoch numbers are
UTC by definition. Everything is validated before the store is touched, and
a failure names the file, the line and the rule.

>>> rep = import_file(store, "prices.csv", symbol="NQ", timeframe="5m",
...                   mapping={"ts": "Datetime"}, tz="America/Chicago")   # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from nexus.data.bars import ALL_COLUMNS, REQUIRED_COLUMNS, Bars
from nexus.data.sources.checks import validate_file
from nexus.data.sources.klines import UNIT_TO_NS
from nexus.data.sources.paging import BarSink
from nexus.data.timeframes import timeframe_ns
from nexus.errors import ConfigError, SourceError, ValidationError

ALIASES: dict[str, tuple[str, ...]] = {
    "ts": ("ts", "timestamp", "time", "datetime", "date", "open_time", "opentime", "date_time", "t"),
    "open": ("open", "o", "open_price"),
    "high": ("high", "h", "high_price"),
    "low": ("low", "l", "low_price"),
    "close": ("close", "c", "close_price", "last"),
    "volume": ("volume", "v", "vol", "base_volume"),
    "trades": ("trades", "count", "number_of_trades", "num_trades", "n_trades"),
    "quote_volume": ("quote_volume", "quote_asset_volume", "quote_vol"),
    "taker_buy_volume": ("taker_buy_volume", "taker_buy_base_volume", "taker_buy_base_asset_volume"),
    "spread": ("spread", "quoted_spread", "bid_ask_spread"),
}
_PLAUSIBLE = (pd.Timestamp("1990-01-01", tz="UTC").value, pd.Timestamp("2100-01-01", tz="UTC").value)


@dataclass
class FileImportReport:
    path: Path
    symbol: str
    timeframe: str
    rows: int
    columns: dict[str, str]  # nexus name -> file column
    ts_unit: str | None
    rows_added: int
    warnings: list[str] = field(default_factory=list)  # e.g. gaps, from the store's validation

    def summary(self) -> str:
        mapping = ", ".join(f"{k}<-{v}" for k, v in self.columns.items())
        unit = f", ts unit {self.ts_unit}" if self.ts_unit else ""
        line = f"{self.path.name} -> {self.symbol} {self.timeframe}: {self.rows:,} rows ({self.rows_added:,} new); columns {mapping}{unit}"
        return "\n".join([line] + [f"  warning: {w}" for w in self.warnings])


def parse_mapping(text: str | Mapping[str, str] | None) -> dict[str, str]:
    """``"ts=time,close=price"`` -> ``{"ts": "time", "close": "price"}``; names checked."""
    if text is None:
        return {}
    if isinstance(text, Mapping):
        pairs = dict(text)
    else:
        pairs = {}
        for item in str(text).split(","):
            if not item.strip():
                continue
            if "=" not in item:
                raise ConfigError(f"--map item {item.strip()!r} is not NAME=COLUMN; e.g. --map ts=time,close=price")
            k, v = item.split("=", 1)
            pairs[k.strip()] = v.strip()
    unknown = sorted(set(pairs) - set(ALL_COLUMNS))
    if unknown:
        raise ConfigError(f"--map names {unknown} are not nexus columns; use {', '.join(ALL_COLUMNS)}")
    return pairs


def read_table(path: Path, *, sep: str | None = None) -> pd.DataFrame:
    """A CSV (any delimiter) or Parquet file as a DataFrame, index reset to a column."""
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    suffix = "".join(path.suffixes[-2:]).lower()
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            df = pd.read_parquet(path)
            if isinstance(df.index, pd.DatetimeIndex) or df.index.name is not None:
                df = df.reset_index()
        elif path.suffix.lower() in (".csv", ".txt", ".tsv") or suffix.endswith((".csv.gz", ".csv.zip")):
            df = pd.read_csv(path, sep=sep or _sniff_sep(path), engine="c")
        else:
            raise SourceError(f"{path}: unknown file type {path.suffix!r}; give a .csv, .tsv, .txt or .parquet file")
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise SourceError(f"{path}: cannot read it as {path.suffix.lstrip('.') or 'a table'} ({str(exc).splitlines()[0]})") from None
    if df.shape[0] == 0:
        raise SourceError(f"{path}: the file holds no rows")
    return df


def _sniff_sep(path: Path) -> str:
    """The delimiter of a CSV from its header line (pandas' own sniffing needs the slow python engine)."""
    import gzip

    opener = gzip.open if path.suffix.lower() == ".gz" else open
    try:
        with opener(path, "rt", errors="replace") as fh:
            head = fh.readline()
    except OSError:
        return ","
    counts = {c: head.count(c) for c in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def resolve_columns(columns: list[str], mapping: Mapping[str, str], where: str) -> dict[str, str]:
    """nexus name -> file column, from the mapping first, then names and aliases (any case)."""
    lower = {}
    for c in columns:
        lower.setdefault(str(c).strip().lower(), c)
    out: dict[str, str] = {}
    for name, col in mapping.items():
        if col not in columns:
            raise ConfigError(f"{where}: --map {name}={col}: the file has no column {col!r}; its columns: {list(columns)}")
        out[name] = col
    taken = set(out.values())
    for name in ALL_COLUMNS:
        if name in out:
            continue
        for alias in ALIASES[name]:
            col = lower.get(alias)
            if col is not None and col not in taken:
                out[name] = col
                taken.add(col)
                break
    missing = [c for c in REQUIRED_COLUMNS if c not in out]
    if missing:
        raise ConfigError(
            f"{where}: no column for {missing}; its columns are {list(columns)}; "
            f"map them, e.g. --map {','.join(f'{m}=<column>' for m in missing)}"
        )
    return {k: out[k] for k in ALL_COLUMNS if k in out}


def guess_unit(values: np.ndarray) -> str:
    """s / ms / us / ns from the magnitude of epoch numbers (dates after 1973)."""
    m = float(np.nanmedian(np.abs(values)))
    return "s" if m < 1e11 else "ms" if m < 1e14 else "us" if m < 1e17 else "ns"


def _unit_hint(raw: np.ndarray, r: int, used: str) -> str:
    """What to do about an epoch out of range: another unit for the file, or a row that mixes units."""
    whole = guess_unit(raw)
    this = guess_unit(raw[r:r + 1])
    if whole != used:
        return f"these numbers look like {whole}: pass --ts-unit {whole}"
    if this != used:
        return (f"most epochs in the file are {used} but this one looks like {this}: the file mixes units; "
                f"convert that row (and any like it) to {used}")
    return "fix or drop that row"


def to_ts_ns(values: pd.Series, *, unit: str | None, fmt: str | None, tz: str | None, where: str, line_of) -> tuple[np.ndarray, str | None]:
    """A timestamp column -> int64 ns UTC, refusing naive times without ``tz``."""
    if values.isna().any():
        r = int(np.flatnonzero(values.isna().to_numpy())[0])
        raise ValidationError(f"{where} {line_of(r)}: the time column is empty; drop that row or fill it")
    if values.dtype.kind in "iuf" and fmt is None:
        if unit is not None and unit not in UNIT_TO_NS:
            raise ConfigError(f"--ts-unit {unit!r}: use s, ms, us or ns")
        raw = values.to_numpy()
        used = unit or guess_unit(raw)
        if raw.dtype.kind == "f":
            if np.any(raw != np.floor(raw)) and used != "s":
                r = int(np.flatnonzero(raw != np.floor(raw))[0])
                raise ValidationError(f"{where} {line_of(r)}: epoch {raw[r]!r} {used} has a fraction; give whole numbers")
        # check the range before scaling: an int64 multiply wraps silently (ms read as s lands in 1990)
        scaled = raw.astype(np.float64) * UNIT_TO_NS[used]
        bad = np.flatnonzero(~((scaled >= _PLAUSIBLE[0]) & (scaled <= _PLAUSIBLE[1])))
        if bad.size:
            r = int(bad[0])
            raise ValidationError(f"{where} {line_of(r)}: epoch {raw[r]} read as {used} falls outside 1990..2100; "
                                  + _unit_hint(raw, r, used))
        ts = np.round(scaled).astype(np.int64) if raw.dtype.kind == "f" else raw.astype(np.int64) * UNIT_TO_NS[used]
        return ts, used
    if unit is not None and fmt is None:
        raise ConfigError(f"{where}: --ts-unit applies to epoch numbers but the time column holds text like {values.iloc[0]!r}")
    if values.dtype.kind == "M" or isinstance(values.dtype, pd.DatetimeTZDtype):
        parsed = pd.Series(values)
    else:
        text = values.astype(str)
        has_zone = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True).to_numpy()
        if has_zone.any() and not has_zone.all():
            r = int(np.flatnonzero(has_zone != has_zone[0])[0])
            raise ValidationError(
                f"{where} {line_of(r)}: time {text.iloc[r]!r} {'has' if has_zone[r] else 'lacks'} a UTC offset, unlike "
                f"{text.iloc[0]!r}; give all times in one form"
            )
        try:
            parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        except (ValueError, TypeError) as exc:
            if "offset" not in str(exc).lower() and "zone" not in str(exc).lower():
                raise ValidationError(f"{where}: cannot read the time column ({exc}); pass --ts-format") from None
            # several UTC offsets in one column (daylight saving): each value is still exact
            parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
        if parsed.isna().any():
            r = int(np.flatnonzero(parsed.isna().to_numpy())[0])
            raise ValidationError(
                f"{where} {line_of(r)}: time {text.iloc[r]!r} does not parse"
                + (f" with --ts-format {fmt!r}" if fmt else "; pass --ts-format, e.g. '%Y-%m-%d %H:%M:%S'")
            )
        if parsed.dtype == object:
            raise ValidationError(f"{where}: the time column mixes zone-aware and naive times; give all in one form")
    idx = pd.DatetimeIndex(parsed)
    if idx.tz is None:
        if tz is None:
            raise ValidationError(
                f"{where}: times like {str(values.iloc[0])!r} carry no time zone; pass --tz with their zone "
                "(e.g. --tz UTC or --tz America/Chicago)"
            )
        try:
            idx = idx.tz_localize(tz, ambiguous="raise", nonexistent="raise")
        except Exception as exc:  # pytz/zoneinfo raise several types for DST folds
            raise ValidationError(f"{where}: times cannot be placed in {tz} ({exc}); store them in UTC or with offsets") from None
    return np.asarray(idx.tz_convert("UTC").as_unit("ns").asi8, dtype=np.int64), None


def import_file(
    store: BarSink,
    path: str | Path,
    *,
    symbol: str,
    timeframe: str,
    mapping: str | Mapping[str, str] | None = None,
    ts_unit: str | None = None,
    ts_format: str | None = None,
    tz: str | None = None,
    sep: str | None = None,
    overwrite: bool = False,
) -> FileImportReport:
    """Read, map, validate and store one CSV or Parquet file (see module docstring)."""
    path = Path(path)
    timeframe_ns(timeframe)
    if not symbol:
        raise ConfigError("--symbol is required: the name the bars get in the store (e.g. BTCUSDT, NQ)")
    df = read_table(path, sep=sep)
    is_csv = path.suffix.lower() != ".parquet" and path.suffix.lower() != ".pq"
    line_of = (lambda r: f"line {r + 2}") if is_csv else (lambda r: f"row {r}")
    where = str(path)
    cols = resolve_columns(list(df.columns), parse_mapping(mapping), where)
    ts, used_unit = to_ts_ns(df[cols["ts"]], unit=ts_unit, fmt=ts_format, tz=tz, where=where, line_of=line_of)
    arrays: dict[str, np.ndarray] = {"ts": ts}
    for name, col in cols.items():
        if name == "ts":
            continue
        series = df[col]
        if series.dtype.kind not in "iufb":
            num = pd.to_numeric(series, errors="coerce")
            bad = np.flatnonzero(num.isna().to_numpy() & series.notna().to_numpy())
            if bad.size:
                r = int(bad[0])
                raise ValidationError(f"{where} {line_of(r)}: column {col!r} ({name}) holds {series.iloc[r]!r}, not a number")
            series = num
        if name == "trades":
            vals = series.to_numpy(np.float64)
            if np.any(np.isfinite(vals) & (vals != np.round(vals))):
                raise ValidationError(f"{where}: column {col!r} (trades) holds fractions; map it to another name or drop it")
            if not np.all(np.isfinite(vals)):
                r = int(np.flatnonzero(~np.isfinite(vals))[0])
                raise ValidationError(f"{where} {line_of(r)}: column {col!r} (trades) is empty")
            arrays[name] = vals.astype(np.int64)
        else:
            arrays[name] = series.to_numpy(np.float64)
    bars = Bars.from_arrays(symbol=symbol, timeframe=timeframe, meta={"source": f"file:{path.name}"}, **arrays)
    validate_file(bars, where, line_of=line_of)
    wrote = store.write(bars, overwrite=overwrite, source=f"file:{path.name}")
    added = int(getattr(wrote, "rows_added", len(bars)))
    return FileImportReport(path, symbol, timeframe, len(bars), cols, used_unit, added, list(getattr(wrote, "warnings", [])))


__all__ = ["import_file", "parse_mapping", "resolve_columns", "read_table", "to_ts_ns", "FileImportReport"]
