"""Truncating the input never changes an earlier output; warm-up sensitivity is small."""

from __future__ import annotations


from nexus.mqscore import api as mq
from nexus.lookahead import check_causal, check_warmup
from tests.conftest import make_bars


def test_every_output_is_causal():
    bars = make_bars(1200, seed=12)
    rep = check_causal(mq.mqscore, bars, n_random=10, seed=1, extra_cuts=(1, 198, 199, 200, 201, 1023, 1024, 1025, 1199))  # 1024: the engine's block edge
    rep.raise_if_failed()
    assert {"liquidity", "noise", "composite", "grade", "regime", "regime_scores", "confidence", "gate"} <= set(rep.outputs)


def test_components_are_causal():
    bars = make_bars(700, seed=13)
    check_causal(mq.components, bars, n_random=6, seed=2, extra_cuts=(250,)).raise_if_failed()


def test_warmup_report():
    """The last value moves only through the recursive indicators (EMA, Wilder), and less with more history."""
    bars = make_bars(3000, seed=14)
    rep = check_warmup(mq.mqscore, bars, lengths=(200, 500, 1000, 2000))
    dev = rep.deviation
    for name in ("liquidity", "volatility", "noise"):
        # no recursive component: exactly the same once W bars are there
        assert max(dev[name]) < 1e-12, (name, dev[name])
    # the VWAP deviation averages 20 W-bar VWAPs, so it needs W + 19 bars
    assert max(dev["imbalance"][1:]) < 1e-12 and dev["imbalance"][0] > 0
    for name in ("momentum", "trend", "composite"):
        assert dev[name][-1] <= dev[name][0] + 1e-15
        assert dev[name][-1] < 1e-6, (name, dev[name])
    assert "history" in rep.summary()
