"""Import the kline zip files of data.binance.vision into the bar store.

Users download ``SYMBOL-INTERVAL-YYYY-MM.zip`` (monthly) or
``SYMBOL-INTERVAL-YYYY-MM-DD.zip`` (daily) by hand, often with a
``.CHECKSUM`` file beside each (``<sha256>  <name>``). Each zip holds one CSV
of the twelve kline fields. Spot files have no header; newer futures files
start with one (``open_time,open,...``). Spot timestamps switched from
milliseconds to microseconds on 2025-01-01, so the unit is detected per file
from the magnitude of the open time and cross-checked against the close
time (``close_time - open_time + 1`` is one interval).

Everything is read, checksum-verified and validated before anything is
written: a corrupt zip, a checksum mismatch or a bad row anywhere raises an
error naming the file (and line) and leaves the store untouched.

>>> report = import_binance(BarStore("data/bars"), ["downloads/"])   # doctest: +SKIP
>>> print(report.summary())                                           # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from nexus.data.bars import Bars
from nexus.data.sources import klines
from nexus.data.sources.checks import validate_file
from nexus.data.sources.paging import BarSink
from nexus.data.timeframes import timeframe_ns
from nexus.errors import ConfigError, SourceError

NAME_RE = re.compile(r"^(?P<symbol>[A-Z0-9]+)-(?P<tf>\d+[smhdw])-(?P<period>\d{4}-\d{2}(?:-\d{2})?)\.zip$")


@dataclass
class KlineFile:
    """One zip read and checked."""

    path: Path
    symbol: str
    timeframe: str
    period: str
    unit: str
    header: bool
    checksum: str  # "ok" or "absent"
    cols: dict[str, np.ndarray] = field(repr=False, default_factory=dict)

    @property
    def rows(self) -> int:
        return int(self.cols["ts"].shape[0]) if self.cols else 0


@dataclass
class ImportReport:
    files: list[KlineFile]
    written: dict[tuple[str, str], int]
    duplicates: int = 0

    def summary(self) -> str:
        lines = []
        for (sym, tf), n in self.written.items():
            fs = [f for f in self.files if (f.symbol, f.timeframe) == (sym, tf)]
            units = sorted({f.unit for f in fs})
            verified = sum(f.checksum == "ok" for f in fs)
            lines.append(f"{sym} {tf}: {n:,} bars from {len(fs)} file(s) (units {'/'.join(units)}, {verified} checksum(s) verified)")
        if self.duplicates:
            lines.append(f"{self.duplicates:,} identical bars appeared in more than one file and were kept once")
        return "\n".join(lines) or "no files"


def find_zips(paths: Iterable[str | Path]) -> list[Path]:
    """Zip files named in ``paths``: files as given, folders searched recursively; sorted, unique."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = sorted(q for q in p.rglob("*.zip") if q.is_file())
            if not found:
                raise SourceError(f"{p}: no .zip files in this folder; Binance kline files look like BTCUSDT-1m-2024-01.zip")
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            raise SourceError(f"{p}: no such file or folder")
    seen: set[Path] = set()
    uniq = []
    for p in out:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            uniq.append(p)
    return uniq


def parse_name(path: Path) -> tuple[str, str, str]:
    m = NAME_RE.match(path.name)
    if not m:
        raise SourceError(
            f"{path}: not a Binance kline file name; expected SYMBOL-INTERVAL-YYYY-MM.zip or SYMBOL-INTERVAL-YYYY-MM-DD.zip "
            "(or pass --symbol and --timeframe)"
        )
    return m.group("symbol"), m.group("tf"), m.group("period")


