"""Kill points for crash tests: SIGKILL this process at the k-th file-system step (before or after a call).

Used inside subprocesses (or forked children) by the all-or-nothing tests:
``install(k)`` wraps the calls a folder swap and a file write go through;
``count()`` tells how many steps a full run passed (``install(0)`` never kills).
"""

from __future__ import annotations

import os
import shutil
import signal

_state = {"count": 0, "kill_at": 0}


def _step() -> None:
    _state["count"] += 1
    if _state["count"] == _state["kill_at"]:
        os.kill(os.getpid(), signal.SIGKILL)


def _wrap(mod, name: str) -> None:
    real = getattr(mod, name)

    def hooked(*a, **k):
        _step()
        out = real(*a, **k)
        _step()
        return out

    setattr(mod, name, hooked)


def install(kill_at: int) -> None:
    from nexus.io import atomic_dir

    _state.update(count=0, kill_at=kill_at)
    for name in ("replace", "rename", "fsync", "mkdir", "chmod"):
        _wrap(os, name)
    _wrap(atomic_dir, "exchange")
    _wrap(shutil, "rmtree")


def step() -> None:
    """An extra kill point the caller marks itself (e.g. between two files it writes)."""
    _step()


def count() -> int:
    return _state["count"]
