"""Lookahead and warm-up checks: they catch a leaking strategy, pass every registered one, and run from the CLI."""

from __future__ import annotations

import numpy as np
import pytest

from nexus.cli import main
from nexus.strategies import REGISTRY, check_lookahead, check_warmup, register_strategy, unregister_strategy
from tests.conftest import make_bars


@pytest.fixture
def leaky():
    @register_strategy(name="peeks_next_bar", group="user", params={"n": (1, (1, 5))}, warmup=0)
    def peeks_next_bar(bars, n=1):
        """Deliberately wrong: trades on the next bar's close."""
        c = bars.close
        sig = np.zeros(len(c), dtype=np.int8)
        sig[:-n] = np.sign(c[n:] - c[:-n])
        return sig, np.abs(sig).astype(np.float32)

    yield peeks_next_bar
    unregister_strategy("peeks_next_bar")


def _bars(n=2500, seed=5, taker=True):
    b = make_bars(n, seed=seed, taker=taker, vol=0.003)
    keep = np.random.default_rng(seed).random(n) > 0.03  # holes in time for the clock-based rules
    return b.take(keep)


def test_lookahead_catches_a_strategy_reading_the_next_bar(leaky):
    rep = check_lookahead("peeks_next_bar", _bars(), cuts=10)
    assert not rep.ok and rep.leaking == ["peeks_next_bar"]
    leaks = rep.reports["peeks_next_bar"].leaks
    # cut at t keeps bars 0..t-1: the last kept bar lost its future, so bar t-1 is the one that changed
    assert all(leak.first_bar == leak.cut - 1 for leak in leaks if leak.output == "signal")
    assert "LEAK" in rep.summary() and "peeks_next_bar" in rep.summary()
    with pytest.raises(AssertionError):
        rep.raise_if_failed()


def test_lookahead_catches_a_plain_function_using_the_whole_series():
    def normalised(bars):  # the full-sample mean is a classic leak
        c = bars.close
        s = np.sign(c - c.mean()).astype(np.int8)
        return s, np.abs(s).astype(np.float32)

    rep = check_lookahead(normalised, _bars(), cuts=10)
    assert not rep.ok and rep.leaking == ["normalised"]


@pytest.mark.parametrize("taker", [True, False])
def test_every_registered_strategy_is_causal(taker):
    b = _bars(3000, seed=11 if taker else 12, taker=taker)
    rep = check_lookahead("all", b, cuts=15, max_change_cuts=40)
    rep_b = check_lookahead("baselines", b, cuts=15, max_change_cuts=40)
    assert rep.ok, rep.summary()
    assert rep_b.ok, rep_b.summary()
    assert set(rep.reports) | set(rep_b.reports) == set(REGISTRY)
    # the change-point cuts really happened: strategies that switch often got many cuts
    assert len(rep.reports["momentum_breakout"].cuts) > 30


def test_every_registered_strategy_lives_within_its_declared_warmup():
    b = make_bars(5000, seed=21, vol=0.003)
    rep = check_warmup(["all", "baselines"], b, starts=4)
    assert rep.ok, rep.summary()
    for name, r in rep.results.items():
        if not r.stateful:
            assert r.converged_at <= r.declared + 1, name
            # past the warm-up, the last value never moves
            for L, mism, dev in zip(r.lengths, r.signal_mismatch, r.max_conf_dev):
                if L > r.declared:
                    assert mism == 0.0 and dev <= 1e-5, (name, L)


def test_warmup_check_flags_a_strategy_that_understates_its_history():
    @register_strategy(name="long_memory", group="user", params={"n": (200, (50, 400))}, warmup=10)
    def long_memory(bars, n=200):
        """Uses 200 bars but claims 10."""
        c = bars.close
        out = np.zeros(len(c), dtype=np.int8)
        out[n:] = np.sign(c[n:] - c[:-n])
        return out, np.abs(out).astype(np.float32)

    try:
        rep = check_warmup("long_memory", make_bars(1500, seed=3))
        r = rep.results["long_memory"]
        assert not rep.ok and r.converged_at > 150 and "WARMUP TOO SHORT" in rep.summary()
    finally:
        unregister_strategy("long_memory")


@pytest.fixture
def store(tmp_path):
    from nexus.data.store import BarStore

    s = BarStore(tmp_path / "bars", fsync=False)
    s.write(make_bars(3000, seed=8, symbol="BTCUSDT", vol=0.003))
    return tmp_path / "bars"


def test_cli_lookahead_and_warmup(store, capsys, leaky):
    assert main(["--store", str(store), "check", "lookahead", "momentum_breakout,sma_crossover", "--bars", "2000", "--cuts", "5"]) == 0
    out = capsys.readouterr().out
    assert "momentum_breakout" in out and "sma_crossover" in out and "last 2000 bars" in out
    assert main(["--store", str(store), "check", "lookahead", "peeks_next_bar", "--cuts", "5"]) == 1
    assert "LOOKAHEAD found in: peeks_next_bar" in capsys.readouterr().out
    assert main(["--store", str(store), "check", "warmup", "detection"]) == 0
    out = capsys.readouterr().out
    assert "spoofing" in out and "liquidation" in out


def test_cli_user_errors_exit_2(store, capsys):
    assert main(["--store", str(store), "check", "lookahead", "no_such_strategy"]) == 2
    assert "unknown strategy or group 'no_such_strategy'" in capsys.readouterr().err
    assert main(["--store", str(store), "check", "lookahead", "all", "--symbol", "NOPE"]) == 2
