"""The live loop on a fake exchange (tests/paper/fake_exchange.py): normal operation, errors, rate limits,
duplicates, out-of-order rows, missing, late and broken bars, gaps; every run ends identical to
`nexus backtest` over the store the loop filled."""

from __future__ import annotations

import io

import ccxt
import numpy as np
import pytest

from nexus.data.store import BarStore
from nexus.paper.live import PAUSED, LiveLoop, LiveSettings
from nexus.paper.replay import backtest_config, compare_tables, run_backtest_tables
from nexus.paper.session import PaperSession
from nexus.paper.state import has_state
from tests.paper.fake_exchange import ClockedExchange, FakeClock

MIN = 60_000_000_000
WARM = 600  # bars before the first traded one (MQScore reads about 200)
SPAN = 90  # traded minutes


def crypto_bars():
    from nexus.data.sources.synth import generate_crypto

    d = generate_crypto(["BTCUSDT", "ETHUSDT"], WARM + SPAN + 10, seed=5)
    return {"BTC/USDT": d["BTCUSDT"][0], "ETH/USDT": d["ETHUSDT"][0]}


@pytest.fixture(scope="module")
def crypto():
    return crypto_bars()


def _config(root):
    from nexus.pipeline.config import BacktestConfig, BookConfig

    cfg = BacktestConfig.from_dict({"run": {"store": str(root), "use_models": False, "progress": False,
                                            "models": str(root) + "/no-models", "warmup_bars": 50}})
    cfg.books = [BookConfig(name="paper", symbols=["BTCUSDT/1m", "ETHUSDT/1m"], clock="1m", capital=1_000_000.0)]
    return cfg


def _loop(tmp_path, crypto, settings=None, **faults):
    t0 = int(crypto["BTC/USDT"].ts[0])
    trade = t0 + WARM * MIN
    root = tmp_path / "bars"
    store = BarStore(root)
    clock = FakeClock((trade + MIN) / 1e9 + 30.0)  # half a minute after the first traded bar's close
    ex = ClockedExchange(crypto, clock, **faults)
    session = PaperSession.start(_config(root), store, anchor=t0, trade_start=trade, book="paper")
    out = io.StringIO()
    loop = LiveLoop(session, ex, store, settings or LiveSettings(poll_seconds=60.0, late_seconds=20.0, max_retries=3),
                    tmp_path / "state", clock=clock, sleep=clock.sleep, out=out)
    return loop, ex, clock, store, out, trade


def _same_as_backtest(session):
    end = int(session.records.ts[-1]) + MIN
    paper = session.tables()
    assert compare_tables(paper, run_backtest_tables(backtest_config(session, end)), "paper") == []
    return paper


def test_normal_operation_with_errors_duplicates_and_disorder_equals_the_backtest(tmp_path, crypto):
    faults = {2: ccxt.NetworkError("timeout"), 5: ccxt.RateLimitExceeded("429"), 9: ccxt.ExchangeNotAvailable("503"),
              14: ccxt.RequestTimeout("slow")}
    loop, ex, clock, store, out, trade = _loop(tmp_path, crypto, faults=faults, duplicate=True, shuffle=True)
    rc = loop.run(until_ns=trade + SPAN * MIN)
    assert rc == 0 and not ex.faults  # every fault was met and retried
    session = loop.session
    # every minute from the warm-up start on was simulated once, in order, up to the last closed bar
    ts = session.records.ts
    assert np.array_equal(ts, crypto["BTC/USDT"].ts[: len(ts)]) and len(ts) >= WARM + SPAN - 2
    paper = _same_as_backtest(session)
    assert len(paper["orders"]) > 0 and len(paper["decisions"]) > 0
    # the retries waited (backoff, x5 after the rate limit) on the injected clock, never for real
    waits = [s for s in clock.slept if s != 60.0]
    assert len(waits) == 4 and max(waits) >= 5.0
    # the status line: last bar, equity, positions, next poll
    assert "last bar" in out.getvalue() and "equity" in out.getvalue() and "next poll" in out.getvalue()
    # the state on disk is the session's: a restart resumes exactly here
    again = PaperSession.restore(tmp_path / "state", _config(tmp_path / "bars"), store)
    assert np.array_equal(again.records.ts, ts) and again.broker.state.n_fills == session.broker.state.n_fills


