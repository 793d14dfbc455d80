"""Bar store bookkeeping: the per-dataset manifest, partition keys, locks and garbage collection.

A dataset (one symbol at one timeframe) is a folder ``ROOT/SYMBOL/TIMEFRAME``
holding immutable, content-addressed Parquet partitions plus
``_manifest.json``, which lists the partitions that make up the dataset. The
manifest is replaced atomically (temporary file + ``os.replace``) after the
new partitions are on disk, so a write is committed by exactly one rename: a
crash at any earlier point leaves the previous manifest, hence the previous
data, in force. Files no manifest references are garbage, removed by the
next write.

Partition granularity follows the timeframe so that an append rewrites little
and a short read opens one file: month for intraday bars below one hour,
year below one day, one partition otherwise.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from nexus.data.timeframes import timeframe_ns
from nexus.errors import StoreError
from nexus.io.atomic import TMP_PREFIX, write_atomic

SCHEMA_VERSION = 1
MANIFEST = "_manifest.json"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._=^-]*$")
_HOUR_NS = 3_600_000_000_000
_DAY_NS = 86_400_000_000_000


def check_name(value: str, what: str) -> str:
    """Symbols, timeframes and aux names become folder names: keep them plain."""
    if not isinstance(value, str) or not _NAME_RE.match(value) or ".." in value:
        hint = " (write BTC/USDT as BTCUSDT)" if isinstance(value, str) and "/" in value else ""
        raise StoreError(
            f"{what} {value!r} cannot be stored: use letters, digits and . _ = ^ - only{hint}"
        )
    return value


@dataclass
class Partition:
    key: str
    file: str
    rows: int
    first_ts: int
    last_ts: int
    gaps: int  # spacing larger than the timeframe inside this partition
    bytes: int
    sha256: str
    source: str = ""
    offsets: dict[str, int] = field(default_factory=dict)  # verified byte offset of each column's values
    chunks: dict[str, str] = field(default_factory=dict)  # xxh3-128 per column run + rest; empty before (see store_verify)


@dataclass
class Manifest:
    symbol: str
    timeframe: str
    columns: list[str]
    partitions: list[Partition] = field(default_factory=list)
    schema_version: int = SCHEMA_VERSION
    instrument: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.partitions)

    @property
    def bytes(self) -> int:
        return sum(p.bytes for p in self.partitions)

    def gaps(self) -> int:
        """Gaps inside partitions plus those across partition boundaries."""
        from nexus.data.validate import grid_steps

        tf = timeframe_ns(self.timeframe)
        inner = sum(p.gaps for p in self.partitions)
        d = np.array([b.first_ts - a.last_ts for a, b in zip(self.partitions, self.partitions[1:])], dtype=np.int64)
        on_grid, steps = grid_steps(d, tf)
        return inner + int(np.count_nonzero(on_grid & (steps > 1)))

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, default=str)

    @classmethod
    def from_json(cls, text: str) -> "Manifest":
        raw = json.loads(text)
        parts = [Partition(**p) for p in raw.pop("partitions", [])]
        return cls(partitions=parts, **raw)


def load_manifest(folder: Path) -> Manifest | None:
    path = folder / MANIFEST
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    try:
        return Manifest.from_json(text)
    except (ValueError, TypeError, KeyError) as exc:
        raise StoreError(
            f"{path}: manifest is corrupt ({exc}); delete the folder {folder} and rewrite the data"
        ) from None


def granularity(timeframe: str) -> str:
    tf = timeframe_ns(timeframe)
    if tf < _HOUR_NS:
        return "month"
    if tf < _DAY_NS:
        return "year"
    return "all"


def partition_slices(ts: np.ndarray, timeframe: str) -> list[tuple[str, int, int]]:
    """Split sorted ``ts`` into (key, start, stop) runs, one per partition."""
    n = ts.shape[0]
    if n == 0:
        return []
    gran = granularity(timeframe)
    if gran == "all":
        return [("all", 0, n)]
    unit = "M" if gran == "month" else "Y"
    period = ts.view("datetime64[ns]").astype(f"datetime64[{unit}]")
    codes = period.view(np.int64)
    cuts = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    starts = np.concatenate(([0], cuts))
    stops = np.concatenate((cuts, [n]))
    return [(str(period[a]), int(a), int(b)) for a, b in zip(starts, stops)]


def save_manifest(folder: Path, manifest: Manifest, *, fsync: bool = True) -> None:
    write_atomic(folder / MANIFEST, manifest.to_json().encode(), fsync=fsync)


@contextlib.contextmanager
def dataset_lock(root: Path, symbol: str, timeframe: str) -> Iterator[None]:
    """Exclusive advisory lock so two writers never interleave on one dataset."""
    locks = root / ".locks"
    locks.mkdir(parents=True, exist_ok=True)
    with open(locks / f"{symbol}__{timeframe}.lock", "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def collect_garbage(folder: Path, manifest: Manifest | None) -> int:
    """Remove partition files and temporaries the manifest does not reference."""
    keep = {p.file for p in manifest.partitions} if manifest else set()
    removed = 0
    for path in folder.iterdir():
        name = path.name
        stray_tmp = name.startswith(TMP_PREFIX)
        stray_part = name.endswith(".parquet") and name not in keep
        if path.is_file() and (stray_tmp or stray_part):
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
    return removed
