from __future__ import annotations

import numpy as np

from nexus.cli import main
from nexus.data.store import BarStore
from tests.conftest import make_bars


def test_cli_summary_truth_and_plot(tmp_path, capsys):
    bars = make_bars(900, seed=40, symbol="BTCUSDT")
    store = BarStore(tmp_path / "bars")
    store.write(bars)
    truth = np.where(np.arange(900) % 2 == 0, 0, 3).astype(np.int8)
    store.write_aux("BTCUSDT", "1m", "regime", bars.ts, {"regime": truth})
    png = tmp_path / "mq.png"
    rc = main(["--store", str(tmp_path / "bars"), "mqscore", "BTCUSDT", "--truth", "--plot", str(png)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "900 bars, 701 scored" in out and "gate open on" in out
    assert "BALANCED" in out and "balanced accuracy" in out
    assert png.stat().st_size > 10_000


def test_cli_errors_are_one_line(tmp_path, capsys):
    store = BarStore(tmp_path / "bars")
    store.write(make_bars(150, seed=41, symbol="ETHUSDT"))
    assert main(["--store", str(tmp_path / "bars"), "mqscore", "ETHUSDT"]) == 2
    err = capsys.readouterr().err
    assert "fewer than the window 200" in err and err.count("\n") == 1
    assert main(["--store", str(tmp_path / "bars"), "mqscore", "NOPE"]) == 2