def verify_checksum(path: Path, *, required: bool = False) -> str:
    """Compare the zip's sha256 with ``<zip>.CHECKSUM`` when present; "ok" or "absent"."""
    side = path.with_name(path.name + ".CHECKSUM")
    if not side.is_file():
        if required:
            raise SourceError(f"{path}: no {side.name} beside it; download it from data.binance.vision or drop --require-checksum")
        return "absent"
    text = side.read_text(errors="replace").strip().split()
    want = text[0].lower() if text else ""
    if not re.fullmatch(r"[0-9a-f]{64}", want):
        raise SourceError(f"{side}: does not hold a sha256 (expected '<64 hex digits>  {path.name}')")
    got = hashlib.sha256(path.read_bytes()).hexdigest()
    if got != want:
        raise SourceError(f"{path}: sha256 {got[:16]}... does not match {side.name} ({want[:16]}...); the download is damaged, fetch the file again")
    return "ok"


def detect_unit(open_time: int, close_time: int | None, tf_ns: int, where: str) -> str:
    """ms / us / ns from the magnitude of an open time, checked against its close time."""
    t = abs(int(open_time))
    unit = "ms" if t < 10**14 else "us" if t < 10**17 else "ns"
    if close_time is not None and tf_ns % klines.UNIT_TO_NS[unit] == 0:
        span = (int(close_time) - int(open_time) + 1) * klines.UNIT_TO_NS[unit]
        if span != tf_ns:
            raise SourceError(
                f"{where}: open time {open_time} and close time {close_time} are not one interval apart in {unit}; "
                "the file's timestamps or its name's interval are wrong"
            )
    return unit


def _read_csv(data: bytes, where: str) -> tuple[dict[str, np.ndarray], bool]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    first = data.split(b"\n", 1)[0].strip()
    if not first:
        raise SourceError(f"{where}: the CSV inside is empty")
    header = not first[:1].isdigit()
    types = {n: pa.float64() for n in klines.BINANCE_FIELDS}
    types.update(open_time=pa.int64(), close_time=pa.int64(), count=pa.int64())
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=list(klines.BINANCE_FIELDS), skip_rows=1 if header else 0),
            convert_options=pacsv.ConvertOptions(column_types=types),
        )
    except pa.ArrowInvalid as exc:
        raise SourceError(f"{where}: not a 12-column Binance kline CSV ({str(exc).splitlines()[0]})") from None
    cols = {
        "ts": table.column("open_time").to_numpy(),
        "open": table.column("open").to_numpy(),
        "high": table.column("high").to_numpy(),
        "low": table.column("low").to_numpy(),
        "close": table.column("close").to_numpy(),
        "volume": table.column("volume").to_numpy(),
        "quote_volume": table.column("quote_volume").to_numpy(),
        "trades": table.column("count").to_numpy(),
        "taker_buy_volume": table.column("taker_buy_volume").to_numpy(),
        "_close_time": table.column("close_time").to_numpy(),
    }
    return cols, header


def read_kline_zip(path: str | Path, *, symbol: str | None = None, timeframe: str | None = None,
                   require_checksum: bool = False) -> KlineFile:
    """Read, checksum-verify, unit-detect and validate one Binance kline zip."""
    path = Path(path)
    name_sym, name_tf, period = parse_name(path) if (symbol is None or timeframe is None) else (symbol, timeframe, "")
    symbol = symbol or name_sym
    timeframe = timeframe or name_tf
    tf_ns = timeframe_ns(timeframe)
    checksum = verify_checksum(path, required=require_checksum)
    try:
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.namelist() if m.lower().endswith(".csv")]
            if len(members) != 1:
                raise SourceError(f"{path}: expected one .csv inside, found {members or 'none'}")
            data = zf.read(members[0])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
        raise SourceError(f"{path}: corrupt or unreadable zip ({exc}); download it again; nothing was written") from None
    except zipfile.error as exc:  # pragma: no cover - older alias
        raise SourceError(f"{path}: corrupt zip ({exc}); download it again; nothing was written") from None
    cols, header = _read_csv(data, str(path))
    close_time = cols.pop("_close_time")
    if cols["ts"].size == 0:
        raise SourceError(f"{path}: the CSV inside holds no rows")
    unit = detect_unit(int(cols["ts"][0]), int(close_time[0]), tf_ns, f"{path} line {2 if header else 1}")
    ts = cols["ts"]
    magnitude = np.where(ts < 10**14, 0, np.where(ts < 10**17, 1, 2))
    odd = np.flatnonzero(magnitude != magnitude[0])
    if odd.size:
        row = int(odd[0])
        raise SourceError(f"{path} line {row + 1 + header}: open time {ts[row]} is in another unit than the first row's ({unit}); the file is damaged")
    cols["ts"] = cols["ts"] * klines.UNIT_TO_NS[unit]
    bars = Bars.from_arrays(symbol=symbol, timeframe=timeframe, **cols)
    validate_file(bars, str(path), line_of=lambda r: f"line {r + 1 + header}")
    return KlineFile(path, symbol, timeframe, period, unit, header, checksum, cols)


