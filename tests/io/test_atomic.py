"""The one atomic writer: content, permissions, no stray temporary file, old content kept on failure."""

from __future__ import annotations

import os
from importlib import metadata

import pytest

from nexus.io.atomic import TMP_PREFIX, write_atomic
from nexus.io.versions import LIBRARIES, versions


def test_bytes_replace_the_target_and_leave_no_temporary(tmp_path):
    target = tmp_path / "x.json"
    target.write_bytes(b"old")
    assert write_atomic(target, b'{"a": 1}') == target
    assert target.read_bytes() == b'{"a": 1}'
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_callable_writer_sees_a_temporary_path_with_the_target_suffix(tmp_path):
    seen = []

    def write(tmp):
        seen.append(tmp)
        tmp.write_text("a,b\n1,2\n")

    write_atomic(tmp_path / "t.csv", write, fsync=False)
    assert seen[0].parent == tmp_path and seen[0].name.startswith(TMP_PREFIX) and seen[0].name.endswith("-t.csv")
    assert (tmp_path / "t.csv").read_text() == "a,b\n1,2\n"


def test_failure_keeps_old_content_and_removes_the_temporary(tmp_path):
    target = tmp_path / "m.onnx"
    target.write_bytes(b"old model")

    def broken(tmp):
        tmp.write_bytes(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        write_atomic(target, broken)
    assert target.read_bytes() == b"old model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]


def test_files_get_umask_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        path = write_atomic(tmp_path / "r.html", b"<html/>")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644


def test_versions_come_from_distribution_metadata():
    v = versions()
    assert set(v) == {"python"} | set(LIBRARIES)
    assert v["numpy"] == metadata.version("numpy") and v["nexus"] == metadata.version("nexus")
    import numpy as np

    assert v["numpy"] == np.__version__
    # a library that no distribution provides is named, not dropped
    assert all(isinstance(x, str) and x for x in v.values())


@pytest.mark.parametrize("name", ["nexus.io.atomic", "nexus.io.versions", "nexus.data.frames", "nexus.metrics.returns"])
def test_docstring_examples(name):
    import doctest
    import importlib

    res = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert res.failed == 0 and res.attempted > 0


def _repo(tmp_path):
    main = tmp_path / "main"
    (main / ".git" / "refs" / "heads").mkdir(parents=True)
    (main / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (main / ".git" / "refs" / "heads" / "main").write_text("a" * 40 + "\n")
    (main / ".git" / "packed-refs").write_text("# pack-refs\n" + "b" * 40 + " refs/heads/feature\n")
    (main / "pkg").mkdir()
    return main


def test_git_commit_reads_a_checkout_a_worktree_and_packed_refs(tmp_path):
    from nexus.io.versions import git_commit

    main = _repo(tmp_path)
    assert git_commit(main / "pkg") == "a" * 40
    # a worktree: `.git` is a file naming its folder; the branch (packed here) lives in the common folder
    wt_git = main / ".git" / "worktrees" / "wt"
    wt_git.mkdir(parents=True)
    (wt_git / "HEAD").write_text("ref: refs/heads/feature\n")
    (wt_git / "commondir").write_text("../..\n")
    wt = tmp_path / "wt"
    (wt / "pkg").mkdir(parents=True)
    (wt / ".git").write_text(f"gitdir: {wt_git}\n")
    assert git_commit(wt / "pkg") == "b" * 40
    (wt_git / "HEAD").write_text("c" * 40 + "\n")  # detached
    assert git_commit(wt / "pkg") == "c" * 40
    assert git_commit(tmp_path / "nowhere") is None  # outside any repository
