"""A run folder appears complete or not at all: :func:`nexus.io.atomic_dir.staged_dir` writes it.

The files go into a hidden staging sibling (``.<id>.staging-<hex>``) that is
renamed into place in one step on a clean exit and removed on an error.
Readers (:func:`nexus.runs.store.list_runs`) list only folders holding
``run.json`` whose names do not start with a dot, so a run killed half-way is
never listed; staging folders of killed writers older than a day are removed
by the next write into the same root.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from pathlib import Path
from typing import Iterator

from nexus.io.atomic_dir import STAGING, staged_dir

STALE_SECONDS = 24 * 3600.0  # a staging folder this old belongs to a killed writer


def _clean_stale(root: Path) -> None:
    now = time.time()
    for p in root.glob(f".*{STAGING}*"):
        with contextlib.suppress(OSError):
            if now - p.stat().st_mtime > STALE_SECONDS:
                shutil.rmtree(p, ignore_errors=True)


@contextlib.contextmanager
def staged_run(root: str | os.PathLike, run_id: str, *, fsync: bool = True) -> Iterator[Path]:
    """Yield an empty hidden folder; on a clean exit it becomes ``root/run_id`` in one rename."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    _clean_stale(root)
    with staged_dir(root / run_id, fsync=fsync) as tmp:
        yield tmp