def _merge_files(files: list[KlineFile]) -> tuple[dict[str, np.ndarray], int]:
    """One sorted frame from several files; identical repeats kept once, conflicts refused."""
    files = sorted(files, key=lambda f: int(f.cols["ts"][0]))
    cols = klines.concat([f.cols for f in files])
    owner = np.concatenate([np.full(f.rows, i) for i, f in enumerate(files)])
    order = np.argsort(cols["ts"], kind="stable")
    cols = klines.take(cols, order)
    owner = owner[order]
    ts = cols["ts"]
    dup = np.flatnonzero(ts[1:] == ts[:-1])
    if dup.size == 0:
        return cols, 0
    same = np.ones(dup.size, bool)
    for name, arr in cols.items():
        same &= arr[dup] == arr[dup + 1]
    if not same.all():
        i = int(dup[~same][0])
        a, b = files[owner[i]], files[owner[i + 1]]
        import pandas as pd

        raise SourceError(
            f"{a.path.name} and {b.path.name} disagree about the bar at {pd.Timestamp(int(ts[i]), tz='UTC')}; "
            "import one of them (a daily file and the month holding it should agree)"
        )
    keep = np.ones(ts.size, bool)
    keep[dup + 1] = False
    return klines.take(cols, keep), int(dup.size)


def import_binance(
    store: BarSink,
    paths: Iterable[str | Path],
    *,
    symbol: str | None = None,
    timeframe: str | None = None,
    overwrite: bool = False,
    require_checksum: bool = False,
    progress: bool = False,
) -> ImportReport:
    """Import Binance kline zips (files or folders) into ``store``; all-or-nothing per run.

    ``symbol`` renames the data (e.g. ``BTCUSDT-PERP`` for USD-M futures
    files, which share the spot names); by default the file name's symbol is
    used. Zips already imported are merged without duplicates.
    """
    zips = find_zips(paths)
    if symbol is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._=^-]*", symbol):
        raise ConfigError(f"--symbol {symbol!r}: use letters, digits and . _ = ^ - (e.g. BTCUSDT or BTCUSDT-PERP)")
    # zlib and pyarrow release the GIL: a few threads overlap decompression and parsing
    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        results = pool.map(lambda z: read_kline_zip(z, symbol=symbol, timeframe=timeframe, require_checksum=require_checksum), zips)
        if progress:
            from tqdm import tqdm

            results = tqdm(results, total=len(zips), desc="binance files", unit="file")
        files = list(results)  # in order; the first failing file raises here
    groups: dict[tuple[str, str], list[KlineFile]] = {}
    for f in files:
        groups.setdefault((f.symbol, f.timeframe), []).append(f)
    merged = {}
    dups = 0
    for key, fs in groups.items():
        cols, d = _merge_files(fs)
        dups += d
        bars = Bars.from_arrays(symbol=key[0], timeframe=key[1], meta={"source": "binance-files"}, **cols)
        validate_file(bars, f"{len(fs)} file(s) of {key[0]} {key[1]}")
        merged[key] = bars
    written = {}
    for key, bars in merged.items():
        store.write(bars, overwrite=overwrite, source="binance-files")
        written[key] = len(bars)
    return ImportReport(files, written, dups)
