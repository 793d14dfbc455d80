"""The Parquet bar store: one dataset per symbol and timeframe.

Layout under ``root`` (default ``data/bars``)::

    ROOT/BTCUSDT/1m/_manifest.json           partitions, rows, hashes, metadata
    ROOT/BTCUSDT/1m/2024-01-<sha>.parquet    one month of 1-minute bars
    ROOT/BTCUSDT/1m/_aux/regime.parquet      side data (never mixed into bars)
    ROOT/_SUCCESS                            written by mark_complete()

Writes merge with what is stored (sorted; identical duplicates collapse; a
conflicting duplicate is refused unless ``overwrite=True``), validate first,
and commit with one atomic manifest rename (see :mod:`nexus.data.store_meta`),
so a crash leaves the previous data intact. Reads open only the partitions
that overlap ``[start, end)``.

>>> store = BarStore("/tmp/nexus-doc-store")                 # doctest: +SKIP
>>> store.write(bars)                                         # doctest: +SKIP
>>> store.read("BTCUSDT", "1m", start="2024-03-01", end="2024-03-02")  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from nexus.data.bars import COLUMN_DTYPES, REQUIRED_COLUMNS, Bars
from nexus.data.store_io import (
    all_columns_order,
    check_file,
    encode_partition,
    raw_offsets,
    read_partition_into,
    read_raw_into,
)
from nexus.data.store_merge import check_grid, merge_rows
from nexus.data import store_verify
from nexus.data.store_meta import (
    SCHEMA_VERSION,
    Manifest,
    Partition,
    check_name,
    collect_garbage,
    dataset_lock,
    load_manifest,
    partition_slices,
    save_manifest,
)
from nexus.data.timeframes import timeframe_ns, to_utc_ns
from nexus.data.validate import grid_steps
from nexus.data.validate import validate as validate_bars
from nexus.errors import StoreError, UnknownSymbolError
from nexus.io.atomic import fsync_dir, write_atomic

AUX_DIR = "_aux"
SUCCESS = "_SUCCESS"


@dataclass
class WriteReport:
    """What one :meth:`BarStore.write` did."""

    symbol: str
    timeframe: str
    rows_in: int
    rows_added: int
    duplicates_collapsed: int
    rows_overwritten: int
    partitions_written: list[str]
    total_rows: int
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def __str__(self) -> str:
        return (
            f"{self.symbol} {self.timeframe}: {self.rows_in:,} rows in, {self.rows_added:,} added, "
            f"{self.duplicates_collapsed:,} identical duplicates, {self.rows_overwritten:,} overwritten, "
            f"{len(self.partitions_written)} partition(s) written, {self.total_rows:,} stored"
        )


def _instrument_spec(symbol: str) -> dict[str, Any]:
    """Instrument spec for the file metadata, when the instrument table knows the symbol."""
    try:
        from nexus.data import instruments
    except ImportError:
        return {}
    try:
        inst = instruments.get(symbol)
    except Exception:  # unknown symbols are fine to store; the spec is informative
        return {}
    if dataclasses.is_dataclass(inst):
        return json.loads(json.dumps(dataclasses.asdict(inst), default=str))
    return {}


class BarStore:
    """Parquet bar store rooted at ``root``; see the module docstring.

    ``fsync=True`` makes writes durable across power loss, not only process crashes.
    ``verify=True`` (the default) checks every partition read against its
    content hashes (:mod:`nexus.data.store_verify`); ``False`` only serves
    benchmarks that measure what verification costs.

    >>> import tempfile
    >>> import numpy as np
    >>> b = Bars.from_arrays(ts=np.arange(3) * 60_000_000_000, open=[1., 2, 3], high=[2., 3, 4],
    ...                      low=[.5, 1.5, 2.5], close=[2., 3, 3.5], volume=[1., 1, 1], symbol="TEST", timeframe="1m")
    >>> store = BarStore(tempfile.mkdtemp(), fsync=False)
    >>> store.write(b, source="doc").total_rows
    3
    >>> store.read("TEST", "1m", start=60_000_000_000).close.tolist()
    [3.0, 3.5]
    >>> store.symbols(), store.last_ts("TEST", "1m")
    (['TEST'], 120000000000)
    """

    def __init__(self, root: str | os.PathLike = "data/bars", *, fsync: bool = True, verify: bool = True) -> None:
        self.root = Path(root)
        self.fsync = fsync
        self.verify_reads = verify
        self._verified: dict[str, dict] = {}  # partition path -> {"stat": key, "chunks": digests} seen by reads

    def __repr__(self) -> str:
        return f"BarStore({str(self.root)!r})"

    # ------------------------------------------------------------ catalogue
    def _folder(self, symbol: str, timeframe: str) -> Path:
        return self.root / symbol / timeframe

    def symbols(self) -> list[str]:
        """Symbols with at least one dataset, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")) and self.timeframes(p.name))

    def timeframes(self, symbol: str) -> list[str]:
        """Timeframes stored for ``symbol``, shortest first."""
        folder = self.root / symbol
        if not folder.is_dir():
            return []
        tfs = [p.name for p in folder.iterdir() if (p / "_manifest.json").is_file()]
        return sorted(tfs, key=timeframe_ns)

    def has(self, symbol: str, timeframe: str) -> bool:
        return (self._folder(symbol, timeframe) / "_manifest.json").is_file()

    def _manifest(self, symbol: str, timeframe: str) -> Manifest:
        valid = all(isinstance(x, str) and x and "/" not in x and ".." not in x for x in (symbol, timeframe))
        man = load_manifest(self._folder(symbol, timeframe)) if valid else None
        if man is None:
            syms = self.symbols()
            if symbol not in syms:
                raise UnknownSymbolError(
                    f"symbol {symbol!r} is not in the store at {self.root}; stored: {syms or 'nothing (run nexus data synth)'}"
                )
            raise UnknownSymbolError(
                f"{symbol} has no {timeframe!r} bars in the store at {self.root}; stored timeframes: {self.timeframes(symbol)}"
            )
        return man

    def dataset_meta(self, symbol: str, timeframe: str) -> dict[str, Any]:
        """Store-level facts of a dataset: source(s), instrument, schema version, columns, user meta."""
        man = self._manifest(symbol, timeframe)
        return {
            "symbol": man.symbol, "timeframe": man.timeframe, "columns": list(man.columns),
            "schema_version": man.schema_version, "instrument": man.instrument,
            "sources": list(man.sources), "meta": dict(man.meta), "rows": man.rows,
            "partitions": [p.key for p in man.partitions],
        }

    def last_ts(self, symbol: str, timeframe: str) -> int | None:
        """Open time of the last stored bar (int ns UTC), or None if the dataset is absent."""
        man = load_manifest(self._folder(symbol, timeframe))
        if man is None or not man.partitions:
            return None
        return man.partitions[-1].last_ts

    def info(self) -> pd.DataFrame:
        """One row per dataset: rows, first/last bar, gaps, bytes on disk, partitions, source."""
        rows = []
        problems = []
        for sym in self.symbols():
            for tf in self.timeframes(sym):
                try:
                    man = self._manifest(sym, tf)
                except StoreError as exc:  # one damaged dataset must not hide the others
                    problems.append(f"{sym} {tf}: {exc}")
                    continue
                parts = man.partitions
                rows.append({
                    "symbol": sym, "timeframe": tf, "rows": man.rows,
                    "first": pd.Timestamp(parts[0].first_ts, tz="UTC") if parts else pd.NaT,
                    "last": pd.Timestamp(parts[-1].last_ts, tz="UTC") if parts else pd.NaT,
                    "gaps": man.gaps(), "bytes": man.bytes, "partitions": len(parts),
                    "columns": ",".join(c for c in man.columns if c not in REQUIRED_COLUMNS) or "-",
                    "source": ",".join(man.sources) or "-",
                })
        cols = ["symbol", "timeframe", "rows", "first", "last", "gaps", "bytes", "partitions", "columns", "source"]
        df = pd.DataFrame(rows, columns=cols)
        df.attrs["problems"] = problems  # datasets whose manifest cannot be read
        return df

    def fingerprint(self, symbols: Iterable[str] | None = None) -> str:
        """sha256 over the content digests of every partition (of ``symbols`` or all).

        Digests come from the bytes themselves: those this store object has
        already read and verified are reused, the rest are hashed from disk
        (xxh3, fast), so any changed or flipped byte changes the fingerprint.
        """
        syms = self.symbols() if symbols is None else list(symbols)
        h = hashlib.sha256()
        for sym in sorted(syms):
            tfs = self.timeframes(sym)
            if not tfs:
                self._manifest(sym, "1m")  # raises UnknownSymbolError listing what exists
            for tf in tfs:
                folder = self._folder(sym, tf)
                for p in self._manifest(sym, tf).partitions:
                    h.update(f"{sym}/{tf}/{p.key}/{p.rows}/{self._content_digest(folder / p.file, p)}\n".encode())
        return h.hexdigest()

    def _content_digest(self, path: Path, part: Partition) -> str:
        try:
            st = path.stat()
        except OSError:
            return "missing"
        seen = self._verified.get(str(path))
        want = set(part.offsets) | {store_verify.REST} if part.offsets else {store_verify.FILE}
        if seen is not None and seen.get("stat") == store_verify.stat_key(st) and want <= set(seen.get("chunks", {})):
            return store_verify.content_digest({k: seen["chunks"][k] for k in want})
        data = path.read_bytes()
        if part.offsets and len(data) == part.bytes:
            return store_verify.content_digest(store_verify.chunk_digests(data, part.offsets, part.rows))
        return store_verify.content_digest({store_verify.FILE: store_verify.digest(data)})

    # ---------------------------------------------------------------- read
    def read(
        self,
        symbol: str,
        timeframe: str,
        start: object = None,
        end: object = None,
        columns: Sequence[str] | None = None,
    ) -> Bars:
        """Bars with ``start <= ts < end`` (bounds parsed as UTC).

        ``columns`` names the optional columns to load (``trades``,
        ``quote_volume``, ``taker_buy_volume``); ``ts`` and OHLCV always come.
        ``None`` loads every stored column. Only partitions overlapping the
        range are opened.
        """
        for attempt in range(2):
            man = self._manifest(symbol, timeframe)
            try:
                return self._read(man, start, end, columns)
            except FileNotFoundError as exc:
                # a concurrent write may have replaced a partition after we read the manifest
                if attempt == 1:
                    raise StoreError(
                        f"{exc.filename}: partition listed in the manifest of {symbol} {timeframe} is missing; "
                        f"rewrite the data or delete the dataset"
                    ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _read(self, man: Manifest, start: object, end: object, columns: Sequence[str] | None) -> Bars:
        where = f"{man.symbol} {man.timeframe}"
        if columns is None:
            cols = list(man.columns)
        else:
            wanted = set(columns) | set(REQUIRED_COLUMNS)
            unknown = sorted(wanted - set(man.columns))
            if unknown:
                raise StoreError(f"{where}: columns {unknown} are not stored; stored columns: {man.columns}")
            cols = all_columns_order(list(wanted))
        lo = None if start is None else to_utc_ns(start, what="start")
        hi = None if end is None else to_utc_ns(end, what="end")
        parts = [
            p for p in man.partitions
            if (lo is None or p.last_ts >= lo) and (hi is None or p.first_ts < hi)
        ]
        cap = sum(p.rows for p in parts)
        out = {c: np.empty(cap, dtype=COLUMN_DTYPES[c]) for c in cols}
        folder = self._folder(man.symbol, man.timeframe)
        pos = 0
        for p in parts:
            inner_lo = lo if lo is not None and p.first_ts < lo else None
            inner_hi = hi if hi is not None and p.last_ts >= hi else None
            pos += self._read_part(folder / p.file, man, p, cols, out, pos, inner_lo, inner_hi)
        if pos < cap:
            # keep a short read from pinning a whole partition's buffer
            out = {c: a[:pos].copy() if pos < cap // 2 else a[:pos] for c, a in out.items()}
        return Bars.from_arrays(symbol=man.symbol, timeframe=man.timeframe, meta=dict(man.meta), **out)

    # --------------------------------------------------------------- write
    def write(self, bars: Bars, *, overwrite: bool = False, source: str = "", validate: bool = True) -> WriteReport:
        """Merge ``bars`` into the dataset ``(bars.symbol, bars.timeframe)``, atomically.

        Refuses bars failing validation (ValidationError naming symbol, row,
        rule) and conflicting duplicates of stored bars unless
        ``overwrite=True`` (then the new bar wins). Only partitions the new
        bars fall in are rewritten.
        """
        t0 = time.perf_counter()
        if not isinstance(bars, Bars):
            raise StoreError(f"BarStore.write takes Bars, got {type(bars).__name__}; convert with Bars.from_pandas / Bars.from_polars")
        symbol = check_name(bars.symbol, "symbol")
        timeframe = check_name(bars.timeframe, "timeframe")
        timeframe_ns(timeframe)
        report_warnings: list[str] = []
        if len(bars) == 0:
            total = self._manifest(symbol, timeframe).rows if self.has(symbol, timeframe) else 0
            return WriteReport(symbol, timeframe, 0, 0, 0, 0, [], total)
        if validate:
            rep = validate_bars(bars, timeframe=timeframe, symbol=symbol).raise_if_failed()
            report_warnings = [rep.message(c) for c in rep.warnings]
        folder = self._folder(symbol, timeframe)
        with dataset_lock(self.root, symbol, timeframe):
            folder.mkdir(parents=True, exist_ok=True)
            man = load_manifest(folder)
            new_cols = list(bars.columns)
            if man is None:
                man = Manifest(symbol, timeframe, new_cols, instrument=_instrument_spec(symbol))
            elif man.partitions and set(man.columns) != set(new_cols):
                raise StoreError(
                    f"{symbol} {timeframe}: new bars have columns {new_cols} but the store holds {man.columns}; "
                    f"give the same columns, or delete('{symbol}', '{timeframe}') and write everything again"
                )
            else:
                man.columns = new_cols
            stats = self._merge_partitions(folder, man, bars, overwrite, source, grid=validate)
            if source and source not in man.sources:
                man.sources.append(source)
            man.meta = {**man.meta, **dict(bars.meta)}
            man.schema_version = SCHEMA_VERSION
            save_manifest(folder, man, fsync=self.fsync)
            collect_garbage(folder, man)
        return WriteReport(
            symbol, timeframe, len(bars), stats["added"], stats["dups"], stats["overwritten"],
            stats["keys"], man.rows, report_warnings, time.perf_counter() - t0,
        )

    def _merge_partitions(self, folder: Path, man: Manifest, bars: Bars, overwrite: bool, source: str, grid: bool) -> dict[str, Any]:
        ts_in = bars.ts
        sorted_in = bars if np.all(ts_in[1:] >= ts_in[:-1]) else bars.take(np.argsort(ts_in, kind="stable"))
        by_key = {p.key: p for p in man.partitions}
        stats = {"added": 0, "dups": 0, "overwritten": 0, "keys": []}
        cols = all_columns_order(man.columns)
        pending: dict[str, dict[str, np.ndarray]] = {}
        for key, a, b in partition_slices(sorted_in.ts, man.timeframe):
            new = {c: getattr(sorted_in, c)[a:b] for c in cols}
            old_part = by_key.get(key)
            old = self._read_partition(folder, man, old_part, cols) if old_part is not None else None
            merged, dups, over = merge_rows(old, new, cols, overwrite, man.symbol, man.timeframe)
            added = merged["ts"].shape[0] - (old_part.rows if old_part is not None else 0)
            stats["dups"] += dups
            if old_part is not None and added == 0 and over == 0:
                continue  # nothing new: leave the partition file untouched
            pending[key] = merged
            stats["added"] += added
            stats["overwritten"] += over
            stats["keys"].append(key)
        if grid:
            check_grid(man, by_key, pending)
        # every check passed: only now touch the disk
        for key, merged in pending.items():
            old_part = by_key.get(key)
            by_key[key] = self._write_partition(folder, man, key, merged, cols, source or (old_part.source if old_part else ""))
        man.partitions = [by_key[k] for k in sorted(by_key)]
        return stats

    def _read_partition(self, folder: Path, man: Manifest, part: Partition, cols: list[str]) -> dict[str, np.ndarray]:
        out = {c: np.empty(part.rows, dtype=COLUMN_DTYPES[c]) for c in cols}
        self._read_part(folder / part.file, man, part, cols, out, 0, None, None)
        return out

    def _read_part(self, path: Path, man: Manifest, part: Partition, cols: list[str], out: dict[str, np.ndarray],
                   pos: int, lo: int | None, hi: int | None) -> int:
        where = f"{man.symbol} {man.timeframe} partition {part.key}"
        chunks = part.chunks if self.verify_reads else None
        seen: dict | None = {} if self.verify_reads else None
        # Parquet PLAIN values are little-endian; a big-endian host takes pyarrow's path
        if part.offsets and sys.byteorder == "little" and all(c in part.offsets for c in cols):
            m = read_raw_into(path, cols, out, pos, lo, hi, part.rows, part.bytes, part.offsets,
                              chunks=chunks, sha256=part.sha256, where=where, seen=seen)
        else:
            if chunks is not None:
                check_file(path, chunks, part.sha256, where, seen)
            m = read_partition_into(path, cols, out, pos, lo, hi, part.rows)
        if seen:
            self._remember(path, seen)
        return m

    def _remember(self, path: Path, seen: dict) -> None:
        prev = self._verified.get(str(path))
        if prev is not None and prev.get("stat") == seen.get("stat"):
            prev["chunks"].update(seen.get("chunks", {}))
        else:
            self._verified[str(path)] = {"stat": seen.get("stat"), "chunks": dict(seen.get("chunks", {}))}

    def _write_partition(self, folder: Path, man: Manifest, key: str, arrays: dict[str, np.ndarray], cols: list[str], source: str) -> Partition:
        meta = {
            "schema_version": SCHEMA_VERSION, "symbol": man.symbol, "timeframe": man.timeframe,
            "partition": key, "source": source, "instrument": man.instrument, "meta": man.meta,
        }
        data, sha = encode_partition(arrays, cols, meta)
        name = f"{key}-{sha[:16]}.parquet"
        write_atomic(folder / name, data, fsync=self.fsync)
        ts = arrays["ts"]
        tf = timeframe_ns(man.timeframe)
        on_grid, steps = grid_steps(np.diff(ts), tf)
        gaps = int(np.count_nonzero(on_grid & (steps > 1)))
        offsets = raw_offsets(data, arrays, cols)
        chunks = store_verify.chunk_digests(data, offsets, int(ts.shape[0]))
        return Partition(key, name, int(ts.shape[0]), int(ts[0]), int(ts[-1]), gaps, len(data), sha, source, offsets, chunks)

    # ------------------------------------------------------------- aux data
    def write_aux(self, symbol: str, timeframe: str, name: str, ts: np.ndarray, columns: dict[str, np.ndarray]) -> None:
        """Store side data (e.g. the synthetic true regimes) beside a dataset, atomically."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        check_name(symbol, "symbol"), check_name(timeframe, "timeframe"), check_name(name, "aux name")
        ts = np.asarray(ts)
        if ts.ndim != 1 or ts.dtype.kind not in "iu":
            raise StoreError(f"{symbol} {timeframe} aux {name!r}: ts must be a 1-D int64 ns array")
        fields = {"ts": pa.array(ts.astype(np.int64))}
        for col, values in columns.items():
            arr = np.asarray(values)
            if col == "ts" or arr.ndim != 1 or arr.shape[0] != ts.shape[0] or arr.dtype.kind not in "biuf":
                raise StoreError(
                    f"{symbol} {timeframe} aux {name!r}: column {col!r} must be a numeric 1-D array of {ts.shape[0]} rows "
                    f"(got {arr.dtype}, shape {arr.shape})"
                )
            fields[col] = pa.array(arr)
        sink = pa.BufferOutputStream()
        pq.write_table(pa.table(fields), sink, compression="zstd")
        folder = self._folder(symbol, timeframe) / AUX_DIR
        with dataset_lock(self.root, symbol, timeframe):
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(folder / f"{name}.parquet", sink.getvalue().to_pybytes(), fsync=self.fsync)

    def aux_names(self, symbol: str, timeframe: str) -> list[str]:
        folder = self._folder(symbol, timeframe) / AUX_DIR
        return sorted(p.stem for p in folder.glob("*.parquet")) if folder.is_dir() else []

    def continuous(self, root: str, timeframe: str, view: str = "difference"):
        """A futures root stitched from its stored contracts: view "front", "difference" or "ratio" (see nexus.data.contracts)."""
        from nexus.data.contracts import store_view

        return store_view(self, root, timeframe, view)

    def read_aux(self, symbol: str, timeframe: str, name: str) -> dict[str, np.ndarray]:
        """Side data written by :meth:`write_aux` as a dict of arrays (``ts`` first)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = self._folder(symbol, timeframe) / AUX_DIR / f"{name}.parquet"
        if not path.is_file():
            raise UnknownSymbolError(
                f"no aux data {name!r} for {symbol} {timeframe} in {self.root}; available: {self.aux_names(symbol, timeframe)}"
            )
        try:
            table = pq.read_table(path)
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(f"{path}: aux file is corrupt ({exc}); write it again with write_aux") from None
        return {c: table.column(c).to_numpy() for c in table.column_names}

    # ------------------------------------------------------------ lifecycle
    def mark_complete(self, info: dict[str, Any]) -> Path:
        """Write ``ROOT/_SUCCESS`` (JSON: ``info``, time, fingerprint); ``make demo`` tests for it."""
        self.root.mkdir(parents=True, exist_ok=True)
        payload = {"info": info, "written_at": pd.Timestamp.now(tz="UTC").isoformat(), "fingerprint": self.fingerprint()}
        path = self.root / SUCCESS
        write_atomic(path, json.dumps(payload, indent=1, default=str).encode(), fsync=self.fsync)
        return path

    def is_complete(self) -> bool:
        return (self.root / SUCCESS).is_file()

    def delete(self, symbol: str, timeframe: str) -> None:
        """Remove a dataset and its aux data. Also removes ``ROOT/_SUCCESS``: the set is no longer complete.

        Works on a dataset whose manifest is damaged too (that is when deleting it matters most).
        """
        folder = self._folder(symbol, timeframe)
        if not (folder / "_manifest.json").is_file():
            self._manifest(symbol, timeframe)  # raises UnknownSymbolError listing what exists
        with dataset_lock(self.root, symbol, timeframe):
            trash = folder.parent / f".deleting-{timeframe}-{uuid.uuid4().hex}"
            os.replace(folder, trash)  # one rename: readers see the dataset or nothing
            fsync_dir(folder.parent)
            shutil.rmtree(trash, ignore_errors=True)
        (self.root / SUCCESS).unlink(missing_ok=True)
        sym_dir = self.root / symbol
        if sym_dir.is_dir() and not any(p for p in sym_dir.iterdir() if not p.name.startswith(".")):
            shutil.rmtree(sym_dir, ignore_errors=True)

    def verify(self, symbols: Iterable[str] | None = None, *, progress: bool = False, repair: bool = False) -> list[str]:
        """Re-hash every partition and look for orphans; returns the problems found (empty when all is well).

        One damaged dataset never hides the others; ``repair=True`` drops
        damaged partitions, removes orphans and upgrades old manifests (see
        :mod:`nexus.data.store_repair`).
        """
        from nexus.data.store_repair import verify_store

        return verify_store(self, symbols, progress=progress, repair=repair)

__all__ = ["BarStore", "WriteReport"]
