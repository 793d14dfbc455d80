"""All-or-nothing folders: write a set of files beside the target, then swap it in with one rename.

A model registry or a report folder is a set of files that only make sense
together. :func:`staged_dir` hands out a new hidden sibling folder
(``.NAME.staging-<id>``); the caller writes every file into it; on a clean
exit every file and the folder are fsynced and the folder replaces the
target in one step:

- target absent: ``rename(staging, target)``;
- target present: ``renameat2(staging, target, RENAME_EXCHANGE)`` swaps the
  two folders atomically (Linux >= 3.15; ext4, xfs, btrfs, tmpfs), then the
  old set, now under the staging name, is removed.

Reader rule: a reader opens ``target`` and sees the newest complete set, or
the previous complete set; there is never a moment with a mixed or missing
folder. A kill at any point leaves at most a stale ``.NAME.staging-*``
sibling, removed by the next :func:`staged_dir` on the same target (under an
exclusive lock on the parent folder, so a concurrent writer's folder is never
taken; writers into one parent folder take turns). Where ``RENAME_EXCHANGE`` is refused (an exotic filesystem) the swap
falls back to two renames, old aside then new in; a kill between them leaves
the target missing, and the next ``staged_dir`` or :func:`recover` puts the
newest complete set (``.NAME.old-*``) back.

>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> with staged_dir(root / "reg") as tmp:
...     _ = (tmp / "a.txt").write_text("one")
>>> sorted(p.name for p in (root / "reg").iterdir())
['a.txt']
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import os
import shutil
import uuid
from pathlib import Path
from typing import Iterator

STAGING = ".staging-"
OLD = ".old-"
COMPLETE = ".complete"  # written last into a staged folder: marks a complete set for recover()
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _fsync_path(path: Path, flags: int = os.O_RDONLY) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(folder: Path) -> None:
    """fsync every file and folder under ``folder`` (files first, then their folders)."""
    for dirpath, _dirs, files in os.walk(folder, topdown=False):
        for name in files:
            _fsync_path(Path(dirpath) / name)
        _fsync_path(Path(dirpath))


def _libc():
    name = ctypes.util.find_library("c")
    if not name:
        return None
    lib = ctypes.CDLL(name, use_errno=True)
    return getattr(lib, "renameat2", None)


_renameat2 = _libc()


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths atomically; False when the system or filesystem cannot."""
    if _renameat2 is None:
        return False
    rc = _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def _siblings(target: Path, marker: str) -> list[Path]:
    parent = target.parent
    if not parent.is_dir():
        return []
    prefix = f".{target.name}{marker}"
    return sorted(p for p in parent.iterdir() if p.name.startswith(prefix))


def recover(target: Path) -> None:
    """Put the newest complete set back when a fallback swap was killed between its two renames."""
    target = Path(target)
    if target.exists():
        return
    done = [p for p in _siblings(target, STAGING) + _siblings(target, OLD) if (p / COMPLETE).is_file()]
    if done:
        newest = max(done, key=lambda p: (p / COMPLETE).stat().st_mtime_ns)
        os.rename(newest, target)


def clean_stale(target: Path) -> int:
    """Remove leftover staging and old folders of ``target`` (call with the lock held)."""
    removed = 0
    for p in _siblings(target, STAGING) + _siblings(target, OLD):
        shutil.rmtree(p, ignore_errors=True)
        removed += 1
    return removed


@contextlib.contextmanager
def _locked(target: Path) -> Iterator[None]:
    # the lock is held on the parent folder itself, so no lock file is left beside the user's folders
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def publish(staging: Path, target: Path, *, fsync: bool = True) -> None:
    """Swap a fully written ``staging`` folder in as ``target`` (see the module docstring)."""
    if fsync:
        fsync_tree(staging)
    (staging / COMPLETE).touch()
    if fsync:
        _fsync_path(staging)
    if not target.exists() and not target.is_symlink():
        os.rename(staging, target)
    elif exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)  # the old set now lives under the staging name
    else:
        aside = target.parent / f".{target.name}{OLD}{uuid.uuid4().hex}"
        os.rename(target, aside)
        os.rename(staging, target)
        shutil.rmtree(aside, ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        (target / COMPLETE).unlink()
    if fsync:
        with contextlib.suppress(OSError):
            _fsync_path(target.parent)


@contextlib.contextmanager
def staged_dir(target: str | os.PathLike, *, fsync: bool = True) -> Iterator[Path]:
    """Yield a new empty sibling folder; on a clean exit it replaces ``target`` in one step.

    On an exception the staging folder is removed and ``target`` is left as
    it was. Writers into one parent folder take turns (an exclusive lock on that folder).
    """
    target = Path(target)
    with _locked(target):
        recover(target)
        clean_stale(target)
        staging = target.parent / f".{target.name}{STAGING}{uuid.uuid4().hex}"
        staging.mkdir()
        try:
            yield staging
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        publish(staging, target, fsync=fsync)


__all__ = ["staged_dir", "publish", "exchange", "recover", "clean_stale", "fsync_tree"]
