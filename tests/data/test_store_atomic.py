"""A write that dies half way leaves the previous data readable and unchanged."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from nexus.data import store as store_mod
from nexus.data import store_meta
from nexus.data.store import BarStore
from nexus.io import atomic
from tests.data.test_store import assert_bars_equal, monthly_days

ROOT = Path(__file__).resolve().parents[2]


def _snapshot(store: BarStore):
    folder = store.root / "BTCUSDT" / "1m"
    return store.read("BTCUSDT", "1m"), store.fingerprint(), (folder / "_manifest.json").read_bytes()


def _assert_unchanged(store: BarStore, snap) -> None:
    bars, fp, manifest = snap
    fresh = BarStore(store.root)
    assert_bars_equal(fresh.read("BTCUSDT", "1m"), bars)
    assert fresh.fingerprint() == fp
    assert (store.root / "BTCUSDT" / "1m" / "_manifest.json").read_bytes() == manifest
    # data intact; what a killed write can leave is orphans, which verify lists (and --repair removes)
    assert [line for line in fresh.verify() if "orphan file" not in line] == []


def _new_data(old):
    """Every stored bar changed (so an overwrite rewrites every partition) plus one month more."""
    return monthly_days(len(old) // 1440 + 1, seed=99)


@pytest.fixture
def filled(tmp_path):
    store = BarStore(tmp_path / "bars", fsync=False)
    store.write(monthly_days(4, seed=1))
    return store


def test_exception_between_partition_files_keeps_old_data(filled, monkeypatch):
    snap = _snapshot(filled)
    real = store_mod.write_atomic
    calls = []

    def failing(path, data, fsync=True):
        calls.append(path.name)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(path, data, fsync=fsync)

    monkeypatch.setattr(store_mod, "write_atomic", failing)
    with pytest.raises(OSError, match="No space left"):
        filled.write(_new_data(snap[0]), overwrite=True)
    _assert_unchanged(filled, snap)
    folder = filled.root / "BTCUSDT" / "1m"
    assert not list(folder.glob(".tmp-*"))
    orphans = set(p.name for p in folder.glob("*.parquet")) - {p["file"] for p in json.loads(snap[2])["partitions"]}
    assert len(orphans) == 2  # written before the failure, never referenced
    listed = [line for line in BarStore(filled.root).verify() if "orphan file" in line]
    assert sorted(name for line in listed for name in orphans if name in line) == sorted(orphans)
    monkeypatch.setattr(store_mod, "write_atomic", real)
    filled.write(_new_data(snap[0]), overwrite=True)  # the next write collects them
    live = {p.file for p in store_meta.load_manifest(folder).partitions}
    assert set(p.name for p in folder.glob("*.parquet")) == live


def test_exception_while_encoding_keeps_old_data(filled, monkeypatch):
    snap = _snapshot(filled)

    def broken(*a, **k):
        raise RuntimeError("writer crashed")

    monkeypatch.setattr(store_mod, "encode_partition", broken)
    with pytest.raises(RuntimeError, match="writer crashed"):
        filled.write(_new_data(snap[0]), overwrite=True)
    _assert_unchanged(filled, snap)


def test_exception_at_manifest_rename_keeps_old_data_and_no_temp(filled, monkeypatch):
    snap = _snapshot(filled)
    real_replace = os.replace

    def replace(src, dst):
        if str(dst).endswith("_manifest.json"):
            raise OSError(5, "I/O error")
        return real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace)
    with pytest.raises(OSError, match="I/O error"):
        filled.write(_new_data(snap[0]), overwrite=True)
    monkeypatch.setattr(atomic.os, "replace", real_replace)
    _assert_unchanged(filled, snap)
    assert not list((filled.root / "BTCUSDT" / "1m").glob(".tmp-*"))


CHILD = textwrap.dedent(
    """
    import sys, time
    from nexus.data import store as S
    from tests.data.test_store import monthly_days
    root, mode = sys.argv[1], sys.argv[2]
    real = S.write_atomic
    calls = [0]

    def hanging(path, data, fsync=True):
        calls[0] += 1
        if calls[0] == 3:
            # half a file on disk under its temporary name, then wait to be killed
            tmp = path.parent / (".tmp-killed-" + path.name)
            with open(tmp, "wb") as fh:
                fh.write(data[: len(data) // 2])
                fh.flush()
            print("MID", flush=True)
            time.sleep(120)
        return real(path, data, fsync=fsync)

    if mode == "hook":
        S.write_atomic = hanging
    new = monthly_days(13, seed=99)
    print("START", flush=True)
    S.BarStore(root, fsync=False).write(new, overwrite=True)
    print("DONE", flush=True)
    """
)


def _child(root: Path, mode: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", CHILD, str(root), mode], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def test_sigkill_mid_write_keeps_old_data(tmp_path):
    store = BarStore(tmp_path / "bars", fsync=False)
    store.write(monthly_days(12, seed=1))
    snap = _snapshot(store)
    proc = _child(store.root, "hook")
    try:
        for line in proc.stdout:
            if line.strip() == "MID":
                break
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    folder = store.root / "BTCUSDT" / "1m"
    assert list(folder.glob(".tmp-killed-*"))  # the half-written file is really there ...
    _assert_unchanged(store, snap)  # ... and invisible to reads
    store.write(monthly_days(13, seed=99), overwrite=True)
    assert not list(folder.glob(".tmp-*"))
    assert_bars_equal(store.read("BTCUSDT", "1m"), monthly_days(13, seed=99))


def test_sigkill_at_arbitrary_moment_leaves_old_or_new_never_a_mix(tmp_path):
    old = monthly_days(12, seed=1)
    new = monthly_days(13, seed=99)  # overwrites every stored bar
    for delay in (0.05, 0.25):
        store = BarStore(tmp_path / f"bars{delay}", fsync=False)
        store.write(old)
        proc = _child(store.root, "plain")
        try:
            assert proc.stdout.readline().strip() == "START"
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.wait(timeout=60)
        got = BarStore(store.root).read("BTCUSDT", "1m")
        if len(got) == len(old):
            assert_bars_equal(got, old)
        else:
            assert_bars_equal(got, new)
        # the data is whole; a kill mid-write may leave orphan files, which verify lists and --repair removes
        assert all("orphan file" in line for line in BarStore(store.root).verify())
        BarStore(store.root).verify(repair=True)
        assert BarStore(store.root).verify() == []
