"""``BarStore.verify``: re-hash every partition, list every problem, and repair what can be repaired.

One damaged dataset never stops the check of the others: an unreadable
manifest, a missing or changed partition, an orphan partition or temporary
file left by a killed write, a half-deleted folder are each one line. With
``repair=True``:

- a damaged or missing partition is dropped from its manifest (one atomic
  manifest rename); the line names the source to fetch those bars from again
  (``nexus data synth``, ``nexus data download``, ``import-*``), since the
  store cannot re-create bars by itself;
- orphan partitions, temporary files and ``.deleting-*`` folders are removed;
- partitions recorded before chunk digests existed get them (after their
  sha256 was checked), so their reads take the fast verified path;
- a dataset whose manifest cannot be read is left alone: ``nexus data delete
  SYMBOL/TF`` removes it.

Lines of problems that were repaired end with ``[repaired: ...]``.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from nexus.data.store_meta import (
    MANIFEST,
    TMP_PREFIX,
    collect_garbage,
    dataset_lock,
    load_manifest,
    save_manifest,
)
from nexus.data.store_verify import chunk_digests
from nexus.errors import StoreError

if TYPE_CHECKING:
    from nexus.data.store import BarStore

REPAIRED = "[repaired"


def _datasets(store: "BarStore", symbols: Iterable[str] | None) -> list[tuple[str, str]]:
    out = []
    for sym in (list(symbols) if symbols else store.symbols()):
        folder = store.root / sym
        if not folder.is_dir():
            raise StoreError(f"symbol {sym!r} is not in the store at {store.root}; stored: {store.symbols()}")
        out.extend((sym, tf) for tf in store.timeframes(sym))
    return out


def _refetch_hint(sources: list[str], sym: str, tf: str) -> str:
    if any("synth" in s for s in sources):
        return f"rebuild with `nexus data synth --symbols {sym}`"
    if sources:
        return f"fetch {sym} {tf} again from its source ({', '.join(sources)})"
    return f"write the bars of {sym} {tf} again"


def verify_store(store: "BarStore", symbols: Iterable[str] | None = None, *, progress: bool = False,
                 repair: bool = False) -> list[str]:
    """Problems found (empty when all is well); see the module docstring."""
    problems: list[str] = []
    datasets = _datasets(store, symbols)
    for sym in sorted({s for s, _ in datasets}):
        for trash in sorted((store.root / sym).glob(".deleting-*")):
            line = f"{trash}: left by an interrupted delete"
            if repair:
                shutil.rmtree(trash, ignore_errors=True)
                line += f" {REPAIRED}: removed]"
            problems.append(line)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(datasets), desc="verifying datasets", unit="dataset")
    for sym, tf in datasets:
        problems.extend(_verify_dataset(store, sym, tf, repair))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    if repair and any("partition dropped" in p for p in problems):
        (store.root / "_SUCCESS").unlink(missing_ok=True)  # the set is no longer the complete one
    return problems


def _verify_dataset(store: "BarStore", sym: str, tf: str, repair: bool) -> list[str]:
    folder = store.root / sym / tf
    try:
        man = load_manifest(folder)
    except StoreError as exc:
        return [f"{sym} {tf}: {exc} (`nexus data delete {sym}/{tf}` removes it)"]
    if man is None:
        return []
    problems: list[str] = []
    bad: set[str] = set()
    upgrades: dict[str, dict[str, str]] = {}
    for p in man.partitions:
        path = folder / p.file
        try:
            data = path.read_bytes()
        except OSError as exc:
            problems.append(f"{sym} {tf} partition {p.key} ({path}): unreadable ({type(exc).__name__})")
            bad.add(p.key)
            continue
        if hashlib.sha256(data).hexdigest() != p.sha256:
            problems.append(f"{sym} {tf} partition {p.key} ({path}): content hash differs from the manifest (file changed or corrupt)")
            bad.add(p.key)
        elif not p.chunks:
            upgrades[p.key] = chunk_digests(data, p.offsets if len(data) == p.bytes else {}, p.rows)
    keep = {p.file for p in man.partitions}
    orphans = sorted(
        q for q in folder.iterdir()
        if q.is_file() and (q.name.startswith(TMP_PREFIX) or (q.name.endswith(".parquet") and q.name not in keep))
    )
    for q in orphans:
        problems.append(f"{sym} {tf}: orphan file {q.name} ({q.stat().st_size:,} bytes) left by an interrupted write")
    if not repair or not (bad or orphans or upgrades):
        return problems
    hint = _refetch_hint(man.sources, sym, tf)
    with dataset_lock(store.root, sym, tf):
        man = load_manifest(folder)  # re-read under the lock: a writer may have committed meanwhile
        if man is None:
            return problems
        for p in man.partitions:
            if p.key in upgrades and not p.chunks:
                p.chunks = upgrades[p.key]
        man.partitions = [p for p in man.partitions if p.key not in bad]
        save_manifest(folder, man, fsync=store.fsync)
        collect_garbage(folder, man)
    out = []
    for line in problems:
        if "orphan file" in line:
            line += f" {REPAIRED}: removed]"
        elif " partition " in line:
            line += f" {REPAIRED}: partition dropped; {hint}]"
        out.append(line)
    return out


def is_repaired(line: str) -> bool:
    return REPAIRED in line


__all__ = ["verify_store", "is_repaired", "MANIFEST"]
