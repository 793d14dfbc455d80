"""Every strategy agrees with its slow plain-Python reference on random bars (with and without taker volume)."""

from __future__ import annotations

import numpy as np
import pytest

from nexus.strategies import REGISTRY, get_spec
from tests.conftest import make_bars
from tests.strategies import reference as ref

# parameters that make each rule fire often enough on a short random walk for the comparison to bite
CASES = {
    "event_driven": {"n": 30, "k": 2.5, "z": 1.0, "hold": 5},
    "low_volume_node": {"window": 120, "bin_bps": 5.0},
    "absorption": {"z": 1.0, "range_frac": 1.0},
    "momentum_breakout": {},
    "market_microstructure": {"n": 30},
    "order_book_imbalance": {"thr": 0.05},
    "liquidity_absorption": {"thr": 0.02, "vmult": 0.8},
    "spoofing": {"thr": 0.05, "z": 0.0},
    "iceberg": {"vmult": 0.8, "range_k": 4.0, "thr": 0.02},
    "liquidation": {"z": 1.0, "v_thr": 1.0},
    "liquidity_trap": {"k": 0.0},
    "mtf_alignment": {"k5": 4, "k60": 2},
    "cumulative_delta": {"thr": 1.0},
    "delta_divergence": {},
    "open_drive": {"session_minutes": 60, "open_minutes": 10, "k": 0.3},
    "profile_rotation": {"window": 120, "bin_bps": 5.0},
    "vwap_reversion": {"k": 1.0},
    "stop_run": {"tol": 1.0, "near": 2.0},
    "momentum_ignition": {"k": 1.5, "z": 0.5, "quiet_z": 3.0, "body": 0.3},
    "volume_imbalance": {"thr": 0.4},
    "sma_crossover": {"fast": 5, "slow": 30},
    "zscore_reversion": {},
    "ts_momentum": {"lookback": 20},
    "donchian_breakout": {},
}


def test_every_builtin_has_a_reference_case():
    builtins = {k for k, s in REGISTRY.items() if s.builtin}
    assert builtins == set(CASES) == set(ref.REFERENCES)
    assert len([k for k in builtins if REGISTRY[k].group != "baseline"]) == 20


def _bars(seed: int, taker: bool, gaps: bool):
    b = make_bars(1500, seed=seed, taker=taker, vol=0.003)
    if gaps:  # drop 5% of the bars: timestamps with holes exercise the time-based rules
        keep = np.random.default_rng(seed + 99).random(len(b)) > 0.05
        b = b.take(keep)
    return b


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("taker,gaps,seed", [(True, False, 1), (False, True, 2)])
def test_agrees_with_reference(name, taker, gaps, seed):
    b = _bars(seed, taker, gaps)
    spec = get_spec(name)
    params = CASES[name]
    sig, conf = spec.compute(b, params)
    S, Q = ref.REFERENCES[name](ref.Bars0(b), **spec.resolve(params))
    S, Q = np.array(S, dtype=np.int8), np.array(Q, dtype=np.float64)
    w = spec.warmup_for(params, b.timeframe_ns)
    S[:w] = 0
    Q[:w] = 0.0
    assert np.count_nonzero(S) >= 3, f"{name}: the reference barely fires ({np.count_nonzero(S)}); the case proves nothing"
    bad = np.flatnonzero(sig != S)
    assert bad.size == 0, f"{name}: signal differs at bars {bad[:10].tolist()}: kernel {sig[bad[:10]].tolist()} ref {S[bad[:10]].tolist()}"
    np.testing.assert_allclose(conf, Q, atol=2e-6, rtol=1e-5, err_msg=name)
    assert sig.dtype == np.int8 and conf.dtype == np.float32
    assert set(np.unique(sig)) <= {-1, 0, 1} and conf.min() >= 0 and conf.max() <= 1


@pytest.mark.parametrize("name", list(CASES))
def test_default_parameters_agree_with_reference(name):
    b = make_bars(2500, seed=7, vol=0.003)
    spec = get_spec(name)
    sig, conf = spec.compute(b)
    S, Q = ref.REFERENCES[name](ref.Bars0(b), **spec.defaults)
    S, Q = np.array(S, dtype=np.int8), np.array(Q, dtype=np.float64)
    w = spec.warmup_for(None, b.timeframe_ns)
    S[:w] = 0
    Q[:w] = 0.0
    np.testing.assert_array_equal(sig, S, err_msg=name)
    np.testing.assert_allclose(conf, Q, atol=2e-6, rtol=1e-5, err_msg=name)
