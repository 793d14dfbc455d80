"""Content hashes that every partition read checks, and the data fingerprint built from them.

Each partition written by this version records ``chunks`` in the manifest: one
xxh3-128 digest per column value run (the bytes a raw read copies) plus
``_rest`` over every other byte of the file (Parquet header, page headers,
footer), or ``_file`` over the whole file when the layout has no raw runs.
A read hashes exactly what it copies plus the rest, so a full read checks
every byte of the file; a read of fewer columns checks those columns and the
rest. xxh3 runs at tens of GB/s, far above the copy itself (see
``scripts/bench.py store`` for the cost). A mismatch raises ``StoreError``
naming dataset, partition and the repair.

Partitions written before (``chunks`` empty) are checked against their
recorded whole-file sha256 instead: still verified, but slower (about
1 GB/s); ``nexus data verify --repair`` adds the chunk digests once.

The fingerprint of a partition is a digest of its chunk digests computed
from the bytes actually read (a read fills a per-store cache keyed by the
file's inode, size and mtime); partitions not read in this process are
hashed from disk. A flipped byte therefore changes the fingerprint.
"""

from __future__ import annotations

import os

import xxhash

from nexus.errors import StoreError

REST = "_rest"
FILE = "_file"


def digest(buf) -> str:
    """xxh3-128 hex digest of a bytes-like object (arrays hash their raw bytes)."""
    return xxhash.xxh3_128_hexdigest(buf)


def runs(offsets: dict[str, int], rows: int, size: int) -> tuple[list[tuple[str, int, int]], list[tuple[int, int]]]:
    """Column value runs ``(name, start, stop)`` in file order and the gaps between them (the rest)."""
    cols = sorted(offsets.items(), key=lambda kv: kv[1])
    out, gaps, prev = [], [], 0
    for name, start in cols:
        stop = start + 8 * rows
        if start > prev:
            gaps.append((prev, start))
        out.append((name, start, stop))
        prev = stop
    if size > prev:
        gaps.append((prev, size))
    return out, gaps


def chunk_digests(data, offsets: dict[str, int], rows: int) -> dict[str, str]:
    """The ``chunks`` record of a partition's bytes: per column run and the rest, or the whole file."""
    view = memoryview(data)
    if not offsets:
        return {FILE: digest(view)}
    cols, gaps = runs(offsets, rows, len(view))
    out = {name: digest(view[a:b]) for name, a, b in cols}
    rest = xxhash.xxh3_128()
    for a, b in gaps:
        rest.update(view[a:b])
    out[REST] = rest.hexdigest()
    return out


def content_digest(chunks: dict[str, str]) -> str:
    """One digest for a partition from its chunk digests (order-independent)."""
    return digest("\n".join(f"{k}={v}" for k, v in sorted(chunks.items())).encode())


def stat_key(st: os.stat_result) -> tuple[int, int, int]:
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def mismatch(where: str, path, what: str) -> StoreError:
    return StoreError(
        f"{where} ({path}): {what} does not match its hash in the manifest (the file changed or is corrupt); "
        f"run `nexus data verify --repair` to drop the damaged partition, then fetch or rebuild its bars again"
    )


__all__ = ["digest", "chunk_digests", "content_digest", "runs", "mismatch", "stat_key", "REST", "FILE"]
