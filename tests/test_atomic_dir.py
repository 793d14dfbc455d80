"""All-or-nothing folders: a reader sees the old or the new complete set, whatever moment a writer dies."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nexus.io import atomic_dir
from nexus.io.atomic_dir import exchange, recover, staged_dir

ROOT = Path(__file__).resolve().parents[1]


def _files(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir()) if not p.name.startswith(".")}


def _write_set(target: Path, tag: str, n: int = 5) -> None:
    with staged_dir(target, fsync=False) as tmp:
        for i in range(n):
            (tmp / f"f{i}.txt").write_text(f"{tag}-{i}")


def test_first_publish_and_replacement_leave_no_staging(tmp_path):
    target = tmp_path / "set"
    _write_set(target, "old", 3)
    assert _files(target) == {f"f{i}.txt": f"old-{i}" for i in range(3)}
    _write_set(target, "new", 2)  # fewer files: the third old file must go too
    assert _files(target) == {"f0.txt": "new-0", "f1.txt": "new-1"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["set"]
    assert not (target / ".complete").exists()


def test_exception_inside_leaves_the_old_set_and_no_staging(tmp_path):
    target = tmp_path / "set"
    _write_set(target, "old", 3)
    with pytest.raises(RuntimeError):
        with staged_dir(target, fsync=False) as tmp:
            (tmp / "f0.txt").write_text("half")
            raise RuntimeError("writer died")
    assert _files(target) == {f"f{i}.txt": f"old-{i}" for i in range(3)}
    assert not [p for p in tmp_path.iterdir() if ".staging-" in p.name]


def test_exchange_swaps_two_folders(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "x").write_text("A"), (b / "x").write_text("B")
    assert exchange(a, b)
    assert (a / "x").read_text() == "B" and (b / "x").read_text() == "A"


def test_fallback_two_renames_are_recovered(tmp_path, monkeypatch):
    target = tmp_path / "set"
    _write_set(target, "old", 2)
    monkeypatch.setattr(atomic_dir, "exchange", lambda a, b: False)
    real_rename = os.rename
    calls = []

    def dying_rename(src, dst):
        calls.append((src, dst))
        real_rename(src, dst)
        if len(calls) == 1:  # old set moved aside, new not yet in: the worst moment of the fallback
            raise KeyboardInterrupt

    monkeypatch.setattr(atomic_dir.os, "rename", dying_rename)
    with pytest.raises(KeyboardInterrupt):
        _write_set(target, "new", 2)
    monkeypatch.setattr(atomic_dir.os, "rename", real_rename)
    assert not target.exists()
    recover(target)  # the next writer puts the newest complete set back: here the new one, fully written
    assert _files(target) == {"f0.txt": "new-0", "f1.txt": "new-1"}


_KILLER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from nexus.io import atomic_dir
    from tests import killpoints
    target, tag, n, kill_at = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    killpoints.install(kill_at)
    with atomic_dir.staged_dir(target) as tmp:
        for i in range(n):
            killpoints.step()
            (tmp / f"f{i}.txt").write_text(f"{tag}-{i}")
    print(killpoints.count())
""")



def test_kill_at_every_step_leaves_old_or_new_complete_set(tmp_path):
    target = tmp_path / "set"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = [sys.executable, "-c", _KILLER, str(target)]
    subprocess.run(run + ["old", "4", "0"], check=True, env=env, capture_output=True)
    old = _files(target)
    steps = int(subprocess.run(run + ["new", "3", "0"], check=True, env=env, capture_output=True, text=True).stdout)
    new = _files(target)
    assert new == {f"f{i}.txt": f"new-{i}" for i in range(3)} and steps > 10
    seen = set()
    for k in range(1, steps + 1):
        subprocess.run(run + ["old", "4", "0"], check=True, env=env, capture_output=True)  # back to the old set
        proc = subprocess.run(run + ["new", "3", str(k)], env=env, capture_output=True)
        assert proc.returncode == -9, (k, proc.stderr[-300:])
        got = _files(target)
        assert got in (old, new), (k, got)
        seen.add("new" if got == new else "old")
    assert seen == {"old", "new"}  # the kills fell both before and after the swap
    _write_set(target, "after", 1)  # the next writer cleans whatever staging a kill left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["set"]
