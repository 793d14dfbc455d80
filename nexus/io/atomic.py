"""The one atomic file writer: a reader sees the old file or the new one, never half of either.

The bytes go to a hidden temporary file in the target's own folder (a rename
is atomic only within one file system), the file is fsynced, renamed over the
target, and the folder is fsynced so the rename itself survives a crash.
The temporary name keeps the target's name at its end, so writers that pick
a format from the suffix (matplotlib, pandas) still see ``.png`` or ``.csv``,
and starts with ``TMP_PREFIX`` so the bar store's garbage collector
recognises what a killed writer left behind.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_atomic(folder / "a.json", b'{"x": 1}').read_bytes()
b'{"x": 1}'
>>> write_atomic(folder / "b.txt", lambda tmp: tmp.write_text("hi")).read_text()
'hi'
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path
from typing import Callable

TMP_PREFIX = ".tmp-"


def fsync_dir(folder: str | Path) -> None:
    """Flush a folder's entries (renames, new files) to disk; a no-op where the OS refuses."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path: str | Path, data: bytes | Callable[[Path], object], *, fsync: bool = True) -> Path:
    """Write ``data`` (bytes, or a function that writes the file at the path it is given) to ``path``.

    The file gets the usual permissions (0666 minus the umask). ``fsync=False``
    skips both fsyncs (tests, scratch folders); the rename stays atomic.
    """
    path = Path(path)
    tmp = path.parent / f"{TMP_PREFIX}{uuid.uuid4().hex}-{path.name}"
    try:
        if callable(data):
            data(tmp)
            if fsync:
                with open(tmp, "rb+") as fh:
                    os.fsync(fh.fileno())
        else:
            with open(tmp, "wb") as fh:
                fh.write(data)
                if fsync:
                    fh.flush()
                    os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if fsync:
        fsync_dir(path.parent)
    return path