def test_missing_late_and_broken_bars_are_never_traded_and_the_store_keeps_what_was_seen(tmp_path, crypto):
    t0 = int(crypto["BTC/USDT"].ts[0])
    trade = t0 + WARM * MIN
    missing = {("ETHUSDT", trade + 20 * MIN)}
    late = {("BTCUSDT", trade + 30 * MIN): (trade + 34 * MIN) / 1e9}  # 3 minutes after its close
    bad = {("ETHUSDT", trade + 40 * MIN)}
    loop, ex, clock, store, out, trade = _loop(tmp_path, crypto, missing=missing, late=late, bad=bad)
    loop.run(until_ns=trade + 60 * MIN)
    eth = store.read("ETHUSDT", "1m").ts
    btc = store.read("BTCUSDT", "1m").ts
    assert trade + 20 * MIN not in eth  # never served
    assert trade + 30 * MIN not in btc  # came after its row was simulated: dropped, the past stays as it was traded
    assert trade + 40 * MIN not in eth  # refused by the store's validation
    assert "error" in out.getvalue()
    # the clock rows still came (the other series had the bars), and nothing traded on a missing bar
    paper = _same_as_backtest(loop.session)
    o = paper["orders"]
    assert not ((o["series"] == "ETHUSDT/1m") & (o["ts"].astype("int64") == trade + 20 * MIN)).any()


def test_a_gap_longer_than_the_limit_pauses_and_a_restart_goes_on(tmp_path, crypto):
    t0 = int(crypto["BTC/USDT"].ts[0])
    trade = t0 + WARM * MIN
    missing = {("ETHUSDT", trade + m * MIN) for m in range(10, 18)}
    settings = LiveSettings(poll_seconds=60.0, late_seconds=20.0, gap_limit=5, on_gap="pause", max_retries=3)
    loop, ex, clock, store, out, trade = _loop(tmp_path, crypto, settings, missing=missing)
    assert loop.run(until_ns=trade + 40 * MIN) == PAUSED
    assert has_state(tmp_path / "state") and "gap" in out.getvalue()
    done = int(loop.session.records.ts[-1])
    assert trade + 10 * MIN <= done < trade + 17 * MIN  # stopped inside the gap
    again = PaperSession.restore(tmp_path / "state", _config(tmp_path / "bars"), store)
    assert any("gap ETHUSDT/1m" in e for e in again.info.events)
    loop2 = LiveLoop(again, ex, store, settings, tmp_path / "state", clock=clock, sleep=clock.sleep, out=out)
    assert loop2.run(until_ns=trade + 40 * MIN) == 0  # the gap was seen: a restart goes on
    assert int(again.records.ts[-1]) >= trade + 38 * MIN
    _same_as_backtest(again)


def _child(tmp_path, min_steps):
    """The live loop of tests/paper/live_child.py in its own process, once it has made ``min_steps`` steps:
    (process, the command that starts it again, its working folder and environment)."""
    import json
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    cmd = [sys.executable, "-m", "tests.paper.live_child", str(tmp_path)]
    child = subprocess.Popen(cmd, cwd=repo, env=env)
    session_file = tmp_path / "state" / "session.json"
    deadline = time.time() + 120
    while time.time() < deadline and child.poll() is None:
        try:
            if json.loads(session_file.read_text())["steps"] >= min_steps:
                break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.01)
    assert child.poll() is None, "the child finished before it could be stopped"
    return child, cmd, repo, env


def test_sigkill_between_steps_loses_no_bar_and_sends_no_order_twice(tmp_path, crypto):
    """A real process killed with SIGKILL half-way, then restarted: the same records as a run never killed."""
    import signal
    import subprocess

    child, cmd, repo, env = _child(tmp_path, 15)
    child.send_signal(signal.SIGKILL)
    child.wait()
    killed = PaperSession.restore(tmp_path / "state", _config(tmp_path / "bars"), BarStore(tmp_path / "bars"))
    assert 15 <= killed.info.steps and len(killed.records.ts) < WARM + SPAN - 2  # killed half-way
    assert subprocess.run(cmd, cwd=repo, env=env, timeout=300).returncode == 0
    resumed = PaperSession.restore(tmp_path / "state", _config(tmp_path / "bars"), BarStore(tmp_path / "bars"))
    # a run never killed, in this process
    loop, ex, clock, store, out, trade = _loop(tmp_path / "whole", crypto)
    loop.run(until_ns=trade + SPAN * MIN)
    whole = loop.session
    assert np.array_equal(resumed.records.ts, whole.records.ts)  # no bar lost, none twice
    a, b = resumed.tables(), whole.tables()
    assert len(a["orders"]) > 0 and compare_tables(a, b, "paper") == []  # no order lost or sent twice
    _same_as_backtest(resumed)


def test_ctrl_c_stops_after_the_current_step_with_the_state_saved(tmp_path):
    """SIGINT to a running loop: it finishes the step it is in, saves, and exits 0."""
    import signal

    child, _, _, _ = _child(tmp_path, 5)
    child.send_signal(signal.SIGINT)
    assert child.wait(timeout=60) == 0
    log = (tmp_path / "log.txt").read_text()
    assert "stopping after the current step" in log
    stopped = PaperSession.restore(tmp_path / "state", _config(tmp_path / "bars"), BarStore(tmp_path / "bars"))
    assert 5 <= stopped.info.steps and len(stopped.records.ts) < WARM + SPAN - 2
