"""`nexus paper` on the command line: a replay with --compare writes both run folders and finds them identical;
mistakes print one line and exit 2."""

from __future__ import annotations

import pandas as pd

from nexus.cli import main
from nexus.runs.store import list_runs, load


def test_replay_compare_writes_two_run_folders_whose_orders_are_identical(paper_store, tmp_path, capsys):
    runs = tmp_path / "runs"
    rc = main(["--store", str(paper_store), "paper", "--replay", "--book", "NQ-1h", "--start", "2026-10-27",
               "--end", "2026-10-30", "--warmup", "20d", "--no-models", "--compare", "--runs", str(runs), "-q"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "identical to the backtest" in out and "nexus backtest --symbols NQ/1h" in out
    recorded = [load(i, runs) for i in list_runs(runs).index]
    assert sorted(r.kind for r in recorded) == ["backtest", "paper"]
    paper, bt = sorted(recorded, key=lambda r: r.kind, reverse=True)
    a, b = paper.table("orders"), bt.table("orders")
    assert len(a) > 0
    pd.testing.assert_frame_equal(a.drop(columns="book"), b.drop(columns="book"), check_exact=True)
    assert paper.meta["trade_start"].startswith("2026-10-27") and "run.trade_start" in paper.meta["backtest_command"]


def test_mistakes_print_one_line_and_exit_2(paper_store, tmp_path, capsys):
    assert main(["paper", "--replay", "--start", "2026-10-27"]) == 2
    assert "needs --start and --end" in capsys.readouterr().err
    cfg = tmp_path / "paper.toml"
    cfg.write_text('[book]\nsymbols = ["BTCUSDT/1m", "NQ/5m"]\n')
    assert main(["paper", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "NQ/5m, a future no ccxt exchange serves" in err and err.count("\n") == 1
    cfg.write_text('[paper]\non_gap = "ignore"\n')
    assert main(["paper", "--config", str(cfg)]) == 2
    assert "on_gap" in capsys.readouterr().err
