"""One damaged dataset never blocks info, verify or delete of the others; orphans are listed and repaired."""

from __future__ import annotations

import numpy as np

from nexus.cli import main as cli_main
from nexus.data.store import BarStore
from tests.conftest import make_bars

JAN_2024 = 1_704_067_200_000_000_000


def _two(tmp_path) -> BarStore:
    store = BarStore(tmp_path / "bars", fsync=False)
    store.write(make_bars(600, seed=1, symbol="BTCUSDT", t0=JAN_2024), source="unit")
    store.write(make_bars(500, seed=2, symbol="ETHUSDT", t0=JAN_2024), source="unit")
    return store


def test_corrupt_manifest_is_listed_not_fatal_and_can_be_deleted(tmp_path, capsys):
    store = _two(tmp_path)
    (store.root / "ETHUSDT" / "1m" / "_manifest.json").write_text("{not json")
    root = str(store.root)
    assert cli_main(["--store", root, "data", "info"]) == 0
    out = capsys.readouterr().out
    assert "BTCUSDT" in out and "600" in out
    assert "! ETHUSDT 1m:" in out and "manifest is corrupt" in out
    assert cli_main(["--store", root, "data", "verify"]) == 1
    out = capsys.readouterr().out
    assert "ETHUSDT 1m:" in out and "nexus data delete ETHUSDT/1m" in out and "BTCUSDT" not in out.split("\n")[0]
    assert cli_main(["--store", root, "data", "delete", "ETHUSDT/1m"]) == 0
    capsys.readouterr()
    assert BarStore(root).symbols() == ["BTCUSDT"]
    assert cli_main(["--store", root, "data", "verify"]) == 0


def test_orphans_and_temporaries_are_reported_then_removed_by_repair(tmp_path, capsys):
    store = _two(tmp_path)
    folder = store.root / "BTCUSDT" / "1m"
    (folder / "2024-02-0123456789abcdef.parquet").write_bytes(b"x" * 1000)
    (folder / ".tmp-deadbeef-_manifest.json").write_bytes(b"{}")
    (store.root / "ETHUSDT" / ".deleting-1m-abc").mkdir()
    root = str(store.root)
    assert cli_main(["--store", root, "data", "verify"]) == 1
    out = capsys.readouterr().out
    assert "orphan file 2024-02-0123456789abcdef.parquet (1,000 bytes)" in out
    assert "orphan file .tmp-deadbeef-_manifest.json" in out and ".deleting-1m-abc" in out
    assert "3 problem(s)" in out and "--repair" in out
    assert cli_main(["--store", root, "data", "verify", "--repair"]) == 0
    assert "3 repaired" in capsys.readouterr().out
    assert not (folder / "2024-02-0123456789abcdef.parquet").exists()
    assert not (store.root / "ETHUSDT" / ".deleting-1m-abc").exists()
    assert BarStore(root).verify() == []
    assert len(BarStore(root).read("BTCUSDT", "1m")) == 600


def test_repair_drops_a_damaged_partition_and_keeps_the_rest(tmp_path, capsys):
    store = BarStore(tmp_path / "bars", fsync=False)
    feb = JAN_2024 + 31 * 86_400_000_000_000 - 300 * 60_000_000_000
    store.write(make_bars(600, seed=3, symbol="BTCUSDT", t0=feb), source="synthetic")  # Jan 31 .. Feb 1
    man = store.dataset_meta("BTCUSDT", "1m")
    assert man["partitions"] == ["2024-01", "2024-02"]
    part = store.root / "BTCUSDT" / "1m" / store._manifest("BTCUSDT", "1m").partitions[0].file
    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 0xFF
    part.write_bytes(bytes(data))
    assert cli_main(["--store", str(store.root), "data", "verify", "--repair"]) == 0
    out = capsys.readouterr().out
    assert "BTCUSDT 1m partition 2024-01" in out and "partition dropped" in out and "nexus data synth" in out
    left = BarStore(store.root).read("BTCUSDT", "1m")
    assert len(left) == 300 and np.all(left.ts >= JAN_2024 + 31 * 86_400_000_000_000)
