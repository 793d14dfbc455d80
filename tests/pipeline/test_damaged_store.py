"""A flipped byte in any stored partition stops `nexus backtest` with one line naming the partition."""

from __future__ import annotations

import json
import shutil

from nexus.cli import main as cli_main


def test_backtest_on_a_flipped_byte_exits_2_naming_the_partition(small_store, tmp_path, capsys):
    root = tmp_path / "bars"
    shutil.copytree(small_store, root)
    man = json.loads((root / "ETHUSDT" / "1m" / "_manifest.json").read_text())
    part = man["partitions"][-1]
    path = root / "ETHUSDT" / "1m" / part["file"]
    data = bytearray(path.read_bytes())
    data[part["offsets"]["low"] + 8 * (part["rows"] // 2) + 6] ^= 0x10  # one bit of one stored low price
    path.write_bytes(bytes(data))
    code = cli_main(["--store", str(root), "backtest", "--symbols", "BTCUSDT/1m,ETHUSDT/1m", "--no-models",
                     "--out", str(tmp_path / "rep"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and f"ETHUSDT 1m partition {part['key']}" in err and part["file"] in err
    assert "nexus data verify --repair" in err
    assert not (tmp_path / "rep").exists()
