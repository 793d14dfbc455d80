"""Verified reads: a flipped byte anywhere in a partition is refused, named, and changes the fingerprint."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from nexus.cli import main as cli_main
from nexus.data.store import BarStore
from nexus.data.store_verify import chunk_digests
from nexus.errors import StoreError
from tests.conftest import MINUTE_NS, make_bars

JAN_2024 = 1_704_067_200_000_000_000  # 2024-01-01 00:00 UTC


def _store(tmp_path, n=3000, symbol="BTCUSDT") -> BarStore:
    store = BarStore(tmp_path / "bars", fsync=False)
    b = make_bars(n, seed=5, symbol=symbol, t0=JAN_2024)
    b = b.with_columns(trades=np.arange(n, dtype=np.int64))
    store.write(b, source="unit")
    return store


def _part(store, sym="BTCUSDT", tf="1m", i=0):
    man = json.loads((store.root / sym / tf / "_manifest.json").read_text())
    p = man["partitions"][i]
    return store.root / sym / tf / p["file"], p


def _flip(path, pos):
    data = bytearray(path.read_bytes())
    data[pos] ^= 0x01
    path.write_bytes(bytes(data))


def test_chunk_digests_cover_every_byte_once(tmp_path):
    store = _store(tmp_path)
    path, p = _part(store)
    data = path.read_bytes()
    chunks = chunk_digests(data, p["offsets"], p["rows"])
    assert chunks == p["chunks"]  # recorded at write time from the same bytes
    assert set(chunks) == set(p["offsets"]) | {"_rest"}
    # runs plus gaps tile the file exactly: every byte belongs to one chunk
    runs = sorted((o, o + 8 * p["rows"]) for o in p["offsets"].values())
    covered = sum(b - a for a, b in runs)
    assert 0 < len(data) - covered < 10_000  # header, page headers and footer are the small rest


@pytest.mark.parametrize("where", ["header", "ts", "close", "trades", "footer", "random"])
def test_flipped_byte_is_refused_with_dataset_partition_and_repair(tmp_path, where):
    store = _store(tmp_path)
    clean = store.read("BTCUSDT", "1m")
    fp_clean = BarStore(store.root).fingerprint()
    path, p = _part(store)
    size = path.stat().st_size
    rows = p["rows"]
    pos = {
        "header": 1, "footer": size - 20, "ts": p["offsets"]["ts"] + 8 * 17 + 3,
        "close": p["offsets"]["close"] + 8 * (rows - 1) + 7, "trades": p["offsets"]["trades"],
        "random": int(np.random.default_rng(3).integers(0, size)),
    }[where]
    _flip(path, pos)
    fresh = BarStore(store.root)
    with pytest.raises(StoreError) as err:
        fresh.read("BTCUSDT", "1m")
    msg = str(err.value)
    assert "BTCUSDT 1m partition 2024-01" in msg and p["file"] in msg and "nexus data verify --repair" in msg
    assert "\n" not in msg
    assert fresh.fingerprint() != fp_clean
    assert BarStore(store.root).verify()  # the slow sha256 check agrees
    _flip(path, pos)  # flip back: the same bytes read again and the fingerprint returns
    assert BarStore(store.root).fingerprint() == fp_clean
    np.testing.assert_array_equal(BarStore(store.root).read("BTCUSDT", "1m").close, clean.close)


def test_every_position_in_a_small_partition_is_caught(tmp_path):
    store = _store(tmp_path, n=40)
    path, p = _part(store)
    size = path.stat().st_size
    for pos in range(0, size, 7):
        _flip(path, pos)
        with pytest.raises(StoreError, match="partition 2024-01"):
            BarStore(store.root).read("BTCUSDT", "1m")
        _flip(path, pos)
    BarStore(store.root).read("BTCUSDT", "1m")


def test_partial_range_read_of_a_damaged_partition_is_refused(tmp_path):
    store = _store(tmp_path)
    path, p = _part(store)
    _flip(path, p["offsets"]["close"] + 8 * 2900)  # a row outside the range asked for
    with pytest.raises(StoreError, match="column 'close'"):
        BarStore(store.root).read("BTCUSDT", "1m", start=JAN_2024 + 10 * MINUTE_NS, end=JAN_2024 + 20 * MINUTE_NS)


def test_verified_read_fills_the_fingerprint_cache_with_the_same_digests(tmp_path, monkeypatch):
    store = _store(tmp_path)
    s1 = BarStore(store.root)
    s1.read("BTCUSDT", "1m")
    calls = []
    real = type(store.root).read_bytes
    monkeypatch.setattr(type(store.root), "read_bytes", lambda self: calls.append(self) or real(self))
    fp_cached = s1.fingerprint()
    assert calls == []  # every digest came from the verified read
    monkeypatch.undo()
    assert fp_cached == BarStore(store.root).fingerprint()  # hashed from disk: the same value


def test_merge_into_a_damaged_partition_is_refused_before_anything_is_written(tmp_path):
    store = _store(tmp_path)
    path, p = _part(store)
    _flip(path, p["offsets"]["open"] + 8)
    manifest_before = (path.parent / "_manifest.json").read_bytes()
    more = make_bars(10, seed=9, symbol="BTCUSDT", t0=JAN_2024 + 3000 * MINUTE_NS)
    more = more.with_columns(trades=np.zeros(10, np.int64))
    with pytest.raises(StoreError, match="partition 2024-01"):
        BarStore(store.root, fsync=False).write(more)
    assert (path.parent / "_manifest.json").read_bytes() == manifest_before


def _strip(store, *keys):
    mpath = store.root / "BTCUSDT" / "1m" / "_manifest.json"
    man = json.loads(mpath.read_text())
    for p in man["partitions"]:
        for k in keys:
            p.pop(k, None)
    mpath.write_text(json.dumps(man))


def test_old_manifest_without_chunks_reads_verified_by_sha256_and_repair_upgrades_it(tmp_path):
    store = _store(tmp_path)
    clean = store.read("BTCUSDT", "1m")
    fp = BarStore(store.root).fingerprint()
    _strip(store, "chunks")  # a store written before chunk digests existed
    old = BarStore(store.root)
    np.testing.assert_array_equal(old.read("BTCUSDT", "1m").close, clean.close)
    assert old.fingerprint() == fp  # the fingerprint depends on content, not on what the manifest recorded
    path, p = _part(store)
    _flip(path, p["offsets"]["volume"] + 5)
    with pytest.raises(StoreError, match="BTCUSDT 1m partition 2024-01.*verify --repair"):
        BarStore(store.root).read("BTCUSDT", "1m")
    _flip(path, p["offsets"]["volume"] + 5)
    problems = BarStore(store.root).verify(repair=True)
    assert problems == []
    _, p2 = _part(store)
    assert p2["chunks"] == chunk_digests(path.read_bytes(), p["offsets"], p["rows"])


def test_pyarrow_path_without_offsets_is_verified_too(tmp_path):
    store = _store(tmp_path)
    _strip(store, "offsets")
    clean = BarStore(store.root).read("BTCUSDT", "1m")
    assert clean.close.shape == (3000,)
    path, p = _part(store)
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == p["sha256"]
    _flip(path, len(data) // 2)
    with pytest.raises(StoreError, match="partition 2024-01"):
        BarStore(store.root).read("BTCUSDT", "1m")


def test_verify_off_is_only_a_benchmark_switch(tmp_path):
    store = _store(tmp_path)
    close0 = store.read("BTCUSDT", "1m").close[0]
    path, p = _part(store)
    _flip(path, p["offsets"]["close"] + 7)  # the sign/exponent byte of close[0]
    bad = BarStore(store.root, verify=False).read("BTCUSDT", "1m")
    assert bad.close[0] != close0  # unchecked: the damaged value goes through
    with pytest.raises(StoreError):
        BarStore(store.root).read("BTCUSDT", "1m")


def test_cli_mqscore_on_a_damaged_partition_exits_2_with_one_line(tmp_path, capsys):
    store = _store(tmp_path, n=900)
    path, p = _part(store)
    _flip(path, p["offsets"]["high"] + 8 * 400)
    code = cli_main(["--store", str(store.root), "mqscore", "BTCUSDT"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "BTCUSDT 1m partition 2024-01" in err and "verify --repair" in err
